//! `gitlab-jobs artifacts …`: download a job's archive or one file of it, keep or delete
//! the artifacts.
//!
//! Downloads go to a temporary file next to the target and are renamed onto it once
//! complete, so a failed or interrupted download (Ctrl-C included) never leaves a partial
//! file behind; `-o -` writes to stdout instead. On a terminal, stderr shows a progress bar.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use futures::StreamExt;
use gitlab_jobs_client::{ByteStream, ResponseValue};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::GlobalArgs;
use crate::connection::Connection;
use crate::error::CliError;
use crate::output::{self, Out};

/// Download, keep or delete a job's artifacts.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    gitlab-jobs --project group/project artifacts download 4211\n  \
    gitlab-jobs --project group/project artifacts download --ref main --job build -o build.zip\n  \
    gitlab-jobs --project group/project artifacts get 4211 reports/junit.xml -o -")]
pub struct ArtifactsArgs {
    #[command(subcommand)]
    pub command: ArtifactsCommand,
}

#[derive(Debug, Subcommand)]
pub enum ArtifactsCommand {
    Download(DownloadArgs),
    Get(GetArgs),
    Keep(KeepArgs),
    Delete(DeleteArgs),
}

/// Download a job's artifacts archive: of job JOB, or of the latest successful job NAME on
/// REF (--ref REF --job NAME).
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    gitlab-jobs --project group/project artifacts download 4211 -o artifacts.zip\n  \
    gitlab-jobs --project group/project artifacts download --ref main --job build -o - | unzip -l /dev/stdin")]
pub struct DownloadArgs {
    /// The job's id
    #[arg(required_unless_present = "ref_name", conflicts_with_all = ["ref_name", "job_name"])]
    pub job: Option<i64>,

    /// The branch or tag whose latest successful pipeline has the job (with --job)
    #[arg(long = "ref", value_name = "REF", requires = "job_name")]
    pub ref_name: Option<String>,

    /// The job's name in that pipeline (with --ref)
    #[arg(long = "job", value_name = "NAME", requires = "ref_name")]
    pub job_name: Option<String>,

    /// Where to write the archive; `-` for stdout [default: the name GitLab gives, usually
    /// artifacts.zip]
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Download one file out of a job's artifacts archive.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    gitlab-jobs --project group/project artifacts get 4211 coverage/index.html\n  \
    gitlab-jobs --project group/project artifacts get 4211 reports/junit.xml -o - | head")]
pub struct GetArgs {
    /// The job's id
    pub job: i64,

    /// The file's path inside the archive
    pub path: String,

    /// Where to write it; `-` for stdout [default: the file's name in the current directory]
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Keep a job's artifacts: they will not expire.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  gitlab-jobs --project group/project artifacts keep 4211")]
pub struct KeepArgs {
    /// The job's id
    pub job: i64,
}

/// Delete a job's artifacts (its log stays; Maintainer).
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  gitlab-jobs --project group/project artifacts delete 4211")]
pub struct DeleteArgs {
    /// The job's id
    pub job: i64,
}

pub async fn run(global: &GlobalArgs, args: ArtifactsArgs) -> Result<ExitCode, CliError> {
    let connection = global.connect()?;
    let project = connection.project()?;
    let client = &connection.client;
    match args.command {
        ArtifactsCommand::Download(args) => {
            let by_ref = args.ref_name.as_deref().zip(args.job_name.as_deref());
            let (answer, what) = match (args.job, by_ref) {
                (Some(job), _) => {
                    let request = client.get_job_artifacts().id(project).job_id(job);
                    (client.download_stream(request).await, format!("job {job}"))
                }
                (None, Some((ref_name, name))) => {
                    let request = client
                        .download_artifacts_by_ref()
                        .id(project)
                        .ref_name(ref_name)
                        .job(name);
                    let what = format!(
                        "the artifacts of job `{name}` in the latest successful pipeline of \
                         `{ref_name}`"
                    );
                    (client.download_stream(request).await, what)
                }
                (None, None) => {
                    return Err(CliError::usage(
                        "no job given",
                        "pass a job id, or --ref REF --job NAME",
                    ));
                }
            };
            let response = match answer {
                Ok(response) => response,
                Err(e) => return Err(connection.fail_about(e, &what).await),
            };
            let default = attachment_name(&response).unwrap_or_else(|| "artifacts.zip".into());
            let target = args.output.unwrap_or_else(|| PathBuf::from(default));
            save(&connection, response, &target).await
        }
        ArtifactsCommand::Get(args) => {
            let request = client
                .get_job_artifact_file()
                .id(project)
                .job_id(args.job)
                .artifact_path(args.path.as_str());
            let response = match client.download_stream(request).await {
                Ok(response) => response,
                Err(e) => return Err(connection.fail(e, Some(args.job)).await),
            };
            let default = file_name(&args.path).unwrap_or_else(|| "artifact".into());
            let target = args.output.unwrap_or_else(|| PathBuf::from(default));
            save(&connection, response, &target).await
        }
        ArtifactsCommand::Keep(args) => {
            let answer = client
                .keep_job_artifacts()
                .id(project)
                .job_id(args.job)
                .send()
                .await;
            let job = connection.answered(answer, args.job).await?;
            output::print(connection.json, &job, || {
                format!("Kept the artifacts of job {}: they will not expire", job.id)
            })
        }
        ArtifactsCommand::Delete(args) => {
            let answer = client
                .delete_job_artifacts()
                .id(project)
                .job_id(args.job)
                .send()
                .await;
            if let Err(e) = answer {
                return Err(connection.fail(e, Some(args.job)).await);
            }
            if !connection.json {
                let mut out = Out::stdout();
                out.line(format!("Deleted the artifacts of job {}", args.job))?;
                out.flush()?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes the body to `target` (a temporary file renamed onto it when complete) or to stdout
/// for `-`. Ctrl-C stops the download and removes the temporary file.
async fn save(
    connection: &Connection,
    response: ResponseValue<ByteStream>,
    target: &Path,
) -> Result<ExitCode, CliError> {
    let total = response.content_length();
    let mut body = response.into_inner_stream();
    if target == Path::new("-") {
        let mut out = Out::stdout();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(body_error)?;
            out.bytes(&chunk)?;
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let directory = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".gitlab-jobs-download-")
        .tempfile_in(&directory)
        .map_err(|e| CliError::local(format!("could not write in {}", directory.display()), e))?;
    let bar = progress_bar(total, target);
    let copy = async {
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(body_error)?;
            file.write_all(&chunk)
                .map_err(|e| CliError::local(format!("could not write {}", target.display()), e))?;
            bar.inc(chunk.len() as u64);
        }
        Ok::<(), CliError>(())
    };
    tokio::select! {
        copied = copy => copied?,
        _ = tokio::signal::ctrl_c() => {
            bar.abandon();
            return Err(CliError::interrupted(format!(
                "interrupted: {} was not written",
                target.display()
            )));
        }
    }
    bar.finish_and_clear();
    let written = bar.position();
    file.as_file()
        .sync_all()
        .map_err(|e| CliError::local(format!("could not write {}", target.display()), e))?;
    file.persist(target)
        .map_err(|e| CliError::local(format!("could not write {}", target.display()), e.error))?;
    if !connection.json {
        eprintln!("Saved {} ({written} bytes)", target.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// A bar on stderr when it is a terminal (hidden otherwise): bytes, rate and time left when
/// the size is known, a spinner with the bytes so far when it is not.
fn progress_bar(total: Option<u64>, target: &Path) -> ProgressBar {
    let bar = match total {
        Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
            .with_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            ),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template("{spinner} {msg} {bytes} {bytes_per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    bar.set_message(output::truncate(&target.display().to_string(), 30));
    bar
}

fn body_error(error: impl std::fmt::Display) -> CliError {
    CliError::unavailable(format!("the download broke off: {error}"))
}

/// The file name of `Content-Disposition: attachment; filename="…"`, without any directory.
fn attachment_name(response: &ResponseValue<ByteStream>) -> Option<String> {
    let value = response
        .headers()
        .get(http::header::CONTENT_DISPOSITION)?
        .to_str()
        .ok()?;
    let name = value
        .split(';')
        .filter_map(|part| part.trim().strip_prefix("filename="))
        .next()?
        .trim_matches('"');
    file_name(name)
}

/// The last component of a `/`-separated path, when it is a usable file name.
fn file_name(path: &str) -> Option<String> {
    let name = path.rsplit(['/', '\\']).next()?;
    (!name.is_empty() && name != "." && name != "..").then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn only_the_last_component_is_a_file_name() {
        assert_eq!(file_name("reports/junit.xml").as_deref(), Some("junit.xml"));
        assert_eq!(file_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(file_name("dir/"), None);
        assert_eq!(file_name(".."), None);
    }
}
