//! The whole benchmark, side by side in one run: reference servers (1k and 1M jobs, on
//! SQLite and, with `--postgres`, on PostgreSQL) and the bare-axum ceiling as separate
//! processes on loopback, measured in interleaved rounds so that the noise of a shared machine
//! falls on all of them alike.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use base64::Engine as _;
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, Method, Url};

use crate::database::{Database, Engine};
use crate::dataset::{Dataset, PER_PAGE, START_TIMEOUT, Setup, get_ok, ids_of};
use crate::decode;
use crate::load::{self, Call, Limits, Run, XorShift};
use crate::process::ServerProcess;
use crate::report::{self, Comparison, Deep, Mixed, Results};
use crate::stats::{Sample, Summary};

/// The offset page the deep-page comparison reads (the "page 5,000").
const DEEP_PAGE: u64 = 5_000;
/// Seed of the mixed workload.
const MIXED_SEED: u64 = 0x6a0b_5eed;

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
    fn limits(&self) -> Limits {
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

    fn setup(&self) -> Setup<'_> {
        Setup {
            server_bin: &self.server_bin,
            work_dir: &self.work_dir,
            project: &self.project,
            server_log: &self.server_log,
        }
    }
}

fn token_headers(token: &str) -> anyhow::Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    headers.insert("PRIVATE-TOKEN", HeaderValue::from_str(token)?);
    Ok(headers)
}

/// GitLab's keyset cursor for "after `id`" (what `Link: rel="next"` carries): the URL-safe
/// Base64 of `{"_kd":"n","id":"<id>"}`.
fn keyset_cursor(after_id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{{\"_kd\":\"n\",\"id\":\"{after_id}\"}}"))
}

/// Runs the same plan against each target of a round, alternating who goes first, and
/// accumulates samples per target.
struct Accumulator {
    samples: Vec<Sample>,
    elapsed: Duration,
}

impl Accumulator {
    fn new() -> Accumulator {
        Accumulator {
            samples: Vec::new(),
            elapsed: Duration::ZERO,
        }
    }

    fn add(&mut self, mut run: Run) {
        self.samples.append(&mut run.samples);
        self.elapsed += run.elapsed;
    }

    fn summary(&self) -> Summary {
        Summary::of(&self.samples, self.elapsed)
    }
}

async fn measure_get(client: &Client, headers: &HeaderMap, limits: Limits, url: &Url) -> Run {
    let url = url.clone();
    load::drive(client, headers, limits, move |_| Call::get(0, &url)).await
}

/// A short unrecorded run: connections open, caches fill, the allocator settles.
async fn warm_up(client: &Client, headers: &HeaderMap, concurrency: usize, url: &Url) {
    let limits = Limits {
        concurrency,
        max_requests: 200,
        max_duration: Duration::from_secs(2),
    };
    measure_get(client, headers, limits, url).await;
}

/// Interleaved rounds over named URL groups: each round runs every URL once, in an order
/// that rotates per round.
async fn rounds(
    config: &Config,
    client: &Client,
    headers: &HeaderMap,
    urls: &[Url],
) -> Vec<Summary> {
    let limits = config.limits();
    for url in urls {
        warm_up(client, headers, config.concurrency, url).await;
    }
    let mut accumulators: Vec<Accumulator> = urls.iter().map(|_| Accumulator::new()).collect();
    for round in 0..config.rounds.max(1) {
        for step in 0..urls.len() {
            let index = (step + round) % urls.len();
            let run = measure_get(client, headers, limits, &urls[index]).await;
            accumulators[index].add(run);
        }
    }
    accumulators.iter().map(Accumulator::summary).collect()
}

async fn mixed(
    config: &Config,
    client: &Client,
    headers: &HeaderMap,
    dataset: &Dataset,
) -> anyhow::Result<Mixed> {
    const KINDS: [&str; 5] = ["GET job", "list 20 (pages 1-10)", "cancel", "retry", "play"];
    let base = dataset.server.base_url.clone();
    let project = config.project.clone();
    let newest = dataset.newest_id;
    let span = dataset.jobs.max(1);
    let plan = move |index: u64| {
        let mut random = XorShift::for_index(MIXED_SEED, index);
        let job_id = newest - random.below(span) as i64;
        let roll = random.below(100);
        let (kind, method, path) = match roll {
            0..=39 => (
                0,
                Method::GET,
                format!("/api/v4/projects/{project}/jobs/{job_id}"),
            ),
            40..=79 => (
                1,
                Method::GET,
                format!(
                    "/api/v4/projects/{project}/jobs?per_page=20&page={}",
                    1 + random.below(10)
                ),
            ),
            80..=86 => (
                2,
                Method::POST,
                format!("/api/v4/projects/{project}/jobs/{job_id}/cancel"),
            ),
            87..=93 => (
                3,
                Method::POST,
                format!("/api/v4/projects/{project}/jobs/{job_id}/retry"),
            ),
            _ => (
                4,
                Method::POST,
                format!("/api/v4/projects/{project}/jobs/{job_id}/play"),
            ),
        };
        Call {
            kind,
            method,
            // The base is a valid http URL and the path is ASCII: joining cannot fail.
            url: base.join(&path).unwrap_or_else(|_| base.clone()),
            body: None,
        }
    };
    let limits = Limits {
        concurrency: config.mixed_clients,
        max_requests: config.mixed_requests,
        max_duration: Duration::from_secs_f64(config.mixed_seconds),
    };
    let run = load::drive(client, headers, limits, plan).await;
    let kinds = KINDS
        .iter()
        .enumerate()
        .map(|(kind, name)| {
            let samples: Vec<Sample> = run
                .samples
                .iter()
                .filter(|sample| sample.kind == kind)
                .copied()
                .collect();
            ((*name).to_owned(), Summary::of(&samples, run.elapsed))
        })
        .collect();
    Ok(Mixed {
        engine: dataset.engine(),
        kinds,
        total: Summary::of(&run.samples, run.elapsed),
    })
}

/// Starts the ceiling with the bodies to serve, keyed by the path it will be asked for.
async fn start_ceiling(
    config: &Config,
    client: &Client,
    headers: &HeaderMap,
    bodies: &[(String, Bytes)],
) -> anyhow::Result<ServerProcess> {
    let directory = config.work_dir.join("ceiling");
    std::fs::create_dir_all(&directory)?;
    let mut routes = serde_json::Map::new();
    for (index, (path, body)) in bodies.iter().enumerate() {
        let file = directory.join(format!("body-{index}.json"));
        std::fs::write(&file, body)?;
        routes.insert(path.clone(), file.display().to_string().into());
    }
    let routes_file = directory.join("routes.json");
    std::fs::write(&routes_file, serde_json::to_vec_pretty(&routes)?)?;
    let args = vec![
        "ceiling".to_owned(),
        "--listen".to_owned(),
        "127.0.0.1:{port}".to_owned(),
        "--routes".to_owned(),
        routes_file.display().to_string(),
    ];
    let mut ceiling = ServerProcess::spawn(
        "ceiling",
        &config.self_exe,
        &args,
        &[],
        &config.work_dir.join("ceiling.log"),
    )?;
    let probe = ceiling.url(&bodies.first().context("no ceiling bodies")?.0)?;
    ceiling
        .wait_ready(client, headers, &probe, START_TIMEOUT)
        .await?;
    Ok(ceiling)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| {
            let fields: Vec<&str> = text.split_whitespace().take(3).collect();
            (fields.len() == 3).then(|| fields.join(" "))
        })
        .unwrap_or_else(|| "n/a".to_owned())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

/// An answer as the engines must agree on it: without the server's own address (in every
/// `web_url`) and without the durations of unfinished jobs, which grow with the clock and
/// whose shortest float printing varies in length (85999910.838122, 85999911.37981): comparing
/// sizes failed on those alone.
fn comparable(body: &[u8], origin: &Url) -> anyhow::Result<serde_json::Value> {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(fields) => {
                fields.remove("duration");
                fields.remove("queued_duration");
                fields.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let text = String::from_utf8_lossy(body).replace(origin.as_str().trim_end_matches('/'), "");
    let mut value = serde_json::from_str(&text).context("an answer is not JSON")?;
    strip(&mut value);
    Ok(value)
}

pub async fn run(config: &Config) -> anyhow::Result<report::Report> {
    std::fs::create_dir_all(&config.work_dir)?;
    let load_at_start = load_average();
    let client = load::client(config.concurrency.max(config.mixed_clients))?;
    let headers = token_headers(&config.token)?;
    let engines = config.engines();

    // One server per size and engine, in that order.
    let mut sizes = vec![(config.small_jobs, false)];
    if config.large_jobs > 0 {
        sizes.push((config.large_jobs, !config.fresh));
    }
    let mut datasets = Vec::new();
    for (jobs, reuse) in sizes {
        for &engine in &engines {
            let database =
                Database::for_dataset(engine, &config.work_dir, config.postgres.as_deref(), jobs)?;
            datasets.push(
                Dataset::open(&config.setup(), &client, &headers, database, jobs, reuse).await?,
            );
        }
    }
    let by_size: Vec<&[Dataset]> = datasets.chunks(engines.len()).collect();

    // The ceiling serves exactly the first engine's answers; the others' answers to the same
    // requests must be the same JSON (addresses and running durations aside) to be compared.
    let mut bodies = Vec::new();
    let mut scenarios = Vec::new();
    for group in &by_size {
        for (name, path_of) in [
            (
                "GET one job",
                (|d: &Dataset| d.job_path.clone()) as fn(&Dataset) -> String,
            ),
            ("list 100 jobs", |d: &Dataset| d.list_path.clone()),
        ] {
            let mut urls = Vec::new();
            let mut answers = Vec::new();
            let mut first_body = None;
            for dataset in group.iter() {
                let url = dataset.server.url(&path_of(dataset))?;
                let origin = dataset.server.url("/")?;
                let body = get_ok(&client, &headers, &url).await?;
                answers.push(comparable(&body, &origin)?);
                first_body.get_or_insert(body);
                urls.push(url);
            }
            let first = &group[0];
            let body = first_body.context("a data set group without servers")?;
            let ceiling_path = format!("/{}{}", first.label, path_of(first));
            bodies.push((ceiling_path.clone(), body));
            scenarios.push((name, first.label.clone(), urls, ceiling_path, answers));
        }
    }
    for (name, size, _, _, answers) in &scenarios {
        if answers.iter().any(|answer| *answer != answers[0]) {
            bail!("{name} ({size}): the engines answer differently");
        }
    }
    let list_body = bodies
        .iter()
        .rev()
        .find(|(path, _)| path.contains("per_page="))
        .map(|(_, body)| body.clone())
        .context("no list body")?;
    let ceiling = start_ceiling(config, &client, &headers, &bodies).await?;

    eprintln!("bench: servers vs ceiling, {} rounds", config.rounds);
    let mut urls = Vec::new();
    for (_, _, server_urls, ceiling_path, _) in &scenarios {
        urls.extend(server_urls.iter().cloned());
        urls.push(ceiling.url(ceiling_path)?);
    }
    let summaries = rounds(config, &client, &headers, &urls).await;
    let comparisons: Vec<Comparison> = scenarios
        .iter()
        .zip(summaries.chunks(engines.len() + 1))
        .map(|((name, size, _, _, _), measured)| Comparison {
            name: (*name).to_owned(),
            size: size.clone(),
            servers: engines
                .iter()
                .copied()
                .zip(measured.iter().cloned())
                .collect(),
            ceiling: measured[engines.len()].clone(),
        })
        .collect();

    let deep = match by_size.get(1) {
        Some(large) => Some(deep_pages(config, &client, &headers, large).await?),
        None => None,
    };

    let mut mixed_runs = Vec::new();
    for dataset in by_size[0] {
        eprintln!(
            "bench: mixed load on {}, {} clients",
            dataset.engine(),
            config.mixed_clients
        );
        mixed_runs.push(mixed(config, &client, &headers, dataset).await?);
    }

    let decode = decode::bench(&list_body, 2_000, Duration::from_secs(5))?;
    let mut database_bytes = Vec::new();
    for dataset in &datasets {
        database_bytes.push(dataset.database.size_bytes().await?);
    }
    let memory_after = datasets.iter().map(|d| d.server.memory()).collect();
    let load_at_end = load_average();

    let report = report::render(&Results {
        config,
        machine: format!(
            "{} × {}",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu_model()
        ),
        load: (load_at_start, load_at_end),
        engines: &engines,
        datasets: &datasets,
        comparisons: &comparisons,
        deep: deep.as_deref(),
        mixed: &mixed_runs,
        decode: &decode,
        database_bytes: &database_bytes,
        memory_after,
    });
    ceiling.stop()?;
    for dataset in datasets {
        dataset.server.stop()?;
    }
    Ok(report)
}

/// Page 1, a deep offset page and the keyset page at the same depth, on each engine's large
/// data set, all in the same interleaved rounds.
async fn deep_pages(
    config: &Config,
    client: &Client,
    headers: &HeaderMap,
    large: &[Dataset],
) -> anyhow::Result<Vec<Deep>> {
    let first = &large[0];
    // 1% of the generated jobs are bridges, which the jobs list does not show.
    let last_full_page = first.jobs * 99 / 100 / PER_PAGE;
    let page = DEEP_PAGE.min(last_full_page.saturating_sub(1)).max(2);
    let mut urls = Vec::new();
    for dataset in large {
        let offset_path = format!("{}&page={page}", dataset.list_path);
        let before_path = format!("{}&page={}", dataset.list_path, page - 1);
        let before = ids_of(&get_ok(client, headers, &dataset.server.url(&before_path)?).await?)?;
        let after_id = *before.last().context("empty page before the deep one")?;
        let keyset_path = format!(
            "/api/v4/projects/{}/jobs?pagination=keyset&per_page={PER_PAGE}&order_by=id&sort=desc&cursor={}",
            config.project,
            keyset_cursor(after_id)
        );
        // Both ways must reach the same jobs, or the comparison means nothing.
        let by_offset =
            ids_of(&get_ok(client, headers, &dataset.server.url(&offset_path)?).await?)?;
        let by_keyset =
            ids_of(&get_ok(client, headers, &dataset.server.url(&keyset_path)?).await?)?;
        if by_offset != by_keyset {
            bail!(
                "{}: offset page {page} and the keyset page after id {after_id} differ",
                dataset.engine()
            );
        }
        urls.extend([
            dataset.server.url(&dataset.list_path)?,
            dataset.server.url(&offset_path)?,
            dataset.server.url(&keyset_path)?,
        ]);
    }
    eprintln!("bench: deep pages (page {page})");
    let summaries = rounds(config, client, headers, &urls).await;
    let names = [
        format!("offset page 1 ({} jobs)", first.label),
        format!("offset page {page}"),
        "keyset, same depth".to_owned(),
    ];
    Ok(names
        .into_iter()
        .enumerate()
        .map(|(row, name)| Deep {
            name,
            per_engine: large
                .iter()
                .zip(summaries.chunks(3))
                .map(|(dataset, measured)| (dataset.engine(), measured[row].clone()))
                .collect(),
        })
        .collect())
}

/// Reads the ceiling's routes file: path-and-query → body file.
pub fn read_routes(file: &Path) -> anyhow::Result<HashMap<String, Bytes>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let routes: HashMap<String, String> = serde_json::from_str(&text)?;
    routes
        .into_iter()
        .map(|(path, body)| {
            let bytes = std::fs::read(&body).with_context(|| format!("reading {body}"))?;
            Ok((path, Bytes::from(bytes)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_matches_the_reference_servers() {
        // The value `store::Cursor::after(1234)` is pinned to in the reference crate.
        assert_eq!(keyset_cursor(1234), "eyJfa2QiOiJuIiwiaWQiOiIxMjM0In0");
    }
}
