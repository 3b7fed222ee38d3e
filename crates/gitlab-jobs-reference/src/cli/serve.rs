//! `gitlab-jobs-reference serve`: the reference server as a program. Opens the database,
//! loads what the options ask for (`data`), listens, prints where and with which token to
//! call it (`banner`), logs each request and stops cleanly on Ctrl-C or SIGTERM.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use tokio::net::TcpListener;

use super::banner;
use super::data::load;
use crate::http::{self, Faults, faults::FaultRule};
use crate::service::JobsService;
use crate::simulation::{self, SimulationOptions};
use crate::store::open::{DEFAULT_DATABASE, open_store, redacted};

/// The options of `serve` (also its command line).
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct ServeOptions {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    #[arg(long, value_name = "ADDRESS", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The database: `sqlite://PATH` (created if missing), a plain path, `sqlite::memory:`
    /// (gone when the server stops), or `postgres://USER@HOST:PORT/DATABASE` (which several
    /// instances may share).
    #[arg(long, value_name = "URL", default_value = DEFAULT_DATABASE)]
    pub database: String,
    /// A fixture file to load (repeatable; `fixtures-schema` prints the format). Loaded after
    /// the demo, if the demo is loaded too.
    #[arg(long = "fixtures", value_name = "FILE")]
    pub fixtures: Vec<PathBuf>,
    /// Load the demo data set even though the database is not new or fixtures are given.
    /// (Without it, the demo is loaded into a new database when no fixtures are given.)
    #[arg(long)]
    pub demo: bool,
    /// Generated jobs to add to the demo's `demo/load` project when the demo is loaded.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub demo_jobs: u64,
    /// The instance URL that `web_url`s start with [default: the listening URL].
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Built-in runners that take pending jobs, write their logs over a few seconds and
    /// finish them as the fixtures say (default success); on the demo data, new pipelines
    /// keep arriving in acme/backend.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub simulate_runners: usize,
    #[command(flatten)]
    pub faults: FaultOptions,
}

/// Faults on demand (`--fault`, `--fault-seed`); none by default.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct FaultOptions {
    /// Inject a fault into the requests a rule picks (repeatable; none by default), e.g.
    /// `status=429,path=/api/v4/projects/*/jobs,rate=0.2`. `--help` shows the syntax.
    #[arg(long = "fault", value_name = "SPEC", long_help = http::faults::SYNTAX)]
    pub rules: Vec<FaultRule>,
    /// The seed of the fault draws: the same seed gives the same faults to the same sequence
    /// of requests.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub fault_seed: u64,
}

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        ServeOptions {
            listen: "127.0.0.1:8080".into(),
            database: DEFAULT_DATABASE.into(),
            fixtures: Vec::new(),
            demo: false,
            demo_jobs: 0,
            base_url: None,
            simulate_runners: 0,
            faults: FaultOptions::default(),
        }
    }
}

/// Runs the server until Ctrl-C or SIGTERM.
pub async fn serve(options: ServeOptions) -> anyhow::Result<()> {
    serve_until(options, http::shutdown_signal()).await
}

/// Runs the server until `stop` completes; the requests in flight then finish, and the
/// database is closed. What a request committed stays committed (SQLite in WAL mode).
pub async fn serve_until(
    options: ServeOptions,
    stop: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let started = Instant::now();
    // Refused before anything is opened: a fault naming an unknown operation.
    let faults = Faults::new(options.faults.rules.clone(), options.faults.fault_seed)?;
    let prepared = {
        let options = options.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let store = open_store(&options.database)?;
            let loaded = load(store.as_ref(), &options)?;
            let hint = banner::usable_token(store.as_ref(), &loaded)?;
            let runner = banner::usable_runner(store.as_ref(), &loaded)?;
            Ok((store, loaded, hint, runner))
        })
    };
    let (store, loaded, hint, runner) = prepared.await.context("the loading task failed")??;
    let listener = TcpListener::bind(&options.listen)
        .await
        .with_context(|| format!("listening on {}", options.listen))?;
    let url = listening_url(listener.local_addr()?);
    let base_url = options.base_url.clone().unwrap_or_else(|| url.clone());
    let service = JobsService::new(Arc::clone(&store), &base_url);
    // Stopped when dropped, after the server.
    let simulation = match options.simulate_runners {
        0 => None,
        runners => Some(
            simulation::start(service.clone(), SimulationOptions::new(runners))
                .await
                .context("starting the simulated runners")?,
        ),
    };
    // The banner goes to terminals and logs: no password in it.
    let database = redacted(&options.database);
    let extras = banner::Extras {
        hint: hint.as_ref(),
        runner: runner.as_deref(),
        faults: &faults,
        simulation: simulation.as_ref(),
    };
    banner::print(&url, &base_url, &database, &loaded, &extras);
    tracing::info!(
        ready_in = ?started.elapsed(),
        %url,
        "serving the Jobs API under /api/v4"
    );
    http::run(listener, http::app_with_faults(service, Some(faults)), stop)
        .await
        .context("serving")?;
    drop(simulation);
    // The last handle: closing it checkpoints the WAL into the database file.
    tokio::task::spawn_blocking(move || drop(store))
        .await
        .context("closing the database")?;
    tracing::info!("stopped");
    Ok(())
}

/// `http://ADDRESS`, with `localhost` for a wildcard address (`0.0.0.0`, `::`), which a client
/// cannot connect to.
fn listening_url(address: SocketAddr) -> String {
    if address.ip().is_unspecified() {
        format!("http://localhost:{}", address.port())
    } else {
        format!("http://{address}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_addresses_are_shown_as_localhost() {
        let url = |text: &str| listening_url(text.parse().expect("an address"));
        assert_eq!(url("0.0.0.0:8080"), "http://localhost:8080");
        assert_eq!(url("[::]:80"), "http://localhost:80");
        assert_eq!(url("127.0.0.1:8080"), "http://127.0.0.1:8080");
    }
}
