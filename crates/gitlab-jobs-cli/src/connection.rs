//! From the global options to a connected client: the URL, the one credential and the
//! project, each from the command line or the environment.
//!
//! Every command (including `verify` and `record`) starts with [`GlobalArgs::connect`].

use gitlab_jobs_client::{Auth, Client, ProjectId, ResponseValue, types};

use crate::cli::GlobalArgs;
use crate::error::{CliError, Target};

const DEFAULT_URL: &str = "https://gitlab.com";

/// A client for one GitLab, with what error messages need to know about how it was made.
#[derive(Debug)]
pub struct Connection {
    /// The generated client with the credential, ready for any operation.
    pub client: Client,
    /// Where the credential came from (`GITLAB_TOKEN`, `--job-token`...), named in the hint
    /// of a 401.
    pub credential_source: &'static str,
    /// `--json`: print the API's JSON instead of tables and text.
    pub json: bool,
    project: Option<ProjectId>,
}

impl Connection {
    /// The project every jobs route is under; an error saying how to name it when none was
    /// given.
    pub fn project(&self) -> Result<&ProjectId, CliError> {
        self.project.as_ref().ok_or_else(|| {
            CliError::usage(
                "no project given",
                "pass --project group/project (or its numeric id), or set GITLAB_PROJECT",
            )
        })
    }
}

impl Connection {
    /// What a request about `job` (or the project) is about, for its error message.
    pub fn target(&self, job: Option<i64>) -> Result<Target<'_>, CliError> {
        Ok(Target {
            project: self.project()?,
            job,
            what: None,
            credential_source: self.credential_source,
        })
    }

    /// The body of a successful answer about `job`, or its error in words.
    pub async fn answered<T>(
        &self,
        answer: Result<ResponseValue<T>, gitlab_jobs_client::Error<types::Error>>,
        job: i64,
    ) -> Result<T, CliError> {
        match answer {
            Ok(value) => Ok(value.into_inner()),
            Err(e) => Err(self.fail(e, Some(job)).await),
        }
    }

    /// A client error in words, for a request about `what` (see [`Target::what`]).
    pub async fn fail_about(
        &self,
        error: gitlab_jobs_client::Error<types::Error>,
        what: &str,
    ) -> CliError {
        match self.target(None) {
            Ok(target) => {
                let target = Target {
                    what: Some(what),
                    ..target
                };
                CliError::api(error, target).await
            }
            Err(no_project) => no_project,
        }
    }

    /// A client error in words, for a request about `job` (or the project).
    pub async fn fail(
        &self,
        error: gitlab_jobs_client::Error<types::Error>,
        job: Option<i64>,
    ) -> CliError {
        match self.target(job) {
            Ok(target) => CliError::api(error, target).await,
            Err(no_project) => no_project,
        }
    }
}

impl GlobalArgs {
    /// The client these options describe. Fails (exit code 2) without a credential or with
    /// an unusable URL or token; nothing is sent yet.
    pub fn connect(&self) -> Result<Connection, CliError> {
        let url = self
            .url
            .clone()
            .or_else(|| env("GITLAB_URL"))
            .or_else(|| env("CI_SERVER_URL"))
            .unwrap_or_else(|| DEFAULT_URL.to_string());
        let (auth, credential_source) = self.credential()?;
        let client = gitlab_jobs_client::connect(&url, auth).map_err(|e| {
            CliError::usage(
                e.to_string(),
                format!("check --url and the token in {credential_source}"),
            )
        })?;
        let project = self
            .project
            .clone()
            .or_else(|| env("GITLAB_PROJECT"))
            .or_else(|| env("CI_PROJECT_ID"))
            .map(ProjectId::from);
        Ok(Connection {
            client,
            credential_source,
            json: self.json,
            project,
        })
    }

    /// The credential and where it came from: the one given on the command line (clap
    /// refuses two), else the first environment variable set.
    pub(crate) fn credential(&self) -> Result<(Auth, &'static str), CliError> {
        let given = [
            (
                self.token.clone(),
                "--token",
                Auth::PrivateToken as fn(String) -> Auth,
            ),
            (self.job_token.clone(), "--job-token", Auth::JobToken),
            (self.oauth_token.clone(), "--oauth-token", Auth::Bearer),
            (env("GITLAB_TOKEN"), "GITLAB_TOKEN", Auth::PrivateToken),
            (env("CI_JOB_TOKEN"), "CI_JOB_TOKEN", Auth::JobToken),
            (
                env("GITLAB_OAUTH_TOKEN"),
                "GITLAB_OAUTH_TOKEN",
                Auth::Bearer,
            ),
        ];
        given
            .into_iter()
            .find_map(|(token, source, make)| token.map(|token| (make(token), source)))
            .ok_or_else(|| {
                CliError::usage(
                    "no token given",
                    "create a personal access token with the api scope (read_api to only read) \
                     and set GITLAB_TOKEN, or pass --token, --job-token or --oauth-token",
                )
            })
    }
}

/// An environment variable, `None` when unset or empty (an empty `GITLAB_TOKEN=` means unset).
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}
