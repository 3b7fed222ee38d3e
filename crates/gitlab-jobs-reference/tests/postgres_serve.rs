//! Two `serve` processes on one PostgreSQL database, driven over HTTP: fifty concurrent
//! retries of one job spread over both create exactly one job, and both list the same jobs;
//! started at once on an empty database, exactly one loads the demo and both serve it.
//!
//! Needs `GITLAB_JOBS_TEST_POSTGRES` (`eval "$(scripts/postgres.sh start)"`); without it the
//! test says it is skipped, and fails on CI (`CI=true`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use futures::future::join_all;
use gitlab_jobs_reference::demo::{demo_fixtures, tokens};
use gitlab_jobs_reference::store::postgres::testing::{TestSchema, server_url};
use serde_json::Value;

/// A developer of `acme/app` (project 1) in `testdata/small.json`.
const TOKEN: &str = "developer-token";

/// A child process, killed when dropped (also when a test fails while it starts).
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `serve` process that printed its banner.
struct Serve {
    _process: Process,
    api_url: String,
    /// The banner's `database` line: what the database held and what was loaded into it.
    database_line: String,
}

/// A `serve` process started but maybe not listening yet.
struct Starting {
    process: Process,
    stdout: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
}

impl Serve {
    /// Starts `serve` on a free port and waits for its banner, which names the API URL.
    fn start(database: &str, fixtures: Option<&Path>) -> Serve {
        Serve::spawn(database, fixtures).ready()
    }

    /// Starts `serve` on a free port without waiting for it, so that several start at once.
    fn spawn(database: &str, fixtures: Option<&Path>) -> Starting {
        let mut command = Command::new(env!("CARGO_BIN_EXE_gitlab-jobs-reference"));
        command.args(["serve", "--listen", "127.0.0.1:0", "--database", database]);
        if let Some(fixtures) = fixtures {
            command.arg("--fixtures").arg(fixtures);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let stdout = lines(child.stdout.take().expect("stdout is piped"));
        let stderr = lines(child.stderr.take().expect("stderr is piped"));
        Starting {
            process: Process(child),
            stdout,
            stderr,
        }
    }
}

/// The lines of a pipe as they come, read on a thread of their own (which also keeps the pipe
/// from filling up and blocking the server).
fn lines(pipe: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (line, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for text in BufReader::new(pipe).lines().map_while(Result::ok) {
            let _ = line.send(text);
        }
    });
    lines
}

impl Starting {
    /// Waits for the banner's URL and `database` lines; a process that exits first (its
    /// stdout closes) fails the test with its error.
    fn ready(self) -> Serve {
        let next = || {
            self.stdout
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|error| {
                    std::thread::sleep(Duration::from_millis(200));
                    let errors: Vec<String> = self
                        .stderr
                        .try_iter()
                        .filter(|line| line.starts_with("error"))
                        .collect();
                    panic!(
                        "serve exited or printed no banner within a minute ({error}): {errors:?}"
                    )
                })
        };
        let api_url = loop {
            if let Some(url) = next().strip_prefix("GitLab Jobs API reference server: ") {
                break url.trim().to_owned();
            }
        };
        let database_line = next();
        Serve {
            _process: self.process,
            api_url,
            database_line,
        }
    }
}

async fn job_ids(http: &reqwest::Client, serve: &Serve) -> Vec<i64> {
    job_ids_as(http, serve, TOKEN).await
}

/// The ids of project 1's jobs (at most 100), newest first, as the token's user sees them.
async fn job_ids_as(http: &reqwest::Client, serve: &Serve, token: &str) -> Vec<i64> {
    let jobs: Value = http
        .get(format!("{}/projects/1/jobs?per_page=100", serve.api_url))
        .header("PRIVATE-TOKEN", token)
        .send()
        .await
        .expect("lists")
        .json()
        .await
        .expect("JSON");
    jobs.as_array()
        .expect("an array")
        .iter()
        .filter_map(|job| job["id"].as_i64())
        .collect()
}

/// A plain test with a runtime for the HTTP part only: the synchronous `postgres` client that
/// manages the schema runs a runtime of its own, which cannot start inside another.
#[test]
fn two_serve_processes_share_one_database() {
    let Some(server) = server_url() else { return };
    let schema = TestSchema::create(&server).expect("a test schema is created");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/small.json");
    // The first loads the fixture; the second starts on what the database then holds.
    let first = Serve::start(&schema.url(), Some(&fixtures));
    let second = Serve::start(&schema.url(), None);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(retry_over_both(&first, &second));
}

async fn retry_over_both(first: &Serve, second: &Serve) {
    let servers = [first, second];
    let http = reqwest::Client::new();
    let before = job_ids(&http, first).await;

    let retries = (0..50).map(|i| {
        let request = http
            .post(format!(
                "{}/projects/1/jobs/101/retry",
                servers[i % 2].api_url
            ))
            .header("PRIVATE-TOKEN", TOKEN);
        async move {
            let response = request.send().await.expect("answers");
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            (status, body)
        }
    });
    let answers = join_all(retries).await;
    let created: Vec<i64> = answers
        .iter()
        .filter(|(status, _)| *status == 201)
        .filter_map(|(_, body)| body["id"].as_i64())
        .collect();
    assert_eq!(created.len(), 1, "exactly one retry wins: {answers:?}");
    let refused = answers.iter().filter(|(status, _)| *status == 403).count();
    assert_eq!(
        refused, 49,
        "the others: 403 Job is not retryable: {answers:?}"
    );
    assert!(!before.contains(&created[0]), "a fresh id");

    let seen_by_first = job_ids(&http, first).await;
    let seen_by_second = job_ids(&http, second).await;
    assert_eq!(seen_by_first, seen_by_second, "both serve the same jobs");
    assert_eq!(seen_by_first.len(), before.len() + 1);
    assert_eq!(seen_by_first.first(), Some(&created[0]), "the newest job");
}

/// Two processes started at once on an empty database: one loads the demo data set, the other
/// waits for it and serves it, instead of loading it a second time (and failing on its ids).
#[test]
fn two_serve_processes_starting_at_once_load_the_demo_once() {
    let Some(server) = server_url() else { return };
    let schema = TestSchema::create(&server).expect("a test schema is created");
    let starting = [
        Serve::spawn(&schema.url(), None),
        Serve::spawn(&schema.url(), None),
    ];
    let [first, second] = starting.map(Starting::ready);
    let loaded = [&first, &second]
        .iter()
        .filter(|serve| serve.database_line.contains("demo data loaded"))
        .count();
    assert_eq!(
        loaded, 1,
        "exactly one loads the demo: {:?} / {:?}",
        first.database_line, second.database_line
    );

    let demo = demo_fixtures();
    let jobs: i64 = schema
        .connect()
        .query_one("SELECT count(*) FROM jobs", &[])
        .expect("counts")
        .get(0);
    assert_eq!(jobs, demo.jobs.len() as i64, "the demo's jobs, once");

    let mut expected: Vec<i64> = demo
        .jobs
        .iter()
        .filter(|job| job.project_id == 1 && !job.is_bridge())
        .map(|job| job.id)
        .collect();
    expected.sort_unstable_by(|a, b| b.cmp(a));
    let (seen_by_first, seen_by_second) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(async {
            let http = reqwest::Client::new();
            (
                job_ids_as(&http, &first, tokens::MAINTAINER).await,
                job_ids_as(&http, &second, tokens::MAINTAINER).await,
            )
        });
    assert_eq!(seen_by_first, expected, "the demo's jobs of acme/backend");
    assert_eq!(seen_by_second, expected, "both serve the same jobs");
}
