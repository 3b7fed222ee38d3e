//! The command line: global options and the command enum (clap derive).
//!
//! Every command's `--help` ends with an example; [`EXIT_CODES`] is printed by the top-level
//! `--help`.

use clap::{ArgGroup, Args, Parser, Subcommand};

use crate::commands;

/// The exit codes, as `gitlab-jobs --help` lists them (see [`crate::error::Exit`]).
pub const EXIT_CODES: &str = "\
Exit codes:
  0  done (trace --follow: the job succeeded)
  1  trace --follow: the job finished without success (failed, canceled, skipped...)
  2  bad usage or configuration (unknown option, no token, no project, bad URL)
  3  GitLab refused the request (401, 403, 404, 409...: the message says why)
  4  GitLab could not be reached or failed (network error, 429 or 5xx, unreadable answer)
  5  a local file could not be read or written
  130  interrupted by Ctrl-C during a download (no partial file is left)
  verify: 0 clean (warnings allowed), 1 drift from the Jobs API document, 2 could not run

Environment:
  GITLAB_URL          GitLab instance (in GitLab CI: CI_SERVER_URL), default https://gitlab.com
  GITLAB_TOKEN        personal, project or group access token (as --token)
  CI_JOB_TOKEN        CI job token (as --job-token)
  GITLAB_OAUTH_TOKEN  OAuth 2 access token (as --oauth-token)
  GITLAB_PROJECT      project id or full path (in GitLab CI: CI_PROJECT_ID)
  NO_COLOR            no colours even on a terminal

Example:
  export GITLAB_TOKEN=glpat-...
  gitlab-jobs --project group/project list --scope failed --limit 20";

/// GitLab CI jobs from the terminal: list, show, follow logs, retry, cancel, play, erase and
/// download artifacts through GitLab's REST Jobs API (v4).
#[derive(Debug, Parser)]
#[command(name = "gitlab-jobs", version, after_long_help = EXIT_CODES, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts (before or after the command's name).
///
/// Tokens are read from the command line or the environment (never echoed); at most one
/// credential may be given on the command line. Without one, the environment is read in this
/// order: `GITLAB_TOKEN`, `CI_JOB_TOKEN`, `GITLAB_OAUTH_TOKEN`.
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Global options")]
#[command(group(ArgGroup::new("credential").args(["token", "job_token", "oauth_token"])))]
pub struct GlobalArgs {
    /// GitLab instance URL (or its API root, .../api/v4) [env: GITLAB_URL, then CI_SERVER_URL;
    /// default: https://gitlab.com]
    // The text is clap's `--help`, where a bare URL is what reads right.
    #[allow(rustdoc::bare_urls)]
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,

    /// Personal, project or group access token, sent as PRIVATE-TOKEN [env: GITLAB_TOKEN]
    #[arg(long, global = true, value_name = "TOKEN")]
    pub token: Option<String>,

    /// CI job token, sent as JOB-TOKEN [env: CI_JOB_TOKEN]
    #[arg(long, global = true, value_name = "TOKEN")]
    pub job_token: Option<String>,

    /// OAuth 2 access token, sent as Authorization: Bearer [env: GITLAB_OAUTH_TOKEN]
    #[arg(long, global = true, value_name = "TOKEN")]
    pub oauth_token: Option<String>,

    /// Project: numeric id or full path such as group/project [env: GITLAB_PROJECT, then
    /// CI_PROJECT_ID inside GitLab CI]
    #[arg(long, short = 'p', global = true, value_name = "ID|PATH")]
    pub project: Option<String>,

    /// Machine output: the API's JSON, one document per line for lists
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    List(commands::list::ListArgs),
    Show(commands::show::ShowArgs),
    Trace(commands::trace::TraceArgs),
    Retry(commands::act::RetryArgs),
    Cancel(commands::act::CancelArgs),
    Play(commands::act::PlayArgs),
    Erase(commands::act::EraseArgs),
    Artifacts(commands::artifacts::ArtifactsArgs),
    Verify(commands::verify::VerifyArgs),
    Record(commands::record::RecordArgs),
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_has_an_example() {
        fn check(command: &clap::Command, path: &str) {
            for sub in command.get_subcommands() {
                let name = format!("{path} {}", sub.get_name());
                let help = sub
                    .get_after_help()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                assert!(
                    help.contains(&format!("{name} ").replacen("gitlab-jobs ", "", 1)),
                    "`{name}` has no example in its help"
                );
                check(sub, &name);
            }
        }
        check(&Cli::command(), "gitlab-jobs");
    }
}
