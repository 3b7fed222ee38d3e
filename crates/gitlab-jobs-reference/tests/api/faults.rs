//! Faults on demand: each kind as GitLab (or Workhorse) answers it, selection by operation,
//! path and method, counts, and seeded rates.

use std::time::{Duration, Instant};

use gitlab_jobs_reference::TestServer;
use gitlab_jobs_reference::demo::demo_fixtures;
use gitlab_jobs_reference::http::faults::{Fault, FaultRule, Faults};

use crate::support::{BACKEND, tokens};

async fn faulty(rules: &[&str], seed: u64) -> TestServer {
    let rules = rules
        .iter()
        .map(|rule| rule.parse().expect("a valid rule"))
        .collect();
    let faults = Faults::new(rules, seed).expect("armed");
    TestServer::start_with_faults(demo_fixtures(), Some(faults))
        .await
        .expect("the server starts")
}

fn jobs_url(server: &TestServer) -> String {
    format!("{}/projects/acme%2Fbackend/jobs", server.api_url())
}

async fn get(url: &str, token: Option<&str>) -> reqwest::Response {
    let request = reqwest::Client::new().get(url);
    let request = match token {
        Some(token) => request.header("PRIVATE-TOKEN", token),
        None => request,
    };
    request.send().await.expect("an answer")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .expect("text")
}

#[tokio::test]
async fn rate_limited_as_rack_attack_answers() {
    let server = faulty(
        &["status=429,path=/api/v4/projects/*/jobs,retry_after=3"],
        0,
    )
    .await;
    let response = get(&jobs_url(&server), Some(tokens::MAINTAINER)).await;
    assert_eq!(response.status(), 429);
    assert_eq!(header(&response, "content-type"), "text/plain");
    assert_eq!(header(&response, "retry-after"), "3");
    assert_eq!(
        header(&response, "ratelimit-name"),
        "throttle_authenticated_api"
    );
    assert_eq!(header(&response, "ratelimit-limit"), "120");
    assert_eq!(header(&response, "ratelimit-remaining"), "0");
    let reset: i64 = header(&response, "ratelimit-reset")
        .parse()
        .expect("unix time");
    let now = chrono::Utc::now().timestamp();
    assert!((now..=now + 4).contains(&reset), "reset {reset}, now {now}");
    assert!(header(&response, "ratelimit-resettime").ends_with(" GMT"));
    assert_eq!(response.text().await.expect("body"), "Retry later\n");

    // Without credentials it is the unauthenticated throttle.
    let response = get(&jobs_url(&server), None).await;
    assert_eq!(
        header(&response, "ratelimit-name"),
        "throttle_unauthenticated_api"
    );
    assert_eq!(header(&response, "ratelimit-limit"), "60");

    // Other paths are not picked.
    let job = get(
        &format!("{}/8", jobs_url(&server)),
        Some(tokens::MAINTAINER),
    )
    .await;
    assert_eq!(job.status(), 200);
    server.shutdown().await;
}

#[tokio::test]
async fn rate_limited_as_the_application_rate_limiter_answers() {
    let server = faulty(
        &["status=429,limiter=application,operation=list_project_jobs"],
        0,
    )
    .await;
    let response = get(&jobs_url(&server), Some(tokens::MAINTAINER)).await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().get("retry-after").is_none());
    assert_eq!(header(&response, "content-type"), "application/json");
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(
        body,
        serde_json::json!({"message": {"error": "This endpoint has been requested too many times. Try again later."}})
    );
    // The generated client reads it as the documented 429 error.
    let client = crate::support::client(&server, tokens::MAINTAINER);
    let (status, _) = crate::support::error_of(client.list_project_jobs().id(BACKEND).send().await);
    assert_eq!(status, 429);
    server.shutdown().await;
}

#[tokio::test]
async fn internal_server_error_counted_then_served_again() {
    let server = faulty(&["status=500,operation=retry_job,count=2"], 0).await;
    let http = reqwest::Client::new();
    let retry = || {
        http.post(format!("{}/8/retry", jobs_url(&server)))
            .header("PRIVATE-TOKEN", tokens::MAINTAINER)
            .send()
    };
    for _ in 0..2 {
        let response = retry().await.expect("an answer");
        assert_eq!(response.status(), 500);
        assert_eq!(header(&response, "content-type"), "application/json");
        assert_eq!(
            response.text().await.expect("body"),
            r#"{"message":"500 Internal Server Error"}"#
        );
    }
    // The injected 500s changed nothing: the job is still retryable, once.
    assert_eq!(retry().await.expect("an answer").status(), 201);
    assert_eq!(retry().await.expect("an answer").status(), 403);
    server.shutdown().await;
}

#[tokio::test]
async fn bad_gateway_as_workhorse_answers() {
    let server = TestServer::start_with_faults(
        demo_fixtures(),
        Some(
            Faults::new(
                vec![FaultRule::new(Fault::BadGateway).method(axum::http::Method::GET)],
                0,
            )
            .expect("armed"),
        ),
    )
    .await
    .expect("starts");
    let response = get(&jobs_url(&server), Some(tokens::MAINTAINER)).await;
    assert_eq!(response.status(), 502);
    assert_eq!(header(&response, "content-type"), "text/plain");
    assert_eq!(
        response.text().await.expect("body"),
        "GitLab is not responding"
    );
    // A POST is not picked; the documentation outside /api/v4 neither.
    let cancel = reqwest::Client::new()
        .post(format!("{}/8/cancel", jobs_url(&server)))
        .header("PRIVATE-TOKEN", tokens::MAINTAINER)
        .send()
        .await
        .expect("an answer");
    assert_ne!(cancel.status(), 502);
    assert_eq!(
        get(&format!("{}/openapi.yaml", server.base_url()), None)
            .await
            .status(),
        200
    );
    server.shutdown().await;
}

#[tokio::test]
async fn latency_delays_the_real_answer() {
    let server = faulty(&["latency=300ms,operation=get_job"], 0).await;
    let started = Instant::now();
    let response = get(
        &format!("{}/8", jobs_url(&server)),
        Some(tokens::MAINTAINER),
    )
    .await;
    // A lower bound only: the sleep guarantees it; how fast the rest is is the bench's business.
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(response.status(), 200);
    let job: serde_json::Value = response.json().await.expect("the job");
    assert_eq!(job["id"], 8);
    server.shutdown().await;
}

#[tokio::test]
async fn dropped_connection_gets_no_byte() {
    let server = faulty(&["drop,path=/api/v4/job,count=1"], 0).await;
    let address = server.base_url().trim_start_matches("http://").to_owned();
    // A raw connection, to see every byte the server sends (a client library would only
    // report an error).
    let exchange = || {
        let address = address.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                use std::io::{Read as _, Write as _};
                let mut stream = std::net::TcpStream::connect(&address).expect("connects");
                stream
                    .set_read_timeout(Some(Duration::from_secs(30)))
                    .expect("a timeout");
                stream
                    .write_all(b"GET /api/v4/job HTTP/1.1\r\nHost: x\r\nJOB-TOKEN: nope\r\nConnection: close\r\n\r\n")
                    .expect("sends");
                let mut answer = Vec::new();
                match stream.read_to_end(&mut answer) {
                    Ok(_) => {}
                    // A reset is a dropped connection too.
                    Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => {}
                    Err(error) => panic!("reading the answer: {error}"),
                }
                String::from_utf8_lossy(&answer).into_owned()
            })
            .await
            .expect("the exchange")
        }
    };
    assert_eq!(
        exchange().await,
        "",
        "the first request's connection is dropped"
    );
    let second = exchange().await;
    assert!(
        second.starts_with("HTTP/1.1 401"),
        "then served again: {second}"
    );
    server.shutdown().await;
}

/// The statuses of 24 sequential list requests.
async fn statuses(seed: u64) -> Vec<u16> {
    let server = faulty(&["status=502,operation=list_project_jobs,rate=0.5"], seed).await;
    let mut statuses = Vec::new();
    for _ in 0..24 {
        statuses.push(
            get(&jobs_url(&server), Some(tokens::MAINTAINER))
                .await
                .status()
                .as_u16(),
        );
    }
    server.shutdown().await;
    statuses
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults() {
    let first = statuses(7).await;
    assert_eq!(first, statuses(7).await);
    assert!(first.contains(&502) && first.contains(&200), "{first:?}");
    assert!(first.iter().all(|status| [200, 502].contains(status)));
    assert_ne!(first, statuses(8).await, "another seed, other draws");
}

#[tokio::test]
async fn an_unknown_operation_is_refused_with_the_list() {
    let error = Faults::new(
        vec!["status=500,operation=get_jobs".parse().expect("parses")],
        0,
    )
    .err()
    .expect("refused");
    assert!(error.problem.contains("no operation `get_jobs`"), "{error}");
    assert!(
        error.problem.contains("get_job, "),
        "the operations are listed: {error}"
    );
}
