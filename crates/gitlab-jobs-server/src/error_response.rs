//! Answering an error with the variant the document gives its status, whatever the operation.

use http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::support::{error_body, message_body};

/// A response enum of [`crate::JobsApi`], built from an error status and a JSON body.
///
/// Every response enum implements it (generated from the document), so an implementation
/// that keeps its errors as a status and a GitLab error body answers them with one call, and
/// the document decides which variant each status is. A status the operation does not
/// document (or a body or header that does not fit the documented variant) becomes the
/// `Undocumented` variant, which sends the status and body unchanged: never a documented
/// status in disguise.
pub trait ErrorResponse: Sized {
    /// The error statuses (4xx and 5xx) the document lists for this operation, in order.
    const ERROR_STATUSES: &'static [u16];

    /// The variant of `status` with `body` (and the variant's headers read from `headers`),
    /// or `Undocumented`.
    fn from_error(status: StatusCode, body: Value, headers: &HeaderMap) -> Self;

    /// `500 {"message":"500 Internal Server Error"}`: GitLab's answer to an uncaught exception
    /// (`handle_api_exception` in lib/api/helpers.rb).
    fn internal_server_error() -> Self {
        Self::from_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            message_body("500 Internal Server Error"),
            &HeaderMap::new(),
        )
    }

    /// `404 {"error":"404 Not Found"}`: what GitLab answers for a route it does not have, and
    /// what a [`crate::JobsApi`] method answers unless implemented.
    fn route_not_found() -> Self {
        Self::from_error(
            StatusCode::NOT_FOUND,
            error_body("404 Not Found"),
            &HeaderMap::new(),
        )
    }
}
