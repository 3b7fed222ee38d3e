//! [`TestRunner`]: a runner a test drives step by step through the generated client, so that
//! jobs start, log and finish exactly when the test says (no timers, no sleeps).

use anyhow::{Context, bail};
use gitlab_jobs_client::{Client, Error, types};

/// A runner of a [`TestServer`](crate::TestServer) with its authentication token (the demo's
/// are [`demo::tokens::RUNNER`](crate::demo::tokens::RUNNER) and its neighbours). Every call
/// is one request to the server's runner endpoints.
///
/// ```
/// use gitlab_jobs_reference::TestServer;
/// use gitlab_jobs_reference::demo::tokens;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> anyhow::Result<()> {
/// let server = TestServer::demo().await?;
/// let mut job = server
///     .runner(tokens::RUNNER)
///     .request_job()
///     .await?
///     .expect("the demo has pending builds");
/// job.append_trace("$ bundle exec rubocop\n").await?;
/// job.append_trace("214 files inspected, no offenses detected\n").await?;
/// job.finish(gitlab_jobs_reference::Outcome::Success).await?;
/// # server.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TestRunner {
    client: Client,
    token: String,
}

/// How a runner ends its job (`PUT /jobs/:id` with `state`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// `failed` with a `failure_reason` (`script_failure`, …) and the script's exit code.
    Failed {
        reason: String,
        exit_code: i64,
    },
}

/// A job a [`TestRunner`] took: it runs until [`RunningJob::finish`].
#[derive(Debug)]
pub struct RunningJob {
    client: Client,
    /// The job payload the server sent (id, job token, steps, variables, …).
    pub job: types::RunnerJob,
    /// Bytes of log sent so far: where the next patch starts.
    sent: usize,
}

impl TestRunner {
    pub(crate) fn new(api_url: &str, token: &str) -> TestRunner {
        TestRunner {
            client: Client::new(api_url),
            token: token.to_owned(),
        }
    }

    /// `POST /jobs/request`: the job the server starts for this runner, or `None` when it has
    /// none for it (204).
    pub async fn request_job(&self) -> anyhow::Result<Option<RunningJob>> {
        let body: types::RunnerJobRequest =
            serde_json::from_value(serde_json::json!({ "token": self.token }))?;
        match self.client.request_runner_job().body(body).send().await {
            Ok(job) => Ok(Some(RunningJob {
                client: self.client.clone(),
                job: job.into_inner(),
                sent: 0,
            })),
            // The generated client declares no 204 (its answer has no body).
            Err(Error::UnexpectedResponse(response)) if response.status().as_u16() == 204 => {
                Ok(None)
            }
            Err(error) => Err(error).context("POST /jobs/request"),
        }
    }
}

impl RunningJob {
    pub fn id(&self) -> i64 {
        self.job.id
    }

    /// The job token (`CI_JOB_TOKEN`), valid while the job runs.
    pub fn token(&self) -> &str {
        &self.job.token
    }

    /// `PATCH /jobs/:id/trace`: appends `text` where the log ends, with the `Content-Range`
    /// a runner sends. An answer other than 202 is an error.
    pub async fn append_trace(&mut self, text: &str) -> anyhow::Result<()> {
        let end = self.sent + text.len();
        self.client
            .append_runner_job_trace()
            .id(self.job.id)
            .token(self.job.token.as_str())
            .content_range(format!("{}-{}", self.sent, end.saturating_sub(1)))
            .body(text.to_owned())
            .send()
            .await
            .with_context(|| format!("PATCH /jobs/{}/trace", self.job.id))?;
        self.sent = end;
        Ok(())
    }

    /// `PUT /jobs/:id`: the job ends with `outcome`; its token stops working.
    pub async fn finish(self, outcome: Outcome) -> anyhow::Result<()> {
        let body = match &outcome {
            Outcome::Success => serde_json::json!({
                "token": self.job.token, "state": "success", "exit_code": 0
            }),
            Outcome::Failed { reason, exit_code } => serde_json::json!({
                "token": self.job.token, "state": "failed",
                "failure_reason": reason, "exit_code": exit_code
            }),
        };
        let body: types::RunnerJobUpdate = serde_json::from_value(body)?;
        let answer = self
            .client
            .update_runner_job()
            .id(self.job.id)
            .body(body)
            .send()
            .await
            .map_err(|error| anyhow::anyhow!("PUT /jobs/{}: {error}", self.job.id))?;
        let status = answer
            .headers()
            .get("job-status")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let expected = match outcome {
            Outcome::Success => "success",
            Outcome::Failed { .. } => "failed",
        };
        if status != expected {
            bail!(
                "PUT /jobs/{}: the job is {status:?}, not {expected}",
                self.job.id
            );
        }
        Ok(())
    }
}
