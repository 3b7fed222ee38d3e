//! `gitlab-jobs trace JOB [--follow]`: a job's log, once or as it grows.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use futures::StreamExt;
use gitlab_jobs_client::types::JobStatus;
use gitlab_jobs_client::{FollowOptions, TraceEvent, is_finished};

use crate::cli::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::output::Out;

/// Print a job's log. With --follow, keep printing what the job writes until it finishes, then
/// exit 0 if it succeeded and 1 otherwise.
///
/// The log is printed as GitLab stores it (with the runner's colour codes). GitLab has no way
/// to ask for part of a log, so --follow fetches it whole each poll and prints what is new; a
/// log erased or rewritten meanwhile is printed again from its start, after a note on stderr.
/// Rate limits (429) and GitLab's server errors are waited out (honouring Retry-After).
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    gitlab-jobs --project group/project trace 4211 | less -R\n  \
    gitlab-jobs --project group/project trace 4211 --follow && echo \"the job succeeded\"")]
pub struct TraceArgs {
    /// The job's id
    pub job: i64,

    /// Keep printing new output until the job finishes; exit 0 if it succeeded, 1 otherwise
    #[arg(long, short = 'f')]
    pub follow: bool,

    /// Seconds between two polls with --follow
    #[arg(long, value_name = "SECONDS", default_value = "3", value_parser = parse_interval)]
    pub interval: Duration,
}

fn parse_interval(value: &str) -> Result<Duration, String> {
    match value.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds <= 3600.0 => Ok(Duration::from_secs_f64(seconds)),
        _ => Err("a number of seconds above 0 and at most 3600, such as 3 or 0.5".into()),
    }
}

pub async fn run(global: &GlobalArgs, args: TraceArgs) -> Result<ExitCode, CliError> {
    let connection = global.connect()?;
    let project = connection.project()?;
    let client = &connection.client;
    let mut out = Out::stdout();
    if !args.follow {
        let request = client.get_job_trace().id(project).job_id(args.job);
        let log = match client.download(request).await {
            Ok(log) => log,
            Err(e) => return Err(connection.fail(e, Some(args.job)).await),
        };
        out.bytes(&log)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let options = FollowOptions::default().with_poll_interval(args.interval);
    // A note on stderr starts on a line of its own when the log so far ends mid-line.
    let mut mid_line = false;
    let note = |mid_line: bool, text: String| {
        let gap = if mid_line { "\n" } else { "" };
        eprintln!("{gap}gitlab-jobs: {text}");
    };
    let mut events = client.follow_trace_with(project, args.job, options);
    while let Some(event) = events.next().await {
        let event = match event {
            Ok(event) => event,
            Err(e) => return Err(connection.fail(e, Some(args.job)).await),
        };
        match event {
            TraceEvent::Output(bytes) => {
                out.bytes(&bytes)?;
                mid_line = !bytes.ends_with(b"\n");
            }
            TraceEvent::Rewritten(log) => {
                out.flush()?;
                let what = if log.is_empty() {
                    "was erased on GitLab"
                } else {
                    "changed on GitLab (erased, shrunk or rewritten); printing it again from \
                     the start"
                };
                note(mid_line, format!("the log of job {} {what}", args.job));
                out.bytes(&log)?;
                mid_line = !log.is_empty() && !log.ends_with(b"\n");
            }
            // Running is what following means, and a finished job is reported at the end.
            TraceEvent::Status(status) if status != JobStatus::Running && !is_finished(&status) => {
                out.flush()?;
                note(mid_line, format!("job {} is {status}", args.job));
                mid_line = false;
            }
            TraceEvent::Retrying {
                reason,
                wait,
                attempt,
                ..
            } => {
                out.flush()?;
                note(
                    mid_line,
                    format!(
                        "GitLab answered {reason}; trying again in {:.1}s (attempt {attempt})",
                        wait.as_secs_f64()
                    ),
                );
                mid_line = false;
            }
            TraceEvent::Finished(job) => {
                out.flush()?;
                note(mid_line, format!("job {} finished: {}", job.id, job.status));
                let exit = if job.status == JobStatus::Success {
                    Exit::Success
                } else {
                    Exit::JobUnsuccessful
                };
                return Ok(exit.into());
            }
            _ => {}
        }
        out.flush()?;
    }
    // The stream ends after `Finished` or an error, both handled above.
    Err(CliError::unavailable(format!(
        "the log of job {} stopped before the job finished",
        args.job
    )))
}
