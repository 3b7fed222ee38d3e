//! `verify` end to end: clean against the reference server, drift found (with its JSON
//! pointers) behind a proxy that alters the server's answers, and "could not run" when there
//! is nothing to check.

use std::net::SocketAddr;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use gitlab_jobs_contract::verify::{self, Credential, Limits, Report, Target};
use gitlab_jobs_contract::{FindingKind, Severity, Spec, Validators};
use gitlab_jobs_reference::TestServer;
use gitlab_jobs_reference::demo::tokens;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// The job whose answers the proxy alters.
const ALTERED_JOB: i64 = 8;

fn validators() -> Validators<'static> {
    Validators::new(Spec::embedded().expect("the compiled-in document parses"))
        .expect("its schemas convert")
}

async fn verify(api_url: &str, credential: Credential, project: Option<&str>) -> Report {
    let target = Target {
        api_url: api_url.to_owned(),
        credential,
        project: project.map(str::to_owned),
    };
    let limits = Limits {
        per_page: 5,
        ..Limits::default()
    };
    verify::run(&validators(), &target, limits).await
}

fn operations(report: &Report) -> Vec<&str> {
    let mut ops: Vec<&str> = report
        .cases
        .iter()
        .map(|c| c.operation_id.as_str())
        .collect();
    ops.sort_unstable();
    ops.dedup();
    ops
}

#[tokio::test]
async fn the_reference_server_is_clean() {
    let server = TestServer::demo().await.expect("demo server");
    let report = verify(
        &server.api_url(),
        Credential::PrivateToken(tokens::MAINTAINER.into()),
        Some("acme/backend"),
    )
    .await;
    let text = verify::text(&report);
    assert_eq!(report.exit_code(), 0, "{text}");
    let summary = report.summary();
    assert_eq!((summary.errors, summary.warnings), (0, 0), "{text}");
    assert_eq!(
        operations(&report),
        vec![
            "download_artifacts_by_ref",
            "get_artifact_file_by_ref",
            "get_job",
            "get_job_artifact_file",
            "get_job_artifacts",
            "get_job_trace",
            "list_pipeline_bridges",
            "list_pipeline_jobs",
            "list_project_jobs",
        ],
        "{text}"
    );
    // Several pages, offset and keyset, and scope filters.
    let lists: Vec<&str> = report
        .cases
        .iter()
        .filter(|c| c.operation_id == "list_project_jobs")
        .map(|c| c.request.as_str())
        .collect();
    assert!(lists.iter().any(|r| r.contains("&page=2")), "{lists:?}");
    assert!(lists.iter().any(|r| r.contains("cursor=")), "{lists:?}");
    assert!(
        lists.iter().any(|r| r.contains("scope[]=failed")),
        "{lists:?}"
    );
    assert!(text.contains("clean: 0 error(s), 0 warning(s)"), "{text}");
    assert!(
        text.contains("retry_job"),
        "writes are listed as not exercised: {text}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_job_token_checks_the_current_job() {
    let server = TestServer::demo().await.expect("demo server");
    let report = verify(
        &server.api_url(),
        Credential::JobToken(tokens::RUNNING_JOB.into()),
        None,
    )
    .await;
    let text = verify::text(&report);
    assert_eq!(report.exit_code(), 0, "{text}");
    let ops = operations(&report);
    assert!(ops.contains(&"get_current_job"), "{text}");
    assert!(ops.contains(&"get_current_job_allowed_agents"), "{text}");
    assert!(
        ops.contains(&"list_project_jobs"),
        "the job's project is walked: {text}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn drift_is_reported_with_pointers_and_exit_code_1() {
    let server = TestServer::demo().await.expect("demo server");
    let proxy = start_altering_proxy(server.base_url()).await;
    let report = verify(
        &format!("http://{proxy}/api/v4"),
        Credential::PrivateToken(tokens::MAINTAINER.into()),
        Some("acme/backend"),
    )
    .await;
    let text = verify::text(&report);
    assert_eq!(report.exit_code(), 1, "{text}");

    let single = report
        .cases
        .iter()
        .find(|c| c.request == format!("GET /projects/acme%2Fbackend/jobs/{ALTERED_JOB}"))
        .expect("the altered job was fetched");
    let mut found: Vec<(Severity, FindingKind, &str)> = single
        .findings
        .iter()
        .map(|f| (f.severity, f.kind, f.pointer.as_str()))
        .collect();
    found.sort_by_key(|f| f.2.to_owned());
    assert_eq!(
        found,
        vec![
            (Severity::Warning, FindingKind::UndeclaredKey, "/colour"),
            (Severity::Error, FindingKind::WrongType, "/duration"),
            (Severity::Error, FindingKind::MissingKey, "/name"),
            (Severity::Error, FindingKind::UnknownEnumValue, "/status"),
        ],
        "{text}"
    );
    // In a list the pointers lead to the job's index.
    let listed = report
        .cases
        .iter()
        .find(|c| c.operation_id == "list_project_jobs" && !c.findings.is_empty())
        .expect("the altered job is in the project's list");
    let index = listed
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::MissingKey)
        .and_then(|f| f.pointer.strip_suffix("/name"))
        .and_then(|index| index.strip_prefix('/'))
        .expect("a missing name at /INDEX/name");
    assert!(index.parse::<usize>().is_ok(), "{text}");
    assert!(text.contains("error [missing_key] at `/name`"), "{text}");
    assert!(text.contains("DRIFT:"), "{text}");

    let junit = verify::junit(&report);
    assert!(junit.starts_with("<?xml"), "{junit}");
    let failures = junit.matches("<failure ").count();
    assert_eq!(failures, report.summary().errors, "{junit}");
    assert!(junit.contains("<testsuite name=\"get_job\""), "{junit}");
    assert!(
        junit.contains("type=\"missing_key\" message=\"/name: required key `name` is missing\""),
        "{junit}"
    );
    assert!(junit.contains("<skipped message="), "{junit}");
    let json = report.to_json();
    assert_eq!(json["summary"]["exit_code"], 1);
    assert!(
        json["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .flat_map(|c| c["findings"].as_array().cloned().unwrap_or_default())
            .any(|f| f["kind"] == "unknown_enum_value" && f["pointer"] == "/status"),
        "{json}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn nothing_to_check_is_exit_code_2() {
    let server = TestServer::demo().await.expect("demo server");
    let refused = verify(
        &server.api_url(),
        Credential::PrivateToken("not-a-token".into()),
        Some("acme/backend"),
    )
    .await;
    assert_eq!(refused.exit_code(), 2);
    let reason = refused.aborted.clone().expect("aborted");
    assert!(reason.contains("refused (401"), "{reason}");

    let missing = verify(
        &server.api_url(),
        Credential::PrivateToken(tokens::MAINTAINER.into()),
        Some("acme/nothing-here"),
    )
    .await;
    assert_eq!(missing.exit_code(), 2);
    assert!(
        missing
            .aborted
            .as_deref()
            .unwrap_or_default()
            .contains("not found (404"),
        "{:?}",
        missing.aborted
    );
    let api_url = server.api_url();
    server.shutdown().await;

    let down = verify(&api_url, Credential::Anonymous, Some("acme/backend")).await;
    assert_eq!(down.exit_code(), 2);
    let text = verify::text(&down);
    assert!(text.contains("could not run:"), "{text}");
    assert!(
        verify::junit(&down).contains("<error message="),
        "nothing ran"
    );
}

/// A proxy to `upstream` that alters every JSON rendering of job [`ALTERED_JOB`]: drops
/// `name`, makes `duration` a string, gives `status` a value the document does not know and
/// adds an undeclared key.
async fn start_altering_proxy(upstream: String) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let app = Router::new().fallback(forward).with_state(upstream);
    tokio::spawn(async move { axum::serve(listener, app).await });
    address
}

async fn forward(State(upstream): State<String>, request: Request) -> Response {
    let url = format!("{upstream}{}", request.uri());
    let mut headers = request.headers().clone();
    headers.remove("host");
    let answer = reqwest::Client::new()
        .get(url)
        .headers(headers)
        .send()
        .await
        .expect("the reference server answers");
    let status = StatusCode::from_u16(answer.status().as_u16()).expect("status");
    let headers: HeaderMap = answer.headers().clone();
    let mut body: Bytes = answer.bytes().await.expect("body");
    let is_json = headers
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json && let Ok(mut value) = serde_json::from_slice::<Value>(&body) {
        alter(&mut value);
        body = Bytes::from(serde_json::to_vec(&value).expect("serialises"));
    }
    let mut response = Response::builder().status(status);
    for (name, value) in &headers {
        if name != "content-length" {
            response = response.header(name, value);
        }
    }
    response.body(Body::from(body)).expect("response")
}

fn alter(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(alter),
        Value::Object(job)
            if job.get("id") == Some(&json!(ALTERED_JOB)) && job.contains_key("status") =>
        {
            job.remove("name");
            job.insert("duration".into(), json!("six minutes"));
            job.insert("status".into(), json!("exploded"));
            job.insert("colour".into(), json!("red"));
        }
        _ => {}
    }
}
