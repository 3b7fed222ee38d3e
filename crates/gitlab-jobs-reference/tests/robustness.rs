//! Robustness of the reference server, at a small size (seconds each, every loop bounded):
//!
//! - fifty concurrent retries of one job, spread over two server instances on one database,
//!   create exactly one job;
//! - concurrent cancel, play and erase of the same jobs, spread over two instances, leave only
//!   states GitLab can reach;
//! - `kill -9` of the `serve` binary during a write load loses no acknowledged write, and the
//!   database passes its engine's integrity checks;
//! - generated malformed requests (paths, queries, headers, bodies up to 10 MiB) never get a
//!   5xx, never panic the server and change no data.
//!
//! One suite for both stores: the concurrency tests run on a `SharedTestDatabase`, a SQLite
//! *file* (WAL, a pool of connections; the in-memory default's single connection would
//! serialise the requests) or, with `GITLAB_JOBS_TEST_STORE=postgres`, a PostgreSQL schema of
//! their own; the malformed-request test uses `TestServer::start`, which follows the same
//! variable.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use gitlab_jobs_reference::TestServer;
use gitlab_jobs_reference::demo::{demo_fixtures, tokens};
use gitlab_jobs_reference::model::{Id, JobDetails, JobKind, JobStatus};
use gitlab_jobs_reference::rules::{StatusGroup, composite_status};
use gitlab_jobs_reference::store::postgres::testing::{SharedTestDatabase, TestSchema};
use gitlab_jobs_reference::store::{Cursor, JobFilter, PageInfo, Pagination, Store};
use reqwest::{Client, Method};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `acme/backend` in the demo data.
const BACKEND: Id = 1;
/// Every request of these tests gets an answer within this time, or the test fails.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

// --- support ------------------------------------------------------------------------------

/// A database of its own for one test, shared by the connections of a pool or by processes:
/// a SQLite file, or a PostgreSQL schema with `GITLAB_JOBS_TEST_STORE=postgres`.
fn shared_database(label: &str) -> SharedTestDatabase {
    SharedTestDatabase::new(&format!("robustness-{label}"))
        .unwrap_or_else(|problem| panic!("a test database: {problem}"))
}

/// Two server instances on one new database holding the demo data: each with its own pool
/// of connections, as two `serve` processes would have, so that the concurrent requests
/// spread over both meet only in the database.
async fn two_instances(database: &SharedTestDatabase) -> [TestServer; 2] {
    let first = TestServer::start_with_database(database.url(), demo_fixtures())
        .await
        .expect("the first instance");
    // Nothing to load: the first one did.
    let second = TestServer::start_with_database(database.url(), Default::default())
        .await
        .expect("the second instance");
    [first, second]
}

fn client() -> Client {
    Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("a client")
}

/// Sends a request with a private token; the status and the JSON body (`Null` if none).
async fn call(client: &Client, method: Method, url: &str, token: &str) -> (u16, Value) {
    let response = client
        .request(method.clone(), url)
        .header("PRIVATE-TOKEN", token)
        .send()
        .await
        .unwrap_or_else(|error| panic!("{method} {url}: {error}"));
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap_or_default();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// A server error, whatever status carries it: the adapter answers errors a route does not
/// document with a documented status and GitLab's `500 Internal Server Error` message.
fn is_server_error(status: u16, body: &[u8]) -> bool {
    status >= 500 || String::from_utf8_lossy(body).contains("500 Internal Server Error")
}

/// Panics on threads that are not test threads (the servers' runtime and blocking threads).
/// A panic in a request handler may be turned into a response or a dropped connection; this
/// counts it either way.
static SERVER_PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_server_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let thread = std::thread::current();
            let name = thread.name().unwrap_or("");
            if name.is_empty() || name.starts_with("tokio-runtime-worker") {
                SERVER_PANICS.fetch_add(1, Ordering::SeqCst);
            }
            default(info);
        }));
    });
}

/// Every job (builds and bridges, retried ones included) of a project, newest first.
fn project_jobs(store: &dyn Store, project_id: Id) -> Vec<JobDetails> {
    let mut jobs = Vec::new();
    for kind in [JobKind::Build, JobKind::Bridge] {
        let filter = JobFilter {
            project_id,
            pipeline_id: None,
            kind,
            statuses: Vec::new(),
            include_retried: true,
        };
        let mut cursor: Option<Cursor> = None;
        // Bounded: the demo projects hold far fewer than 1,000 pages.
        for _ in 0..1_000 {
            let page = store
                .list_jobs(&filter, &Pagination::keyset(Some(100), cursor.take()))
                .expect("lists jobs");
            jobs.extend(page.items);
            match page.info {
                PageInfo::Keyset {
                    next_cursor: Some(next),
                    ..
                } => cursor = Some(next),
                _ => break,
            }
        }
    }
    jobs
}

fn pipeline_jobs(store: &dyn Store, project_id: Id, pipeline_id: Id) -> Vec<JobDetails> {
    project_jobs(store, project_id)
        .into_iter()
        .filter(|details| details.job.pipeline_id == pipeline_id)
        .collect()
}

/// Everything the API can show or change, per job: the job with its hydrated details (state,
/// artifacts, log size, pipeline status), and its log.
fn snapshot(store: &dyn Store) -> BTreeMap<Id, (JobDetails, Option<String>)> {
    (1..=5)
        .flat_map(|project_id| project_jobs(store, project_id))
        .map(|details| {
            let trace = store.trace(details.job.id).expect("reads a log");
            (details.job.id, (details, trace))
        })
        .collect()
}

// --- 50 concurrent retries ----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_retries_of_one_job_create_exactly_one() {
    let database = shared_database("retries");
    let servers = two_instances(&database).await;
    let store = servers[0].store();
    let before: BTreeSet<Id> = project_jobs(store.as_ref(), BACKEND)
        .iter()
        .map(|details| details.job.id)
        .collect();

    // Job 8: `rspec` of acme/backend, failed, retryable; every other retry to each instance.
    let client = client();
    let tasks: Vec<_> = (0..50)
        .map(|index| {
            let url = format!(
                "{}/projects/{BACKEND}/jobs/8/retry",
                servers[index % 2].api_url()
            );
            let client = client.clone();
            tokio::spawn(async move { call(&client, Method::POST, &url, tokens::MAINTAINER).await })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("a request task"));
    }

    let created: Vec<&Value> = answers
        .iter()
        .filter(|(status, _)| *status == 201)
        .map(|(_, body)| body)
        .collect();
    let refused = answers.iter().filter(|(status, _)| *status == 403).count();
    assert_eq!(created.len(), 1, "exactly one retry wins: {answers:?}");
    assert_eq!(refused, 49, "the others are refused with 403: {answers:?}");
    for (status, body) in &answers {
        if *status == 403 {
            assert_eq!(
                body["message"], "403 Forbidden - Job is not retryable",
                "{body}"
            );
        }
    }
    let new_id = created[0]["id"].as_i64().expect("the new job's id");
    assert!(!before.contains(&new_id), "the new job has a new id");

    let after: Vec<Id> = project_jobs(store.as_ref(), BACKEND)
        .iter()
        .map(|details| details.job.id)
        .collect();
    let unique: BTreeSet<Id> = after.iter().copied().collect();
    assert_eq!(unique.len(), after.len(), "no duplicate ids: {after:?}");
    let mut expected = before.clone();
    expected.insert(new_id);
    assert_eq!(unique, expected, "the project gained exactly the new job");
    let rspec: Vec<JobDetails> = pipeline_jobs(store.as_ref(), BACKEND, 2)
        .into_iter()
        .filter(|details| details.job.name == "rspec")
        .collect();
    let latest: Vec<Id> = rspec
        .iter()
        .filter(|details| !details.job.retried)
        .map(|details| details.job.id)
        .collect();
    assert_eq!(latest, vec![new_id], "only the new rspec is the latest");
    for server in servers {
        server.shutdown().await;
    }
}

// --- concurrent cancel / play / erase -----------------------------------------------------

/// What a target job must end as, whatever order the concurrent requests ran in.
struct Target {
    job_id: Id,
    /// The status of the original job at the end.
    ends: JobStatus,
    /// How many erase requests may succeed.
    erases: std::ops::RangeInclusive<usize>,
}

/// Checks, for a pipeline, what GitLab's state machine guarantees in any order of events.
fn check_reachable(store: &dyn Store, project_id: Id, pipeline_id: Id) -> Result<(), String> {
    let jobs = pipeline_jobs(store, project_id, pipeline_id);
    let mut latest_by_name: BTreeMap<&str, usize> = BTreeMap::new();
    for details in &jobs {
        let job = &details.job;
        if !job.retried {
            *latest_by_name.entry(job.name.as_str()).or_default() += 1;
        } else if !matches!(
            job.status,
            JobStatus::Success | JobStatus::Failed | JobStatus::Canceled | JobStatus::Canceling
        ) {
            // `retryable?` held when it was retried, and a retried job never changes again.
            return Err(format!("job {} is retried but {}", job.id, job.status));
        }
        if job.erased_at.is_some()
            && (!StatusGroup::Completed.contains(job.status)
                || details.trace_size.is_some()
                || !details.artifacts.is_empty())
        {
            return Err(format!(
                "job {} is erased but {} (log {:?}, {} artifacts)",
                job.id,
                job.status,
                details.trace_size,
                details.artifacts.len()
            ));
        }
        if job.status == JobStatus::Canceled && job.finished_at.is_none() {
            return Err(format!("job {} is canceled without finished_at", job.id));
        }
        if job.status == JobStatus::Pending && job.queued_at.is_none() {
            return Err(format!("job {} is pending without queued_at", job.id));
        }
    }
    if let Some((name, count)) = latest_by_name.iter().find(|(_, count)| **count != 1) {
        return Err(format!("{count} latest jobs named {name:?}"));
    }
    let expected = composite_status(
        jobs.iter()
            .filter(|details| !details.job.retried)
            .map(|details| (details.job.status, details.job.allow_failure)),
    );
    let pipeline = store
        .pipeline(project_id, pipeline_id)
        .expect("reads the pipeline")
        .ok_or("the pipeline is gone")?;
    if Some(pipeline.status) != expected {
        return Err(format!(
            "pipeline {pipeline_id} is {} but its latest jobs make it {expected:?}",
            pipeline.status
        ));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cancel_play_and_erase_leave_reachable_states() {
    let database = shared_database("actions");
    let servers = two_instances(&database).await;
    let store = servers[0].store();
    // Each target sees 8 cancels, 8 plays and 8 erases at once. The end states follow from
    // GitLab's rules in every order: a cancel always runs at some point and cancels anything
    // alive or blocked; a play after it retries the canceled job instead (a new job), which
    // leaves the original canceled; erase needs a finished job with a log or artifacts.
    let targets = [
        // manual deploy-production: played then canceled, or canceled then played (retried).
        Target {
            job_id: 6,
            ends: JobStatus::Canceled,
            erases: 0..=0,
        },
        // running rspec with a log: canceled; once canceled it is finished, so erasable.
        Target {
            job_id: 13,
            ends: JobStatus::Canceled,
            erases: 0..=1,
        },
        // pending lint without a log: canceled, never erasable.
        Target {
            job_id: 14,
            ends: JobStatus::Canceled,
            erases: 0..=0,
        },
        // scheduled (delayed) publish: playable and cancelable.
        Target {
            job_id: 18,
            ends: JobStatus::Canceled,
            erases: 0..=0,
        },
        // failed rspec with a log: cancel leaves it, play refuses it, one erase wins.
        Target {
            job_id: 8,
            ends: JobStatus::Failed,
            erases: 1..=1,
        },
    ];
    let initial: BTreeMap<Id, JobDetails> = project_jobs(store.as_ref(), BACKEND)
        .into_iter()
        .map(|details| (details.job.id, details))
        .collect();

    let client = client();
    let mut tasks = Vec::new();
    for round in 0..8 {
        for target in &targets {
            for (index, action) in ["cancel", "play", "erase"].into_iter().enumerate() {
                // Alternating instances, so that each action meets its rivals from both.
                let server = &servers[(round as usize + index) % 2];
                let url = format!(
                    "{}/projects/{BACKEND}/jobs/{}/{action}",
                    server.api_url(),
                    target.job_id
                );
                let client = client.clone();
                let job_id = target.job_id;
                tasks.push(tokio::spawn(async move {
                    // Spread the starts a little so that the orders differ between rounds.
                    tokio::time::sleep(Duration::from_micros(round * 150)).await;
                    let (status, body) =
                        call(&client, Method::POST, &url, tokens::MAINTAINER).await;
                    (job_id, action, status, body)
                }));
            }
        }
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("a request task"));
    }

    for (job_id, action, status, body) in &answers {
        assert!(
            !is_server_error(*status, body.to_string().as_bytes()),
            "{action} of job {job_id}: {status} {body}"
        );
        let allowed: &[u16] = match *action {
            "cancel" => &[201],
            "play" => &[200, 400],
            _ => &[201, 403],
        };
        assert!(
            allowed.contains(status),
            "{action} of job {job_id}: {status} {body}"
        );
    }
    let mut tally: BTreeMap<(Id, &str, u16), usize> = BTreeMap::new();
    for (job_id, action, status, _) in &answers {
        *tally.entry((*job_id, *action, *status)).or_default() += 1;
    }
    eprintln!("(job, action, status) → count: {tally:?}");
    let mut pipelines = BTreeSet::new();
    for target in &targets {
        let erased = answers
            .iter()
            .filter(|(job_id, action, status, _)| {
                *job_id == target.job_id && *action == "erase" && *status == 201
            })
            .count();
        assert!(
            target.erases.contains(&erased),
            "job {}: {erased} erases succeeded",
            target.job_id
        );
        let now = store
            .job(BACKEND, target.job_id)
            .expect("reads the job")
            .expect("the job is there");
        assert_eq!(now.job.status, target.ends, "job {}", target.job_id);
        assert_eq!(
            now.job.erased_at.is_some(),
            erased == 1,
            "job {}",
            target.job_id
        );
        pipelines.insert(now.job.pipeline_id);
    }
    for pipeline_id in pipelines {
        check_reachable(store.as_ref(), BACKEND, pipeline_id)
            .unwrap_or_else(|problem| panic!("pipeline {pipeline_id}: {problem}"));
    }
    // New jobs are only clones made by plays (retries of canceled playable jobs).
    for details in project_jobs(store.as_ref(), BACKEND) {
        if !initial.contains_key(&details.job.id) {
            assert!(
                ["deploy-production", "publish"].contains(&details.job.name.as_str()),
                "unexpected new job {} {}",
                details.job.id,
                details.job.name
            );
        }
    }
    for server in servers {
        server.shutdown().await;
    }
}

// --- kill -9 during writes ----------------------------------------------------------------

/// The `serve` binary, killed (SIGKILL) when dropped.
#[cfg(unix)]
struct Served {
    child: std::process::Child,
    api_url: String,
}

#[cfg(unix)]
impl Served {
    /// Starts `serve` on a free port (`127.0.0.1:0`) and reads the API URL from its banner.
    fn start(database: &str, demo_jobs: Option<u64>) -> Served {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};

        let mut command = Command::new(env!("CARGO_BIN_EXE_gitlab-jobs-reference"));
        command.args(["serve", "--listen", "127.0.0.1:0", "--database", database]);
        if let Some(jobs) = demo_jobs {
            command.args(["--demo-jobs", &jobs.to_string()]);
        }
        // The request log goes to stderr: unread, a pipe would fill and block the server.
        let mut child = command
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("a piped stdout");
        let (found, banner) = std::sync::mpsc::channel();
        // Reads the banner, then drains stdout to its end so the server never blocks on it.
        std::thread::spawn(move || {
            let mut found = Some(found);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line
                    .trim()
                    .strip_prefix("GitLab Jobs API reference server:")
                    && let Some(found) = found.take()
                {
                    let _ = found.send(url.trim().to_owned());
                }
            }
        });
        let api_url = banner
            .recv_timeout(Duration::from_secs(120))
            .expect("the server prints its URL");
        Served { child, api_url }
    }

    /// SIGKILL: no shutdown, no checkpoint, whatever was in flight is cut off.
    fn kill_9(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

#[cfg(unix)]
impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(unix)]
#[derive(Debug, Clone)]
enum Ack {
    /// A retry answered 201 with the new job.
    Retry { original: Id, new_id: Id },
    /// A play of a manual job answered 200.
    Play { job_id: Id },
}

/// The engine's own checks of the database the killed server wrote to.
#[cfg(unix)]
fn integrity_check(database: &SharedTestDatabase) {
    if let Some(file) = database.sqlite_file() {
        sqlite_integrity_check(file);
    }
    if let Some(schema) = database.postgres_schema() {
        postgres_integrity_check(schema);
    }
}

/// `PRAGMA integrity_check` (pages, records, indexes) and the foreign keys.
#[cfg(unix)]
fn sqlite_integrity_check(path: &Path) {
    let connection = rusqlite::Connection::open(path).expect("opens the database");
    let verdicts: Vec<String> = connection
        .prepare("PRAGMA integrity_check")
        .and_then(|mut statement| {
            statement
                .query_map([], |row| row.get(0))?
                .collect::<Result<_, _>>()
        })
        .expect("runs integrity_check");
    assert_eq!(verdicts, vec!["ok".to_owned()], "integrity_check");
    let dangling: i64 = connection
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
            row.get(0)
        })
        .expect("runs foreign_key_check");
    assert_eq!(dangling, 0, "foreign_key_check");
}

/// PostgreSQL enforces foreign keys itself, so what a killed client could leave behind is an
/// invalid constraint or a damaged table or index: `amcheck` (shipped with Debian's server
/// package) verifies every heap of the schema (`verify_heapam`) and every B-tree index
/// against its heap (`bt_index_check` with `heapallindexed`).
#[cfg(unix)]
fn postgres_integrity_check(schema: &TestSchema) {
    let url = schema.url();
    // The blocking client runs its own runtime: not on a thread that drives async tasks.
    let problems = std::thread::spawn(move || -> Result<Vec<String>, String> {
        let mut client =
            postgres::Client::connect(&url, postgres::NoTls).map_err(|error| error.to_string())?;
        let fail = |error: postgres::Error| error.to_string();
        client
            .batch_execute("CREATE EXTENSION IF NOT EXISTS amcheck")
            .map_err(fail)?;
        // Wherever an earlier run installed it.
        let amcheck: String = client
            .query_one(
                "SELECT quote_ident(n.nspname) FROM pg_extension e \
                 JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'amcheck'",
                &[],
            )
            .and_then(|row| row.try_get(0))
            .map_err(fail)?;
        let mut problems = Vec::new();
        let unvalidated = client
            .query(
                "SELECT conname FROM pg_constraint \
                 WHERE connamespace = current_schema()::regnamespace AND NOT convalidated",
                &[],
            )
            .map_err(fail)?;
        for row in unvalidated {
            let name: String = row.try_get(0).map_err(fail)?;
            problems.push(format!("constraint {name} is not validated"));
        }
        let tables = client
            .query(
                "SELECT c.oid::regclass::text FROM pg_class c \
                 WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'",
                &[],
            )
            .map_err(fail)?;
        for row in &tables {
            let table: String = row.try_get(0).map_err(fail)?;
            let damage = client
                .query(
                    &format!("SELECT blkno, msg FROM {amcheck}.verify_heapam($1::text::regclass)"),
                    &[&table],
                )
                .map_err(fail)?;
            for row in damage {
                let block: i64 = row.try_get(0).map_err(fail)?;
                let message: String = row.try_get(1).map_err(fail)?;
                problems.push(format!("{table}, block {block}: {message}"));
            }
        }
        let indexes = client
            .query(
                "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_am a ON a.oid = c.relam \
                 WHERE c.relnamespace = current_schema()::regnamespace \
                 AND c.relkind = 'i' AND a.amname = 'btree'",
                &[],
            )
            .map_err(fail)?;
        for row in &indexes {
            let index: String = row.try_get(0).map_err(fail)?;
            if let Err(error) = client.execute(
                &format!("SELECT {amcheck}.bt_index_check($1::text::regclass, true)"),
                &[&index],
            ) {
                problems.push(format!("index {index}: {error}"));
            }
        }
        assert!(
            !tables.is_empty() && !indexes.is_empty(),
            "the schema has tables and indexes to check"
        );
        eprintln!(
            "amcheck: {} tables, {} indexes checked",
            tables.len(),
            indexes.len()
        );
        Ok(problems)
    })
    .join()
    .expect("the check's thread")
    .unwrap_or_else(|error| panic!("checking the PostgreSQL schema: {error}"));
    assert!(problems.is_empty(), "integrity: {problems:#?}");
}

/// Ids of `demo/load` jobs in `scopes`, at most `limit`.
#[cfg(unix)]
async fn load_project_jobs(client: &Client, api: &str, scopes: &str, limit: usize) -> Vec<Id> {
    let mut ids = Vec::new();
    for page in 1..=10 {
        let url = format!("{api}/projects/5/jobs?per_page=100&page={page}&{scopes}");
        let (status, body) = call(client, Method::GET, &url, tokens::OWNER).await;
        assert_eq!(status, 200, "{url}: {body}");
        let items = body.as_array().cloned().unwrap_or_default();
        ids.extend(items.iter().filter_map(|job| job["id"].as_i64()));
        if items.is_empty() || ids.len() >= limit {
            break;
        }
    }
    ids.truncate(limit);
    ids
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_writes_loses_no_acknowledged_write() {
    let shared = shared_database("kill9");
    let database = shared.url().to_owned();
    let client = client();

    let first = Served::start(&database, Some(600));
    let retries = load_project_jobs(
        &client,
        &first.api_url,
        "scope[]=success&scope[]=failed",
        300,
    )
    .await;
    let plays = load_project_jobs(&client, &first.api_url, "scope[]=manual", 60).await;
    assert!(retries.len() >= 100 && plays.len() >= 20, "enough targets");
    // Interleaved: one play after every five retries; each target is written once.
    let mut work: Vec<(&'static str, Id)> = Vec::new();
    let mut plays_left = plays.iter();
    for (index, id) in retries.iter().enumerate() {
        work.push(("retry", *id));
        if index % 5 == 4
            && let Some(play) = plays_left.next()
        {
            work.push(("play", *play));
        }
    }
    let work = Arc::new(work);
    let next = Arc::new(AtomicUsize::new(0));
    let acks = Arc::new(Mutex::new(Vec::<Ack>::new()));
    let mut writers = Vec::new();
    for _ in 0..6 {
        let (client, work, next, acks) = (
            client.clone(),
            Arc::clone(&work),
            Arc::clone(&next),
            Arc::clone(&acks),
        );
        let api = first.api_url.clone();
        writers.push(tokio::spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::SeqCst);
                let Some((action, id)) = work.get(index).copied() else {
                    break;
                };
                let url = format!("{api}/projects/5/jobs/{id}/{action}");
                let Ok(response) = client
                    .post(&url)
                    .header("PRIVATE-TOKEN", tokens::MAINTAINER)
                    .send()
                    .await
                else {
                    break; // the server is gone: this write was never acknowledged
                };
                let status = response.status().as_u16();
                let Ok(body) = response.bytes().await else {
                    break;
                };
                let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let ack = match (action, status) {
                    ("retry", 201) => body["id"].as_i64().map(|new_id| Ack::Retry {
                        original: id,
                        new_id,
                    }),
                    ("play", 200) => Some(Ack::Play { job_id: id }),
                    _ => panic!("{action} of {id}: {status} {body}"),
                };
                let ack = ack.unwrap_or_else(|| panic!("{action} of {id}: no id in {body}"));
                acks.lock().expect("the ack list").push(ack);
            }
        }));
    }
    // Kill once 40 writes are acknowledged: the writers are still sending.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acks.lock().expect("the ack list").len() < 40 {
        assert!(Instant::now() < deadline, "40 writes within 60 s");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    first.kill_9();
    for writer in writers {
        writer.await.expect("a writer");
    }
    let acks = acks.lock().expect("the ack list").clone();
    eprintln!(
        "killed with {} of {} writes acknowledged",
        acks.len(),
        work.len()
    );
    assert!(
        acks.len() < work.len(),
        "the kill came during the load, not after it"
    );
    integrity_check(&shared);

    let second = Served::start(&database, None);
    for ack in &acks {
        match ack {
            Ack::Retry { original, new_id } => {
                let url = format!("{}/projects/5/jobs/{new_id}", second.api_url);
                let (status, clone) = call(&client, Method::GET, &url, tokens::OWNER).await;
                assert_eq!(status, 200, "acknowledged retry of {original}: {clone}");
                let url = format!("{}/projects/5/jobs/{original}", second.api_url);
                let (status, job) = call(&client, Method::GET, &url, tokens::OWNER).await;
                assert_eq!(status, 200, "{job}");
                assert_eq!(clone["name"], job["name"], "the clone is of {original}");
                // Exactly one clone: the pipeline shows one latest job of that name, and two
                // with the retried one.
                let pipeline = job["pipeline"]["id"].as_i64().expect("a pipeline id");
                let url = format!(
                    "{}/projects/5/pipelines/{pipeline}/jobs?include_retried=true&per_page=100",
                    second.api_url
                );
                let (status, list) = call(&client, Method::GET, &url, tokens::OWNER).await;
                assert_eq!(status, 200, "{list}");
                let named: Vec<&Value> = list
                    .as_array()
                    .map(|jobs| jobs.iter().filter(|j| j["name"] == job["name"]).collect())
                    .unwrap_or_default();
                assert_eq!(named.len(), 2, "original and one clone: {named:?}");
            }
            Ack::Play { job_id } => {
                let url = format!("{}/projects/5/jobs/{job_id}", second.api_url);
                let (status, job) = call(&client, Method::GET, &url, tokens::OWNER).await;
                assert_eq!(status, 200, "{job}");
                assert_eq!(job["status"], "pending", "acknowledged play of {job_id}");
                assert_eq!(job["user"]["username"], "alice", "played by alice");
            }
        }
    }
    second.kill_9();
    integrity_check(&shared);
}

// --- malformed requests -------------------------------------------------------------------

/// A small fixed-seed xorshift: the same requests in every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// `min` to `min + spread - 1` bytes from `alphabet`.
    fn text(&mut self, alphabet: &[u8], min: usize, spread: usize) -> Vec<u8> {
        let len = min + self.below(spread);
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len())])
            .collect()
    }
}

const MIB: usize = 1024 * 1024;
/// Header-safe bytes (no CR, LF or NUL, which would change the request's framing rather than
/// its content), including obs-text.
const HEADER_BYTES: &[u8] = b"abcXYZ019 \t-_.~!$&'()*+,;=:@/?%\"<>[]{}|\\^`\x80\x9f\xc3\xa9\xff";
/// Bytes for request targets: printable, percent signs and some that need escaping.
const TARGET_BYTES: &[u8] = b"abcxyz0189-._~%/?#[]@!$&'()*+,;=\"<>\\^`{|}";

/// Projects that exist (by id or path, as GitLab finds them).
const PROJECTS: &[&str] = &[
    "1",
    "2",
    "5",
    "acme%2Fbackend",
    "ACME%2FBACKEND",
    "acme%2Fwebsite",
];

const SEGMENTS: &[&str] = &[
    "acme/backend",
    "999999",
    "0",
    "-1",
    "01",
    "1.0",
    "1e3",
    "0x8",
    "99999999999999999999999999",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "%zz",
    "%",
    "%00",
    "%2e%2e",
    "..",
    ".",
    "a%2Fb%2Fc%2Fd",
    "%C3%A9t%C3%A9",
    "%FF%FE",
    "null",
    "true",
    "%27%20OR%201%3D1--",
    "%20",
    "",
];

/// Jobs (and pipelines) that exist in the demo data.
const VALID_JOB_IDS: &[&str] = &["1", "2", "4", "6", "8", "13", "14", "18", "19", "20"];

const JOB_IDS: &[&str] = &[
    "0",
    "-8",
    "8.5",
    "0x8",
    "%38",
    "08",
    "+8",
    "8%00",
    "abc",
    "99999999999999999999",
    "9223372036854775807",
    "9223372036854775808",
    "1e2",
    "",
];

/// Route templates with the method they answer to (`ANY` for the ones that match none).
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v4/projects/{p}/jobs"),
    ("GET", "/api/v4/projects/{p}/jobs/{j}"),
    ("GET", "/api/v4/projects/{p}/jobs/{j}/trace"),
    ("POST", "/api/v4/projects/{p}/jobs/{j}/cancel"),
    ("POST", "/api/v4/projects/{p}/jobs/{j}/retry"),
    ("POST", "/api/v4/projects/{p}/jobs/{j}/erase"),
    ("POST", "/api/v4/projects/{p}/jobs/{j}/play"),
    ("GET", "/api/v4/projects/{p}/jobs/{j}/artifacts"),
    ("DELETE", "/api/v4/projects/{p}/jobs/{j}/artifacts"),
    ("GET", "/api/v4/projects/{p}/jobs/{j}/artifacts/{path}"),
    ("POST", "/api/v4/projects/{p}/jobs/{j}/artifacts/keep"),
    ("GET", "/api/v4/projects/{p}/jobs/artifacts/{ref}/download"),
    (
        "GET",
        "/api/v4/projects/{p}/jobs/artifacts/{ref}/raw/{path}",
    ),
    ("GET", "/api/v4/projects/{p}/pipelines/{j}/jobs"),
    ("GET", "/api/v4/projects/{p}/pipelines/{j}/bridges"),
    ("GET", "/api/v4/job"),
    ("GET", "/api/v4/job/allowed_agents"),
    ("ANY", "/api/v4/projects/{p}/jobs/{j}/{garbage}"),
    ("ANY", "/api/v4/{garbage}"),
    ("ANY", "/{garbage}"),
    ("GET", "//api//v4//projects//{p}//jobs"),
    ("GET", "/api/v4/projects/{p}/jobs/{j}/"),
    ("GET", "/api/v4/../api/v4/projects/{p}/jobs/{j}"),
    ("GET", "/api/v3/projects/{p}/jobs"),
    ("OPTIONS", "*"),
    ("GET", "http://gitlab.example.com/api/v4/job"),
];

const PATHS: &[&str] = &[
    "coverage/index.html",
    "..%2F..%2Fetc%2Fpasswd",
    "../../etc/passwd",
    "%00",
    "a/b/c/d/e/f/g",
    "%FF",
    "",
    "public%2Findex.html",
];

const REFS: &[&str] = &["main", "feature%2Fsso-login", "%ff", "..", "v1.0.0", ""];

const QUERY_KEYS: &[&str] = &[
    "page",
    "per_page",
    "scope",
    "scope[]",
    "scope%5B%5D",
    "pagination",
    "cursor",
    "order_by",
    "sort",
    "include_retried",
    "job",
    "job_token",
    "private_token",
    "keep",
    "force",
    "",
    "%zz",
];

const QUERY_VALUES: &[&str] = &[
    "1",
    "0",
    "-1",
    "100",
    "101",
    "00",
    "-0",
    "99999999999999999999999",
    "abc",
    "keyset",
    "offset",
    "id",
    "asc",
    "desc",
    "failed",
    "success",
    "nope",
    "true",
    "false",
    "yes",
    "eyJpZCI6IjEwIn0",
    "eyJ4IjoxfQ",
    "!!!",
    "%zz",
    "%00",
    "%C3%A9",
    "",
    "a%26b%3Dc",
];

/// Credentials that may act on jobs. A request carrying one of them and a method that could
/// change something always gets a body that cannot parse (declared JSON), so that it cannot
/// change data legitimately; that the body is checked first is part of what is tested.
const POWERFUL: &[&str] = &[
    tokens::OWNER,
    tokens::MAINTAINER,
    tokens::DEVELOPER,
    tokens::RUNNING_JOB,
];
const WEAK: &[&str] = &[
    tokens::REPORTER,
    tokens::GUEST,
    tokens::OUTSIDER,
    tokens::EXPIRED,
    tokens::REVOKED,
    "",
    "glpat-xxxxxxxxxxxxxxxxxxxx",
];

const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/json; charset=utf-8",
    "application/vnd.api+json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=zz",
    "application/octet-stream",
    ";;;",
];

/// A generated request and what may legitimately happen to it.
struct Generated {
    summary: String,
    bytes: Vec<u8>,
}

fn generate(random: &mut XorShift, index: usize) -> Generated {
    let (route_method, route) = random.pick(ROUTES);
    // Mostly the route's own method (so that requests reach the operations), sometimes any.
    let method = if route_method != "ANY" && random.chance(75) {
        route_method
    } else {
        random.pick(&[
            "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "FROB",
        ])
    };
    let garbage =
        String::from_utf8_lossy(&random.text(TARGET_BYTES, 1, 40)).replace(['#', '?'], "_");
    let long = "a".repeat(1 + random.below(20_000));
    let project = match random.below(20) {
        0 => long.as_str(),
        1..=14 => random.pick(PROJECTS),
        _ => random.pick(SEGMENTS),
    };
    let job = if random.chance(70) {
        random.pick(VALID_JOB_IDS)
    } else {
        random.pick(JOB_IDS)
    };
    let mut target = route
        .replace("{p}", project)
        .replace("{j}", job)
        .replace("{path}", random.pick(PATHS))
        .replace("{ref}", random.pick(REFS))
        .replace("{garbage}", &garbage);
    let pairs = random.below(5);
    for pair in 0..pairs {
        target.push(if pair == 0 { '?' } else { '&' });
        target.push_str(random.pick(QUERY_KEYS));
        if !random.chance(10) {
            target.push('=');
            target.push_str(random.pick(QUERY_VALUES));
        }
    }

    let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
    let safe = matches!(method, "GET" | "HEAD" | "OPTIONS");
    let credential_header = random.pick(&[
        "PRIVATE-TOKEN",
        "JOB-TOKEN",
        "Authorization",
        "private-token",
        "",
    ]);
    let mut powerful = false;
    if !credential_header.is_empty() {
        let value: Vec<u8> = match random.below(10) {
            0..=4 => {
                powerful = true;
                random.pick(POWERFUL).as_bytes().to_vec()
            }
            5..=7 => random.pick(WEAK).as_bytes().to_vec(),
            8 => random.text(HEADER_BYTES, 1, 64),
            _ => random.text(HEADER_BYTES, 1, 16_000),
        };
        let value = if credential_header == "Authorization" {
            let scheme: &[u8] =
                random.pick(&[&b"Bearer "[..], &b"Basic "[..], &b""[..], &b"bearer  "[..]]);
            [scheme, &value].concat()
        } else {
            value
        };
        headers.push((credential_header.to_owned(), value));
    }
    if random.chance(20) {
        // A second credential of another form, as GitLab clients sometimes send.
        headers.push((
            "JOB-TOKEN".to_owned(),
            random.pick(WEAK).as_bytes().to_vec(),
        ));
    }
    for _ in 0..random.below(3) {
        let name = String::from_utf8_lossy(&random.text(b"abcxyz-019", 1, 20)).into_owned();
        headers.push((format!("X-{name}"), random.text(HEADER_BYTES, 0, 200)));
    }

    // Bodies: three requests of the run carry 10 MiB.
    let huge = index % 100 == 37;
    let (content_type, body): (Option<&str>, Vec<u8>) = if powerful && !safe {
        // Cannot parse: an object whose first key is not a string.
        let size = if huge {
            10 * MIB
        } else {
            1 + random.below(2_000)
        };
        let mut body = b"{".to_vec();
        body.extend(random.text(b"abcxyz019 ", size, 1));
        (
            Some(random.pick(&["application/json", "application/json; charset=utf-8"])),
            body,
        )
    } else {
        let size = if huge { 10 * MIB } else { random.below(4_000) };
        // Huge bodies are of the kinds that have a size; small reads mostly have none.
        let kind = if huge {
            random.pick(&[4, 6, 7])
        } else if safe && random.chance(60) {
            0
        } else {
            random.below(9)
        };
        let body = match kind {
            0 => Vec::new(),
            1 => b"{}".to_vec(),
            2 => br#"{"job_variables_attributes":[{"key":"A","value":"b"}]}"#.to_vec(),
            3 => br#"{"job_variables_attributes":"x","force":"maybe"}"#.to_vec(),
            4 => "[".repeat(size.max(200)).into_bytes(),
            5 => b"job_variables_attributes[][key]=x&force=1".to_vec(),
            6 => {
                let mut body = b"{\"a\":\"".to_vec();
                body.extend(random.text(HEADER_BYTES, size, 1));
                body
            }
            7 => (0..size).map(|_| random.next() as u8).collect(),
            _ => b"null".to_vec(),
        };
        let content_type = (!random.chance(20)).then(|| random.pick(CONTENT_TYPES));
        (content_type, body)
    };
    if let Some(content_type) = content_type {
        headers.push(("Content-Type".to_owned(), content_type.as_bytes().to_vec()));
    }

    let mut bytes = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n").into_bytes();
    for (name, value) in &headers {
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(b": ");
        bytes.extend_from_slice(value);
        bytes.extend_from_slice(b"\r\n");
    }
    if !body.is_empty() || !safe {
        bytes.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    bytes.extend_from_slice(b"Connection: close\r\n\r\n");
    bytes.extend_from_slice(&body);
    let shown: String = target.chars().take(160).collect();
    Generated {
        summary: format!(
            "#{index}: {method} {shown} ({} headers, {} body bytes, powerful: {powerful})",
            headers.len(),
            body.len()
        ),
        bytes,
    }
}

/// One request on its own connection; the status and body of the answer, or why none came.
async fn exchange(address: SocketAddr, request: Vec<u8>) -> Result<(u16, Vec<u8>), String> {
    let stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|error| format!("connect: {error}"))?;
    let (mut reader, mut writer) = stream.into_split();
    // Written beside the reading: a server may answer (413, 400) before the body is in.
    let writing = tokio::spawn(async move {
        let _ = writer.write_all(&request).await;
        // Kept open (no half-close) until the answer is read: hyper may treat an early EOF
        // as the client leaving.
        writer
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        REQUEST_TIMEOUT,
        (&mut reader).take(64 * MIB as u64).read_to_end(&mut answer),
    )
    .await;
    let _ = writing.await;
    match read {
        Err(_) => return Err("no complete answer within the timeout".to_owned()),
        Ok(Err(error)) if answer.is_empty() => return Err(format!("read: {error}")),
        Ok(_) => {}
    }
    let text = String::from_utf8_lossy(&answer[..answer.len().min(64)]).into_owned();
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("not an HTTP answer: {text:?}"))?;
    let body = answer
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .map(|end| answer[end + 4..].to_vec())
        .unwrap_or_default();
    Ok((status, body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_never_get_a_5xx_or_change_data() {
    count_server_panics();
    let server = TestServer::start(demo_fixtures()).await.expect("a server");
    let address: SocketAddr = server
        .base_url()
        .trim_start_matches("http://")
        .parse()
        .expect("the server's address");
    let store = server.store();
    let before = snapshot(store.as_ref());
    let panics_before = SERVER_PANICS.load(Ordering::SeqCst);

    let mut random = XorShift(0x00c0_ffee_d00d_f00d);
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let started = Instant::now();
    const REQUESTS: usize = 400;
    for index in 0..REQUESTS {
        let request = generate(&mut random, index);
        let huge = request.bytes.len() > MIB;
        match exchange(address, request.bytes).await {
            Ok((status, body)) => {
                *statuses.entry(status).or_default() += 1;
                if huge {
                    eprintln!("{} → {status}", request.summary);
                }
                if is_server_error(status, &body) {
                    failures.push(format!(
                        "{} → {status} {}",
                        request.summary,
                        String::from_utf8_lossy(&body[..body.len().min(200)])
                    ));
                }
            }
            Err(problem) => failures.push(format!("{} → {problem}", request.summary)),
        }
        // Bounded in time as well as in count.
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{index} requests took over 120 s"
        );
    }
    eprintln!(
        "{REQUESTS} malformed requests in {:?}, statuses {statuses:?}",
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        SERVER_PANICS.load(Ordering::SeqCst),
        panics_before,
        "the server panicked"
    );
    // Most requests were refused, but not all for the same reason.
    assert!(statuses.len() >= 4, "too uniform: {statuses:?}");

    // Still serving, and nothing changed.
    let (status, _) = call(
        &client(),
        Method::GET,
        &format!("{}/projects/{BACKEND}/jobs/8", server.api_url()),
        tokens::MAINTAINER,
    )
    .await;
    assert_eq!(status, 200);
    let after = snapshot(store.as_ref());
    let changed: Vec<&Id> = before
        .keys()
        .chain(after.keys())
        .filter(|id| before.get(id) != after.get(id))
        .collect();
    assert!(changed.is_empty(), "jobs changed: {changed:?}");
    server.shutdown().await;
}
