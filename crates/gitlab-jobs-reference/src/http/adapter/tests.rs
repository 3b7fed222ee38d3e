//! The adapter against the document: every error the service gives keeps its status through
//! the generated response types (a status an operation does not document would change), and
//! every presented job entity reads back as itself, and the allowed agents (still presented as
//! JSON) fit their generated type without losing a key.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::response::IntoResponse;
use serde_json::Value;

use super::pages::{self, ProjectJobsPaging};
use super::respond::{FromApiError, entity};
use super::*;
use crate::demo::{load_demo, tokens};
use crate::model::{Id, InputValues};
use crate::service::auth::Credentials;
use crate::service::parse_scope;
use crate::store::{Pagination, SqliteStore};

fn demo_service() -> JobsService {
    let store = SqliteStore::in_memory().expect("an in-memory store");
    load_demo(&store, 0).expect("the demo loads");
    JobsService::new(Arc::new(store), "http://gitlab.example.com")
}

fn credentials() -> Vec<Credentials> {
    let mut all = vec![
        Credentials::Anonymous,
        Credentials::PrivateToken("unknown".into()),
        Credentials::JobToken("unknown".into()),
        Credentials::Bearer("unknown".into()),
        Credentials::JobToken(tokens::RUNNING_JOB.into()),
        Credentials::Bearer(tokens::RUNNING_JOB.into()),
        Credentials::Bearer(tokens::EXPIRED.into()),
    ];
    for token in [
        tokens::OWNER,
        tokens::MAINTAINER,
        tokens::DEVELOPER,
        tokens::REPORTER,
        tokens::GUEST,
        tokens::OUTSIDER,
        tokens::DOCS_DEVELOPER,
        tokens::EXPIRED,
        tokens::REVOKED,
    ] {
        all.push(Credentials::PrivateToken(token.into()));
    }
    all
}

const PROJECTS: [&str; 7] = ["1", "acme/backend", "2", "3", "4", "99", "nope"];

fn jobs() -> impl Iterator<Item = Id> {
    (1..=21).chain([999])
}

/// Statuses seen per operation.
#[derive(Default)]
struct Seen(BTreeMap<&'static str, BTreeSet<u16>>);

impl Seen {
    /// Converts the error into the operation's response and checks the status survives.
    fn check<R: FromApiError + IntoResponse, T>(
        &mut self,
        operation: &'static str,
        result: Result<T, ApiError>,
    ) {
        let Err(error) = result else { return };
        let status = R::from_error(error.clone())
            .into_response()
            .status()
            .as_u16();
        assert_eq!(
            status,
            error.status,
            "{operation} answered {} {}, a status its document does not list",
            error.status,
            error.json()
        );
        self.0.entry(operation).or_default().insert(status);
    }

    fn of(&self, operation: &str) -> BTreeSet<u16> {
        self.0.get(operation).cloned().unwrap_or_default()
    }
}

#[test]
fn every_error_of_the_service_is_documented_for_its_operation() {
    let mut seen = Seen::default();
    // Reads: one service for all.
    let service = demo_service();
    let lists = [
        Pagination::offset(None, None, false),
        Pagination::keyset(Some(2), None),
    ];
    for credentials in credentials() {
        seen.check::<GetCurrentJobResponse, _>(
            "get_current_job",
            service.get_current_job(&credentials),
        );
        seen.check::<GetCurrentJobAllowedAgentsResponse, _>(
            "get_current_job_allowed_agents",
            service.get_current_job_allowed_agents(&credentials),
        );
        for project in PROJECTS {
            for pagination in &lists {
                seen.check::<ListProjectJobsResponse, _>(
                    "list_project_jobs",
                    service.list_project_jobs(&credentials, project, &[], pagination.clone()),
                );
            }
            for pipeline in [1, 3, 4, 7, 99] {
                let page = Pagination::offset(None, None, true);
                seen.check::<ListPipelineJobsResponse, _>(
                    "list_pipeline_jobs",
                    service.list_pipeline_jobs(&credentials, project, pipeline, &[], true, page),
                );
                let page = Pagination::offset(None, None, true);
                seen.check::<ListPipelineBridgesResponse, _>(
                    "list_pipeline_bridges",
                    service.list_pipeline_bridges(&credentials, project, pipeline, &[], page),
                );
            }
            // Only the website's and the docs' main pipelines succeeded.
            let by_ref = [
                ("main", "pages"),
                ("main", "build-docs"),
                ("main", "compile"),
            ];
            for (ref_name, job) in by_ref.into_iter().chain([("nope", "x")]) {
                seen.check::<DownloadArtifactsByRefResponse, _>(
                    "download_artifacts_by_ref",
                    service.download_artifacts_by_ref(&credentials, project, ref_name, job, false),
                );
                for path in ["public/index.html", "missing.txt", "../secret", ""] {
                    seen.check::<GetArtifactFileByRefResponse, _>(
                        "get_artifact_file_by_ref",
                        service.get_artifact_file_by_ref(
                            &credentials,
                            project,
                            ref_name,
                            path,
                            job,
                            false,
                        ),
                    );
                }
            }
            for job in jobs() {
                seen.check::<GetJobResponse, _>(
                    "get_job",
                    service.get_job(&credentials, project, job),
                );
                seen.check::<GetJobTraceResponse, _>(
                    "get_job_trace",
                    service.get_job_trace(&credentials, project, job),
                );
                seen.check::<GetJobArtifactsResponse, _>(
                    "get_job_artifacts",
                    service.get_job_artifacts(&credentials, project, job),
                );
                for path in ["build-info.txt", "missing.txt", "../secret"] {
                    seen.check::<GetJobArtifactFileResponse, _>(
                        "get_job_artifact_file",
                        service.get_job_artifact_file(&credentials, project, job, path),
                    );
                }
            }
        }
    }
    // The adapter's own refusals (keyset ordering, cursors, scope) go the same way.
    let keyset = ProjectJobsPaging {
        pagination: Some(types::ListProjectJobsPagination::Keyset),
        order_by: None,
        sort: Some("asc"),
        cursor: None,
        page: None,
        per_page: None,
    };
    seen.check::<ListProjectJobsResponse, _>("list_project_jobs", pages::project_jobs(keyset));
    let garbage = ProjectJobsPaging {
        sort: None,
        cursor: Some("garbage!"),
        ..keyset
    };
    seen.check::<ListProjectJobsResponse, _>("list_project_jobs", pages::project_jobs(garbage));
    seen.check::<ListPipelineJobsResponse, _>("list_pipeline_jobs", parse_scope(&["bogus"]));

    // Changes: a fresh data set per operation, every job tried by everyone (so that the later
    // attempts meet jobs the earlier ones changed: retried, erased, already played).
    let act = |operation: &'static str, seen: &mut Seen| {
        let service = demo_service();
        for credentials in credentials() {
            for project in PROJECTS {
                for job in jobs() {
                    match operation {
                        "cancel_job" => {
                            for force in [false, true] {
                                seen.check::<CancelJobResponse, _>(
                                    operation,
                                    service.cancel_job(&credentials, project, job, force),
                                );
                            }
                        }
                        "retry_job" => seen.check::<RetryJobResponse, _>(
                            operation,
                            service.retry_job(&credentials, project, job, &InputValues::new()),
                        ),
                        "erase_job" => seen.check::<EraseJobResponse, _>(
                            operation,
                            service.erase_job(&credentials, project, job),
                        ),
                        "play_job" => seen.check::<PlayJobResponse, _>(
                            operation,
                            service.play_job(&credentials, project, job, &[], &InputValues::new()),
                        ),
                        "keep_job_artifacts" => seen.check::<KeepJobArtifactsResponse, _>(
                            operation,
                            service.keep_job_artifacts(&credentials, project, job),
                        ),
                        "delete_job_artifacts" => seen.check::<DeleteJobArtifactsResponse, _>(
                            operation,
                            service.delete_job_artifacts(&credentials, project, job),
                        ),
                        other => panic!("unknown operation {other}"),
                    }
                }
            }
        }
    };
    for operation in [
        "cancel_job",
        "retry_job",
        "erase_job",
        "play_job",
        "keep_job_artifacts",
        "delete_job_artifacts",
    ] {
        act(operation, &mut seen);
    }

    // The walk reached the error paths it is meant to cover.
    let expected: [(&str, &[u16]); 17] = [
        ("list_project_jobs", &[400, 401, 403, 404, 405]),
        ("list_pipeline_jobs", &[400, 401, 403, 404]),
        ("list_pipeline_bridges", &[401, 403, 404]),
        ("get_current_job", &[401, 404]),
        ("get_current_job_allowed_agents", &[401, 404]),
        ("get_job", &[401, 403, 404]),
        ("get_job_trace", &[401, 403, 404]),
        ("cancel_job", &[401, 403, 404]),
        ("retry_job", &[401, 403, 404]),
        ("erase_job", &[401, 403, 404]),
        ("play_job", &[400, 401, 403, 404]),
        ("get_job_artifacts", &[401, 403, 404]),
        ("delete_job_artifacts", &[401, 403, 404]),
        ("download_artifacts_by_ref", &[401, 403, 404]),
        ("get_job_artifact_file", &[400, 401, 403, 404]),
        ("keep_job_artifacts", &[401, 403, 404]),
        ("get_artifact_file_by_ref", &[400, 401, 403, 404]),
    ];
    for (operation, statuses) in expected {
        let statuses: BTreeSet<u16> = statuses.iter().copied().collect();
        assert_eq!(seen.of(operation), statuses, "{operation}");
    }
}

#[test]
fn an_internal_failure_is_a_500_on_every_operation() {
    let response = GetJobResponse::from_error(ApiError::internal());
    let GetJobResponse::InternalServerError(body) = response else {
        panic!("not 500: {response:?}")
    };
    assert_eq!(
        body.message,
        Some(types::ErrorMessage::String(
            "500 Internal Server Error".into()
        ))
    );
    let response = GetCurrentJobResponse::from_error(ApiError::internal());
    assert!(matches!(
        response,
        GetCurrentJobResponse::InternalServerError(_)
    ));
    assert_eq!(
        ListProjectJobsResponse::from_error(ApiError::internal())
            .into_response()
            .status(),
        500
    );
    // `PUT /jobs/:id` has one error schema for all its statuses; GitLab's 500 body fits it.
    let response = UpdateRunnerJobResponse::from_error(ApiError::internal());
    let UpdateRunnerJobResponse::InternalServerError(types::RunnerUpdateError::Error(body)) =
        response
    else {
        panic!("not 500: {response:?}")
    };
    assert_eq!(
        body.message,
        Some(types::ErrorMessage::String(
            "500 Internal Server Error".into()
        ))
    );
    for status in [
        RequestRunnerJobResponse::from_error(ApiError::internal())
            .into_response()
            .status(),
        AppendRunnerJobTraceResponse::from_error(ApiError::internal())
            .into_response()
            .status(),
    ] {
        assert_eq!(status, 500);
    }
}

#[test]
fn an_undocumented_status_is_sent_as_it_is() {
    // /job documents no 400: it is not turned into another status.
    let error = ApiError::message(400, "400 Bad request");
    let response = GetCurrentJobResponse::from_error(error.clone());
    let GetCurrentJobResponse::Undocumented { status, body } = &response else {
        panic!("not undocumented: {response:?}")
    };
    assert_eq!((status.as_u16(), body), (400, &error.json()));
    assert_eq!(response.into_response().status(), 400);
}

#[test]
fn token_errors_carry_www_authenticate() {
    let response = GetJobResponse::from_error(ApiError::token_expired());
    let GetJobResponse::Unauthorized { body, headers } = response else {
        panic!("not 401: {response:?}")
    };
    assert_eq!(body.error.as_deref(), Some("invalid_token"));
    assert_eq!(
        headers.www_authenticate,
        ApiError::token_expired().www_authenticate()
    );
    let GetJobResponse::Unauthorized { headers, .. } =
        GetJobResponse::from_error(ApiError::unauthorized())
    else {
        panic!("not 401")
    };
    assert_eq!(headers.www_authenticate, None);
}

/// The keys of `value` that `typed` does not give back, or gives back differently.
fn lost(value: &Value, typed: &Value) -> Vec<String> {
    let mut lost = Vec::new();
    match (value, typed) {
        (Value::Object(fields), Value::Object(back)) => {
            for (key, field) in fields {
                match back.get(key) {
                    // A null where the document makes the key optional is left out on the
                    // wire (`skip_serializing_if`): absent and null read the same.
                    None if field.is_null() => {}
                    None => lost.push(key.clone()),
                    Some(other) => lost.extend(
                        self::lost(field, other)
                            .into_iter()
                            .map(|inner| format!("{key}.{inner}")),
                    ),
                }
            }
        }
        (Value::Array(items), Value::Array(back)) if items.len() == back.len() => {
            for (index, (item, other)) in items.iter().zip(back).enumerate() {
                lost.extend(
                    self::lost(item, other)
                        .into_iter()
                        .map(|inner| format!("[{index}].{inner}")),
                );
            }
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => {}
        // chrono writes `…00Z` for GitLab's `…00.000Z` and UTC for `+02:00`: the same instant.
        (Value::String(a), Value::String(b)) if same_instant(a, b) => {}
        (a, b) if a == b => {}
        _ => lost.push(String::from("(value)")),
    }
    lost
}

fn same_instant(a: &str, b: &str) -> bool {
    let parse = |text: &str| chrono::DateTime::parse_from_rfc3339(text).ok();
    parse(a).is_some_and(|a| Some(a) == parse(b))
}

/// Every key the presenter writes must survive the typed response: a key the document's
/// schemas lack would be dropped silently.
fn unexpected_losses(value: &Value, typed: &Value) -> Vec<String> {
    lost(value, typed)
}

/// What the server sends, a client reads back as the same entity (the job entities are built
/// in the generated types, so they fit by construction; this checks the way back).
fn reads_back<T>(typed: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let text = serde_json::to_string(typed).expect("serialises");
    let back: T = serde_json::from_str(&text).expect("reads back");
    assert_eq!(&back, typed);
}

#[test]
fn presented_entities_read_back_and_allowed_agents_fit_without_loss() {
    let service = demo_service();
    let owner = Credentials::PrivateToken(tokens::OWNER.into());
    let mut checked = 0;
    for project in ["1", "2", "3"] {
        let page = service
            .list_project_jobs(
                &owner,
                project,
                &[],
                Pagination::offset(None, Some(100), false),
            )
            .expect("lists");
        for encoded in page.items {
            let typed = encoded.decode().expect("a kept job reads back");
            assert_eq!(Encoded::new(&typed).expect("serialises"), encoded);
            reads_back(&typed);
            checked += 1;
        }
        for pipeline in 1..=7 {
            let Ok(page) = service.list_pipeline_bridges(
                &owner,
                project,
                pipeline,
                &[],
                Pagination::offset(None, None, true),
            ) else {
                continue;
            };
            for typed in page.items {
                // Untagged: a bridge must not read back as a job.
                reads_back(&types::JobOrBridge::Bridge(typed));
                checked += 1;
            }
        }
    }
    assert!(checked >= 21, "only {checked} entities checked");
    let running = Credentials::JobToken(tokens::RUNNING_JOB.into());
    let agents = service
        .get_current_job_allowed_agents(&running)
        .expect("agents");
    let typed: types::AllowedAgents = entity(agents.clone()).expect("fits AllowedAgents");
    let back = serde_json::to_value(&typed).expect("serialises");
    assert_eq!(unexpected_losses(&agents, &back), Vec::<String>::new());
}

#[test]
fn play_variables_keep_their_type() {
    let body = types::PlayJobRequest {
        job_variables_attributes: vec![types::JobVariableAttribute {
            key: "DEPLOY".into(),
            value: "yes".into(),
            variable_type: types::JobVariableAttributeVariableType::File,
        }],
        ..types::PlayJobRequest::default()
    };
    assert_eq!(
        variables(Some(body)),
        vec![JobVariable {
            key: "DEPLOY".into(),
            value: "yes".into(),
            variable_type: Some("file".into()),
        }]
    );
    assert!(variables(None).is_empty());
}

#[test]
fn entities_of_a_sparse_fixture_fit_too() {
    // The small fixture leaves out what it can: commits known by their sha only, pipelines
    // without times, users with a name only.
    let store = crate::test_support::small_store();
    let service = JobsService::new(Arc::new(store), "http://gitlab.example.com");
    let owner = Credentials::PrivateToken("owner-token".into());
    let mut checked = 0;
    for project in ["1", "2", "3"] {
        let page = service
            .list_project_jobs(
                &owner,
                project,
                &[],
                Pagination::offset(None, Some(100), false),
            )
            .expect("lists");
        for encoded in page.items {
            let typed = encoded.decode().expect("a kept job reads back");
            assert_eq!(Encoded::new(&typed).expect("serialises"), encoded);
            reads_back(&typed);
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} entities checked");
}
