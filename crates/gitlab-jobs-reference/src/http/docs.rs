//! The API's documentation beside the API: `/` serves the page `cargo xtask docs` renders from
//! the OpenAPI document, `/openapi.yaml` the document itself. Both live outside `/api/v4`, so
//! GitLab's paths stay GitLab's (and every other path keeps GitLab's 404 body).

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

/// `openapi/gitlab-jobs.yaml`, the document every generated crate comes from.
pub const OPENAPI_YAML: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../openapi/gitlab-jobs.yaml"
));

/// The page (`cargo xtask docs` writes it; `cargo xtask check` proves it current).
pub const DOCS_PAGE: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/api-docs.html"));

/// `router` with `GET /` (the page) and `GET /openapi.yaml` (the document) added.
pub fn add_routes(router: Router) -> Router {
    router
        .route("/", get(page))
        .route("/openapi.yaml", get(document))
}

async fn page() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        DOCS_PAGE,
    )
}

async fn document() -> impl IntoResponse {
    // RFC 9512's media type for YAML.
    ([(header::CONTENT_TYPE, "application/yaml")], OPENAPI_YAML)
}
