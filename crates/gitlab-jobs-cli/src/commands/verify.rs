//! `gitlab-jobs verify`: every read-only operation the credential allows on the project,
//! each answer checked against the Jobs API document compiled into the program.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use gitlab_jobs_contract::verify::{self, Limits, Target};
use gitlab_jobs_contract::{Spec, Validators};

use crate::cli::GlobalArgs;
use crate::commands::contract;
use crate::error::{CliError, Exit};
use crate::output::Out;

/// Check GitLab's answers against the Jobs API contract (read-only).
///
/// Lists the project's jobs (several pages, offset and keyset, several scopes), its
/// pipelines' jobs and bridges, single jobs, their logs, artifacts archives and single files
/// (by job and by ref), and with a job token /job and /job/allowed_agents. Every answer is
/// checked against openapi/gitlab-jobs.yaml: documented status, headers, content type, and the
/// body against its schema (missing required keys, wrong types and nullability, enum values
/// the document does not know; undeclared keys are warnings). Nothing on the server changes.
///
/// Exit code: 0 clean (warnings allowed), 1 drift, 2 could not run.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  gitlab-jobs --url https://gitlab.example.com --project group/project verify --junit contract.xml\n\n\
                  In GitLab CI (a job token checks /job as well):\n  \
                  gitlab-jobs verify --junit contract.xml   # CI_SERVER_URL, CI_JOB_TOKEN, CI_PROJECT_ID"
)]
pub struct VerifyArgs {
    /// Also write the report as JUnit XML to FILE (for CI test reports)
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Check against this OpenAPI document instead of the compiled-in one
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,

    /// Items per page of every list
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub per_page: u32,

    /// Pages of the project's job list read (with offset and with keyset pagination)
    #[arg(long, default_value_t = 3)]
    pub pages: u32,

    /// Pipelines whose jobs and bridges are listed
    #[arg(long, default_value_t = 3)]
    pub pipelines: usize,

    /// Jobs fetched one by one, with their logs (one per status first)
    #[arg(long, default_value_t = 10)]
    pub jobs: usize,

    /// Jobs whose artifacts are downloaded (archive, one file, and both by ref)
    #[arg(long, default_value_t = 2)]
    pub artifacts: usize,
}

pub async fn run(global: &GlobalArgs, args: VerifyArgs) -> Result<ExitCode, CliError> {
    let (connection, api_url, credential) = contract::connect(global)?;
    let loaded;
    let spec = match &args.spec {
        Some(path) => {
            loaded = Spec::load_from(path).map_err(|e| {
                CliError::usage(format!("{e:#}"), "give a readable OpenAPI 3.0 document")
            })?;
            &loaded
        }
        None => Spec::embedded().map_err(|e| {
            CliError::other(
                format!("the compiled-in document does not parse: {e:#}"),
                None,
                Exit::Usage,
            )
        })?,
    };
    let validators = Validators::new(spec).map_err(|e| {
        CliError::usage(
            format!("the document's schemas do not convert to JSON Schema: {e:#}"),
            "fix the document (cargo xtask lint helps)",
        )
    })?;
    let target = Target {
        api_url,
        credential,
        project: connection.project().ok().map(ToString::to_string),
    };
    let limits = Limits {
        per_page: args.per_page,
        pages: args.pages,
        pipelines: args.pipelines,
        jobs: args.jobs,
        artifacts: args.artifacts,
    };
    let report = verify::run(&validators, &target, limits).await;
    if let Some(path) = &args.junit {
        std::fs::write(path, verify::junit(&report))
            .map_err(|e| CliError::local(format!("could not write {}", path.display()), e))?;
    }
    let mut out = Out::stdout();
    if connection.json {
        out.json(&report.to_json())?;
    } else {
        out.line(verify::text(&report).trim_end())?;
    }
    out.flush()?;
    Ok(ExitCode::from(report.exit_code()))
}
