//! [`Client::follow_trace`]: a job's log as it grows, until the job finishes.
//!
//! GitLab's trace endpoint (`GET /projects/:id/jobs/:job_id/trace`) has no `Range` support
//! and always answers the whole log, so each poll fetches it and yields only what follows the
//! bytes already yielded. Each poll first re-reads the job (`GET /projects/:id/jobs/:job_id`)
//! and then its log: a log fetched after the job was seen finished is complete, so the stream
//! ends with nothing left unread.
//!
//! A log that no longer starts with what was yielded (erased, shrunk or rewritten on the
//! server) is yielded whole again as [`TraceEvent::Rewritten`]. Rate limiting (429), server
//! errors (5xx) and broken connections are retried with a backoff that honours `Retry-After`;
//! other errors (401, 403, 404...) end the stream at once.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, Stream, StreamExt};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::types::{self, Job, JobStatus};
use crate::{Client, Error, ProjectId};

/// The longest `Retry-After` honoured as sent; a longer one (or a date far ahead) is cut to
/// this, so that a misconfigured proxy cannot park a follower for hours.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);

/// How [`Client::follow_trace_with`] polls and retries.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FollowOptions {
    /// Time between two polls of an unfinished job (GitLab's own job page polls every few
    /// seconds). Default 3 s.
    pub poll_interval: Duration,
    /// Failed polls (429, 5xx, broken connections) retried in a row before the stream gives
    /// up and yields the error. Default 8.
    pub max_retries: u32,
    /// Ceiling of the exponential backoff used when an answer has no `Retry-After`: the
    /// first retry waits `poll_interval`, each further one twice as long. Default 60 s.
    pub max_backoff: Duration,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            poll_interval: Duration::from_secs(3),
            max_retries: 8,
            max_backoff: Duration::from_secs(60),
        }
    }
}

impl FollowOptions {
    /// The defaults with another poll interval.
    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// The defaults with another number of retries in a row.
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The defaults with another backoff ceiling.
    pub fn with_max_backoff(mut self, ceiling: Duration) -> Self {
        self.max_backoff = ceiling;
        self
    }
}

/// What [`Client::follow_trace`] yields.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum TraceEvent {
    /// The job's status: at the first poll and whenever it changes.
    Status(JobStatus),
    /// Bytes appended to the log since the last event (never empty). Logs are raw runner
    /// output: not necessarily UTF-8, and a multi-byte character may be split between two
    /// events.
    Output(Bytes),
    /// The log no longer continues what was yielded: it was erased (then this is empty),
    /// shrank, or was rewritten. This is the whole log as it is now; later
    /// [`TraceEvent::Output`]s continue it.
    Rewritten(Bytes),
    /// A poll failed with an error worth retrying (429, 5xx, a broken connection); the
    /// stream waits `wait` (the answer's `Retry-After` when it has one) and polls again.
    Retrying {
        /// The HTTP status, when there was an answer.
        status: Option<u16>,
        /// What went wrong, in words.
        reason: String,
        /// How long the stream waits before the next attempt.
        wait: Duration,
        /// The failures in a row so far (1 for the first).
        attempt: u32,
    },
    /// The job finished (`success`, `failed`, `canceled` or `skipped`) and its whole log has
    /// been yielded. The last event.
    Finished(Box<Job>),
}

/// Whether a job in `status` will not run (again) by itself: GitLab's completed statuses.
pub fn is_finished(status: &JobStatus) -> bool {
    matches!(
        status,
        JobStatus::Success | JobStatus::Failed | JobStatus::Canceled | JobStatus::Skipped
    )
}

impl Client {
    /// A job's log as it grows, until the job finishes.
    ///
    /// GitLab's trace endpoint has no `Range` support, so each poll re-reads the job, then
    /// fetches the whole log and yields what follows the bytes already yielded; a log fetched
    /// after the job was seen finished is complete, so nothing is left unread. A log that no
    /// longer starts with what was yielded is yielded whole again as
    /// [`TraceEvent::Rewritten`]. 429, 5xx and broken connections are retried with a backoff
    /// that honours `Retry-After`; other errors end the stream. [`FollowOptions::default`]
    /// has the intervals and limits.
    ///
    /// The stream yields [`TraceEvent`]s and ends after [`TraceEvent::Finished`], or after an
    /// `Err` that cannot be retried (or the last of too many retries in a row).
    ///
    /// ```no_run
    /// # async fn example(client: gitlab_jobs_client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::io::Write;
    /// use futures::StreamExt;
    /// use gitlab_jobs_client::TraceEvent;
    ///
    /// let mut log = client.follow_trace("group/project", 42);
    /// while let Some(event) = log.next().await {
    ///     match event? {
    ///         TraceEvent::Output(bytes) => std::io::stdout().write_all(&bytes)?,
    ///         TraceEvent::Finished(job) => println!("job {} {}", job.id, job.status),
    ///         _ => {}
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn follow_trace(&self, project: impl Into<ProjectId>, job_id: i64) -> FollowTrace<'_> {
        self.follow_trace_with(project, job_id, FollowOptions::default())
    }

    /// [`Client::follow_trace`] with other polling and retry settings.
    pub fn follow_trace_with(
        &self,
        project: impl Into<ProjectId>,
        job_id: i64,
        options: FollowOptions,
    ) -> FollowTrace<'_> {
        let state = Follower {
            client: self,
            project: project.into(),
            job_id,
            options,
            seen: Bytes::new(),
            status: None,
            queue: VecDeque::new(),
            wait: None,
            failures: 0,
            done: false,
        };
        FollowTrace {
            inner: stream::unfold(state, Follower::step).boxed(),
        }
    }
}

/// The stream of [`Client::follow_trace`].
pub struct FollowTrace<'a> {
    inner: BoxStream<'a, Result<TraceEvent, Error<types::Error>>>,
}

impl Stream for FollowTrace<'_> {
    type Item = Result<TraceEvent, Error<types::Error>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl fmt::Debug for FollowTrace<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FollowTrace").finish_non_exhaustive()
    }
}

struct Follower<'a> {
    client: &'a Client,
    project: ProjectId,
    job_id: i64,
    options: FollowOptions,
    /// The whole log as last yielded.
    seen: Bytes,
    status: Option<JobStatus>,
    /// Events of the last poll not yielded yet.
    queue: VecDeque<TraceEvent>,
    /// The wait before the next poll; `None` before the first.
    wait: Option<Duration>,
    /// Failed polls in a row.
    failures: u32,
    done: bool,
}

/// One poll's outcome.
enum Polled {
    Events,
    Failed(Box<Error<types::Error>>),
}

impl Follower<'_> {
    async fn step(mut self) -> Option<(Result<TraceEvent, Error<types::Error>>, Self)> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Some((Ok(event), self));
            }
            if self.done {
                return None;
            }
            if let Some(wait) = self.wait {
                tokio::time::sleep(wait).await;
            }
            match self.poll().await {
                Polled::Events => {
                    self.failures = 0;
                    self.wait = Some(self.options.poll_interval);
                }
                Polled::Failed(error) => {
                    self.failures += 1;
                    let Some(retry) = retryable(&error) else {
                        self.done = true;
                        return Some((Err(*error), self));
                    };
                    if self.failures > self.options.max_retries {
                        self.done = true;
                        return Some((Err(*error), self));
                    }
                    let wait = retry.retry_after.unwrap_or_else(|| self.backoff());
                    self.wait = Some(wait);
                    self.queue.push_back(TraceEvent::Retrying {
                        status: retry.status,
                        reason: retry.reason,
                        wait,
                        attempt: self.failures,
                    });
                }
            }
        }
    }

    /// `poll_interval × 2^(failures − 1)`, at most `max_backoff`.
    fn backoff(&self) -> Duration {
        let doubling = 2u32.saturating_pow(self.failures.saturating_sub(1).min(16));
        self.options
            .poll_interval
            .saturating_mul(doubling)
            .min(self.options.max_backoff)
    }

    /// Reads the job, then its log; queues what changed.
    async fn poll(&mut self) -> Polled {
        let job = match self
            .client
            .get_job()
            .id(&self.project)
            .job_id(self.job_id)
            .send()
            .await
        {
            Ok(job) => job.into_inner(),
            Err(error) => return Polled::Failed(Box::new(error)),
        };
        let request = self
            .client
            .get_job_trace()
            .id(&self.project)
            .job_id(self.job_id);
        let log = match self.client.download(request).await {
            Ok(log) => log,
            Err(error) => return Polled::Failed(Box::new(error)),
        };
        if self.status.as_ref() != Some(&job.status) {
            self.status = Some(job.status.clone());
            self.queue.push_back(TraceEvent::Status(job.status.clone()));
        }
        if log.starts_with(&self.seen) {
            if log.len() > self.seen.len() {
                self.queue
                    .push_back(TraceEvent::Output(log.slice(self.seen.len()..)));
            }
        } else {
            self.queue.push_back(TraceEvent::Rewritten(log.clone()));
        }
        self.seen = log;
        if is_finished(&job.status) {
            self.done = true;
            self.queue.push_back(TraceEvent::Finished(Box::new(job)));
        }
        Polled::Events
    }
}

/// Why a failed poll may be retried, and the wait the server asked for.
struct Retry {
    status: Option<u16>,
    reason: String,
    retry_after: Option<Duration>,
}

/// `Some` for a rate limit (429), a server error (5xx) or a failed connection.
fn retryable(error: &Error<types::Error>) -> Option<Retry> {
    let answered = |status: StatusCode, headers: &HeaderMap| {
        (status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()).then(|| Retry {
            status: Some(status.as_u16()),
            reason: status.to_string(),
            retry_after: retry_after(headers, Utc::now()),
        })
    };
    match error {
        Error::ErrorResponse(response) => answered(response.status(), response.headers()),
        Error::UnexpectedResponse(response) => answered(response.status(), response.headers()),
        Error::CommunicationError(e) | Error::ResponseBodyError(e) => Some(Retry {
            status: None,
            reason: format!("connection failed: {e}"),
            retry_after: None,
        }),
        _ => None,
    }
}

/// `Retry-After` (RFC 9110 §10.2.3): a number of seconds or an HTTP date, at most
/// [`MAX_RETRY_AFTER`]; `None` when absent or unreadable.
fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = if let Ok(seconds) = value.parse::<u64>() {
        Duration::from_secs(seconds)
    } else {
        let at = DateTime::parse_from_rfc2822(value)
            .ok()?
            .with_timezone(&Utc);
        (at - now).to_std().unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(value: &'static str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(RETRY_AFTER, HeaderValue::from_static(value));
        map
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = DateTime::parse_from_rfc3339("2026-01-10T12:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(
            retry_after(&headers("7"), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(&headers("Sat, 10 Jan 2026 12:00:30 GMT"), now),
            Some(Duration::from_secs(30))
        );
        // A date in the past means now; a huge wait is cut.
        assert_eq!(
            retry_after(&headers("Sat, 10 Jan 2026 11:00:00 GMT"), now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers("86400"), now), Some(MAX_RETRY_AFTER));
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn only_gitlabs_completed_statuses_finish() {
        assert!(is_finished(&JobStatus::Canceled) && is_finished(&JobStatus::Skipped));
        assert!(!is_finished(&JobStatus::Canceling) && !is_finished(&JobStatus::Manual));
    }
}
