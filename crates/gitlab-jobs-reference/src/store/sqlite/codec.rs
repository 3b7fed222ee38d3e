//! Conversions between rows and domain types.

use chrono::{DateTime, Utc};
use rusqlite::Row;
use rusqlite::types::{FromSql, FromSqlError, Type};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::model::{
    Environment, Id, Job, JobKind, JobStatus, Pipeline, PipelineVariablesRole, PresetFields,
    Project, Visibility, When,
};

/// Times are stored as microseconds since the epoch (what GitLab's timestamps resolve).
pub fn to_micros(time: DateTime<Utc>) -> i64 {
    time.timestamp_micros()
}

pub fn opt_micros(time: Option<DateTime<Utc>>) -> Option<i64> {
    time.map(to_micros)
}

fn conversion_error(column: usize, message: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, Type::Text, message.into())
}

pub fn time_at(row: &Row<'_>, column: usize) -> rusqlite::Result<DateTime<Utc>> {
    let micros: i64 = row.get(column)?;
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| conversion_error(column, format!("time out of range: {micros}")))
}

pub fn opt_time_at(row: &Row<'_>, column: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let micros: Option<i64> = row.get(column)?;
    micros
        .map(|micros| {
            DateTime::from_timestamp_micros(micros)
                .ok_or_else(|| conversion_error(column, format!("time out of range: {micros}")))
        })
        .transpose()
}

/// A column holding a name that parses into an enum.
pub fn parsed_at<T>(
    row: &Row<'_>,
    column: usize,
    parse: impl FnOnce(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let text: String = row.get(column)?;
    parse(&text).ok_or_else(|| conversion_error(column, format!("unexpected value {text:?}")))
}

/// A column holding JSON.
pub fn json_at<T: DeserializeOwned>(row: &Row<'_>, column: usize) -> rusqlite::Result<T> {
    row.get::<_, Json<T>>(column).map(|Json(value)| value)
}

pub fn opt_json_at<T: DeserializeOwned>(
    row: &Row<'_>,
    column: usize,
) -> rusqlite::Result<Option<T>> {
    Ok(row
        .get::<_, Option<Json<T>>>(column)?
        .map(|Json(value)| value))
}

/// An empty map as NULL, anything else as JSON (the job input columns).
pub fn map_json<K: Serialize, V: Serialize>(
    map: &std::collections::BTreeMap<K, V>,
) -> Option<String> {
    (!map.is_empty()).then(|| to_json(map))
}

pub fn to_json<T: Serialize>(value: &T) -> String {
    // Serialising the model's plain structs cannot fail (no maps with non-string keys).
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

pub fn status_at(row: &Row<'_>, column: usize) -> rusqlite::Result<JobStatus> {
    parsed_at(row, column, |text| text.parse().ok())
}

pub const JOB_COLUMNS: &str = "id, project_id, pipeline_id, kind, name, stage, status, ref, tag, \
    coverage, allow_failure, \"when\", created_at, queued_at, started_at, finished_at, \
    erased_at, erased_by, user_id, failure_reason, runner_id, runner_manager_id, tag_list, \
    artifacts_expire_at, archived, retried, downstream_pipeline_id, token, environment, \
    preset_web_url, preset_duration, preset_queued_duration, input_specs, input_values";

/// A job row selected with `JOB_COLUMNS`, without its variables.
pub fn job_from_row(row: &Row<'_>) -> rusqlite::Result<Job> {
    Ok(Job {
        id: row.get(0)?,
        project_id: row.get(1)?,
        pipeline_id: row.get(2)?,
        kind: parsed_at(row, 3, JobKind::parse)?,
        name: row.get(4)?,
        stage: row.get(5)?,
        status: status_at(row, 6)?,
        ref_name: row.get(7)?,
        tag: row.get(8)?,
        coverage: row.get(9)?,
        allow_failure: row.get(10)?,
        when: parsed_at(row, 11, |text| text.parse::<When>().ok())?,
        created_at: time_at(row, 12)?,
        queued_at: opt_time_at(row, 13)?,
        started_at: opt_time_at(row, 14)?,
        finished_at: opt_time_at(row, 15)?,
        erased_at: opt_time_at(row, 16)?,
        erased_by: row.get(17)?,
        user_id: row.get(18)?,
        failure_reason: row.get(19)?,
        runner_id: row.get(20)?,
        runner_manager_id: row.get(21)?,
        tag_list: json_at(row, 22)?,
        artifacts_expire_at: opt_time_at(row, 23)?,
        archived: row.get(24)?,
        retried: row.get(25)?,
        downstream_pipeline_id: row.get(26)?,
        token: row.get(27)?,
        environment: opt_json_at::<Environment>(row, 28)?,
        variables: Vec::new(),
        input_specs: opt_json_at(row, 32)?.unwrap_or_default(),
        input_values: opt_json_at(row, 33)?.unwrap_or_default(),
        preset: PresetFields {
            web_url: row.get(29)?,
            duration: row.get(30)?,
            queued_duration: row.get(31)?,
        },
    })
}

pub const PIPELINE_COLUMNS: &str = concat!(
    "id, iid, project_id, sha, ref, status, source, created_at, updated_at, web_url, ",
    crate::store::artifacts_locked_sql!("pipelines")
);

pub fn pipeline_from_row(row: &Row<'_>) -> rusqlite::Result<Pipeline> {
    Ok(Pipeline {
        id: row.get(0)?,
        iid: row.get(1)?,
        project_id: row.get(2)?,
        sha: row.get(3)?,
        ref_name: row.get(4)?,
        status: status_at(row, 5)?,
        source: row.get(6)?,
        created_at: time_at(row, 7)?,
        updated_at: time_at(row, 8)?,
        web_url: row.get(9)?,
        artifacts_locked: row.get(10)?,
    })
}

pub const PROJECT_COLUMNS: &str = "id, path_with_namespace, name, description, visibility, \
    public_builds, ci_job_token_scope_enabled, created_at, group_ids, \
    restrict_user_defined_variables, pipeline_variables_minimum_override_role";

/// A project row without its members (the caller loads them).
pub fn project_from_row(row: &Row<'_>) -> rusqlite::Result<Project> {
    Ok(Project {
        id: row.get(0)?,
        path_with_namespace: row.get(1)?,
        name: row.get(2)?,
        description: row.get(3)?,
        visibility: parsed_at(row, 4, Visibility::parse)?,
        public_builds: row.get(5)?,
        ci_job_token_scope_enabled: row.get(6)?,
        created_at: time_at(row, 7)?,
        group_ids: json_at::<Vec<Id>>(row, 8)?,
        restrict_user_defined_variables: row.get(9)?,
        pipeline_variables_role: parsed_at(row, 10, PipelineVariablesRole::parse)?,
        members: Vec::new(),
    })
}

/// Lets `row.get` read a column of JSON text straight into a model type.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned> FromSql for Json<T> {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let text = value.as_str()?;
        serde_json::from_str(text)
            .map(Json)
            .map_err(|error| FromSqlError::Other(Box::new(error)))
    }
}
