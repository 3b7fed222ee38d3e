//! `Client::follow_trace` against a scripted GitLab whose log grows, that rate limits (429
//! with and without `Retry-After`), fails (500, 502), erases and shrinks logs.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use futures::StreamExt;
use gitlab_jobs_client::{Auth, Error, FollowOptions, TraceEvent, connect, types::JobStatus};
use serde_json::json;

use crate::server::{Recorded, TestServer, json_response, raw_response, response};

const POLL: Duration = Duration::from_millis(40);

/// What the scripted server answers next, per route.
#[derive(Default)]
struct Script {
    job: VecDeque<Response>,
    trace: VecDeque<Response>,
}

/// A server answering `GET …/jobs/7` and `GET …/jobs/7/trace` from `script`, in order; a
/// request beyond the script is a test failure (answered 418).
async fn scripted(script: Script) -> TestServer {
    let script = Arc::new(Mutex::new(script));
    TestServer::start(move |request: &Recorded| {
        let mut script = script.lock().expect("script");
        let next = if request.path.ends_with("/trace") {
            script.trace.pop_front()
        } else {
            script.job.pop_front()
        };
        next.unwrap_or_else(|| raw_response(StatusCode::IM_A_TEAPOT, "script exhausted", &[]))
    })
    .await
}

fn job(status: &str) -> Response {
    let mut job = crate::server::job(7);
    job["status"] = json!(status);
    job["failure_reason"] = if status == "failed" {
        json!("script_failure")
    } else {
        json!(null)
    };
    json_response(job, &[])
}

fn log(text: &'static str) -> Response {
    raw_response(
        StatusCode::OK,
        text,
        &[("content-type", "text/plain".to_string())],
    )
}

/// Rack::Attack's throttle answer (GitLab's `Gitlab::RackAttack` responder): plain text and
/// `Retry-After`.
fn throttled(seconds: u64) -> Response {
    raw_response(
        StatusCode::TOO_MANY_REQUESTS,
        "Retry later\n",
        &[
            ("content-type", "text/plain".to_string()),
            ("retry-after", seconds.to_string()),
        ],
    )
}

/// The application rate limiter's answer (`render_api_error!`, no `Retry-After`).
fn rate_limited() -> Response {
    response(
        StatusCode::TOO_MANY_REQUESTS,
        json!({"message": {"error": "This endpoint has been requested too many times. Try again later."}}),
        &[],
    )
}

fn server_error() -> Response {
    response(
        StatusCode::INTERNAL_SERVER_ERROR,
        json!({"message": "500 Internal Server Error"}),
        &[],
    )
}

/// What the front proxy answers while Puma is down (`public/502.html`).
fn bad_gateway() -> Response {
    raw_response(
        StatusCode::BAD_GATEWAY,
        "<!DOCTYPE html>\n<html><head><title>GitLab is not responding (502)</title></head>\
         <body><h1>502</h1><h3>Whoops, GitLab is taking too much time to respond.</h3></body></html>\n",
        &[("content-type", "text/html; charset=utf-8".to_string())],
    )
}

/// Every event of following job 7 until the stream ends.
async fn follow(
    server: &TestServer,
    options: FollowOptions,
) -> Vec<Result<TraceEvent, Error<gitlab_jobs_client::types::Error>>> {
    let client = connect(&server.url(), Auth::PrivateToken("glpat-follow".into())).expect("client");
    let stream = client.follow_trace_with("group/project", 7, options);
    tokio::time::timeout(Duration::from_secs(60), stream.collect::<Vec<_>>())
        .await
        .expect("the stream ends")
}

fn output(text: &'static str) -> TraceEvent {
    TraceEvent::Output(Bytes::from_static(text.as_bytes()))
}

/// The events without the waits of `Retrying` (checked apart).
fn events(
    results: Vec<Result<TraceEvent, Error<gitlab_jobs_client::types::Error>>>,
) -> Vec<TraceEvent> {
    results
        .into_iter()
        .map(|result| match result {
            Ok(event) => event,
            Err(e) => panic!("unexpected error: {e}"),
        })
        .collect()
}

fn retried(events: &[TraceEvent]) -> Vec<(Option<u16>, Duration, u32)> {
    events
        .iter()
        .filter_map(|event| match event {
            TraceEvent::Retrying {
                status,
                wait,
                attempt,
                ..
            } => Some((*status, *wait, *attempt)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_growing_log_is_yielded_once_through_429_500_and_502() {
    let server = scripted(Script {
        job: VecDeque::from([
            throttled(1),
            job("pending"),
            job("running"),
            job("running"),
            bad_gateway(),
            rate_limited(),
            job("running"),
            job("success"),
        ]),
        trace: VecDeque::from([
            log(""),
            log("Running with gitlab-runner\n"),
            server_error(),
            log("Running with gitlab-runner\n$ make test\n"),
            log("Running with gitlab-runner\n$ make test\nok\nJob succeeded\n"),
        ]),
    })
    .await;
    let results = follow(&server, FollowOptions::default().with_poll_interval(POLL)).await;
    let events = events(results);

    // Every byte once, in order, and the status changes.
    let finished = match events.last() {
        Some(TraceEvent::Finished(job)) => job.status.clone(),
        other => panic!("the last event is {other:?}"),
    };
    assert_eq!(finished, JobStatus::Success);
    let shown: Vec<&TraceEvent> = events
        .iter()
        .filter(|event| !matches!(event, TraceEvent::Retrying { .. } | TraceEvent::Finished(_)))
        .collect();
    assert_eq!(
        shown,
        [
            &TraceEvent::Status(JobStatus::Pending),
            &TraceEvent::Status(JobStatus::Running),
            &output("Running with gitlab-runner\n"),
            &output("$ make test\n"),
            &TraceEvent::Status(JobStatus::Success),
            &output("ok\nJob succeeded\n"),
        ]
    );

    // 429 with Retry-After waits what it says; the others back off from the poll interval,
    // doubling while failures follow each other (500, 502, 429 in a row), and a good poll
    // starts over.
    assert_eq!(
        retried(&events),
        [
            (Some(429), Duration::from_secs(1), 1),
            (Some(500), POLL, 1),
            (Some(502), POLL * 2, 2),
            (Some(429), POLL * 4, 3),
        ]
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 13, "every scripted answer was used once");
    assert!(
        requests[1].at - requests[0].at >= Duration::from_secs(1),
        "Retry-After: 1 was not honoured: the next request came after {:?}",
        requests[1].at - requests[0].at
    );
    // Each poll reads the job before its log.
    assert!(requests[0].path.ends_with("/jobs/7") && requests[2].path.ends_with("/trace"));
}

#[tokio::test]
async fn an_erased_or_shrunk_log_is_yielded_whole_again() {
    let server = scripted(Script {
        job: VecDeque::from([
            job("running"),
            job("running"),
            job("running"),
            job("running"),
            job("failed"),
        ]),
        trace: VecDeque::from([
            log("step 1\nstep 2\n"),
            log(""),
            log("again\n"),
            log("agai"),
            log("again, rewritten\nfailed\n"),
        ]),
    })
    .await;
    let events = events(follow(&server, FollowOptions::default().with_poll_interval(POLL)).await);
    let rewritten = |text: &'static str| TraceEvent::Rewritten(Bytes::from_static(text.as_bytes()));
    assert_eq!(
        events[..events.len() - 1],
        [
            TraceEvent::Status(JobStatus::Running),
            output("step 1\nstep 2\n"),
            rewritten(""),
            output("again\n"),
            rewritten("agai"),
            TraceEvent::Status(JobStatus::Failed),
            output("n, rewritten\nfailed\n"),
        ]
    );
    assert!(
        matches!(events.last(), Some(TraceEvent::Finished(job)) if job.status == JobStatus::Failed)
    );
}

#[tokio::test]
async fn refusals_end_the_stream_at_once_and_retries_are_bounded() {
    let server = scripted(Script {
        job: VecDeque::from([response(
            StatusCode::NOT_FOUND,
            json!({"message": "404 Not found"}),
            &[],
        )]),
        trace: VecDeque::new(),
    })
    .await;
    let results = follow(&server, FollowOptions::default().with_poll_interval(POLL)).await;
    assert_eq!(results.len(), 1);
    assert!(matches!(&results[0], Err(e) if e.status() == Some(reqwest::StatusCode::NOT_FOUND)));

    let server = scripted(Script {
        job: VecDeque::from([server_error(), bad_gateway(), server_error()]),
        trace: VecDeque::new(),
    })
    .await;
    let options = FollowOptions::default()
        .with_poll_interval(POLL)
        .with_max_retries(2)
        .with_max_backoff(POLL);
    let results = follow(&server, options).await;
    assert_eq!(results.len(), 3, "two retries, then the error");
    assert!(
        matches!(&results[1], Ok(TraceEvent::Retrying { wait, attempt: 2, .. }) if *wait == POLL)
    );
    assert!(
        matches!(&results[2], Err(e) if e.status() == Some(reqwest::StatusCode::INTERNAL_SERVER_ERROR))
    );
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_dropped_connection_is_retried() {
    // The first connection is accepted and closed before any answer; then the listener
    // serves a finished job.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let server = tokio::spawn(async move {
        let (first, _) = listener.accept().await.expect("first connection");
        drop(first);
        let app = axum::Router::new().fallback(|request: axum::extract::Request| async move {
            if request.uri().path().ends_with("/trace") {
                log("done\n")
            } else {
                job("success")
            }
        });
        axum::serve(listener, app).await.expect("serve");
    });
    let client =
        connect(&format!("http://{address}"), Auth::PrivateToken("t".into())).expect("client");
    let events: Vec<_> = client
        .follow_trace_with(
            "group/project",
            7,
            FollowOptions::default().with_poll_interval(POLL),
        )
        .collect()
        .await;
    server.abort();
    let events = self::events(events);
    assert!(
        matches!(
            &events[0],
            TraceEvent::Retrying {
                status: None,
                attempt: 1,
                ..
            }
        ),
        "{events:?}"
    );
    assert_eq!(
        events[1..3],
        [TraceEvent::Status(JobStatus::Success), output("done\n")]
    );
    assert!(matches!(events.last(), Some(TraceEvent::Finished(_))));
}
