//! Answers checked line by line against GitLab's source (issue 10, part 3, items 9 to 16, and
//! the Schemathesis findings): each test names the file it follows.

use gitlab_jobs_client::types::{self, ListProjectJobsPagination};
use md5::{Digest, Md5};
use serde_json::{Value, json};

use crate::support::*;

/// Item 9, lib/api/ci/jobs.rb (`/job/allowed_agents`): `project` is `{id, groups}` and `user`
/// is `{id, username, roles_in_project}`, nothing more.
#[tokio::test]
async fn allowed_agents_show_the_compact_project_and_user() {
    let server = demo().await;
    let agents = job_client(&server, tokens::RUNNING_JOB)
        .get_current_job_allowed_agents()
        .send()
        .await
        .expect("the allowed agents")
        .into_inner();
    let agents = serde_json::to_value(&agents).expect("serialises");
    assert_eq!(agents["project"], json!({"id": 1, "groups": [{"id": 10}]}));
    assert_eq!(
        agents["user"],
        json!({
            "id": 3,
            "username": "bob",
            "roles_in_project": ["guest", "planner", "reporter", "developer"],
        })
    );
    assert_eq!(agents["job"], json!({"id": 13}));
    assert_eq!(agents["pipeline"], json!({"id": 4}));
}

/// Item 10, lib/api/entities/ci/job_basic.rb: `build.commit` is nil when the repository does
/// not know the pipeline's sha, and the entity shows `"commit": null`.
#[tokio::test]
async fn a_job_whose_commit_is_unknown_shows_commit_null() {
    let server = small_with(|_| {}).await;
    let client = client(&server, "reporter-token");
    // Job 120's pipeline (sha bbbb…) has no commit in the fixture; job 100's has one.
    let unknown = client
        .get_job()
        .id("1")
        .job_id(120)
        .send()
        .await
        .expect("job 120");
    let unknown = serde_json::to_value(&*unknown).expect("serialises");
    assert_eq!(unknown.get("commit"), Some(&Value::Null), "{unknown}");
    let known = client
        .get_job()
        .id("1")
        .job_id(100)
        .send()
        .await
        .expect("job 100");
    assert_eq!(
        known.commit.as_ref().map(|commit| commit.title.as_str()),
        Some("Add app")
    );
}

/// Item 11, app/models/ci/runner.rb `deprecated_rest_status` (the entity's `status`): an
/// active runner is `online`/`offline`, one that is not active is `paused`; `stale` and
/// `never_contacted` win over both.
#[tokio::test]
async fn a_runner_that_is_not_active_has_status_paused() {
    let server = small_with(|value| {
        let jobs = value["jobs"].as_array_mut().expect("jobs");
        jobs[0]["runner"]["active"] = json!(false);
        jobs[0]["runner"]["paused"] = json!(true);
        let mut stale = jobs[1].clone();
        stale["id"] = json!(150);
        stale["runner"] = json!({"id": 6, "active": false, "paused": true, "status": "stale"});
        jobs.push(stale);
    })
    .await;
    let client = client(&server, "reporter-token");
    let status_of = |job: types::Job| job.runner.and_then(|runner| runner.status);
    let paused = client.get_job().id("1").job_id(100).send().await;
    assert_eq!(
        status_of(paused.expect("job 100").into_inner()).as_deref(),
        Some("paused")
    );
    let stale = client.get_job().id("1").job_id(150).send().await;
    assert_eq!(
        status_of(stale.expect("job 150").into_inner()).as_deref(),
        Some("stale")
    );
}

/// Item 12: an archive download carries its object store's `ETag`, the quoted MD5 of its bytes
/// (GitLab sets none itself: `present_artifacts_file!`, lib/api/helpers.rb; Workhorse's
/// `send_url` passes the store's on). Single files extracted from it carry none.
#[tokio::test]
async fn archive_downloads_carry_the_md5_of_their_bytes_as_etag() {
    let server = demo().await;
    let http = reqwest::Client::new();
    let api = server.api_url();
    for url in [
        format!("{api}/projects/1/jobs/1/artifacts"),
        format!("{api}/projects/2/jobs/artifacts/main/download?job=pages"),
    ] {
        let response = http
            .get(&url)
            .header("PRIVATE-TOKEN", tokens::DEVELOPER)
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), 200, "{url}");
        let etag = response
            .headers()
            .get("etag")
            .map(|value| value.to_str().expect("text").to_owned());
        let body = response.bytes().await.expect("a body");
        let md5: String = Md5::digest(&body)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        assert_eq!(etag, Some(format!("\"{md5}\"")), "{url}");
    }
    let file = http
        .get(format!("{api}/projects/1/jobs/1/artifacts/build-info.txt"))
        .header("PRIVATE-TOKEN", tokens::DEVELOPER)
        .send()
        .await
        .expect("answers");
    assert_eq!(file.status(), 200);
    assert!(file.headers().get("etag").is_none(), "{:?}", file.headers());
}

/// Item 14, lib/api/ci/pipelines.rb and app/finders/ci/jobs_finder.rb: the pipeline jobs list
/// asks for `read_pipeline` (403 without it); without `read_build` the finder's denial is
/// rescued into an empty, counted page. The bridges list asks for `read_build` first: 403.
/// In a public project with public pipelines off, everyone reads pipelines
/// (`public_access`) but only reporters read jobs (app/policies/project_policy.rb).
#[tokio::test]
async fn a_reader_of_pipelines_but_not_builds_gets_an_empty_jobs_page() {
    let server = small_with(|value| {
        // acme/site (public) and acme/app (private) with public pipelines off.
        value["projects"][0]["public_builds"] = json!(false);
        value["projects"][1]["public_builds"] = json!(false);
    })
    .await;
    let outsider = client(&server, "outsider-token");
    let jobs = outsider
        .list_pipeline_jobs()
        .id("acme/site")
        .pipeline_id(20)
        .send()
        .await
        .expect("anyone reads the pipelines of a public project");
    assert!(jobs.is_empty(), "{:?}", ids(&jobs));
    assert_eq!(header(&jobs, "x-total"), Some("0"));
    assert_eq!(header(&jobs, "x-total-pages"), Some("1"));
    assert_eq!(header(&jobs, "x-next-page"), Some(""));
    let (status, _) = error_of(
        outsider
            .list_pipeline_bridges()
            .id("acme/site")
            .pipeline_id(20)
            .send()
            .await,
    );
    assert_eq!(status, 403);
    // A member who reads builds sees job 200.
    let jobs = client(&server, "developer-token")
        .list_pipeline_jobs()
        .id("acme/site")
        .pipeline_id(20)
        .send()
        .await
        .expect("a developer reads builds");
    assert_eq!(ids(&jobs), [200]);
    // A guest of the private acme/app may not read its pipelines at all.
    let (status, body) = error_of(
        client(&server, "guest-token")
            .list_pipeline_jobs()
            .id("acme/app")
            .pipeline_id(10)
            .send()
            .await,
    );
    assert_eq!((status, message(&body)), (403, "403 Forbidden"));
}

/// Item 15, lib/api/ci/pipelines.rb: GET …/trigger_jobs (GitLab 19.2) and the deprecated
/// GET …/bridges both run `present_pipeline_trigger_jobs`: the same bodies and headers.
#[tokio::test]
async fn trigger_jobs_answer_as_bridges_do() {
    let server = demo().await;
    let bob = client(&server, tokens::DEVELOPER);
    let bridges = bob
        .list_pipeline_bridges()
        .id(BACKEND)
        .pipeline_id(1)
        .per_page(1)
        .send()
        .await
        .expect("bridges");
    let trigger_jobs = bob
        .list_pipeline_trigger_jobs()
        .id(BACKEND)
        .pipeline_id(1)
        .per_page(1)
        .send()
        .await
        .expect("trigger jobs");
    assert_eq!(
        serde_json::to_value(&*trigger_jobs).expect("serialises"),
        serde_json::to_value(&*bridges).expect("serialises")
    );
    assert_eq!(
        trigger_jobs
            .iter()
            .map(|bridge| bridge.id)
            .collect::<Vec<_>>(),
        [4]
    );
    for name in ["x-total", "x-total-pages", "x-page", "x-per-page"] {
        assert_eq!(
            header(&trigger_jobs, name),
            header(&bridges, name),
            "{name}"
        );
    }
    assert!(
        header(&trigger_jobs, "link")
            .is_some_and(|link| link.contains("/pipelines/1/trigger_jobs?")),
        "{:?}",
        header(&trigger_jobs, "link")
    );
    let (status, body) = error_of(
        bob.list_pipeline_trigger_jobs()
            .id(BACKEND)
            .pipeline_id(999)
            .send()
            .await,
    );
    assert_eq!((status, message(&body)), (404, "404 Not found"));
}

/// Item 16, lib/api/helpers/pagination_strategies.rb and
/// lib/gitlab/pagination/cursor_based_keyset.rb: the 405 past the offset limit applies to jobs
/// only with the ops feature flag `enforce_ci_builds_pagination_limit`, off by default. The
/// reference server answers as a default GitLab: a page past 50,000 is an empty 200.
#[tokio::test]
async fn offset_pages_past_fifty_thousand_answer_as_a_default_gitlab() {
    let server = demo().await;
    let jobs = client(&server, tokens::DEVELOPER)
        .list_project_jobs()
        .id(BACKEND)
        .page(2501)
        .per_page(20)
        .send()
        .await
        .expect("no offset limit without the feature flag");
    assert!(jobs.is_empty());
    assert_eq!(header(&jobs, "x-page"), Some("2501"));
}

/// lib/gitlab/pagination/keyset/paginator.rb `decode_cursor_attributes`: a blank cursor is the
/// first page (Schemathesis sent `cursor=`).
#[tokio::test]
async fn a_blank_keyset_cursor_is_the_first_page() {
    let server = demo().await;
    let bob = client(&server, tokens::DEVELOPER);
    let first = bob
        .list_project_jobs()
        .id(BACKEND)
        .pagination(ListProjectJobsPagination::Keyset)
        .per_page(3)
        .send()
        .await
        .expect("the first page");
    for blank in ["", "  "] {
        let page = bob
            .list_project_jobs()
            .id(BACKEND)
            .pagination(ListProjectJobsPagination::Keyset)
            .per_page(3)
            .cursor(blank)
            .send()
            .await
            .expect("a blank cursor");
        assert_eq!(ids(&page), ids(&first), "cursor {blank:?}");
    }
}
