//! What was read becomes a fixture file (`gitlab-jobs-reference fixtures-schema` describes
//! it): one project with a replay user and the recorded users as members, the pipelines, and
//! the jobs as the API returned them plus the fixture's extensions (`project_id`, `trace`,
//! `artifacts_archive`, `retried`).

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::Data;

/// GitLab's access levels given to the users of a recording.
const DEVELOPER: i64 = 30;
const MAINTAINER: i64 = 40;

/// A token in the fixture file, for the person replaying it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedToken {
    pub username: String,
    pub token: String,
    /// `maintainer` (the replay user) or `developer`.
    pub role: &'static str,
}

/// A fixture file and what it holds.
#[derive(Debug, Clone)]
pub struct Recording {
    /// The fixture document to write.
    pub fixtures: Value,
    /// The replay user first, then one per recorded user.
    pub tokens: Vec<RecordedToken>,
    pub jobs: usize,
    pub pipelines: usize,
    pub traces: usize,
    pub archives: usize,
    /// What could not be kept exactly (e.g. a log that is not UTF-8).
    pub warnings: Vec<String>,
}

/// `PREFIX-` and 32 random hex digits (from the operating system's generator).
pub fn generate_token(prefix: &str) -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|error| anyhow::anyhow!("no random numbers from the system: {error}"))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{prefix}-{hex}"))
}

pub(super) fn assemble(data: Data, project_arg: &str, replay_token: String) -> Result<Recording> {
    let Some(first) = data.jobs.first() else {
        bail!("project {project_arg} has no jobs to record");
    };
    let project_id = first
        .pointer("/pipeline/project_id")
        .and_then(Value::as_i64)
        .context("the jobs do not say their project's id (pipeline.project_id)")?;
    let path = if project_arg.parse::<i64>().is_ok() {
        first
            .get("web_url")
            .and_then(Value::as_str)
            .and_then(|url| project_path(url, "/-/jobs/"))
            .context("no project path in the jobs' web_url: give --project as group/project")?
    } else {
        project_arg.to_owned()
    };
    let token_scope = first
        .pointer("/project/ci_job_token_scope_enabled")
        .and_then(Value::as_bool)
        .unwrap_or(false);

    let mut users: BTreeMap<i64, Value> = BTreeMap::new();
    let mut pipelines: BTreeMap<i64, Value> = BTreeMap::new();
    let mut other_projects: BTreeMap<i64, String> = BTreeMap::new();
    for job in &data.jobs {
        if let Some(user) = job.get("user").filter(|u| u.is_object())
            && let Some(id) = user.get("id").and_then(Value::as_i64)
        {
            users.entry(id).or_insert_with(|| user.clone());
        }
        for key in ["pipeline", "downstream_pipeline"] {
            let Some(pipeline) = job.get(key).filter(|p| p.is_object()) else {
                continue;
            };
            let (Some(id), Some(owner)) = (
                pipeline.get("id").and_then(Value::as_i64),
                pipeline.get("project_id").and_then(Value::as_i64),
            ) else {
                continue;
            };
            if owner != project_id {
                let path = pipeline
                    .get("web_url")
                    .and_then(Value::as_str)
                    .and_then(|url| project_path(url, "/-/pipelines/"))
                    .unwrap_or_else(|| format!("recorded/project-{owner}"));
                other_projects.entry(owner).or_insert(path);
            }
            pipelines.entry(id).or_insert_with(|| pipeline.clone());
        }
    }

    let mut tokens = Vec::new();
    let replay_id = users.keys().max().map_or(1, |max| max + 1);
    let replay_name = unique_username(&users, "replay");
    tokens.push(RecordedToken {
        username: replay_name.clone(),
        token: replay_token,
        role: "maintainer",
    });
    let mut members = vec![json!({"user_id": replay_id, "access_level": MAINTAINER})];
    for (id, user) in &users {
        let username = user
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or("user")
            .to_owned();
        tokens.push(RecordedToken {
            token: generate_token(&format!("replay-{username}"))?,
            username,
            role: "developer",
        });
        members.push(json!({"user_id": id, "access_level": DEVELOPER}));
    }
    let mut token_list: Vec<Value> = vec![json!({"token": tokens[0].token, "user_id": replay_id})];
    token_list.extend(
        users
            .keys()
            .zip(&tokens[1..])
            .map(|(id, token)| json!({"token": token.token, "user_id": id})),
    );
    let mut user_list: Vec<Value> = users.values().cloned().collect();
    user_list.push(json!({
        "id": replay_id,
        "username": replay_name,
        "name": "Replay user",
        "state": "active",
    }));

    let mut projects = vec![json!({
        "id": project_id,
        "path_with_namespace": path,
        "ci_job_token_scope_enabled": token_scope,
        "members": members,
    })];
    projects.extend(
        other_projects
            .into_iter()
            .map(|(id, path)| json!({"id": id, "path_with_namespace": path})),
    );

    let traces: BTreeMap<i64, Vec<u8>> = data.traces.into_iter().collect();
    let archives: BTreeMap<i64, Vec<u8>> = data.archives.into_iter().collect();
    let mut warnings = Vec::new();
    let mut jobs = Vec::with_capacity(data.jobs.len());
    for job in data.jobs {
        let Value::Object(mut job) = job else {
            continue;
        };
        let id = job.get("id").and_then(Value::as_i64).unwrap_or_default();
        job.insert("project_id".into(), json!(project_id));
        if data.retried.contains(&id) {
            job.insert("retried".into(), json!(true));
        }
        if let Some(trace) = traces.get(&id) {
            let text = String::from_utf8(trace.clone()).unwrap_or_else(|_| {
                warnings.push(format!(
                    "the log of job {id} is not UTF-8: kept with U+FFFD for the invalid bytes"
                ));
                String::from_utf8_lossy(trace).into_owned()
            });
            job.insert("trace".into(), Value::String(text));
        }
        if let Some(archive) = archives.get(&id) {
            job.insert("artifacts_archive".into(), json!(STANDARD.encode(archive)));
        }
        jobs.push(Value::Object(without_nulls_the_fixture_rejects(job)));
    }
    Ok(Recording {
        jobs: jobs.len(),
        pipelines: pipelines.len(),
        traces: traces.len(),
        archives: archives.len(),
        fixtures: json!({
            "users": user_list,
            "tokens": token_list,
            "projects": projects,
            "pipelines": pipelines.into_values().collect::<Vec<_>>(),
            "jobs": jobs,
        }),
        tokens,
        warnings,
    })
}

/// Keys the fixture format reads as non-nullable lists or flags, where the API may send
/// `null` (e.g. `tag_list` of older GitLab): left out, they take their defaults.
fn without_nulls_the_fixture_rejects(mut job: Map<String, Value>) -> Map<String, Value> {
    for key in ["tag_list", "tag", "allow_failure", "archived"] {
        if job.get(key) == Some(&Value::Null) {
            job.remove(key);
        }
    }
    job
}

/// `group/project` out of `https://host/group/project/-/jobs/1` (with `marker` `/-/jobs/`).
fn project_path(web_url: &str, marker: &str) -> Option<String> {
    let after_scheme = web_url.split_once("://")?.1;
    let path = &after_scheme[after_scheme.find('/')? + 1..];
    let path = &path[..path.find(marker)?];
    path.contains('/').then(|| path.to_owned())
}

fn unique_username(users: &BTreeMap<i64, Value>, wanted: &str) -> String {
    let taken = |name: &str| {
        users
            .values()
            .any(|u| u.get("username").and_then(Value::as_str) == Some(name))
    };
    let mut name = wanted.to_owned();
    let mut n = 2;
    while taken(&name) {
        name = format!("{wanted}-{n}");
        n += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_project_path_in_web_urls() {
        assert_eq!(
            project_path(
                "https://gitlab.example.com/acme/sub/backend/-/jobs/8",
                "/-/jobs/"
            )
            .as_deref(),
            Some("acme/sub/backend")
        );
        assert_eq!(project_path("http://h:8080/x/-/jobs/1", "/-/jobs/"), None);
    }

    #[test]
    fn tokens_are_random_and_prefixed() {
        let a = generate_token("replay").expect("random");
        let b = generate_token("replay").expect("random");
        assert!(
            a.starts_with("replay-") && a.len() == "replay-".len() + 32,
            "{a}"
        );
        assert_ne!(a, b);
    }
}
