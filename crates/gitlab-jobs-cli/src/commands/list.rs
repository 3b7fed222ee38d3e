//! `gitlab-jobs list`: a project's (or a pipeline's) jobs as a table, printed page by page as
//! GitLab sends them.

use std::process::ExitCode;

use chrono::Utc;
use clap::Args;
use futures::{Stream, StreamExt};
use gitlab_jobs_client::types::{self, Bridge, Job, JobStatus};
use gitlab_jobs_client::{Error, Page};
use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::connection::Connection;
use crate::error::CliError;
use crate::output::{self, Cell, Out, Table};

/// How many jobs `list` shows without `--limit` or `--all`.
const DEFAULT_LIMIT: u64 = 20;

/// GitLab's largest page.
const MAX_PER_PAGE: u64 = 100;

/// List jobs, newest first: the project's, or one pipeline's (--pipeline), or its trigger
/// jobs (--bridges).
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    gitlab-jobs --project group/project list\n  \
    gitlab-jobs --project group/project list --scope failed --scope canceled --all\n  \
    gitlab-jobs --project group/project list --pipeline 1234 --bridges\n  \
    gitlab-jobs --project group/project --json list --limit 500 | jq -r .web_url")]
pub struct ListArgs {
    /// Only the jobs of this pipeline
    #[arg(long, value_name = "ID")]
    pub pipeline: Option<i64>,

    /// The pipeline's trigger jobs (bridges) instead of its jobs; needs --pipeline
    #[arg(long, requires = "pipeline")]
    pub bridges: bool,

    /// Only jobs with this status (repeatable): created, pending, running, failed, success,
    /// canceled, skipped, manual, ...
    #[arg(long = "scope", value_name = "STATUS", value_parser = parse_status)]
    pub scopes: Vec<JobStatus>,

    /// Every job, however many pages
    #[arg(long, conflicts_with = "limit")]
    pub all: bool,

    /// At most N jobs [default: 20]
    #[arg(long, short = 'n', value_name = "N")]
    pub limit: Option<u64>,
}

fn parse_status(value: &str) -> Result<JobStatus, String> {
    value.parse::<JobStatus>().map_err(|_| {
        "not a job status; use one of created, waiting_for_resource, preparing, \
         waiting_for_callback, pending, running, success, failed, canceling, canceled, skipped, \
         manual, scheduled"
            .to_string()
    })
}

pub async fn run(global: &GlobalArgs, args: ListArgs) -> Result<ExitCode, CliError> {
    let connection = global.connect()?;
    let project = connection.project()?;
    let limit = if args.all {
        None
    } else {
        Some(args.limit.unwrap_or(DEFAULT_LIMIT))
    };
    let per_page = limit.map_or(MAX_PER_PAGE, |n| n.clamp(1, MAX_PER_PAGE));
    let client = &connection.client;
    // The three list builders are distinct types with the same setters.
    macro_rules! show_all {
        ($request:expr) => {{
            let mut request = $request.id(project).per_page(per_page as i64);
            if !args.scopes.is_empty() {
                request = request.scope(args.scopes.clone());
            }
            show(&connection, client.pages(request), limit).await
        }};
    }
    match (args.pipeline, args.bridges) {
        (Some(pipeline), true) => show_all!(client.list_pipeline_bridges().pipeline_id(pipeline)),
        (Some(pipeline), false) => show_all!(client.list_pipeline_jobs().pipeline_id(pipeline)),
        (None, _) => show_all!(client.list_project_jobs()),
    }
}

/// Prints every page as it arrives, up to `limit` items.
async fn show<T: Row + Serialize>(
    connection: &Connection,
    mut pages: impl Stream<Item = Result<Page<T>, Error<types::Error>>> + Unpin,
    limit: Option<u64>,
) -> Result<ExitCode, CliError> {
    let mut out = Out::stdout();
    let mut table = Table::new(vec![
        "id", "status", "stage", "name", "ref", "duration", "age",
    ]);
    let mut left = limit;
    let mut shown = 0u64;
    while left != Some(0) {
        let Some(page) = pages.next().await else {
            break;
        };
        let page = match page {
            Ok(page) => page,
            Err(e) => return Err(connection.fail(e, None).await),
        };
        let take = left.map_or(page.items.len(), |n| page.items.len().min(n as usize));
        let items = &page.items[..take];
        left = left.map(|n| n - take as u64);
        shown += take as u64;
        if connection.json {
            for item in items {
                out.json(item)?;
            }
        } else {
            let now = Utc::now();
            let rows: Vec<Vec<Cell>> = items.iter().map(|item| item.cells(now)).collect();
            table.print(&mut out, &rows)?;
        }
        out.flush()?;
    }
    if shown == 0 && !connection.json {
        eprintln!("no jobs");
    }
    Ok(ExitCode::SUCCESS)
}

/// A listed item as a table row.
trait Row {
    fn cells(&self, now: chrono::DateTime<Utc>) -> Vec<Cell>;
}

/// The row of a job or a bridge (the columns are the same).
#[allow(clippy::too_many_arguments)]
fn row(
    id: i64,
    status: &JobStatus,
    stage: &str,
    name: &str,
    ref_: &str,
    duration: Option<f64>,
    created_at: chrono::DateTime<Utc>,
    now: chrono::DateTime<Utc>,
) -> Vec<Cell> {
    vec![
        Cell::plain(id.to_string()),
        Cell::styled(status.to_string(), output::status_style(status)),
        Cell::plain(output::truncate(stage, 20)),
        Cell::plain(output::truncate(name, 40)),
        Cell::plain(output::truncate(ref_, 30)),
        Cell::plain(output::duration(duration)),
        Cell::plain(output::age(created_at, now)),
    ]
}

// Jobs and bridges have the same columns under the same field names.
macro_rules! rows {
    ($($kind:ty),*) => {$(
        impl Row for $kind {
            fn cells(&self, now: chrono::DateTime<Utc>) -> Vec<Cell> {
                row(
                    self.id,
                    &self.status,
                    &self.stage,
                    &self.name,
                    &self.ref_,
                    self.duration,
                    self.created_at,
                    now,
                )
            }
        }
    )*};
}

rows!(Job, Bridge);
