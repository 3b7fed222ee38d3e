//! One log line per request (tower-http is not in the workspace, so a small middleware).

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// Logs method, path, status and latency. The query string is left out: GitLab accepts
/// `private_token` and `job_token` there, and tokens do not belong in logs.
pub async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let start = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let latency = start.elapsed();
    if response.status().is_server_error() {
        tracing::warn!(%method, path, status, ?latency, "request");
    } else {
        tracing::info!(%method, path, status, ?latency, "request");
    }
    response
}
