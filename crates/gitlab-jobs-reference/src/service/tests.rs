//! The operations end to end against the small fixture: the authentication and authorization
//! matrix, GitLab's error bodies and the presented entities. Each test taking a `&Backend` runs
//! against every store (`store_suite!` at the end).

use serde_json::{Value, json};

use super::*;
use crate::model::{InputValues, JobVariable};
use crate::store::{PageInfo, Pagination};
use crate::test_support::{Backend, TestStore, now, sent, store_suite};

/// The service on a store with the small fixture, keeping the store's database alive.
struct TestService {
    service: JobsService,
    _store: TestStore,
}

impl std::ops::Deref for TestService {
    type Target = JobsService;

    fn deref(&self) -> &JobsService {
        &self.service
    }
}

fn service(backend: &Backend) -> TestService {
    let store = backend.small_store();
    TestService {
        service: JobsService::with_clock(store.shared(), "http://gitlab.test/", Arc::new(now)),
        _store: store,
    }
}

/// The small fixture with `more` loaded on top: the store (to look at) and the service on it.
fn service_with(backend: &Backend, more: &crate::fixtures::Fixtures) -> (TestStore, JobsService) {
    let store = backend.small_store();
    store
        .load_fixtures(more)
        .expect("loads on top of the small fixture");
    let service = JobsService::with_clock(store.shared(), "http://gitlab.test/", Arc::new(now));
    (store, service)
}

fn token(token: &str) -> Credentials {
    Credentials::PrivateToken(token.to_owned())
}

fn status_of<T: std::fmt::Debug>(result: Result<T, ApiError>) -> u16 {
    match result {
        Ok(_) => 200,
        Err(error) => error.status,
    }
}

fn body_of<T: std::fmt::Debug>(result: Result<T, ApiError>) -> Value {
    result.expect_err("an error").json()
}

/// An entity as the server sends it (chrono writes `…00Z` for GitLab's `…00.000Z`).
fn json_of<T: serde::Serialize>(entity: &T) -> Value {
    serde_json::to_value(entity).expect("an entity serialises")
}

fn first_page() -> Pagination {
    Pagination::offset(None, None, true)
}

// --- authentication ------------------------------------------------------------------------

fn missing_and_unknown_tokens_are_401(backend: &Backend) {
    let service = service(backend);
    assert_eq!(
        body_of(service.get_job(&Credentials::Anonymous, "1", 100)),
        json!({"message": "401 Unauthorized"})
    );
    assert_eq!(status_of(service.get_job(&token("wrong"), "1", 100)), 401);
    assert_eq!(
        status_of(service.get_job(&Credentials::Bearer("wrong".into()), "1", 100)),
        401
    );
}

fn revoked_and_expired_tokens_get_invalid_token(backend: &Backend) {
    let service = service(backend);
    assert_eq!(
        body_of(service.get_job(&token("revoked-token"), "1", 100)),
        json!({"error": "invalid_token", "error_description": "Token was revoked. You have to re-authorize from the user."})
    );
    assert_eq!(
        body_of(service.get_job(&token("expired-token"), "1", 100)),
        json!({"error": "invalid_token", "error_description": "Token is expired. You can either do re-authorization or token refresh."})
    );
}

fn a_personal_token_works_in_every_form(backend: &Backend) {
    let service = service(backend);
    assert_eq!(
        status_of(service.get_job(&token("reporter-token"), "1", 100)),
        200
    );
    assert_eq!(
        status_of(service.get_job(&Credentials::Bearer("reporter-token".into()), "1", 100)),
        200
    );
    assert_eq!(
        status_of(service.get_job(&token("reporter-token"), "acme/app", 100)),
        200
    );
}

// --- projects and access levels ------------------------------------------------------------

fn invisible_projects_are_404_project_not_found(backend: &Backend) {
    let service = service(backend);
    let not_found = json!({"message": "404 Project Not Found"});
    assert_eq!(
        body_of(service.get_job(&token("outsider-token"), "1", 100)),
        not_found
    );
    assert_eq!(
        body_of(service.get_job(&token("owner-token"), "42", 100)),
        not_found
    );
    assert_eq!(
        body_of(service.get_job(&token("owner-token"), "acme/nope", 100)),
        not_found
    );
    assert_eq!(
        body_of(service.get_job(&token("owner-token"), "app", 100)),
        not_found,
        "neither id nor path"
    );
}

fn guests_cannot_read_jobs_of_a_private_project(backend: &Backend) {
    let service = service(backend);
    assert_eq!(
        body_of(service.get_job(&token("guest-token"), "1", 100)),
        json!({"message": "403 Forbidden"})
    );
    let list = service.list_project_jobs(&token("guest-token"), "1", &[], first_page());
    assert_eq!(status_of(list), 403);
}

fn reporters_read_but_do_not_act(backend: &Backend) {
    let service = service(backend);
    let reporter = token("reporter-token");
    assert_eq!(status_of(service.get_job_trace(&reporter, "1", 100)), 200);
    assert_eq!(
        status_of(service.cancel_job(&reporter, "1", 110, false)),
        403
    );
    assert_eq!(
        status_of(service.retry_job(&reporter, "1", 101, &InputValues::new())),
        403
    );
    assert_eq!(
        status_of(service.play_job(&reporter, "1", 102, &[], &InputValues::new())),
        403
    );
    assert_eq!(status_of(service.erase_job(&reporter, "1", 100)), 403);
    assert_eq!(
        status_of(service.keep_job_artifacts(&reporter, "1", 100)),
        403
    );
}

fn the_order_of_checks_is_gitlabs(backend: &Backend) {
    let service = service(backend);
    let reporter = token("reporter-token");
    // cancel: `authorize_cancel_builds!` before `find_build!`.
    assert_eq!(
        status_of(service.cancel_job(&reporter, "1", 999, false)),
        403
    );
    // retry: `find_job!` before `authorize!(:retry_job)`.
    assert_eq!(
        body_of(service.retry_job(&reporter, "1", 999, &InputValues::new())),
        json!({"message": "404 Not found"})
    );
    // bridges list: `read_build` before the pipeline lookup.
    assert_eq!(
        status_of(service.list_pipeline_bridges(
            &token("guest-token"),
            "1",
            999,
            &[],
            first_page()
        )),
        403
    );
    assert_eq!(
        status_of(service.list_pipeline_bridges(&reporter, "1", 999, &[], first_page())),
        404
    );
}

fn developers_act_and_maintainers_force(backend: &Backend) {
    let service = service(backend);
    let developer = token("developer-token");
    assert_eq!(
        status_of(service.cancel_job(&developer, "1", 110, true)),
        403,
        "force needs a maintainer"
    );
    let canceled = service
        .cancel_job(&developer, "1", 110, false)
        .expect("cancels");
    let canceled = json_of(&canceled);
    assert_eq!(canceled["status"], "canceled");
    assert_eq!(
        status_of(service.delete_job_artifacts(&developer, "1", 100)),
        403
    );
    assert_eq!(
        status_of(service.delete_job_artifacts(&token("maintainer-token"), "1", 100)),
        200
    );
}

fn developers_erase_only_their_own_jobs(backend: &Backend) {
    let service = service(backend);
    // Job 140 was triggered by the maintainer, job 100 by the developer.
    assert_eq!(
        status_of(service.erase_job(&token("developer-token"), "1", 140)),
        403
    );
    let erased = service
        .erase_job(&token("developer-token"), "1", 100)
        .expect("erases own job");
    let erased = json_of(&erased);
    assert_eq!(erased["erased_at"], "2024-01-02T00:00:00Z");
    assert_eq!(erased["artifacts"], json!([]));
    assert!(erased.get("artifacts_file").is_none());
    assert_eq!(
        status_of(service.erase_job(&token("maintainer-token"), "1", 140)),
        200
    );
}

fn public_projects_are_readable_by_everyone_signed_in(backend: &Backend) {
    let service = service(backend);
    assert_eq!(
        status_of(service.get_job(&token("outsider-token"), "acme/site", 200)),
        200
    );
    assert_eq!(
        status_of(service.get_job(&Credentials::Anonymous, "acme/site", 200)),
        401,
        "jobs.rb authenticates"
    );
    assert_eq!(
        status_of(service.retry_job(&token("outsider-token"), "2", 200, &InputValues::new())),
        403
    );
}

fn anonymous_reads_of_public_pipelines_and_artifacts_work(backend: &Backend) {
    let service = service(backend);
    let anonymous = Credentials::Anonymous;
    let jobs = service
        .list_pipeline_jobs(&anonymous, "2", 20, &[], false, first_page())
        .expect("lists");
    assert_eq!(jobs.items.len(), 1);
    assert_eq!(
        status_of(service.get_job_artifacts(&anonymous, "2", 200)),
        200
    );
    assert_eq!(
        body_of(service.get_job_artifacts(&anonymous, "1", 100)),
        json!({"message": "404 Project Not Found"})
    );
    assert_eq!(
        status_of(service.keep_job_artifacts(&anonymous, "2", 200)),
        401,
        "writes need a user"
    );
}

// --- job tokens ----------------------------------------------------------------------------

fn job_tokens_work_only_where_gitlab_accepts_them(backend: &Backend) {
    let service = service(backend);
    let job_token = Credentials::JobToken("running-job-token".into());
    assert_eq!(
        status_of(service.list_project_jobs(&job_token, "1", &[], first_page())),
        200
    );
    assert_eq!(
        status_of(service.list_pipeline_jobs(&job_token, "1", 12, &[], false, first_page())),
        200
    );
    assert_eq!(
        status_of(service.get_job_artifacts(&job_token, "1", 100)),
        200
    );
    assert_eq!(
        status_of(service.get_job(&job_token, "1", 100)),
        401,
        "not on single-job routes"
    );
    assert_eq!(
        status_of(service.retry_job(&job_token, "1", 101, &InputValues::new())),
        401
    );
    assert_eq!(
        body_of(service.list_project_jobs(&job_token, "2", &[], first_page())),
        json!({"message": "404 Project Not Found"}),
        "only the job's own project"
    );
}

fn the_current_job_needs_a_running_jobs_token(backend: &Backend) {
    let service = service(backend);
    let current = service
        .get_current_job(&Credentials::JobToken("running-job-token".into()))
        .expect("found");
    let current = json_of(&current);
    assert_eq!(
        (current["id"].clone(), current["status"].clone()),
        (json!(110), json!("running"))
    );
    let bearer = service
        .get_current_job(&Credentials::Bearer("running-job-token".into()))
        .expect("bearer works");
    let bearer = json_of(&bearer);
    assert_eq!(bearer["id"], 110);
    assert_eq!(
        body_of(service.get_current_job(&token("developer-token"))),
        json!({"message": "404 Job Not Found"})
    );
    assert_eq!(
        status_of(service.get_current_job(&Credentials::JobToken("pending-job-token".into()))),
        401
    );
    assert_eq!(
        status_of(service.get_current_job(&Credentials::JobToken("nope".into()))),
        401
    );
    assert_eq!(
        status_of(service.get_current_job(&Credentials::Anonymous)),
        401
    );
}

fn allowed_agents_describe_the_job_and_its_user(backend: &Backend) {
    let service = service(backend);
    let body = service
        .get_current_job_allowed_agents(&Credentials::JobToken("running-job-token".into()))
        .expect("answers");
    assert_eq!(body["job"], json!({"id": 110}));
    assert_eq!(body["pipeline"], json!({"id": 12}));
    assert_eq!(
        body["project"],
        json!({"id": 1, "groups": [{"id": 7}, {"id": 3}]})
    );
    assert_eq!(
        body["user"],
        json!({"id": 3, "username": "dev", "roles_in_project": ["guest", "planner", "reporter", "developer"]})
    );
    assert_eq!(
        body["environment"],
        json!({"tier": "development", "slug": "review-feature-abc"})
    );
    let agent = &body["allowed_agents"][0];
    assert_eq!(agent["id"], 9);
    assert_eq!(agent["configuration"], json!({"default_namespace": "apps"}));
    assert_eq!(agent["config_project"]["path_with_namespace"], "acme/infra");
    assert_eq!(
        agent["config_project"]["name_with_namespace"],
        "acme / Infra"
    );
}

// --- state machine through the API ---------------------------------------------------------

fn gitlab_error_bodies_for_refused_transitions(backend: &Backend) {
    let service = service(backend);
    let developer = token("developer-token");
    assert_eq!(
        body_of(service.get_job(&developer, "1", 999)),
        json!({"message": "404 Not found"})
    );
    assert_eq!(
        body_of(service.retry_job(&developer, "1", 110, &InputValues::new())),
        json!({"message": "403 Forbidden - Job is not retryable"})
    );
    assert_eq!(
        body_of(service.erase_job(&developer, "1", 110)),
        json!({"message": "403 Forbidden - Job is not erasable!"})
    );
    assert_eq!(
        body_of(service.play_job(&developer, "1", 100, &[], &InputValues::new())),
        json!({"message": "400 Bad request - Unplayable Job"})
    );
    assert_eq!(
        body_of(service.get_job(&developer, "1", 103)),
        json!({"message": "404 Not found"}),
        "a bridge is no build"
    );
}

fn retry_answers_the_new_job(backend: &Backend) {
    let service = service(backend);
    let new = service
        .retry_job(&token("developer-token"), "1", 101, &InputValues::new())
        .expect("retries");
    let new = json_of(&new);
    assert_ne!(new["id"], 101);
    assert_eq!(new["status"], "pending");
    assert_eq!(new["user"]["username"], "dev");
    assert!(new.get("failure_reason").is_none());
}

fn play_answers_the_played_job_or_bridge(backend: &Backend) {
    let service = service(backend);
    let developer = token("developer-token");
    let variables = [JobVariable {
        key: "A".into(),
        value: "1".into(),
        variable_type: None,
    }];
    let played = service
        .play_job(&developer, "1", 102, &variables, &InputValues::new())
        .expect("plays");
    let played = json_of(&played);
    assert_eq!(
        (played["id"].clone(), played["status"].clone()),
        (json!(102), json!("pending"))
    );
    assert!(played.get("tag_list").is_some(), "a Job entity");
    let bridge = service
        .play_job(&developer, "1", 106, &[], &InputValues::new())
        .expect("plays the bridge");
    let bridge = json_of(&bridge);
    assert!(
        bridge.get("downstream_pipeline").is_some() && bridge.get("tag_list").is_none(),
        "a Bridge entity"
    );
}

/// Item 13: app/services/ci/play_build_service.rb `check_access!` raises `AccessDeniedError`
/// (`403 Forbidden`) when variables are given without `set_pipeline_variables`
/// (app/policies/project_policy.rb, decided by app/models/project_ci_cd_setting.rb
/// `override_pipeline_variables_allowed?`). lib/api/ci/jobs.rb checks `playable?` first; a
/// bridge's `play` ignores variables (app/models/ci/bridge.rb).
fn play_with_variables_needs_permission_to_set_them(backend: &Backend) {
    let (store, service) = service_with(backend, &crate::test_support::restricted_fixtures());
    let developer = token("developer-token");
    let variables = [JobVariable {
        key: "TARGET".into(),
        value: "eu".into(),
        variable_type: None,
    }];
    // acme/locked restricts variables to maintainers: a developer is refused, nothing changes.
    assert_eq!(
        body_of(service.play_job(
            &developer,
            "acme/locked",
            400,
            &variables,
            &InputValues::new()
        )),
        json!({"message": "403 Forbidden"})
    );
    let unchanged = store.job(4, 400).expect("reads").expect("found");
    assert_eq!(unchanged.job.status, JobStatus::Manual);
    assert!(unchanged.job.variables.is_empty());
    // Without variables the developer plays it; then it is no longer playable, and that
    // answer (400) comes before the variables check.
    let played = service
        .play_job(&developer, "acme/locked", 400, &[], &InputValues::new())
        .expect("plays without variables");
    assert_eq!(json_of(&played)["status"], "pending");
    assert_eq!(
        body_of(service.play_job(
            &developer,
            "acme/locked",
            400,
            &variables,
            &InputValues::new()
        )),
        json!({"message": "400 Bad request - Unplayable Job"})
    );
    // A bridge ignores the variables, so nothing is checked.
    service
        .play_job(
            &developer,
            "acme/locked",
            402,
            &variables,
            &InputValues::new(),
        )
        .expect("plays the bridge");
    // A maintainer may set them; they are stored on the job.
    service
        .play_job(
            &token("maintainer-token"),
            "acme/locked",
            401,
            &variables,
            &InputValues::new(),
        )
        .expect("a maintainer sets variables");
    let with_variables = store.job(4, 401).expect("reads").expect("found");
    assert_eq!(with_variables.job.variables, variables);
    // `no_one_allowed`: not even the owner.
    assert_eq!(
        body_of(service.play_job(
            &token("owner-token"),
            "acme/sealed",
            500,
            &variables,
            &InputValues::new()
        )),
        json!({"message": "403 Forbidden"})
    );
    service
        .play_job(
            &token("owner-token"),
            "acme/sealed",
            500,
            &[],
            &InputValues::new(),
        )
        .expect("plays without variables");
}

/// Item 2: CI job inputs on retry and play, checked as app/services/ci/retry_job_service.rb
/// checks them (`rules::inputs` has every message) and stored on the job that runs.
fn job_inputs_are_checked_and_stored_on_retry_and_play(backend: &Backend) {
    let (store, service) = service_with(backend, &crate::test_support::inputs_fixtures());
    let developer = token("developer-token");
    let inputs = |value: Value| -> InputValues { serde_json::from_value(value).expect("inputs") };
    let stored = |id| store.job(6, id).expect("reads").expect("found").job;
    let definitions = stored(600).input_specs;
    assert_eq!(definitions.len(), 3, "the definitions are stored");

    // Refusals: 400 with GitLab's message, nothing retried.
    assert_eq!(
        body_of(service.retry_job(&developer, "acme/inputs", 600, &inputs(json!({"nope": 1})))),
        json!({"message": "400 Bad request - Unknown input: nope"})
    );
    assert_eq!(
        body_of(service.retry_job(
            &developer,
            "acme/inputs",
            600,
            &inputs(json!({"replicas": 2}))
        )),
        json!({"message": "400 Bad request - `replicas` input: `2` cannot be used because it is not in the list of the allowed options"})
    );
    assert!(!stored(600).retried, "a refused retry changes nothing");

    // Accepted: the new job keeps the old values and takes the given ones; a value equal to
    // its default is not stored.
    let retried = service
        .retry_job(
            &developer,
            "acme/inputs",
            600,
            &inputs(json!({"replicas": "5", "debug": false})),
        )
        .expect("retries");
    let new_id = json_of(&retried)["id"].as_i64().expect("an id");
    assert_eq!(
        stored(new_id).input_values,
        inputs(json!({"target_env": "production", "replicas": "5"}))
    );
    assert_eq!(
        stored(new_id).input_specs,
        definitions,
        "the clone keeps the definitions"
    );
    // Retried already: 403 comes before the inputs are looked at.
    assert_eq!(
        body_of(service.retry_job(&developer, "acme/inputs", 600, &inputs(json!({"nope": 1})))),
        json!({"message": "403 Forbidden - Job is not retryable"})
    );
    // A job without definitions takes any values.
    let free = service
        .retry_job(
            &developer,
            "acme/inputs",
            602,
            &inputs(json!({"anything": [1, 2]})),
        )
        .expect("retries");
    let free_id = json_of(&free)["id"].as_i64().expect("an id");
    assert_eq!(
        stored(free_id).input_values,
        inputs(json!({"anything": [1, 2]}))
    );

    // Play: checked the same way, stored on the played job.
    assert_eq!(
        body_of(service.play_job(
            &developer,
            "acme/inputs",
            601,
            &[],
            &inputs(json!({"target_env": "qa"}))
        )),
        json!({"message": "400 Bad request - `target_env` input: `qa` cannot be used because it is not in the list of allowed options"})
    );
    assert_eq!(stored(601).status, JobStatus::Manual);
    service
        .play_job(
            &developer,
            "acme/inputs",
            601,
            &[],
            &inputs(json!({"target_env": "production"})),
        )
        .expect("plays");
    let played = stored(601);
    assert_eq!(played.status, JobStatus::Pending);
    assert_eq!(
        played.input_values,
        inputs(json!({"target_env": "production"}))
    );
    // A bridge ignores inputs.
    service
        .play_job(
            &developer,
            "acme/inputs",
            603,
            &[],
            &inputs(json!({"nope": 1})),
        )
        .expect("plays the bridge");
    assert!(stored(603).input_values.is_empty());
}

fn cancel_of_a_finished_job_answers_it_unchanged(backend: &Backend) {
    let service = service(backend);
    let job = service
        .cancel_job(&token("developer-token"), "1", 100, false)
        .expect("answers");
    let job = json_of(&job);
    assert_eq!(job["status"], "success");
}

// --- presentation --------------------------------------------------------------------------

fn job_entity_has_gitlabs_fields(backend: &Backend) {
    let service = service(backend);
    let job = service
        .get_job(&token("reporter-token"), "1", 100)
        .expect("found");
    let job = sent(&job);
    assert_eq!(job["web_url"], "http://gitlab.test/acme/app/-/jobs/100");
    assert_eq!(job["duration"], 60.5);
    assert_eq!(job["queued_duration"], 4.0);
    assert_eq!(job["started_at"], "2024-01-01T10:00:05Z");
    assert_eq!(job["artifacts_file"]["filename"], "artifacts.zip");
    assert_eq!(job["tag_list"], json!(["docker", "linux"]));
    assert_eq!(job["project"], json!({"ci_job_token_scope_enabled": false}));
    assert_eq!(
        job["pipeline"]["web_url"],
        "http://gitlab.test/acme/app/-/pipelines/10"
    );
    assert_eq!(job["user"]["web_url"], "http://gitlab.test/dev");
    assert_eq!(job["commit"]["short_id"], "aaaaaaaa");
    // GitLab shows `2024-01-01T09:00:00.000+01:00`; the generated type keeps the instant.
    assert_eq!(job["commit"]["created_at"], "2024-01-01T08:00:00Z");
    assert_eq!(job["runner"]["description"], "shared-1");
    assert!(
        job.get("failure_reason").is_none(),
        "only failed jobs show it"
    );
    let types: Vec<&str> = job["artifacts"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["file_type"].as_str())
        .collect();
    assert_eq!(types, vec!["archive", "trace"]);
    let failed = service
        .get_job(&token("reporter-token"), "1", 101)
        .expect("found");
    let failed = sent(&failed);
    assert_eq!(failed["failure_reason"], "script_failure");
    assert!(failed.get("artifacts_file").is_none());
}

fn running_durations_run_until_now_and_given_values_are_kept(backend: &Backend) {
    let service = service(backend);
    let running = service
        .get_job(&token("reporter-token"), "1", 110)
        .expect("found");
    let running = sent(&running);
    assert_eq!(running["duration"], 1800.0, "23:30 until midnight");
    assert_eq!(running["finished_at"], Value::Null);
    let given = service
        .get_job(&token("reporter-token"), "1", 105)
        .expect("found");
    let given = sent(&given);
    assert_eq!(
        (given["duration"].clone(), given["queued_duration"].clone()),
        (json!(1.5), json!(0.25))
    );
    assert_eq!(
        given["web_url"],
        "https://elsewhere.example/acme/app/-/jobs/105"
    );
    let manual = service
        .get_job(&token("reporter-token"), "1", 102)
        .expect("found");
    let manual = sent(&manual);
    assert_eq!(
        (
            manual["duration"].clone(),
            manual["queued_duration"].clone()
        ),
        (Value::Null, Value::Null)
    );
}

fn lists_present_entities_and_paging(backend: &Backend) {
    let service = service(backend);
    let reporter = token("reporter-token");
    let jobs = service
        .list_project_jobs(
            &reporter,
            "1",
            &[JobStatus::Failed],
            Pagination::offset(None, Some(2), true),
        )
        .expect("lists");
    let ids: Vec<Value> = jobs
        .items
        .iter()
        .map(|job| sent(job)["id"].clone())
        .collect();
    assert_eq!(ids, vec![json!(120), json!(104)]);
    let PageInfo::Offset {
        total, next_page, ..
    } = jobs.info
    else {
        panic!("offset")
    };
    assert_eq!(
        (total, next_page),
        (None, Some(2)),
        "the project list is never counted"
    );
    let bridges = service
        .list_pipeline_bridges(&reporter, "1", 10, &[], first_page())
        .expect("lists");
    assert_eq!(json_of(&bridges.items[1])["downstream_pipeline"]["id"], 13);
    let PageInfo::Offset { total, .. } = bridges.info else {
        panic!("offset")
    };
    assert_eq!(total, Some(2));
    assert_eq!(
        body_of(service.list_pipeline_jobs(&reporter, "1", 999, &[], false, first_page())),
        json!({"message": "404 Not found"})
    );
    assert_eq!(
        body_of(service.list_pipeline_jobs(&reporter, "1", 20, &[], false, first_page())),
        json!({"message": "404 Not found"}),
        "another project's pipeline"
    );
}

#[test]
fn scope_values_are_validated() {
    assert_eq!(
        parse_scope(&["failed", "success"]),
        Ok(vec![JobStatus::Failed, JobStatus::Success])
    );
    assert_eq!(
        parse_scope(&["failed", "started"]).map_err(|error| error.json()),
        Err(json!({"error": "scope does not have a valid value"}))
    );
}

// --- traces and artifacts ------------------------------------------------------------------

fn traces_are_plain_text_and_empty_when_missing(backend: &Backend) {
    let service = service(backend);
    let trace = service
        .get_job_trace(&token("reporter-token"), "1", 100)
        .expect("found");
    assert_eq!(
        (trace.content.as_str(), trace.filename()),
        ("$ make\nbuilt\n", "100.log".to_owned())
    );
    let none = service
        .get_job_trace(&token("reporter-token"), "1", 102)
        .expect("found");
    assert_eq!(none.content, "");
}

fn artifact_files_come_out_of_the_archive(backend: &Backend) {
    let service = service(backend);
    let reporter = token("reporter-token");
    let file = service
        .get_job_artifact_file(&reporter, "1", 100, "bin/app")
        .expect("found");
    assert_eq!(
        (file.filename.as_str(), file.content.as_slice()),
        ("app", &b"ELF"[..])
    );
    for bad in ["../etc/passwd", "/etc/passwd", "", "a//b"] {
        assert_eq!(
            body_of(service.get_job_artifact_file(&reporter, "1", 100, bad)),
            json!({"message": "400 Bad request"}),
            "{bad:?}"
        );
    }
    assert_eq!(
        body_of(service.get_job_artifact_file(&reporter, "1", 100, "missing.txt")),
        json!({"message": "404 Not Found"})
    );
    assert_eq!(
        body_of(service.get_job_artifact_file(&reporter, "1", 101, "../x")),
        json!({"message": "404 Not Found"}),
        "no artifacts: 404 before the path is looked at"
    );
}

fn archives_download_by_job_and_by_ref(backend: &Backend) {
    let service = service(backend);
    let reporter = token("reporter-token");
    let archive = service
        .get_job_artifacts(&reporter, "1", 100)
        .expect("found");
    assert_eq!(archive.filename, "artifacts.zip");
    assert_eq!(&archive.content[..2], b"PK");
    // Expired, but pipeline 14 is the latest of `release`, so its artifacts are locked.
    let kept = service
        .get_job_artifacts(&reporter, "1", 140)
        .expect("locked artifacts outlive their expiry");
    assert_eq!(&kept.content[..2], b"PK");
    let by_ref = service
        .download_artifacts_by_ref(&reporter, "1", "main", "child-build", false)
        .expect("found");
    assert_eq!(&by_ref.content[..2], b"PK");
    assert_eq!(
        body_of(service.download_artifacts_by_ref(&reporter, "1", "main", "compile", false)),
        json!({"message": "404 Not found"})
    );
    // `search_recent_successful_pipelines`: pipeline 13 is the only successful one of `main`.
    assert_eq!(
        body_of(service.download_artifacts_by_ref(&reporter, "1", "main", "compile", true)),
        json!({"message": "404 Job Not Found"})
    );
    let searched = service
        .download_artifacts_by_ref(&reporter, "1", "main", "child-build", true)
        .expect("found");
    assert_eq!(searched.content, by_ref.content);
    let raw = service
        .get_artifact_file_by_ref(&reporter, "1", "main", "child.txt", "child-build", false)
        .expect("found");
    assert_eq!(raw.content, b"from the child pipeline");
    assert_eq!(
        status_of(service.get_artifact_file_by_ref(
            &reporter,
            "1",
            "main",
            "../x",
            "child-build",
            false
        )),
        400
    );
}

fn keep_answers_the_job_without_expiry(backend: &Backend) {
    let service = service(backend);
    let kept = service
        .keep_job_artifacts(&token("developer-token"), "1", 100)
        .expect("keeps");
    let kept = json_of(&kept);
    assert_eq!(kept["artifacts_expire_at"], Value::Null);
    assert_eq!(
        body_of(service.keep_job_artifacts(&token("developer-token"), "1", 101)),
        json!({"message": "404 Not Found"})
    );
}

store_suite! {
    missing_and_unknown_tokens_are_401,
    revoked_and_expired_tokens_get_invalid_token,
    a_personal_token_works_in_every_form,
    invisible_projects_are_404_project_not_found,
    guests_cannot_read_jobs_of_a_private_project,
    reporters_read_but_do_not_act,
    the_order_of_checks_is_gitlabs,
    developers_act_and_maintainers_force,
    developers_erase_only_their_own_jobs,
    public_projects_are_readable_by_everyone_signed_in,
    anonymous_reads_of_public_pipelines_and_artifacts_work,
    job_tokens_work_only_where_gitlab_accepts_them,
    the_current_job_needs_a_running_jobs_token,
    allowed_agents_describe_the_job_and_its_user,
    gitlab_error_bodies_for_refused_transitions,
    retry_answers_the_new_job,
    play_answers_the_played_job_or_bridge,
    play_with_variables_needs_permission_to_set_them,
    job_inputs_are_checked_and_stored_on_retry_and_play,
    cancel_of_a_finished_job_answers_it_unchanged,
    job_entity_has_gitlabs_fields,
    running_durations_run_until_now_and_given_values_are_kept,
    lists_present_entities_and_paging,
    traces_are_plain_text_and_empty_when_missing,
    artifact_files_come_out_of_the_archive,
    archives_download_by_job_and_by_ref,
    keep_answers_the_job_without_expiry,
}
