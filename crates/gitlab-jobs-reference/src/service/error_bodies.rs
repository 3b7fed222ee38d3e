//! API errors with GitLab's exact bodies (`lib/api/helpers.rb`, `lib/api/api.rb`,
//! `lib/api/api_guard.rb`).

use gitlab_jobs_types as types;
use serde_json::Value;

use crate::store::StoreError;

/// An HTTP error status and the body GitLab sends with it, in the document's `Error` type
/// (every GitLab error body fits it), so that answering sends it as it is.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    /// Boxed: errors travel in every `Result` of the service, and the body is large.
    pub body: Box<types::Error>,
}

/// `404 {"message":"404 Not found"}`: the status and the body as the client reads it.
impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.json())
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// `render_api_error!(message, status)` → `{"message": message}`.
    pub fn message(status: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: Box::new(types::Error {
                message: Some(types::ErrorMessage::String(message.into())),
                ..types::Error::default()
            }),
        }
    }

    /// Grape validation errors and `error!("…")` → `{"error": message}`.
    pub fn error(status: u16, error: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: Box::new(types::Error {
                error: Some(error.into()),
                ..types::Error::default()
            }),
        }
    }

    /// `rescue_from ActiveRecord::RecordNotFound` → `404 Not found` (lowercase f): a missing
    /// job (`find_build!`, `find_job!`), pipeline or ref.
    pub fn record_not_found() -> ApiError {
        ApiError::message(404, "404 Not found")
    }

    /// `not_found!(resource)` → `404 <resource> Not Found`, or `404 Not Found` without one.
    pub fn not_found(resource: Option<&str>) -> ApiError {
        match resource {
            Some(resource) => ApiError::message(404, format!("404 {resource} Not Found")),
            None => ApiError::message(404, "404 Not Found"),
        }
    }

    /// `find_project!` for a project that does not exist or cannot be seen.
    pub fn project_not_found() -> ApiError {
        ApiError::not_found(Some("Project"))
    }

    /// `GET /job` without a job token (`validate_current_authenticated_job`).
    pub fn job_not_found() -> ApiError {
        ApiError::not_found(Some("Job"))
    }

    /// `unauthorized!` → `401 Unauthorized`.
    pub fn unauthorized() -> ApiError {
        ApiError::message(401, "401 Unauthorized")
    }

    /// `forbidden!(reason)` → `403 Forbidden - reason`; without one `403 Forbidden` (also what
    /// `authorize!` and `AccessDeniedError` give).
    pub fn forbidden(reason: Option<&str>) -> ApiError {
        match reason {
            Some(reason) => ApiError::message(403, format!("403 Forbidden - {reason}")),
            None => ApiError::message(403, "403 Forbidden"),
        }
    }

    /// `bad_request!(reason)` → `400 Bad request - reason`; without one `400 Bad request`.
    pub fn bad_request(reason: Option<&str>) -> ApiError {
        match reason {
            Some(reason) => ApiError::message(400, format!("400 Bad request - {reason}")),
            None => ApiError::message(400, "400 Bad request"),
        }
    }

    /// `forbidden!('Job is not retryable')` (`lib/api/ci/jobs.rb`).
    pub fn job_not_retryable() -> ApiError {
        ApiError::forbidden(Some("Job is not retryable"))
    }

    /// `forbidden!('Job is not erasable!')` (`lib/api/ci/jobs.rb`).
    pub fn job_not_erasable() -> ApiError {
        ApiError::forbidden(Some("Job is not erasable!"))
    }

    /// `bad_request!("Unplayable Job")` (`lib/api/ci/jobs.rb`).
    pub fn unplayable_job() -> ApiError {
        ApiError::bad_request(Some("Unplayable Job"))
    }

    /// OAuth-style token errors (`lib/api/api_guard.rb`): expired or revoked tokens.
    pub fn invalid_token(description: &str) -> ApiError {
        ApiError {
            status: 401,
            body: Box::new(types::Error {
                error: Some("invalid_token".into()),
                error_description: Some(description.into()),
                ..types::Error::default()
            }),
        }
    }

    /// `Gitlab::Auth::ExpiredError`: the text of `oauth2_bearer_token_error_handler` in
    /// `lib/api/api_guard.rb` (gitlabhq 017a6c1).
    pub fn token_expired() -> ApiError {
        ApiError::invalid_token(
            "Token is expired. You can either do re-authorization or token refresh.",
        )
    }

    /// `ApiGuard::RevokedError`.
    pub fn token_revoked() -> ApiError {
        ApiError::invalid_token("Token was revoked. You have to re-authorize from the user.")
    }

    /// Grape's `values:` check on `scope` (`lib/api/ci/jobs.rb`, `:optional_scope`).
    pub fn invalid_scope() -> ApiError {
        ApiError::error(400, "scope does not have a valid value")
    }

    /// Any uncaught exception.
    pub fn internal() -> ApiError {
        ApiError::message(500, "500 Internal Server Error")
    }

    /// The `WWW-Authenticate` header that goes with an OAuth-style error (Rack::OAuth2's
    /// `Bearer::Unauthorized`, used by `lib/api/api_guard.rb`); `None` for other errors.
    pub fn www_authenticate(&self) -> Option<String> {
        let error = self.body.error.as_deref()?;
        let description = self.body.error_description.as_deref()?;
        Some(format!(
            "Bearer realm=\"Protected by OAuth 2.0\", error=\"{error}\", error_description=\"{description}\""
        ))
    }

    /// The `message` or `error` text, for logs and assertions.
    pub fn text(&self) -> &str {
        match (&self.body.message, &self.body.error) {
            (Some(types::ErrorMessage::String(message)), _) => message,
            (_, Some(error)) => error,
            _ => "",
        }
    }

    /// The body as JSON, as the client reads it (for logs and tests).
    pub fn json(&self) -> Value {
        serde_json::to_value(&self.body).unwrap_or_default()
    }
}

/// How store outcomes reach the client. Database and archive failures are GitLab's generic
/// 500 (the cause goes to the log, not to the client).
impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound(_) => ApiError::record_not_found(),
            StoreError::NotRetryable => ApiError::job_not_retryable(),
            StoreError::NotPlayable => ApiError::unplayable_job(),
            StoreError::NotErasable => ApiError::job_not_erasable(),
            // Keep without artifacts is `not_found!(build)`, whose text interpolates the build
            // object (`not_found!(resource)` in lib/api/helpers.rb joins it into the message)
            // and is not determined; the resource-less form is
            // used. A missing archive entry is Workhorse's 404.
            StoreError::NoArtifacts | StoreError::ArtifactEntryNotFound(_) => {
                ApiError::not_found(None)
            }
            StoreError::InvalidArtifactPath(_) => ApiError::bad_request(None),
            // What GitLab answers to an undecodable keyset cursor is not determined.
            StoreError::InvalidCursor => ApiError::bad_request(Some("Invalid cursor")),
            StoreError::CorruptArchive(_)
            | StoreError::Fixture(_)
            | StoreError::Sqlite(_)
            | StoreError::Postgres(_)
            | StoreError::NoConnection(_)
            | StoreError::PostgresUrl(_)
            | StoreError::Encoding(_)
            | StoreError::Database(_) => {
                tracing::error!(%error, "internal error");
                ApiError::internal()
            }
            // The request is answered again with the store (see `JobsService::in_memory`).
            StoreError::NotInMemory => ApiError::internal(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn bodies_are_gitlabs() {
        assert_eq!(
            ApiError::record_not_found().json(),
            json!({"message": "404 Not found"})
        );
        assert_eq!(
            ApiError::project_not_found().json(),
            json!({"message": "404 Project Not Found"})
        );
        assert_eq!(
            ApiError::job_not_found().json(),
            json!({"message": "404 Job Not Found"})
        );
        assert_eq!(
            ApiError::not_found(None).json(),
            json!({"message": "404 Not Found"})
        );
        assert_eq!(
            ApiError::unauthorized().json(),
            json!({"message": "401 Unauthorized"})
        );
        assert_eq!(
            ApiError::job_not_retryable().json(),
            json!({"message": "403 Forbidden - Job is not retryable"})
        );
        assert_eq!(
            ApiError::job_not_erasable().json(),
            json!({"message": "403 Forbidden - Job is not erasable!"})
        );
        assert_eq!(
            ApiError::unplayable_job().json(),
            json!({"message": "400 Bad request - Unplayable Job"})
        );
        assert_eq!(
            ApiError::bad_request(None).json(),
            json!({"message": "400 Bad request"})
        );
        assert_eq!(
            ApiError::forbidden(None).json(),
            json!({"message": "403 Forbidden"})
        );
        assert_eq!(
            ApiError::invalid_scope().json(),
            json!({"error": "scope does not have a valid value"})
        );
        assert_eq!(
            ApiError::internal().json(),
            json!({"message": "500 Internal Server Error"})
        );
    }

    #[test]
    fn store_outcomes_map_to_gitlab_errors() {
        assert_eq!(
            ApiError::from(StoreError::NotFound("job")),
            ApiError::record_not_found()
        );
        assert_eq!(
            ApiError::from(StoreError::NotRetryable),
            ApiError::job_not_retryable()
        );
        assert_eq!(
            ApiError::from(StoreError::NotPlayable),
            ApiError::unplayable_job()
        );
        assert_eq!(
            ApiError::from(StoreError::NotErasable),
            ApiError::job_not_erasable()
        );
        let invalid = crate::rules::artifacts::InvalidArtifactPath::Traversal;
        assert_eq!(
            ApiError::from(StoreError::from(invalid)),
            ApiError::bad_request(None)
        );
        assert_eq!(
            ApiError::from(StoreError::Database("disk".into())),
            ApiError::internal()
        );
    }

    #[test]
    fn statuses_match_the_bodies() {
        assert_eq!(ApiError::record_not_found().status, 404);
        assert_eq!(ApiError::unauthorized().status, 401);
        assert_eq!(ApiError::job_not_retryable().status, 403);
        assert_eq!(ApiError::unplayable_job().status, 400);
        let expired = ApiError::token_expired();
        assert_eq!((expired.status, expired.text()), (401, "invalid_token"));
        assert_eq!(
            expired.json()["error_description"],
            "Token is expired. You can either do re-authorization or token refresh."
        );
        assert_eq!(
            expired.www_authenticate().as_deref(),
            Some(
                "Bearer realm=\"Protected by OAuth 2.0\", error=\"invalid_token\", error_description=\"Token is expired. You can either do re-authorization or token refresh.\""
            )
        );
        assert_eq!(ApiError::unauthorized().www_authenticate(), None);
    }
}
