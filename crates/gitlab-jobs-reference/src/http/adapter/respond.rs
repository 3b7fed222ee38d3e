//! Service results into the generated response variants: each [`ApiError`] into the variant of
//! its status (the job entities come from the service in the generated types already).
//!
//! The document lists no 500 for any operation, although GitLab answers
//! `{"message":"500 Internal Server Error"}` to uncaught exceptions (`lib/api/api.rb`). So a
//! status an operation does not document (a database failure, an entity that does not fit its
//! generated type: both bugs or outages, never the client's doing) is logged with
//! `tracing::error!` and sent as the operation's 400 (403 where there is no 400), with the
//! original body, so that the client still reads "500 Internal Server Error".

use gitlab_jobs_server::types;
use gitlab_jobs_server::*;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::service::error_bodies::ApiError;

/// A response enum built from an error of the service.
pub trait FromApiError: Sized {
    fn from_error(error: ApiError) -> Self;
}

/// The error body in the generated `Error` type (all its fields are optional, so every body of
/// `crate::service::error_bodies` fits).
fn error_body(error: &ApiError) -> types::Error {
    serde_json::from_value(error.body.clone()).unwrap_or_else(|failure| {
        tracing::error!(%failure, body = %error.body, "an error body does not fit the Error schema");
        types::Error {
            message: Some(types::ErrorMessage::String(error.text().to_owned())),
            ..Default::default()
        }
    })
}

fn undocumented(operation: &str, error: &ApiError) {
    tracing::error!(
        operation,
        status = error.status,
        body = %error.body,
        "status not documented for this operation; answering with a documented one"
    );
}

/// One `FromApiError` impl per operation: 401 carries `WWW-Authenticate` (OAuth token errors,
/// `lib/api/api_guard.rb`), the other documented statuses map to their variants, and anything
/// else goes to the fallback variant (see the module comment).
macro_rules! documented_errors {
    ($($response:ident($unauthorized:ident) {
        $($status:literal => $variant:ident),* $(,)?
    } else $fallback:ident;)*) => {$(
        impl FromApiError for $response {
            fn from_error(error: ApiError) -> Self {
                let body = error_body(&error);
                match error.status {
                    401 => Self::Unauthorized {
                        body,
                        headers: $unauthorized {
                            www_authenticate: error.www_authenticate(),
                        },
                    },
                    $($status => Self::$variant(body),)*
                    _ => {
                        undocumented(stringify!($response), &error);
                        Self::$fallback(body)
                    }
                }
            }
        }
    )*};
}

documented_errors! {
    ListProjectJobsResponse(ListProjectJobsUnauthorizedHeaders) {
        400 => BadRequest, 403 => Forbidden, 404 => NotFound, 405 => MethodNotAllowed,
        429 => TooManyRequests,
    } else BadRequest;
    ListPipelineJobsResponse(ListPipelineJobsUnauthorizedHeaders) {
        400 => BadRequest, 403 => Forbidden, 404 => NotFound,
    } else BadRequest;
    ListPipelineBridgesResponse(ListPipelineBridgesUnauthorizedHeaders) {
        400 => BadRequest, 403 => Forbidden, 404 => NotFound,
    } else BadRequest;
    GetCurrentJobResponse(GetCurrentJobUnauthorizedHeaders) {
        403 => Forbidden, 404 => NotFound,
    } else Forbidden;
    GetCurrentJobAllowedAgentsResponse(GetCurrentJobAllowedAgentsUnauthorizedHeaders) {
        403 => Forbidden, 404 => NotFound,
    } else Forbidden;
    GetJobResponse(GetJobUnauthorizedHeaders) {
        400 => BadRequest, 403 => Forbidden, 404 => NotFound,
    } else BadRequest;
    GetJobTraceResponse(GetJobTraceUnauthorizedHeaders) {
        400 => BadRequest, 403 => Forbidden, 404 => NotFound,
    } else BadRequest;
    CancelJobResponse(CancelJobUnauthorizedHeaders) {
        400 => BadRequest, 403 => Forbidden, 404 => NotFound,
    } else BadRequest;
    RetryJobResponse(RetryJobUnauthorizedHeaders) {
        400 => BadRequest, 403 => Forbidden, 404 => NotFound,
    } else BadRequest;
    EraseJobResponse(EraseJobUnauthorizedHeaders) {
        400 => BadRequest, 403 => Forbidden, 404 => NotFound, 409 => Conflict,
    } else BadRequest;
    PlayJobResponse(PlayJobUnauthorizedHeaders) {
        400 => BadRequest, 403 => Forbidden, 404 => NotFound,
    } else BadRequest;
    GetJobArtifactsResponse(GetJobArtifactsUnauthorizedHeaders) {
        400 => BadRequest, 403 => Forbidden, 404 => NotFound,
    } else BadRequest;
    DeleteJobArtifactsResponse(DeleteJobArtifactsUnauthorizedHeaders) {
        400 => BadRequest, 403 => Forbidden, 404 => NotFound, 409 => Conflict,
    } else BadRequest;
    DownloadArtifactsByRefResponse(DownloadArtifactsByRefUnauthorizedHeaders) {
        400 => BadRequest, 403 => Forbidden, 404 => NotFound,
    } else BadRequest;
    GetJobArtifactFileResponse(GetJobArtifactFileUnauthorizedHeaders) {
        400 => BadRequest, 403 => Forbidden, 404 => NotFound,
    } else BadRequest;
    KeepJobArtifactsResponse(KeepJobArtifactsUnauthorizedHeaders) {
        400 => BadRequest, 403 => Forbidden, 404 => NotFound,
    } else BadRequest;
    GetArtifactFileByRefResponse(GetArtifactFileByRefUnauthorizedHeaders) {
        400 => BadRequest, 403 => Forbidden, 404 => NotFound,
    } else BadRequest;
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
