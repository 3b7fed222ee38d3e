//! Service results into the generated response variants: each [`ApiError`] into the variant of
//! its status (the job entities come from the service in the generated types already).
//!
//! Which variant a status is, the document decides: the generated
//! [`ErrorResponse::from_error`](gitlab_jobs_server::ErrorResponse) of each response
//! enum maps every documented error status (500 included: GitLab answers
//! `{"message":"500 Internal Server Error"}` to uncaught exceptions, `handle_api_exception` in
//! lib/api/helpers.rb) to its variant, and any other status to `Undocumented`, sent as it is.
//! An internal failure is an honest 500, never a documented 4xx in disguise.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use gitlab_jobs_server::ErrorResponse;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::service::error_bodies::ApiError;

/// A response enum built from an error of the service.
pub trait FromApiError: Sized {
    fn from_error(error: ApiError) -> Self;
}

/// Every generated response enum: 401 carries `WWW-Authenticate` (OAuth token errors,
/// `lib/api/api_guard.rb`); a 5xx and a status the operation does not document are logged.
impl<R: ErrorResponse> FromApiError for R {
    fn from_error(error: ApiError) -> Self {
        let status = StatusCode::from_u16(error.status).unwrap_or_else(|_| {
            tracing::error!(status = error.status, "an error status out of HTTP's range");
            StatusCode::INTERNAL_SERVER_ERROR
        });
        if status.is_server_error() {
            tracing::error!(status = error.status, body = %error.json(), "internal failure");
        }
        if !R::ERROR_STATUSES.contains(&status.as_u16()) {
            tracing::error!(
                operation = std::any::type_name::<R>(),
                status = error.status,
                body = %error.json(),
                "status not documented for this operation; answered as it is"
            );
        }
        let mut headers = HeaderMap::new();
        if let Some(value) = error
            .www_authenticate()
            .and_then(|value| HeaderValue::from_str(&value).ok())
        {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        <R as ErrorResponse>::from_error(status, error.json(), &headers)
    }
}

/// A presented `serde_json::Value` (only `/job/allowed_agents` still is one) in its generated
/// type. Not fitting is a bug of `crate::service::present` (or of the document): logged, and answered
/// as an internal error.
pub fn entity<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    serde_json::from_value(value).map_err(|failure| {
        tracing::error!(
            %failure,
            %id,
            entity = std::any::type_name::<T>(),
            "a presented entity does not fit its generated type"
        );
        ApiError::internal()
    })
}
