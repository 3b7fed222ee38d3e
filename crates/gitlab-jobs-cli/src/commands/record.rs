//! `gitlab-jobs record --out FILE`: the project's jobs, pipelines, logs and artifacts as a
//! fixture file of the reference server, to replay offline.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use gitlab_jobs_contract::record::{self, Options, Recording, Refused};

use crate::cli::GlobalArgs;
use crate::commands::contract;
use crate::error::{CliError, Exit};
use crate::output::Out;

/// Record the project's jobs as a fixture file for gitlab-jobs-reference.
///
/// Reads the most recent jobs (up to --limit), the bridges and retried jobs of their
/// pipelines, every log and every artifacts archive (byte for byte), and writes a file that
/// `gitlab-jobs-reference serve --fixtures FILE` loads: the same job JSON (the host in URLs
/// apart), logs and archives, offline. The API shows no tokens: the file gets a replay user
/// with the Maintainer role (token from --replay-token, or generated) and a token for every
/// recorded user (Developer role); all are printed.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  gitlab-jobs --project group/project record --out jobs.json --limit 200 --replay-token secret\n  \
                  gitlab-jobs-reference serve --fixtures jobs.json\n  \
                  gitlab-jobs --url http://127.0.0.1:8080 --token secret --project group/project list"
)]
pub struct RecordArgs {
    /// The fixture file to write (replaced whole; no half file on failure)
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: PathBuf,

    /// Most recent jobs to record (bridges of their pipelines come on top)
    #[arg(long, default_value_t = 100)]
    pub limit: usize,

    /// Token of the replay user (Maintainer); generated and printed when absent
    #[arg(long, value_name = "TOKEN")]
    pub replay_token: Option<String>,
}

pub async fn run(global: &GlobalArgs, args: RecordArgs) -> Result<ExitCode, CliError> {
    let (connection, api_url, credential) = contract::connect(global)?;
    let project = connection.project()?.to_string();
    let api = contract::api(&api_url, &credential)?;
    let options = Options {
        project: project.clone(),
        limit: args.limit,
        replay_token: args.replay_token,
    };
    let recording = record::record(&api, &options)
        .await
        .map_err(|e| failure(&e, connection.credential_source))?;
    let text = serde_json::to_string_pretty(&recording.fixtures)
        .map_err(|e| CliError::local("could not write JSON", e))?;
    write_atomically(&args.out, text.as_bytes())?;
    let mut out = Out::stdout();
    if connection.json {
        out.json(&summary_json(&recording, &args.out))?;
    } else {
        for line in summary(&recording, &project, &args.out) {
            out.line(line)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn failure(error: &anyhow::Error, credential_source: &str) -> CliError {
    let message = format!("recording failed: {error:#}");
    match error.downcast_ref::<Refused>() {
        Some(refused) if refused.status == 401 => CliError::other(
            message,
            Some(format!("check {credential_source}: the token was refused")),
            Exit::Refused,
        ),
        Some(refused) if refused.status == 404 => CliError::other(
            message,
            Some(
                "the project may be private (the token cannot see it) or mistyped; check --project"
                    .into(),
            ),
            Exit::Refused,
        ),
        Some(refused) if refused.status == 429 || refused.status >= 500 => {
            CliError::other(message, Some("try again later".into()), Exit::Unavailable)
        }
        Some(_) => CliError::other(message, None, Exit::Refused),
        None => CliError::other(
            message,
            Some("check --url (or GITLAB_URL) and the network".into()),
            Exit::Unavailable,
        ),
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "fixtures.json".into());
    let temporary = path.with_file_name(format!(".{name}.partial"));
    let fail =
        |e: std::io::Error| CliError::local(format!("could not write {}", path.display()), e);
    std::fs::write(&temporary, bytes).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        fail(e)
    })?;
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        fail(e)
    })
}

fn summary(recording: &Recording, project: &str, file: &Path) -> Vec<String> {
    let mut lines = vec![
        format!(
            "recorded {} jobs, {} pipelines, {} logs and {} artifacts archives of {project} into {}",
            recording.jobs,
            recording.pipelines,
            recording.traces,
            recording.archives,
            file.display()
        ),
        format!(
            "replay: gitlab-jobs-reference serve --fixtures {}",
            file.display()
        ),
        "tokens:".to_owned(),
    ];
    let width = recording
        .tokens
        .iter()
        .map(|t| t.username.len())
        .max()
        .unwrap_or(0);
    for token in &recording.tokens {
        lines.push(format!(
            "  {:<width$}  {:<10}  {}",
            token.username, token.role, token.token
        ));
    }
    lines.extend(recording.warnings.iter().map(|w| format!("warning: {w}")));
    lines
}

fn summary_json(recording: &Recording, file: &Path) -> serde_json::Value {
    serde_json::json!({
        "file": file.display().to_string(),
        "jobs": recording.jobs,
        "pipelines": recording.pipelines,
        "traces": recording.traces,
        "archives": recording.archives,
        "tokens": recording.tokens.iter().map(|t| serde_json::json!({
            "username": t.username, "role": t.role, "token": t.token,
        })).collect::<Vec<_>>(),
        "warnings": recording.warnings,
    })
}
