//! A reference server over one data set: filled on first use (`serve --demo-jobs N` on an
//! empty database), then started again on the filled database, which is the server measured.

use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::{Client, Url};

use crate::database::{Database, Engine};
use crate::load;
use crate::process::{Memory, ServerProcess};

/// How long a first start may take to import the large data set (1M jobs take about a
/// minute on a quiet machine; a loaded one or a bigger set needs more).
const IMPORT_TIMEOUT: Duration = Duration::from_secs(3600);
/// How long a start on an existing database may take.
pub const START_TIMEOUT: Duration = Duration::from_secs(600);
/// Jobs per page in the list scenarios (GitLab's maximum).
pub const PER_PAGE: u64 = 100;

/// What a data set is opened with.
pub struct Setup<'a> {
    pub server_bin: &'a std::path::Path,
    pub work_dir: &'a std::path::Path,
    /// The demo project holding the generated jobs.
    pub project: &'a str,
    /// `RUST_LOG` of the server.
    pub server_log: &'a str,
}

pub struct Dataset {
    /// "1k", "1M": the size, as the report names it.
    pub label: String,
    pub jobs: u64,
    pub database: Database,
    pub server: ServerProcess,
    /// Time to first answer when the database had to be filled first.
    pub created_in: Option<Duration>,
    /// Peak memory of the process that filled it.
    pub creation_memory: Option<Memory>,
    /// Time to first answer on the existing database.
    pub started_in: Duration,
    pub memory_at_start: Option<Memory>,
    /// A build in the middle of the list, and its path.
    pub job_path: String,
    pub list_path: String,
    /// Ids the mixed workload picks from.
    pub newest_id: i64,
}

/// `serve` on a database. A new database gets the demo data set with `demo_jobs` generated
/// jobs; an existing one is served as it is (`None`: `serve` would ignore the count, with a
/// warning).
fn serve_args(database: &Database, demo_jobs: Option<u64>) -> Vec<String> {
    let mut args = vec![
        "serve".into(),
        "--listen".into(),
        "127.0.0.1:{port}".into(),
        "--database".into(),
        database.url(),
    ];
    if let Some(jobs) = demo_jobs {
        args.extend(["--demo-jobs".into(), jobs.to_string()]);
    }
    args
}

pub fn label(jobs: u64) -> String {
    match jobs {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

/// The ids of a list page's items.
pub fn ids_of(body: &[u8]) -> anyhow::Result<Vec<i64>> {
    let items: Vec<serde_json::Value> = serde_json::from_slice(body).context("a list of jobs")?;
    items
        .iter()
        .map(|item| item["id"].as_i64().context("a job without an id"))
        .collect()
}

pub async fn get_ok(client: &Client, headers: &HeaderMap, url: &Url) -> anyhow::Result<Bytes> {
    let (status, body) = load::fetch(client, headers, url).await?;
    ensure!(
        status == 200,
        "GET {url} answered {status}: {}",
        String::from_utf8_lossy(&body)
    );
    Ok(body)
}

impl Dataset {
    pub fn engine(&self) -> Engine {
        self.database.engine()
    }

    /// Opens `jobs` demo jobs in `database`, filling it first unless `reuse` and it is filled.
    pub async fn open(
        setup: &Setup<'_>,
        client: &Client,
        headers: &HeaderMap,
        database: Database,
        jobs: u64,
        reuse: bool,
    ) -> anyhow::Result<Dataset> {
        let label = label(jobs);
        let name = format!("{} {label}", database.engine());
        let log = |stage: &str| {
            setup.work_dir.join(format!(
                "server-{}-{label}-{stage}.log",
                database.engine().slug()
            ))
        };
        let probe_path = format!("/api/v4/projects/{}/jobs?per_page=1", setup.project);
        let env = [("RUST_LOG", setup.server_log)];
        let (mut created_in, mut creation_memory) = (None, None);
        if !reuse || !database.has_data().await? {
            database.recreate().await?;
            eprintln!(
                "bench: filling {} with {jobs} demo jobs",
                database.describe()
            );
            let started = Instant::now();
            let args = serve_args(&database, Some(jobs));
            let mut server =
                ServerProcess::spawn(&name, setup.server_bin, &args, &env, &log("create"))?;
            let probe = server.url(&probe_path)?;
            server
                .wait_ready(client, headers, &probe, IMPORT_TIMEOUT)
                .await?;
            created_in = Some(started.elapsed());
            creation_memory = server.memory();
            server.stop()?;
        }
        eprintln!("bench: starting on {}", database.describe());
        let started = Instant::now();
        let args = serve_args(&database, None);
        let mut server = ServerProcess::spawn(&name, setup.server_bin, &args, &env, &log("run"))?;
        let probe = server.url(&probe_path)?;
        server
            .wait_ready(client, headers, &probe, START_TIMEOUT)
            .await?;
        let started_in = started.elapsed();
        let memory_at_start = server.memory();

        let list_path = format!(
            "/api/v4/projects/{}/jobs?per_page={PER_PAGE}",
            setup.project
        );
        let first = ids_of(&get_ok(client, headers, &server.url(&list_path)?).await?)?;
        let newest_id = *first.first().context("the load project has no jobs")?;
        // A build from the middle of the list: GET job then reads a row from the middle of
        // the table, not one the list just brought into the cache.
        let middle_page = (jobs / 2 / PER_PAGE).max(1);
        let middle = ids_of(
            &get_ok(
                client,
                headers,
                &server.url(&format!("{list_path}&page={middle_page}"))?,
            )
            .await?,
        )?;
        let job_id = *middle.first().context("no job in the middle page")?;
        let job_path = format!("/api/v4/projects/{}/jobs/{job_id}", setup.project);
        Ok(Dataset {
            label,
            jobs,
            database,
            server,
            created_in,
            creation_memory,
            started_in,
            memory_at_start,
            job_path,
            list_path,
            newest_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(label(1_000), "1k");
        assert_eq!(label(1_000_000), "1M");
        assert_eq!(label(1_500), "1500");
    }
}
