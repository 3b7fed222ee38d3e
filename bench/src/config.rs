//! What one benchmark run measures and against what: the servers' binaries, the data set
//! sizes, the engines, the limits of each measurement, and the credentials it sends.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};

use crate::database::Engine;
use crate::dataset::Setup;
use crate::load::Limits;

#[derive(Debug, Clone)]
pub struct Config {
    /// The `gitlab-jobs-reference` binary.
    pub server_bin: PathBuf,
    /// This binary, started again as the ceiling server.
    pub self_exe: PathBuf,
    pub work_dir: PathBuf,
    pub small_jobs: u64,
    /// 0 skips the large data set (and the deep pages).
    pub large_jobs: u64,
    /// Rebuild the large database even when the work directory has one.
    pub fresh: bool,
    /// A PostgreSQL database URL: every data set is also served from a schema there.
    pub postgres: Option<String>,
    pub concurrency: usize,
    /// Per measurement and round.
    pub requests: u64,
    pub seconds: f64,
    pub rounds: usize,
    pub mixed_clients: usize,
    pub mixed_requests: u64,
    pub mixed_seconds: f64,
    /// Open-loop arrival rates as fractions of each engine's closed-loop GET req/s.
    pub open_loop_fractions: Vec<f64>,
    /// A fixed open-loop arrival rate (req/s) instead of the fractions.
    pub open_loop_rate: Option<f64>,
    pub open_loop_seconds: f64,
    /// Most requests in flight at once in the open loop.
    pub open_loop_clients: usize,
    /// Prism's executable: GET one job is also measured against its mock of `spec`.
    pub prism: Option<PathBuf>,
    /// The OpenAPI document Prism mocks.
    pub spec: PathBuf,
    /// The project the generated jobs are in (`demo::LOAD_PROJECT_ID`).
    pub project: String,
    /// A maintainer's personal access token in the demo data.
    pub token: String,
    /// `cargo xtask generate` times (ms), measured by the xtask before it starts this run.
    pub generate_ms: Vec<f64>,
    /// `RUST_LOG` of the servers: `info` (their default) logs every request.
    pub server_log: String,
}

impl Config {
    pub fn limits(&self) -> Limits {
        Limits {
            concurrency: self.concurrency,
            max_requests: self.requests,
            max_duration: Duration::from_secs_f64(self.seconds),
        }
    }

    /// The engines measured, SQLite (the default store) first.
    pub fn engines(&self) -> Vec<Engine> {
        let mut engines = vec![Engine::Sqlite];
        if self.postgres.is_some() {
            engines.push(Engine::Postgres);
        }
        engines
    }

    pub fn setup(&self) -> Setup<'_> {
        Setup {
            server_bin: &self.server_bin,
            work_dir: &self.work_dir,
            project: &self.project,
            server_log: &self.server_log,
        }
    }

    /// The headers every request sends: the maintainer's personal access token.
    pub fn headers(&self) -> anyhow::Result<HeaderMap> {
        let mut headers = HeaderMap::new();
        headers.insert("PRIVATE-TOKEN", HeaderValue::from_str(&self.token)?);
        Ok(headers)
    }
}
