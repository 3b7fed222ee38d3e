//! Writing responses: bodies with their content types, typed headers, and the router's own
//! answers for unknown routes and methods; reading an error back into a documented variant.

use axum::Router;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::input::FromText;
use crate::JsonBody;

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A JSON response. Serialisation of our own types cannot fail; if it ever did, GitLab's
/// answer to an uncaught exception is the honest one.
pub fn json<T: Serialize>(code: u16, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => json_text(status(code), bytes),
        Err(_) => json_text(
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"message":"500 Internal Server Error"}"#,
        ),
    }
}

/// The JSON response of a success variant: its kept bytes as they are, or its value
/// serialised.
pub fn json_body<T: Serialize>(code: u16, body: JsonBody<T>) -> Response {
    match body {
        JsonBody::Value(value) => json(code, &value),
        JsonBody::Encoded(encoded) => json_text(status(code), encoded.bytes().clone()),
    }
}

/// `body`, JSON text already, with its content type.
fn json_text(status: StatusCode, body: impl IntoResponse) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A `text/plain` response (job logs).
pub fn text(code: u16, body: String) -> Response {
    (
        status(code),
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

/// An `application/octet-stream` response (artifact archives and files).
pub fn binary(code: u16, body: bytes::Bytes) -> Response {
    (
        status(code),
        [(header::CONTENT_TYPE, "application/octet-stream")],
        body,
    )
        .into_response()
}

/// A response without a body (204, 302).
pub fn empty(code: u16) -> Response {
    status(code).into_response()
}

/// `{"message": "..."}`, the body of GitLab's `render_api_error!` and its helpers.
pub fn message_body(message: &str) -> serde_json::Value {
    serde_json::json!({ "message": message })
}

/// `{"error": "..."}`, the body of Grape's validation errors and unknown routes.
pub fn error_body(message: &str) -> serde_json::Value {
    serde_json::json!({ "error": message })
}

/// A value that can be written as one header.
pub trait HeaderText {
    fn header_text(&self) -> Option<String>;
}

impl HeaderText for String {
    fn header_text(&self) -> Option<String> {
        Some(self.clone())
    }
}

impl HeaderText for i64 {
    fn header_text(&self) -> Option<String> {
        Some(self.to_string())
    }
}

impl HeaderText for f64 {
    fn header_text(&self) -> Option<String> {
        Some(self.to_string())
    }
}

impl HeaderText for bool {
    fn header_text(&self) -> Option<String> {
        Some(self.to_string())
    }
}

impl<T: HeaderText> HeaderText for Option<T> {
    fn header_text(&self) -> Option<String> {
        self.as_ref().and_then(HeaderText::header_text)
    }
}

/// Writes `value` as header `name`; absent values, and values no header can carry, are
/// left out rather than failing the whole response.
pub fn put_header<T: HeaderText>(headers: &mut HeaderMap, name: &str, value: &T) {
    let Some(text) = value.header_text() else {
        return;
    };
    // `from_bytes` lower-cases names written as GitLab sends them (`X-Total`).
    if let (Ok(name), Ok(value)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(&text),
    ) {
        headers.insert(name, value);
    }
}

/// 404 `{"error":"404 Not Found"}`: what GitLab answers for a route it does not have.
pub(crate) fn not_found_route() -> Response {
    json(404, &error_body("404 Not Found"))
}

async fn route_not_found() -> Response {
    not_found_route()
}

async fn method_not_allowed() -> Response {
    json(405, &error_body("405 Not Allowed"))
}

/// The request URI as the client sent it. `nest` strips `/api/v4` from the URI the
/// handlers see, and pagination links must repeat the full path.
#[derive(Debug, Clone)]
pub(crate) struct FullUri(pub(crate) http::Uri);

async fn keep_full_uri(mut request: axum::extract::Request) -> axum::extract::Request {
    let uri = request.uri().clone();
    request.extensions_mut().insert(FullUri(uri));
    request
}

/// Mounts the generated routes under `/api/v4` with GitLab's answers for the rest.
pub fn mount(routes: Router) -> Router {
    Router::new()
        .nest(
            "/api/v4",
            routes.method_not_allowed_fallback(method_not_allowed),
        )
        .fallback(route_not_found)
        .layer(axum::middleware::map_request(keep_full_uri))
}

/// `body` as the type of a documented variant, if it fits.
pub fn fit<T: DeserializeOwned>(body: &Value) -> Option<T> {
    T::deserialize(body).ok()
}

/// Header `name` (the last one sent) read as `T`; `None` when absent or unreadable.
pub fn header_value<T: FromText>(headers: &HeaderMap, name: &str) -> Option<T> {
    headers
        .get_all(name)
        .iter()
        .next_back()
        .and_then(|value| value.to_str().ok())
        .and_then(T::from_text)
}
