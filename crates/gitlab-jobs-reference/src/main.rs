//! `gitlab-jobs-reference`: the reference server (`serve`) and tools around it.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use gitlab_jobs_reference::cli::demo_timings;
use gitlab_jobs_reference::demo::demo_fixtures;
use gitlab_jobs_reference::fixtures::Fixtures;
use gitlab_jobs_reference::store::{SqliteStore, Store};
use gitlab_jobs_reference::{ServeOptions, serve};

#[derive(Parser)]
#[command(version, about = "GitLab Jobs API reference implementation tools")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the Jobs API under /api/v4 (demo data in a new database unless fixtures are
    /// given). Logs go to stderr (filter with RUST_LOG, default `info`).
    Serve(ServeOptions),
    /// Print the JSON Schema of the fixture format.
    FixturesSchema,
    /// Print the demo data set as a fixture file.
    DemoFixtures,
    /// Load the demo data set plus generated jobs into a database and time it and some queries.
    Demo {
        /// `sqlite::memory:`, a database file (created), or `postgres://…` (an empty
        /// database or schema: it must not hold the demo already).
        #[arg(long, default_value = "sqlite::memory:")]
        database: String,
        /// How many generated jobs to add to `demo/load`.
        #[arg(long, default_value_t = 1_000_000)]
        jobs: u64,
    },
    /// Validate a fixture file by loading it into a fresh in-memory database.
    CheckFixtures { file: PathBuf },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(options) => {
            // Held until the server stops: dropping it writes out the lines still queued.
            let _log = init_logging();
            tokio::runtime::Runtime::new()
                .context("starting the Tokio runtime")?
                .block_on(serve(options))?;
        }
        Command::FixturesSchema => {
            println!(
                "{}",
                serde_json::to_string_pretty(&Fixtures::json_schema())?
            );
        }
        Command::DemoFixtures => {
            println!("{}", serde_json::to_string_pretty(&demo_fixtures())?);
        }
        Command::CheckFixtures { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let fixtures = Fixtures::from_json(&text)
                .with_context(|| format!("parsing {}", file.display()))?;
            let summary = SqliteStore::in_memory()?.load_fixtures(&fixtures)?;
            println!("{} is valid: {summary:?}", file.display());
        }
        Command::Demo { database, jobs } => demo_timings(&database, jobs)?,
    }
    Ok(())
}

/// Request and start-up logs on stderr (stdout carries the banner), `RUST_LOG` or `info`.
/// Lines are written by a thread of their own, so that a request does not wait for its
/// log line's `write(2)` to stderr (a tenth of a cached GET job's time in the bench); the
/// queue blocks rather than drops lines when stderr cannot keep up.
fn init_logging() -> tracing_appender::non_blocking::WorkerGuard {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    guard
}
