//! The answers of injected faults, as GitLab and its front proxy give them.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};

use super::spec::Limiter;

/// Rack::Attack's throttled answer (lib/gitlab/rack_attack.rb `throttled_response`):
/// `Gitlab::Throttle.rate_limiting_response_text`, `Retry later\n` unless an administrator
/// changed it, in plain text, with `throttled_response_headers`. The limits are GitLab's
/// defaults for the API throttles (7,200 authenticated / 3,600 unauthenticated requests per
/// 3,600 s, which `RateLimit-Limit` states per 60 s); the period ends in `retry_after`
/// seconds, which is what `Retry-After` and the reset times say.
///
/// `Gitlab::ApplicationRateLimiter` (lib/api/helpers/rate_limiter.rb `check_rate_limit!`,
/// which `GET /projects/:id/jobs` calls as `jobs_index`) answers
/// `render_api_error!({ error: 'This endpoint has been requested too many times. Try again
/// later.' }, 429)`: GitLab's JSON error body, with no `Retry-After`.
pub fn too_many_requests(limiter: Limiter, authenticated: bool, now: DateTime<Utc>) -> Response {
    let retry_after = match limiter {
        Limiter::Application => {
            return json(
                StatusCode::TOO_MANY_REQUESTS,
                r#"{"message":{"error":"This endpoint has been requested too many times. Try again later."}}"#,
            );
        }
        Limiter::RackAttack { retry_after } => retry_after,
    };
    let (name, limit, period) = if authenticated {
        ("throttle_authenticated_api", 7200u64, 3600u64)
    } else {
        ("throttle_unauthenticated_api", 3600, 3600)
    };
    let reset = now + chrono::Duration::seconds(i64::from(retry_after));
    let mut response = text(StatusCode::TOO_MANY_REQUESTS, "text/plain", "Retry later\n");
    let headers = response.headers_mut();
    let values = [
        ("ratelimit-name", name.to_owned()),
        ("ratelimit-limit", (limit * 60).div_ceil(period).to_string()),
        ("ratelimit-observed", (limit + 1).to_string()),
        ("ratelimit-remaining", "0".to_owned()),
        ("ratelimit-reset", reset.timestamp().to_string()),
        (
            "ratelimit-resettime",
            reset.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        ),
        ("retry-after", retry_after.to_string()),
    ];
    insert_all(headers, &values);
    response
}

/// Grape's `rescue_from :all` (lib/api/api.rb → `handle_api_exception` in
/// lib/api/helpers.rb): an unhandled error becomes this body, whatever the error was.
pub fn internal_server_error() -> Response {
    json(
        StatusCode::INTERNAL_SERVER_ERROR,
        r#"{"message":"500 Internal Server Error"}"#,
    )
}

/// Workhorse's answer when Puma does not answer (workhorse/internal/badgateway/
/// roundtripper.go, production mode). API paths are proxied without Workhorse's error pages
/// (workhorse/internal/upstream/routes.go: `apiPattern` routes straight to `proxy`), so an
/// API client gets this text and not GitLab's `public/502.html`, which only pages outside
/// `/api/` get.
pub fn bad_gateway() -> Response {
    text(
        StatusCode::BAD_GATEWAY,
        "text/plain",
        "GitLab is not responding",
    )
}

/// An answer whose body fails before its first byte: hyper then closes the connection
/// without writing the status line, so the client sees the connection dropped (curl: "Empty
/// reply from server").
pub fn dropped_connection() -> Response {
    let failing = futures::stream::once(async {
        Err::<Bytes, _>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "fault injected: connection dropped",
        ))
    });
    Response::new(Body::from_stream(failing))
}

fn json(status: StatusCode, body: &'static str) -> Response {
    text(status, "application/json", body)
}

fn text(status: StatusCode, content_type: &'static str, body: &'static str) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn insert_all(headers: &mut HeaderMap, values: &[(&'static str, String)]) {
    for (name, value) in values {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(*name, value);
        }
    }
}
