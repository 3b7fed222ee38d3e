//! Inserting records (fixtures and generated data). Statements are prepared once and cached,
//! and the caller wraps the whole import in one transaction.

use rusqlite::{Connection, params};

use super::codec::{to_json, to_micros};
use super::write::insert_job;
use crate::store::{Record, StoreError};

pub fn insert(connection: &Connection, record: &Record) -> Result<(), StoreError> {
    match record {
        Record::User(user) => {
            connection
                .prepare_cached("INSERT INTO users (id, username, body) VALUES (?1, ?2, ?3)")?
                .execute(params![user.id, user.username, to_json(user)])?;
        }
        Record::PersonalAccessToken {
            token,
            user_id,
            expires_at,
            revoked,
        } => {
            connection
                .prepare_cached(
                    "INSERT INTO personal_access_tokens (token, user_id, expires_at, revoked)
                     VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![
                    token,
                    user_id,
                    expires_at.map(|date| date.to_string()),
                    revoked
                ])?;
        }
        Record::Project(project) => {
            connection
                .prepare_cached(
                    "INSERT INTO projects (id, path_with_namespace, name, description, visibility,
                         public_builds, ci_job_token_scope_enabled, created_at, group_ids,
                         restrict_user_defined_variables, pipeline_variables_minimum_override_role)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )?
                .execute(params![
                    project.id,
                    project.path_with_namespace,
                    project.name,
                    project.description,
                    project.visibility.as_str(),
                    project.public_builds,
                    project.ci_job_token_scope_enabled,
                    to_micros(project.created_at),
                    to_json(&project.group_ids),
                    project.restrict_user_defined_variables,
                    project.pipeline_variables_role.as_str(),
                ])?;
            let mut member = connection.prepare_cached(
                "INSERT INTO project_members (project_id, user_id, access_level) VALUES (?1, ?2, ?3)",
            )?;
            for (user_id, level) in &project.members {
                member.execute(params![project.id, user_id, level.value()])?;
            }
        }
        Record::AgentAuthorization { project_id, agent } => {
            connection
                .prepare_cached(
                    "INSERT INTO agent_authorizations (project_id, agent_id, config_project_id, configuration)
                     VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![
                    project_id,
                    agent.id,
                    agent.config_project_id,
                    agent.configuration.as_ref().map(to_json),
                ])?;
        }
        Record::Pipeline(pipeline) => {
            connection
                .prepare_cached(
                    "INSERT INTO pipelines (id, iid, project_id, sha, ref, status, source,
                         created_at, updated_at, web_url)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )?
                .execute(params![
                    pipeline.id,
                    pipeline.iid,
                    pipeline.project_id,
                    pipeline.sha,
                    pipeline.ref_name,
                    pipeline.status.as_str(),
                    pipeline.source,
                    to_micros(pipeline.created_at),
                    to_micros(pipeline.updated_at),
                    pipeline.web_url,
                ])?;
        }
        Record::Commit { project_id, commit } => {
            connection
                .prepare_cached(
                    "INSERT OR REPLACE INTO commits (project_id, sha, body) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![project_id, commit.id, to_json(commit)])?;
        }
        Record::Runner(runner) => {
            connection
                .prepare_cached(
                    "INSERT INTO runners (id, body) VALUES (?1, ?2)
                     ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                )?
                .execute(params![runner.id, to_json(runner)])?;
        }
        Record::RegisteredRunner(registered) => {
            connection
                .prepare_cached(
                    "INSERT INTO runners (id, body, token, runner_type, scope)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (id) DO UPDATE SET body = excluded.body,
                         token = excluded.token, runner_type = excluded.runner_type,
                         scope = excluded.scope",
                )?
                .execute(params![
                    registered.runner.id,
                    to_json(&registered.runner),
                    registered.token,
                    registered.scope.runner_type,
                    to_json(&registered.scope),
                ])?;
        }
        Record::JobScript { job_id, script } => {
            connection
                .prepare_cached(
                    "INSERT OR REPLACE INTO job_scripts (job_id, body) VALUES (?1, ?2)",
                )?
                .execute(params![job_id, to_json(script)])?;
        }
        Record::RunnerManager(manager) => {
            connection
                .prepare_cached(
                    "INSERT OR REPLACE INTO runner_managers (id, body) VALUES (?1, ?2)",
                )?
                .execute(params![manager.id, to_json(manager)])?;
        }
        Record::Job(job) => {
            insert_job(connection, job)?;
        }
        Record::Trace { job_id, content } => {
            connection
                .prepare_cached("INSERT OR REPLACE INTO traces (job_id, content) VALUES (?1, ?2)")?
                .execute(params![job_id, content])?;
        }
        Record::Artifact {
            job_id,
            artifact,
            content,
        } => {
            connection
                .prepare_cached(
                    "INSERT OR REPLACE INTO job_artifacts (job_id, file_type, file_format, filename, size, content)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    job_id,
                    artifact.file_type,
                    artifact.file_format.as_str(),
                    artifact.filename,
                    artifact.size,
                    content,
                ])?;
        }
    }
    Ok(())
}
