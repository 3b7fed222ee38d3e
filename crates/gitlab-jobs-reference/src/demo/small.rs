//! The demo fixture: four projects of the `acme` group (private, public, internal) plus the
//! empty `demo/load` project that `demo_jobs` fills, users of every access level with their
//! tokens, and pipelines on several refs with every kind of job the API shows.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use super::tokens;
use crate::fixtures::Fixtures;
use crate::model::format_time;

/// When the demo's first pipeline starts; every demo time is an offset from it.
pub const DEMO_BASE_TIME: (i32, u32, u32) = (2024, 3, 1);

pub(super) fn base_time() -> DateTime<Utc> {
    let (year, month, day) = DEMO_BASE_TIME;
    Utc.with_ymd_and_hms(year, month, day, 9, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// The demo time `minutes` after the base, as GitLab prints it.
fn at(minutes: i64) -> String {
    format_time(&(base_time() + Duration::minutes(minutes)))
}

fn user(id: i64, username: &str, name: &str) -> Value {
    json!({
        "id": id, "username": username, "name": name, "state": "active",
        "avatar_url": format!("https://www.gravatar.com/avatar/{id:032x}?s=80&d=identicon"),
        "created_at": "2023-01-15T08:00:00.000Z",
        "bio": "", "location": null, "public_email": null, "skype": "", "linkedin": "",
        "twitter": "", "discord": "", "website_url": "", "organization": "ACME",
        "job_title": "", "pronouns": null, "bot": false, "work_information": null
    })
}

fn commit(sha: &str, title: &str, author: &str, minutes: i64) -> Value {
    json!({
        "id": sha, "title": title, "message": format!("{title}\n"),
        "parent_ids": [], "author_name": author, "author_email": format!("{}@acme.example", author.to_lowercase()),
        "authored_date": at(minutes), "committer_name": author,
        "committer_email": format!("{}@acme.example", author.to_lowercase()),
        "committed_date": at(minutes), "created_at": at(minutes)
    })
}

fn shared_runner() -> Value {
    json!({
        "id": 1, "description": "shared-runner-1", "ip_address": null, "active": true, "paused": false,
        "is_shared": true, "runner_type": "instance_type", "name": "gitlab-runner", "online": true,
        "status": "online", "created_at": "2023-02-01T00:00:00.000Z", "job_execution_status": "active"
    })
}

fn backend_runner() -> Value {
    json!({
        "id": 2, "description": "backend-docker", "ip_address": null, "active": true, "paused": false,
        "is_shared": false, "runner_type": "project_type", "name": "gitlab-runner", "online": true,
        "status": "online", "created_at": "2023-02-01T00:00:00.000Z", "job_execution_status": "idle"
    })
}

/// The fields every demo job has; `extra` adds or overrides.
#[allow(clippy::too_many_arguments)]
fn job(
    id: i64,
    project_id: i64,
    pipeline_id: i64,
    name: &str,
    stage: &str,
    status: &str,
    ref_name: &str,
    user_id: i64,
    commit: &Value,
    extra: Value,
) -> Value {
    let mut job = json!({
        "id": id, "project_id": project_id, "name": name, "stage": stage, "status": status,
        "ref": ref_name, "tag": false, "coverage": null, "allow_failure": false,
        "created_at": at(0), "user": {"id": user_id}, "pipeline": {"id": pipeline_id},
        "commit": commit, "tag_list": []
    });
    if let (Some(fields), Value::Object(extra)) = (job.as_object_mut(), extra) {
        fields.extend(extra);
    }
    job
}

/// A finished job's times: queued at `start - 1`, ran `start..end` (minutes from the base).
fn ran(start: i64, end: i64) -> Value {
    json!({
        "created_at": at(start - 2), "queued_at": at(start - 1),
        "started_at": at(start), "finished_at": at(end)
    })
}

fn merge(mut left: Value, right: Value) -> Value {
    if let (Some(fields), Value::Object(right)) = (left.as_object_mut(), right) {
        fields.extend(right);
    }
    left
}

/// The demo data set. Its tokens are the constants of [`tokens`] (`demo-<username>-token`;
/// the running job's token is `demo-running-job-token`).
pub fn demo_fixtures() -> Fixtures {
    let main_a = "2f4a1c9e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39";
    let main_b = "7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b";
    let feature = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
    let tag = "0ff3ae198f8601a285adcf5c0fff204ee6fba5fd";
    let site = "5e4d3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2";
    let docs = "9d8c7b6a5f4e3d2c1b0a99887766554433221100";

    let commit_a = commit(main_a, "Add health check endpoint", "Alice", -60);
    let commit_b = commit(main_b, "Refactor session store", "Bob", 120);
    let commit_feature = commit(feature, "WIP: login with SSO", "Bob", 300);
    let commit_tag = commit(tag, "Release 1.0.0", "Alice", 500);
    let commit_site = commit(site, "Update landing page", "Alice", 30);
    let commit_docs = commit(docs, "Document the API", "Frank", 10);

    let backend = 1;
    let jobs = vec![
        // Pipeline 1, backend main: a complete successful run with artifacts and a bridge.
        job(
            1,
            backend,
            1,
            "compile",
            "build",
            "success",
            "main",
            3,
            &commit_a,
            merge(
                ran(1, 4),
                json!({
                    "runner": shared_runner(), "tag_list": ["linux", "docker"],
                    "trace": "$ cargo build --release\n   Compiling backend v1.0.0\n    Finished release\n",
                    "artifacts_files": {"target/release/backend": "\u{7f}ELF demo binary", "build-info.txt": "commit 2f4a1c9e\n"},
                    "artifacts_expire_at": "2034-03-01T09:04:00.000Z"
                }),
            ),
        ),
        job(
            2,
            backend,
            1,
            "rspec",
            "test",
            "success",
            "main",
            3,
            &commit_a,
            merge(
                ran(5, 12),
                json!({
                    "runner": backend_runner(), "coverage": 87.5, "tag_list": ["docker"],
                    "trace": "$ bundle exec rspec\n412 examples, 0 failures\nCoverage: 87.5%\n",
                    "artifacts_files": {"coverage/index.html": "<h1>87.5%</h1>", "rspec.xml": "<testsuite tests=\"412\"/>"}
                }),
            ),
        ),
        job(
            3,
            backend,
            1,
            "lint",
            "test",
            "success",
            "main",
            3,
            &commit_a,
            merge(
                ran(5, 6),
                json!({
                    "runner": shared_runner(), "trace": "$ rubocop\nno offenses detected\n"
                }),
            ),
        ),
        job(
            4,
            backend,
            1,
            "trigger-docs",
            "deploy",
            "success",
            "main",
            3,
            &commit_a,
            merge(
                ran(13, 14),
                json!({
                    "downstream_pipeline": {"id": 3}
                }),
            ),
        ),
        job(
            5,
            backend,
            1,
            "deploy-staging",
            "deploy",
            "success",
            "main",
            2,
            &commit_a,
            merge(
                ran(13, 16),
                json!({
                    "runner": backend_runner(), "trace": "Deploying to staging... done\n",
                    "environment": {"name": "staging", "tier": "staging", "slug": "staging"}
                }),
            ),
        ),
        job(
            6,
            backend,
            1,
            "deploy-production",
            "deploy",
            "manual",
            "main",
            2,
            &commit_a,
            json!({
                "created_at": at(-1), "when": "manual",
                "environment": {"name": "production", "tier": "production", "slug": "production"}
            }),
        ),
        // Pipeline 2, backend main: a failure, a retried job, and what the failure skipped.
        job(
            7,
            backend,
            2,
            "compile",
            "build",
            "success",
            "main",
            3,
            &commit_b,
            merge(
                ran(121, 124),
                json!({
                    "runner": shared_runner(), "trace": "$ cargo build --release\n    Finished release\n",
                    "artifacts_files": {"target/release/backend": "\u{7f}ELF demo binary v2"}
                }),
            ),
        ),
        job(
            8,
            backend,
            2,
            "rspec",
            "test",
            "failed",
            "main",
            3,
            &commit_b,
            merge(
                ran(125, 131),
                json!({
                    "runner": backend_runner(), "failure_reason": "script_failure",
                    "trace": "$ bundle exec rspec\nFailures:\n  1) Session store expires sessions\n412 examples, 1 failure\nERROR: Job failed: exit code 1\n"
                }),
            ),
        ),
        job(
            9,
            backend,
            2,
            "lint",
            "test",
            "failed",
            "main",
            3,
            &commit_b,
            merge(
                ran(125, 126),
                json!({
                    "retried": true, "failure_reason": "runner_system_failure",
                    "trace": "ERROR: Preparation failed: Cannot connect to the Docker daemon\n"
                }),
            ),
        ),
        job(
            10,
            backend,
            2,
            "lint",
            "test",
            "success",
            "main",
            2,
            &commit_b,
            merge(
                ran(127, 128),
                json!({
                    "runner": shared_runner(), "trace": "$ rubocop\nno offenses detected\n"
                }),
            ),
        ),
        job(
            11,
            backend,
            2,
            "deploy-staging",
            "deploy",
            "skipped",
            "main",
            3,
            &commit_b,
            json!({"created_at": at(119)}),
        ),
        // Pipeline 4, backend feature branch: running now, with a child pipeline.
        job(
            12,
            backend,
            4,
            "compile",
            "build",
            "success",
            "feature/sso-login",
            3,
            &commit_feature,
            merge(
                ran(301, 303),
                json!({
                    "runner": shared_runner(), "trace": "$ cargo build\n    Finished dev\n"
                }),
            ),
        ),
        job(
            13,
            backend,
            4,
            "rspec",
            "test",
            "running",
            "feature/sso-login",
            3,
            &commit_feature,
            json!({
                "created_at": at(299), "queued_at": at(303), "started_at": at(304),
                "runner": backend_runner(), "job_token": tokens::RUNNING_JOB,
                "trace": "$ bundle exec rspec\n..........",
                "environment": {"name": "review/feature-sso-login", "tier": "development", "slug": "review-feat-x1y2z3"}
            }),
        ),
        job(
            14,
            backend,
            4,
            "lint",
            "test",
            "pending",
            "feature/sso-login",
            3,
            &commit_feature,
            json!({
                "created_at": at(299), "queued_at": at(303)
            }),
        ),
        // A bridge without `strategy: depend` succeeds once its child pipeline is created.
        job(
            15,
            backend,
            4,
            "integration",
            "test",
            "success",
            "feature/sso-login",
            3,
            &commit_feature,
            merge(
                ran(303, 304),
                json!({
                    "downstream_pipeline": {"id": 5}
                }),
            ),
        ),
        job(
            16,
            backend,
            5,
            "integration-api",
            "test",
            "pending",
            "feature/sso-login",
            3,
            &commit_feature,
            json!({
                "created_at": at(304), "queued_at": at(304)
            }),
        ),
        // Pipeline 6, backend tag v1.0.0: a tagged release with a delayed job.
        job(
            17,
            backend,
            6,
            "package",
            "build",
            "success",
            "v1.0.0",
            2,
            &commit_tag,
            merge(
                ran(501, 505),
                json!({
                    "tag": true, "runner": shared_runner(), "trace": "Packaging backend-1.0.0.tar.gz\n",
                    "artifacts_files": {"dist/backend-1.0.0.tar.gz": "tarball bytes", "dist/SHA256SUMS": "abc123  backend-1.0.0.tar.gz\n"}
                }),
            ),
        ),
        job(
            18,
            backend,
            6,
            "publish",
            "release",
            "scheduled",
            "v1.0.0",
            2,
            &commit_tag,
            json!({
                "tag": true, "created_at": at(499), "when": "delayed"
            }),
        ),
        // Pipeline 7, public website.
        job(
            19,
            2,
            7,
            "build",
            "build",
            "success",
            "main",
            3,
            &commit_site,
            merge(
                ran(31, 33),
                json!({
                    "runner": shared_runner(), "trace": "$ npm run build\nbuilt in 3.1s\n"
                }),
            ),
        ),
        job(
            20,
            2,
            7,
            "pages",
            "deploy",
            "success",
            "main",
            3,
            &commit_site,
            merge(
                ran(34, 35),
                json!({
                    "runner": shared_runner(), "trace": "Uploading public/\n",
                    "artifacts_files": {"public/index.html": "<html><h1>ACME</h1></html>", "public/style.css": "h1{color:#e24329}"}
                }),
            ),
        ),
        // Pipeline 3, internal docs project, triggered by the backend's bridge.
        job(
            21,
            3,
            3,
            "build-docs",
            "build",
            "success",
            "main",
            7,
            &commit_docs,
            merge(
                ran(14, 15),
                json!({
                    "runner": shared_runner(), "trace": "$ mkdocs build\nINFO - Documentation built\n",
                    "artifacts_files": {"site/index.html": "<h1>Docs</h1>"}
                }),
            ),
        ),
    ];

    let value = json!({
        "users": [
            user(1, "root", "Administrator"), user(2, "alice", "Alice Maintainer"),
            user(3, "bob", "Bob Developer"), user(4, "carol", "Carol Reporter"),
            user(5, "dave", "Dave Guest"), user(6, "erin", "Erin Outsider"),
            user(7, "frank", "Frank Writer")
        ],
        "tokens": [
            {"token": tokens::OWNER, "user_id": 1}, {"token": tokens::MAINTAINER, "user_id": 2},
            {"token": tokens::DEVELOPER, "user_id": 3}, {"token": tokens::REPORTER, "user_id": 4},
            {"token": tokens::GUEST, "user_id": 5}, {"token": tokens::OUTSIDER, "user_id": 6},
            {"token": tokens::DOCS_DEVELOPER, "user_id": 7},
            {"token": tokens::EXPIRED, "user_id": 3, "expires_at": "2024-01-01"},
            {"token": tokens::REVOKED, "user_id": 3, "revoked": true}
        ],
        "projects": [
            {"id": 1, "path_with_namespace": "acme/backend", "name": "Backend", "description": "The ACME API",
             "visibility": "private", "created_at": "2023-03-01T10:00:00.000Z", "group_ids": [10],
             "members": [{"user_id": 1, "access_level": 50}, {"user_id": 2, "access_level": 40},
                         {"user_id": 3, "access_level": 30}, {"user_id": 4, "access_level": 20},
                         {"user_id": 5, "access_level": 10}],
             "agents": [{"id": 1, "config_project_id": 4, "configuration": {"default_namespace": "backend"}}]},
            {"id": 2, "path_with_namespace": "acme/website", "name": "Website", "visibility": "public",
             "created_at": "2023-03-02T10:00:00.000Z", "group_ids": [10],
             "members": [{"user_id": 2, "access_level": 40}, {"user_id": 3, "access_level": 30}]},
            {"id": 3, "path_with_namespace": "acme/docs", "name": "Docs", "visibility": "internal",
             "created_at": "2023-03-03T10:00:00.000Z", "group_ids": [10],
             "members": [{"user_id": 1, "access_level": 50}, {"user_id": 7, "access_level": 30}]},
            {"id": 4, "path_with_namespace": "acme/infra", "name": "Infra", "visibility": "private",
             "created_at": "2023-03-04T10:00:00.000Z", "group_ids": [10], "public_builds": false,
             "members": [{"user_id": 1, "access_level": 50}, {"user_id": 2, "access_level": 40},
                         {"user_id": 5, "access_level": 10}]},
            {"id": 5, "path_with_namespace": "demo/load", "name": "Load", "description": "Filled by demo_jobs",
             "visibility": "private", "created_at": "2023-04-01T10:00:00.000Z",
             "members": [{"user_id": 1, "access_level": 50}, {"user_id": 2, "access_level": 40},
                         {"user_id": 3, "access_level": 30}, {"user_id": 4, "access_level": 20}]}
        ],
        "pipelines": [
            {"id": 1, "iid": 1, "project_id": 1, "sha": main_a, "ref": "main", "status": "manual", "source": "push",
             "created_at": at(-2), "updated_at": at(16)},
            {"id": 2, "iid": 2, "project_id": 1, "sha": main_b, "ref": "main", "status": "failed", "source": "push",
             "created_at": at(119), "updated_at": at(131)},
            {"id": 3, "iid": 1, "project_id": 3, "sha": docs, "ref": "main", "status": "success", "source": "pipeline",
             "created_at": at(13), "updated_at": at(15)},
            {"id": 4, "iid": 3, "project_id": 1, "sha": feature, "ref": "feature/sso-login", "status": "running",
             "source": "merge_request_event", "created_at": at(299), "updated_at": at(304)},
            {"id": 5, "iid": 4, "project_id": 1, "sha": feature, "ref": "feature/sso-login", "status": "pending",
             "source": "parent_pipeline", "created_at": at(304), "updated_at": at(304)},
            {"id": 6, "iid": 5, "project_id": 1, "sha": tag, "ref": "v1.0.0", "status": "scheduled", "source": "push",
             "created_at": at(499), "updated_at": at(505)},
            {"id": 7, "iid": 1, "project_id": 2, "sha": site, "ref": "main", "status": "success", "source": "push",
             "created_at": at(29), "updated_at": at(35)}
        ],
        "jobs": jobs
    });
    // A constant of this file, not input: a mistake in it is a bug, caught by the demo tests.
    serde_json::from_value(value).expect("the demo fixture matches the fixture format")
}
