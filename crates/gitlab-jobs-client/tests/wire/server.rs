//! A scripted HTTP server on 127.0.0.1:0 that records every request it receives.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A request as it arrived, before any decoding.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// The path exactly as sent (percent-encoding intact).
    pub path: String,
    /// The query string exactly as sent.
    pub query: Option<String>,
    pub headers: HeaderMap,
    /// When the request arrived.
    pub at: std::time::Instant,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The decoded value of the first query parameter `name`.
    pub fn param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

type Responder = dyn Fn(&Recorded) -> Response + Send + Sync;

pub struct TestServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Serves `respond` for every method and path.
    pub async fn start(respond: impl Fn(&Recorded) -> Response + Send + Sync + 'static) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let respond: Arc<Responder> = Arc::new(respond);
        let log = requests.clone();
        let app = Router::new().fallback(move |request: Request| {
            let log = log.clone();
            let respond = respond.clone();
            async move {
                let recorded = Recorded {
                    method: request.method().to_string(),
                    path: request.uri().path().to_string(),
                    query: request.uri().query().map(str::to_string),
                    headers: request.headers().clone(),
                    at: std::time::Instant::now(),
                };
                log.lock().expect("request log").push(recorded.clone());
                respond(&recorded)
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("test server");
        });
        TestServer {
            addr,
            requests,
            task,
        }
    }

    /// `http://127.0.0.1:<port>`, the instance URL (no `/api/v4`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("request log").clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A 200 JSON response with extra headers.
pub fn json_response(body: Value, headers: &[(&str, String)]) -> Response {
    response(StatusCode::OK, body, headers)
}

/// A JSON response with any status and extra headers.
pub fn response(status: StatusCode, body: Value, headers: &[(&str, String)]) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    add_headers(&mut response, headers);
    response
}

/// A response with a raw body.
pub fn raw_response(
    status: StatusCode,
    body: impl Into<Body>,
    headers: &[(&str, String)],
) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    add_headers(&mut response, headers);
    response
}

fn add_headers(response: &mut Response, headers: &[(&str, String)]) {
    for (name, value) in headers {
        response.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(value).expect("header value"),
        );
    }
}

/// A job as GitLab's `Entities::Ci::Job` presents it, with the fields the generated type
/// requires.
pub fn job(id: i64) -> Value {
    json!({
        "id": id,
        "name": format!("job-{id}"),
        "stage": "test",
        "status": "failed",
        "ref": "main",
        "tag": false,
        "coverage": null,
        "allow_failure": false,
        "created_at": "2024-01-01T00:00:00.000Z",
        "started_at": null,
        "finished_at": null,
        "erased_at": null,
        "duration": null,
        "queued_duration": null,
        "user": null,
        "commit": null,
        "pipeline": {"id": 9, "project_id": 1, "ref": "main", "sha": "abc123", "status": "failed"},
        "failure_reason": "script_failure",
        "web_url": format!("https://gitlab.example.com/group/project/-/jobs/{id}"),
        "artifacts": [],
        "artifacts_expire_at": null,
        "runner": null,
        "runner_manager": null,
        "tag_list": []
    })
}

/// A bridge as GitLab's `Entities::Ci::Bridge` presents it.
pub fn bridge(id: i64) -> Value {
    json!({
        "id": id,
        "name": format!("trigger-{id}"),
        "stage": "deploy",
        "status": "success",
        "ref": "main",
        "tag": false,
        "coverage": null,
        "allow_failure": false,
        "created_at": "2024-01-01T00:00:00.000Z",
        "started_at": null,
        "finished_at": null,
        "erased_at": null,
        "duration": null,
        "queued_duration": null,
        "user": null,
        "commit": null,
        "pipeline": {"id": 9, "project_id": 1, "ref": "main", "sha": "abc123", "status": "success"},
        "web_url": format!("https://gitlab.example.com/group/project/-/jobs/{id}"),
        "downstream_pipeline": null
    })
}

/// Jobs with the given ids, as a JSON array.
pub fn jobs(ids: impl IntoIterator<Item = i64>) -> Value {
    Value::Array(ids.into_iter().map(job).collect())
}
