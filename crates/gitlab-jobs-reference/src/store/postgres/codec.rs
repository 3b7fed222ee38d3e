//! Conversions between rows and domain types. Times, booleans, arrays and dates are native
//! PostgreSQL types the `postgres` crate maps to chrono and Rust types; enums are stored by
//! their GitLab names; bodies (users, commits, runners) as JSON.

use ::postgres::Row;
use ::postgres::types::{FromSqlOwned, Json};
use serde::de::DeserializeOwned;

use crate::model::{
    AccessLevel, Environment, Id, Job, JobKind, JobStatus, JobVariable, Pipeline,
    PipelineVariablesRole, PresetFields, Project, Visibility, When,
};
use crate::store::StoreError;

/// A column of a type the crate converts.
pub fn get<T: FromSqlOwned>(row: &Row, column: usize) -> Result<T, StoreError> {
    Ok(row.try_get(column)?)
}

/// A column holding a name that parses into an enum.
pub fn parsed<T>(
    row: &Row,
    column: usize,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, StoreError> {
    let text: String = get(row, column)?;
    parse(&text).ok_or_else(|| {
        StoreError::Database(format!("unexpected value {text:?} in column {column}"))
    })
}

pub fn status(row: &Row, column: usize) -> Result<JobStatus, StoreError> {
    parsed(row, column, |text| text.parse().ok())
}

/// A `json` column read into a model type.
pub fn json<T: DeserializeOwned + 'static>(row: &Row, column: usize) -> Result<T, StoreError> {
    Ok(get::<Json<T>>(row, column)?.0)
}

pub fn opt_json<T: DeserializeOwned + 'static>(
    row: &Row,
    column: usize,
) -> Result<Option<T>, StoreError> {
    Ok(get::<Option<Json<T>>>(row, column)?.map(|Json(value)| value))
}

/// The columns `job_from_row` reads, in its order (the same list as SQLite's).
pub const JOB_COLUMNS: &str = "id, project_id, pipeline_id, kind, name, stage, status, ref, tag, \
    coverage, allow_failure, \"when\", created_at, queued_at, started_at, finished_at, \
    erased_at, erased_by, user_id, failure_reason, runner_id, runner_manager_id, tag_list, \
    artifacts_expire_at, archived, retried, downstream_pipeline_id, token, environment, \
    preset_web_url, preset_duration, preset_queued_duration, input_specs, input_values";

/// How many columns `JOB_COLUMNS` names: a query's own columns follow them.
pub const JOB_COLUMN_COUNT: usize = 34;

/// A job's variables as three arrays after `JOB_COLUMNS`, for `jobs` aliased `j`: with the
/// job in one statement rather than a second query. `COLLATE "C"`: byte order, as SQLite
/// sorts, whatever the database's locale.
pub const VARIABLE_ARRAYS: &str = "\
    ARRAY(SELECT key FROM job_variables v WHERE v.job_id = j.id ORDER BY key COLLATE \"C\"), \
    ARRAY(SELECT value FROM job_variables v WHERE v.job_id = j.id ORDER BY key COLLATE \"C\"), \
    ARRAY(SELECT variable_type FROM job_variables v WHERE v.job_id = j.id \
          ORDER BY key COLLATE \"C\")";

/// A row of `JOB_COLUMNS, VARIABLE_ARRAYS`.
pub fn job_with_variables(row: &Row) -> Result<Job, StoreError> {
    let mut job = job_from_row(row)?;
    let keys: Vec<String> = get(row, JOB_COLUMN_COUNT)?;
    let values: Vec<String> = get(row, JOB_COLUMN_COUNT + 1)?;
    let types: Vec<Option<String>> = get(row, JOB_COLUMN_COUNT + 2)?;
    job.variables = keys
        .into_iter()
        .zip(values)
        .zip(types)
        .map(|((key, value), variable_type)| JobVariable {
            key,
            value,
            variable_type,
        })
        .collect();
    Ok(job)
}

/// A job row selected with `JOB_COLUMNS`, without its variables.
pub fn job_from_row(row: &Row) -> Result<Job, StoreError> {
    Ok(Job {
        id: get(row, 0)?,
        project_id: get(row, 1)?,
        pipeline_id: get(row, 2)?,
        kind: parsed(row, 3, JobKind::parse)?,
        name: get(row, 4)?,
        stage: get(row, 5)?,
        status: status(row, 6)?,
        ref_name: get(row, 7)?,
        tag: get(row, 8)?,
        coverage: get(row, 9)?,
        allow_failure: get(row, 10)?,
        when: parsed(row, 11, |text| text.parse::<When>().ok())?,
        created_at: get(row, 12)?,
        queued_at: get(row, 13)?,
        started_at: get(row, 14)?,
        finished_at: get(row, 15)?,
        erased_at: get(row, 16)?,
        erased_by: get(row, 17)?,
        user_id: get(row, 18)?,
        failure_reason: get(row, 19)?,
        runner_id: get(row, 20)?,
        runner_manager_id: get(row, 21)?,
        tag_list: get(row, 22)?,
        artifacts_expire_at: get(row, 23)?,
        archived: get(row, 24)?,
        retried: get(row, 25)?,
        downstream_pipeline_id: get(row, 26)?,
        token: get(row, 27)?,
        environment: opt_json::<Environment>(row, 28)?,
        variables: Vec::new(),
        input_specs: opt_json(row, 32)?.unwrap_or_default(),
        input_values: opt_json(row, 33)?.unwrap_or_default(),
        preset: PresetFields {
            web_url: get(row, 29)?,
            duration: get(row, 30)?,
            queued_duration: get(row, 31)?,
        },
    })
}

pub const PIPELINE_COLUMNS: &str = concat!(
    "id, iid, project_id, sha, ref, status, source, created_at, updated_at, web_url, ",
    crate::store::artifacts_locked_sql!("pipelines")
);

pub fn pipeline_from_row(row: &Row) -> Result<Pipeline, StoreError> {
    Ok(Pipeline {
        id: get(row, 0)?,
        iid: get(row, 1)?,
        project_id: get(row, 2)?,
        sha: get(row, 3)?,
        ref_name: get(row, 4)?,
        status: status(row, 5)?,
        source: get(row, 6)?,
        created_at: get(row, 7)?,
        updated_at: get(row, 8)?,
        web_url: get(row, 9)?,
        artifacts_locked: get(row, 10)?,
    })
}

pub const PROJECT_COLUMNS: &str = "id, path_with_namespace, name, description, visibility, \
    public_builds, ci_job_token_scope_enabled, created_at, group_ids, \
    restrict_user_defined_variables, pipeline_variables_minimum_override_role";

/// How many columns `PROJECT_COLUMNS` names: a query's own columns follow them.
pub const PROJECT_COLUMN_COUNT: usize = 11;

/// A project member's `access_level` column.
pub fn access_level(level: i16) -> Result<AccessLevel, StoreError> {
    u8::try_from(level)
        .map_err(|_| format!("bad access level {level}"))
        .and_then(AccessLevel::try_from)
        .map_err(StoreError::Database)
}

/// A project's members as two arrays after `PROJECT_COLUMNS`, for `projects` aliased `p`.
pub const MEMBER_ARRAYS: &str = "\
    ARRAY(SELECT user_id FROM project_members m WHERE m.project_id = p.id ORDER BY user_id), \
    ARRAY(SELECT access_level FROM project_members m WHERE m.project_id = p.id \
          ORDER BY user_id)";

/// A row of `PROJECT_COLUMNS, MEMBER_ARRAYS`.
pub fn project_with_members(row: &Row) -> Result<Project, StoreError> {
    let mut project = project_from_row(row)?;
    let user_ids: Vec<Id> = get(row, PROJECT_COLUMN_COUNT)?;
    let levels: Vec<i16> = get(row, PROJECT_COLUMN_COUNT + 1)?;
    project.members = user_ids
        .into_iter()
        .zip(levels)
        .map(|(user_id, level)| Ok((user_id, access_level(level)?)))
        .collect::<Result<_, StoreError>>()?;
    Ok(project)
}

/// A project row without its members (the caller loads them).
pub fn project_from_row(row: &Row) -> Result<Project, StoreError> {
    Ok(Project {
        id: get(row, 0)?,
        path_with_namespace: get(row, 1)?,
        name: get(row, 2)?,
        description: get(row, 3)?,
        visibility: parsed(row, 4, Visibility::parse)?,
        public_builds: get(row, 5)?,
        ci_job_token_scope_enabled: get(row, 6)?,
        created_at: get(row, 7)?,
        group_ids: get(row, 8)?,
        restrict_user_defined_variables: get(row, 9)?,
        pipeline_variables_role: parsed(row, 10, PipelineVariablesRole::parse)?,
        members: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_counts_match_the_column_lists() {
        assert_eq!(JOB_COLUMNS.split(',').count(), JOB_COLUMN_COUNT);
        assert_eq!(PROJECT_COLUMNS.split(',').count(), PROJECT_COLUMN_COUNT);
    }
}
