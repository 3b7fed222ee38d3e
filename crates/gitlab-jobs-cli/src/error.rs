//! Failures as a person reads them, and the exit code each one ends the program with.
//!
//! A message says what happened (with GitLab's own words and the HTTP status when there was
//! an answer); a hint says what to do. The codes are listed in `gitlab-jobs --help`
//! ([`crate::cli::EXIT_CODES`]).

use std::fmt;
use std::process::ExitCode;

use gitlab_jobs_client::types::{self, ErrorMessage};
use gitlab_jobs_client::{Error, ProjectId};

/// The documented exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Exit {
    Success = 0,
    /// `trace --follow`: the job finished without success.
    JobUnsuccessful = 1,
    /// Bad usage or configuration.
    Usage = 2,
    /// GitLab answered and refused (4xx other than 429).
    Refused = 3,
    /// GitLab was unreachable, rate limiting or failing, or answered something unreadable.
    Unavailable = 4,
    /// A local file could not be read or written.
    Local = 5,
    /// Ctrl-C during a download (128 + SIGINT, as shells report it).
    Interrupted = 130,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// A failure to report on stderr.
#[derive(Debug)]
pub struct CliError {
    message: String,
    hint: Option<String>,
    exit: Exit,
}

/// What a request was about, for the words of its error.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    /// The project of the request.
    pub project: &'a ProjectId,
    /// The job, when the request names one.
    pub job: Option<i64>,
    /// What was asked for, in words, when it is neither the project nor a job by id (such as
    /// "the artifacts of job `build` on ref `main`").
    pub what: Option<&'a str>,
    /// Where the credential came from (see [`crate::connection::Connection`]).
    pub credential_source: &'a str,
}

impl CliError {
    /// Bad usage or configuration (exit 2), with what to do.
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            hint: Some(hint.into()),
            exit: Exit::Usage,
        }
    }

    /// A failure outside the generated client's requests (`verify`, `record`), with its
    /// exit code.
    pub fn other(message: impl Into<String>, hint: Option<String>, exit: Exit) -> CliError {
        CliError {
            message: message.into(),
            hint,
            exit,
        }
    }

    /// A local failure (exit 5): `what` could not be done because of `error`.
    pub fn local(what: impl fmt::Display, error: impl fmt::Display) -> CliError {
        CliError {
            message: format!("{what}: {error}"),
            hint: None,
            exit: Exit::Local,
        }
    }

    /// GitLab stopped answering as expected (exit 4).
    pub fn unavailable(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            hint: Some("try again".into()),
            exit: Exit::Unavailable,
        }
    }

    /// The user interrupted the program (exit 130, as shells report SIGINT).
    pub fn interrupted(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            hint: None,
            exit: Exit::Interrupted,
        }
    }

    /// An end without a message and with exit code 0: stdout was closed by its reader
    /// (`gitlab-jobs list | head`), which is no failure.
    pub fn quiet() -> CliError {
        CliError {
            message: String::new(),
            hint: None,
            exit: Exit::Success,
        }
    }

    /// Prints the error on stderr and gives the exit code.
    pub fn report(&self) -> ExitCode {
        if !self.message.is_empty() {
            eprintln!("{self}");
        }
        self.exit.into()
    }

    /// An error of the generated client, in words: GitLab's message, the status, and a hint
    /// for `target`. Reads the body of an undocumented answer to find GitLab's message.
    pub async fn api(error: Error<types::Error>, target: Target<'_>) -> CliError {
        match error {
            Error::ErrorResponse(response) => {
                let status = response.status();
                let said = gitlab_message(&response);
                CliError::status(status, said, target)
            }
            Error::UnexpectedResponse(response) => {
                let status = response.status();
                let body = response.bytes().await.unwrap_or_default();
                let said = serde_json::from_slice::<types::Error>(&body)
                    .ok()
                    .and_then(|error| gitlab_message(&error))
                    .or_else(|| text_message(&body));
                CliError::status(status, said, target)
            }
            Error::CommunicationError(e) => CliError {
                message: format!("could not reach GitLab: {}", chain(&e)),
                hint: Some(
                    "check --url (or GITLAB_URL) and the network; with a proxy, set HTTPS_PROXY"
                        .into(),
                ),
                exit: Exit::Unavailable,
            },
            Error::ResponseBodyError(e) => CliError {
                message: format!("the connection broke while GitLab answered: {}", chain(&e)),
                hint: Some("try again".into()),
                exit: Exit::Unavailable,
            },
            Error::InvalidResponsePayload(_, e) => CliError {
                message: format!("GitLab's answer is not what the Jobs API documents: {e}"),
                hint: Some("check that --url points at a GitLab instance".into()),
                exit: Exit::Unavailable,
            },
            Error::InvalidUpgrade(e) => CliError {
                message: format!("unexpected protocol upgrade: {}", chain(&e)),
                hint: None,
                exit: Exit::Unavailable,
            },
            Error::InvalidRequest(message) => CliError::usage(
                format!("the request could not be built: {message}"),
                "check the arguments",
            ),
            Error::Custom(message) => CliError {
                message,
                hint: None,
                exit: Exit::Unavailable,
            },
        }
    }

    fn status(status: http::StatusCode, said: Option<String>, target: Target<'_>) -> CliError {
        let code = status.as_u16();
        let said_text = said.clone().unwrap_or_default();
        let gitlab = match &said {
            Some(message) => format!("{status}; GitLab said: {message}"),
            None => status.to_string(),
        };
        let job = match (target.what, target.job) {
            (Some(what), _) => format!("{what} in project {}", target.project),
            (None, Some(id)) => format!("job {id} in project {}", target.project),
            (None, None) => format!("project {}", target.project),
        };
        let (message, hint, exit) = match code {
            401 => (
                format!("the token was refused ({gitlab})"),
                Some(format!(
                    "check {}: the token may be mistyped, expired, revoked or for another GitLab",
                    target.credential_source
                )),
                Exit::Refused,
            ),
            403 if said_text.contains("insufficient_scope") => (
                format!("the token's scopes do not allow this ({gitlab})"),
                Some("use a token with the api scope (read_api is enough to read)".into()),
                Exit::Refused,
            ),
            403 => (
                format!("GitLab refused this for {job} ({gitlab})"),
                Some(
                    "the token's user may lack the role this needs (Developer to retry, cancel, \
                     play; Maintainer to erase or delete artifacts), or the job's state does not \
                     allow it"
                        .into(),
                ),
                Exit::Refused,
            ),
            // `not_found!('Project')` (lib/api/helpers.rb `find_project!`); a project-level
            // request can only miss its project.
            404 if said_text.contains("Project Not Found")
                || (target.job.is_none() && target.what.is_none()) =>
            {
                let private = if target.project.path().is_some() {
                    "it may be private (the token cannot see it) or mistyped"
                } else {
                    "the id may be wrong, or the project private to the token"
                };
                (
                    format!("project {} not found ({gitlab})", target.project),
                    Some(format!("{private}; check --project (or GITLAB_PROJECT)")),
                    Exit::Refused,
                )
            }
            404 if target.what.is_some() => {
                (format!("{job} not found ({gitlab})"), None, Exit::Refused)
            }
            404 => (
                format!("{job} not found ({gitlab})"),
                Some("check the job id (gitlab-jobs list shows the project's jobs)".into()),
                Exit::Refused,
            ),
            429 => (
                format!("GitLab is rate limiting this client ({gitlab})"),
                Some("wait a minute and try again".into()),
                Exit::Unavailable,
            ),
            500..=599 => (
                format!("GitLab failed to answer ({gitlab})"),
                Some("this is on GitLab's side; try again later".into()),
                Exit::Unavailable,
            ),
            400..=499 => (
                format!("GitLab refused the request for {job} ({gitlab})"),
                None,
                Exit::Refused,
            ),
            _ => (
                format!("unexpected answer from GitLab ({gitlab})"),
                Some("check that --url points at a GitLab instance".into()),
                Exit::Unavailable,
            ),
        };
        CliError {
            message,
            hint,
            exit,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// GitLab's message in an error body: `message` (a string, or the object of a 429 or a
/// validation error), else `error` and `error_description`.
fn gitlab_message(error: &types::Error) -> Option<String> {
    match &error.message {
        Some(ErrorMessage::String(message)) => Some(message.clone()),
        Some(ErrorMessage::Object(fields)) => {
            let mut parts: Vec<String> = fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            parts.sort();
            Some(parts.join(", "))
        }
        None => match (&error.error, &error.error_description) {
            (Some(error), Some(description)) => Some(format!("{error}: {description}")),
            (Some(error), None) => Some(error.clone()),
            _ => None,
        },
    }
}

/// A short plain-text body as a message; HTML pages (a proxy's 502) and long bodies are not.
fn text_message(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?.trim();
    (!text.is_empty() && text.len() <= 200 && !text.starts_with('<')).then(|| text.to_string())
}

/// An error and its sources, `: `-separated (reqwest's own message hides the cause).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
