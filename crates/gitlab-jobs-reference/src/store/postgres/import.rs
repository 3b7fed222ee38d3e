//! Inserting records (fixtures and generated data) in one transaction. Records are gathered
//! in batches and each batch is written table by table in dependency order, so a record may
//! refer to anything before it in the stream: pipelines and jobs (the bulk of a million-job
//! import) go through binary `COPY`, commits and logs through one `unnest` upsert per batch,
//! the few users, projects and runners row by row.

use std::collections::HashMap;
use std::hash::Hash;

use ::postgres::binary_copy::BinaryCopyInWriter;
use ::postgres::types::{Json, Type};

use super::tx::Tx;
use super::write::{Converted, JOB_COLUMNS, insert_job, job_values};
use crate::model::{Commit, Id, Job, Pipeline};
use crate::store::{ImportSummary, Record, StoreError};

/// Records per batch: large enough for `COPY` to pay off, small enough to bound memory.
const BATCH: usize = 20_000;

/// The tables whose ids fixtures give explicitly or which a fixture's validation reads.
/// `SHARE ROW EXCLUSIVE` conflicts with itself and with every write: imports take turns, the
/// use cases of other instances wait for the import to commit, readers go on. That keeps
/// explicit ids and the identity sequences (moved past them at the end) from racing.
pub const LOCK: &str = "LOCK TABLE users, projects, pipelines, jobs IN SHARE ROW EXCLUSIVE MODE";

/// Imports `records`, in one batch after another. The caller holds `LOCK`.
pub fn import(
    tx: &mut Tx<'_>,
    records: impl IntoIterator<Item = Record>,
) -> Result<ImportSummary, StoreError> {
    let mut summary = ImportSummary::default();
    let mut batch = Vec::with_capacity(BATCH);
    for record in records {
        summary.count(&record);
        batch.push(record);
        if batch.len() == BATCH {
            write_batch(tx, std::mem::take(&mut batch))?;
        }
    }
    write_batch(tx, batch)?;
    advance_identities(tx)?;
    Ok(summary)
}

/// Moves the `pipelines` and `jobs` identities past the largest id, so the next retry of any
/// instance gets a fresh id after explicit ids were inserted (SQLite's AUTOINCREMENT does the
/// same by itself).
fn advance_identities(tx: &mut Tx<'_>) -> Result<(), StoreError> {
    for table in ["pipelines", "jobs"] {
        tx.query_one(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false)
                 FROM {table}"
            ),
            &[],
        )?;
    }
    Ok(())
}

/// One batch's records, by table, in stream order.
#[derive(Default)]
struct Batch {
    /// Users, tokens, projects, agents: few, inserted one by one before everything else.
    early: Vec<Record>,
    commits: Vec<(Id, Commit)>,
    pipelines: Vec<Pipeline>,
    /// Runners and runner managers, one by one.
    runners: Vec<Record>,
    jobs: Vec<Job>,
    traces: Vec<(Id, String)>,
    /// Artifacts and job scripts, one by one (archives are large; there are few per job).
    artifacts: Vec<Record>,
}

fn write_batch(tx: &mut Tx<'_>, records: Vec<Record>) -> Result<(), StoreError> {
    let mut batch = Batch::default();
    for record in records {
        match record {
            Record::User(_)
            | Record::PersonalAccessToken { .. }
            | Record::Project(_)
            | Record::AgentAuthorization { .. } => batch.early.push(record),
            Record::Commit { project_id, commit } => batch.commits.push((project_id, commit)),
            Record::Pipeline(pipeline) => batch.pipelines.push(pipeline),
            Record::Runner(_) | Record::RegisteredRunner(_) | Record::RunnerManager(_) => {
                batch.runners.push(record)
            }
            Record::JobScript { .. } => batch.artifacts.push(record),
            Record::Job(job) => batch.jobs.push(*job),
            Record::Trace { job_id, content } => batch.traces.push((job_id, content)),
            Record::Artifact { .. } => batch.artifacts.push(record),
        }
    }
    for record in &batch.early {
        insert_one(tx, record)?;
    }
    upsert_commits(tx, batch.commits)?;
    copy_pipelines(tx, &batch.pipelines)?;
    for record in &batch.runners {
        insert_one(tx, record)?;
    }
    copy_jobs(tx, batch.jobs)?;
    upsert_traces(tx, batch.traces)?;
    for record in &batch.artifacts {
        insert_one(tx, record)?;
    }
    Ok(())
}

/// Keeps the last of the items with the same key, in the order of those last ones: what
/// inserting them one by one with "replace" would leave (one upsert statement cannot change
/// a row twice).
fn last_per_key<T, K: Hash + Eq>(items: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let last: HashMap<K, usize> = items
        .iter()
        .enumerate()
        .map(|(index, item)| (key(item), index))
        .collect();
    items
        .into_iter()
        .enumerate()
        .filter(|(index, item)| last.get(&key(item)) == Some(index))
        .map(|(_, item)| item)
        .collect()
}

fn upsert_commits(tx: &mut Tx<'_>, commits: Vec<(Id, Commit)>) -> Result<(), StoreError> {
    if commits.is_empty() {
        return Ok(());
    }
    let commits = last_per_key(commits, |(project_id, commit)| {
        (*project_id, commit.id.clone())
    });
    let project_ids: Vec<Id> = commits.iter().map(|(project_id, _)| *project_id).collect();
    let shas: Vec<&str> = commits
        .iter()
        .map(|(_, commit)| commit.id.as_str())
        .collect();
    let bodies: Vec<Json<&Commit>> = commits.iter().map(|(_, commit)| Json(commit)).collect();
    tx.execute(
        "INSERT INTO commits (project_id, sha, body)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::json[])
         ON CONFLICT (project_id, sha) DO UPDATE SET body = EXCLUDED.body",
        &[&project_ids, &shas, &bodies],
    )?;
    Ok(())
}

fn upsert_traces(tx: &mut Tx<'_>, traces: Vec<(Id, String)>) -> Result<(), StoreError> {
    if traces.is_empty() {
        return Ok(());
    }
    let traces = last_per_key(traces, |(job_id, _)| *job_id);
    let job_ids: Vec<Id> = traces.iter().map(|(job_id, _)| *job_id).collect();
    let contents: Vec<&[u8]> = traces
        .iter()
        .map(|(_, content)| content.as_bytes())
        .collect();
    tx.execute(
        "INSERT INTO traces (job_id, content) SELECT * FROM unnest($1::bigint[], $2::bytea[])
         ON CONFLICT (job_id) DO UPDATE SET content = EXCLUDED.content",
        &[&job_ids, &contents],
    )?;
    Ok(())
}

fn copy_pipelines(tx: &mut Tx<'_>, pipelines: &[Pipeline]) -> Result<(), StoreError> {
    if pipelines.is_empty() {
        return Ok(());
    }
    let writer = tx.copy_in(
        "COPY pipelines (id, iid, project_id, sha, ref, status, source, created_at, updated_at,
             web_url) FROM STDIN (FORMAT binary)",
    )?;
    let types = [
        Type::INT8,
        Type::INT8,
        Type::INT8,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TIMESTAMPTZ,
        Type::TIMESTAMPTZ,
        Type::TEXT,
    ];
    let mut writer = BinaryCopyInWriter::new(writer, &types);
    for pipeline in pipelines {
        writer.write(&[
            &pipeline.id,
            &pipeline.iid,
            &pipeline.project_id,
            &pipeline.sha,
            &pipeline.ref_name,
            &pipeline.status.as_str(),
            &pipeline.source,
            &pipeline.created_at,
            &pipeline.updated_at,
            &pipeline.web_url,
        ])?;
    }
    writer.finish()?;
    Ok(())
}

const JOB_TYPES: [Type; 34] = [
    Type::INT8,        // id
    Type::INT8,        // project_id
    Type::INT8,        // pipeline_id
    Type::TEXT,        // kind
    Type::TEXT,        // name
    Type::TEXT,        // stage
    Type::TEXT,        // status
    Type::TEXT,        // ref
    Type::BOOL,        // tag
    Type::FLOAT8,      // coverage
    Type::BOOL,        // allow_failure
    Type::TEXT,        // when
    Type::TIMESTAMPTZ, // created_at
    Type::TIMESTAMPTZ, // queued_at
    Type::TIMESTAMPTZ, // started_at
    Type::TIMESTAMPTZ, // finished_at
    Type::TIMESTAMPTZ, // erased_at
    Type::INT8,        // erased_by
    Type::INT8,        // user_id
    Type::TEXT,        // failure_reason
    Type::INT8,        // runner_id
    Type::INT8,        // runner_manager_id
    Type::TEXT_ARRAY,  // tag_list
    Type::TIMESTAMPTZ, // artifacts_expire_at
    Type::BOOL,        // archived
    Type::BOOL,        // retried
    Type::INT8,        // downstream_pipeline_id
    Type::TEXT,        // token
    Type::JSON,        // environment
    Type::TEXT,        // preset_web_url
    Type::FLOAT8,      // preset_duration
    Type::FLOAT8,      // preset_queued_duration
    Type::JSON,        // input_specs
    Type::JSON,        // input_values
];

/// Copies the jobs, then their variables. A job without an id (0) draws one from the
/// identity first.
fn copy_jobs(tx: &mut Tx<'_>, mut jobs: Vec<Job>) -> Result<(), StoreError> {
    if jobs.is_empty() {
        return Ok(());
    }
    for job in jobs.iter_mut().filter(|job| job.id == 0) {
        job.id = tx
            .query_one("SELECT nextval(pg_get_serial_sequence('jobs', 'id'))", &[])?
            .try_get(0)?;
    }
    let writer = tx.copy_in(&format!(
        "COPY jobs ({JOB_COLUMNS}) FROM STDIN (FORMAT binary)"
    ))?;
    let mut writer = BinaryCopyInWriter::new(writer, &JOB_TYPES);
    for job in &jobs {
        let converted = Converted::of(job);
        let row = job_values(&job.id, job, &converted);
        writer.write(&row)?;
    }
    writer.finish()?;
    copy_variables(tx, &jobs)
}

fn copy_variables(tx: &mut Tx<'_>, jobs: &[Job]) -> Result<(), StoreError> {
    let variables: Vec<_> = jobs
        .iter()
        .flat_map(|job| job.variables.iter().map(move |variable| (job.id, variable)))
        .collect();
    if variables.is_empty() {
        return Ok(());
    }
    // A key given twice for one job keeps its last value, as `INSERT OR REPLACE` does.
    let variables = last_per_key(variables, |(job_id, variable)| {
        (*job_id, variable.key.clone())
    });
    let writer = tx.copy_in(
        "COPY job_variables (job_id, key, value, variable_type) FROM STDIN (FORMAT binary)",
    )?;
    let mut writer =
        BinaryCopyInWriter::new(writer, &[Type::INT8, Type::TEXT, Type::TEXT, Type::TEXT]);
    for (job_id, variable) in &variables {
        writer.write(&[
            job_id,
            &variable.key,
            &variable.value,
            &variable.variable_type,
        ])?;
    }
    writer.finish()?;
    Ok(())
}

/// Writes one record, with SQLite's "replace" where its import has it. The batch uses it for
/// the kinds of records that come few at a time.
fn insert_one(tx: &mut Tx<'_>, record: &Record) -> Result<(), StoreError> {
    match record {
        Record::User(user) => {
            tx.execute(
                "INSERT INTO users (id, username, body) VALUES ($1, $2, $3)",
                &[&user.id, &user.username, &Json(user)],
            )?;
        }
        Record::PersonalAccessToken {
            token,
            user_id,
            expires_at,
            revoked,
        } => {
            tx.execute(
                "INSERT INTO personal_access_tokens (token, user_id, expires_at, revoked)
                 VALUES ($1, $2, $3, $4)",
                &[token, user_id, expires_at, revoked],
            )?;
        }
        Record::Project(project) => {
            tx.execute(
                "INSERT INTO projects (id, path_with_namespace, name, description, visibility,
                     public_builds, ci_job_token_scope_enabled, created_at, group_ids,
                     restrict_user_defined_variables, pipeline_variables_minimum_override_role)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &[
                    &project.id,
                    &project.path_with_namespace,
                    &project.name,
                    &project.description,
                    &project.visibility.as_str(),
                    &project.public_builds,
                    &project.ci_job_token_scope_enabled,
                    &project.created_at,
                    &project.group_ids,
                    &project.restrict_user_defined_variables,
                    &project.pipeline_variables_role.as_str(),
                ],
            )?;
            for (user_id, level) in &project.members {
                tx.execute(
                    "INSERT INTO project_members (project_id, user_id, access_level)
                     VALUES ($1, $2, $3)",
                    &[&project.id, user_id, &i16::from(level.value())],
                )?;
            }
        }
        Record::AgentAuthorization { project_id, agent } => {
            tx.execute(
                "INSERT INTO agent_authorizations (project_id, agent_id, config_project_id,
                     configuration)
                 VALUES ($1, $2, $3, $4)",
                &[
                    project_id,
                    &agent.id,
                    &agent.config_project_id,
                    &agent.configuration.as_ref().map(Json),
                ],
            )?;
        }
        Record::Runner(runner) => {
            tx.execute(
                "INSERT INTO runners (id, body) VALUES ($1, $2)
                 ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body",
                &[&runner.id, &Json(runner)],
            )?;
        }
        Record::RegisteredRunner(registered) => {
            tx.execute(
                "INSERT INTO runners (id, body, token, runner_type, scope)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body, token = EXCLUDED.token,
                     runner_type = EXCLUDED.runner_type, scope = EXCLUDED.scope",
                &[
                    &registered.runner.id,
                    &Json(&registered.runner),
                    &registered.token,
                    &registered.scope.runner_type,
                    &Json(&registered.scope),
                ],
            )?;
        }
        Record::JobScript { job_id, script } => {
            tx.execute(
                "INSERT INTO job_scripts (job_id, body) VALUES ($1, $2)
                 ON CONFLICT (job_id) DO UPDATE SET body = EXCLUDED.body",
                &[job_id, &Json(script)],
            )?;
        }
        Record::RunnerManager(manager) => {
            tx.execute(
                "INSERT INTO runner_managers (id, body) VALUES ($1, $2)
                 ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body",
                &[&manager.id, &Json(manager)],
            )?;
        }
        Record::Artifact {
            job_id,
            artifact,
            content,
        } => {
            // A replaced entry takes a new position (EXCLUDED carries the fresh default), so
            // it lists last, like SQLite's replaced row with its new rowid.
            tx.execute(
                "INSERT INTO job_artifacts (job_id, file_type, file_format, filename, size, content)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (job_id, file_type) DO UPDATE SET file_format = EXCLUDED.file_format,
                     filename = EXCLUDED.filename, size = EXCLUDED.size,
                     content = EXCLUDED.content, position = EXCLUDED.position",
                &[
                    job_id,
                    &artifact.file_type,
                    &artifact.file_format.as_str(),
                    &artifact.filename,
                    &artifact.size,
                    content,
                ],
            )?;
        }
        Record::Job(job) => {
            insert_job(tx, job)?;
        }
        Record::Trace { job_id, content } => {
            upsert_traces(tx, vec![(*job_id, content.clone())])?;
        }
        Record::Commit { project_id, commit } => {
            upsert_commits(tx, vec![(*project_id, commit.clone())])?;
        }
        Record::Pipeline(pipeline) => {
            copy_pipelines(tx, std::slice::from_ref(pipeline))?;
        }
    }
    Ok(())
}
