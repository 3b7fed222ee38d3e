//! `gitlab-jobs record`: reads one project's jobs, pipelines, bridges, traces and artifacts
//! archives through the API and writes them as a fixture file of the reference server
//! (`gitlab-jobs-reference serve --fixtures FILE`), so that a team can replay its own data.
//!
//! The API never shows tokens or memberships: the file gets a replay user with maintainer
//! access (its token given or generated) and a generated token for every recorded user, who
//! become developers of the project. Jobs keep every key the API sent, so a replay answers the
//! same JSON (the host in URLs apart); archives are kept byte for byte, as base64.

mod fixture;
mod read;

use anyhow::{Context, Result};
use serde_json::Value;

use crate::http::Api;

pub use fixture::{RecordedToken, Recording};

/// How much to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Id or `group/project`.
    pub project: String,
    /// Most recent jobs recorded (bridges of their pipelines come on top).
    pub limit: usize,
    /// The replay user's token; generated when `None`.
    pub replay_token: Option<String>,
}

/// Reads the project through `api` and assembles the fixture file.
pub async fn record(api: &Api, options: &Options) -> Result<Recording> {
    let data = read::project(api, &options.project, options.limit).await?;
    let replay_token = match &options.replay_token {
        Some(token) => token.clone(),
        None => fixture::generate_token("replay")?,
    };
    fixture::assemble(data, &options.project, replay_token)
}

/// What was read from the API, before it becomes a fixture.
#[derive(Debug, Default)]
pub struct Data {
    /// Jobs and bridges as the API returned them, most recent first.
    pub jobs: Vec<Value>,
    /// Ids of jobs a newer try replaced (listed only with `include_retried`).
    pub retried: Vec<i64>,
    /// Job id → its log.
    pub traces: Vec<(i64, Vec<u8>)>,
    /// Job id → the bytes of its artifacts archive.
    pub archives: Vec<(i64, Vec<u8>)>,
}

/// GitLab answered a request of the recording with an error status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The request (`GET /projects/...`).
    pub what: String,
    pub status: u16,
    /// The body GitLab sent (its message), as text.
    pub body: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: GitLab answered {}", self.what, self.status)?;
        if !self.body.is_empty() {
            write!(f, " {}", self.body)?;
        }
        Ok(())
    }
}

impl std::error::Error for Refused {}

impl Refused {
    fn new(what: &str, answer: &crate::Observed) -> Refused {
        Refused {
            what: what.to_owned(),
            status: answer.status,
            body: String::from_utf8_lossy(&answer.body).trim().to_owned(),
        }
    }
}

/// The JSON body of a 200 answer; anything else is a [`Refused`].
fn expect_json(what: &str, answer: &crate::Observed) -> Result<Value> {
    if answer.status != 200 {
        return Err(Refused::new(what, answer).into());
    }
    serde_json::from_slice(&answer.body).with_context(|| format!("{what}: the answer is not JSON"))
}
