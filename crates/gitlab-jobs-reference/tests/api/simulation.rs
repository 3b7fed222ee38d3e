//! Simulated runners on `TestServer` (sped up with `time_scale`): the demo's pending jobs
//! run and finish as their fixture says, with a realistic log, and new pipelines arrive and
//! run too. And, ignored by default, ten minutes of simulation in real time on a SQLite file
//! with the database's size and the simulated pipelines counted every minute.

use std::time::{Duration, Instant};

use gitlab_jobs_client::ProjectId;
use gitlab_jobs_client::types::JobStatus;
use gitlab_jobs_reference::TestServer;
use gitlab_jobs_reference::demo::demo_fixtures;
use gitlab_jobs_reference::simulation::{
    FEED_SOURCE, KEEP_FINISHED, MAX_UNFINISHED, SimulationOptions,
};

use crate::support::{BACKEND, backend_job, client, tokens};

/// Polls `done` every 20 ms until it holds; panics after `limit` (a hung simulation, not a
/// slow machine: the limit is far above what the work needs).
async fn wait_until<F, Fut>(limit: Duration, what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < limit, "{what}: not after {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_runners_run_pending_jobs_as_their_fixture_says() {
    let server = TestServer::builder(demo_fixtures())
        .simulation(SimulationOptions {
            time_scale: 0.01,
            ..SimulationOptions::new(2)
        })
        .start()
        .await
        .expect("starts");
    let user = client(&server, tokens::MAINTAINER);
    let job = |id: i64| backend_job(&user, id);
    wait_until(Duration::from_secs(60), "jobs 14 and 16 finish", || async {
        let (lint, api) = (job(14).await, job(16).await);
        lint.finished_at.is_some() && api.finished_at.is_some()
    })
    .await;
    // The fixture says: lint (14) fails with exit code 1, integration-api (16) succeeds.
    let lint = job(14).await;
    assert_eq!(lint.status, JobStatus::Failed);
    assert_eq!(
        lint.failure_reason
            .map(|reason| reason.to_string())
            .as_deref(),
        Some("script_failure")
    );
    let runner = lint.runner.expect("run by a simulated runner");
    assert!(
        runner
            .description
            .as_deref()
            .is_some_and(|name| name.starts_with("simulated-runner-")),
        "{runner:?}"
    );
    assert_eq!(job(16).await.status, JobStatus::Success);
    let project = ProjectId::from(BACKEND);
    let log = user.job_trace(&project, 14).await.expect("the log");
    assert!(
        log.starts_with("Running with gitlab-runner 17.0.0"),
        "{log}"
    );
    assert!(log.contains("$ bundle exec rubocop --parallel\n"), "{log}");
    assert!(
        log.contains("214 files inspected, 1 offense detected\n"),
        "{log}"
    );
    assert!(log.ends_with("ERROR: Job failed: exit code 1\n"), "{log}");
    let log = user.job_trace(&project, 16).await.expect("the log");
    assert!(log.ends_with("Job succeeded\n"), "{log}");

    // New pipelines arrive in acme/backend and run through every stage.
    let store = server.store();
    wait_until(
        Duration::from_secs(60),
        "a simulated pipeline finishes",
        || {
            let store = store.clone();
            async move {
                tokio::task::spawn_blocking(move || {
                    store
                        .pipelines_by_source(1, FEED_SOURCE)
                        .expect("reads")
                        .iter()
                        .any(|(_, status)| status.is_completed())
                })
                .await
                .expect("the store task")
            }
        },
    )
    .await;
    let pipelines = {
        let store = server.store();
        tokio::task::spawn_blocking(move || store.pipelines_by_source(1, FEED_SOURCE))
            .await
            .expect("the store task")
            .expect("reads")
    };
    let (finished, _) = pipelines
        .iter()
        .find(|(_, status)| status.is_completed())
        .expect("a finished pipeline");
    let jobs = user
        .list_pipeline_jobs()
        .id(BACKEND)
        .pipeline_id(*finished)
        .send()
        .await
        .expect("lists")
        .into_inner();
    let mut names: Vec<&str> = jobs.iter().map(|job| job.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["compile", "deploy-staging", "lint", "rspec"]);
    assert!(jobs.iter().all(|job| job.finished_at.is_some()), "{jobs:?}");
    server.shutdown().await;
}

/// Ten minutes of two simulated runners on the demo data in a SQLite file, sampled every
/// minute: the file's size (with its WAL), the simulated pipelines, the newest job id (how
/// much work was done). `GITLAB_JOBS_SIMULATION_TIME_SCALE` (default 1.0, real time) and
/// `GITLAB_JOBS_SIMULATION_MINUTES` (default 10) change the run. Run it with
/// `cargo test --release -p gitlab-jobs-reference --test api -- --ignored --nocapture simulation`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "takes ten minutes; run by hand to measure the database's growth"]
async fn ten_minutes_of_simulation_keep_the_database_bounded() {
    let env = |name: &str, default: f64| {
        std::env::var(name)
            .ok()
            .and_then(|value| value.parse().ok())
            .unwrap_or(default)
    };
    let time_scale = env("GITLAB_JOBS_SIMULATION_TIME_SCALE", 1.0);
    let minutes = env("GITLAB_JOBS_SIMULATION_MINUTES", 10.0) as u64;
    let path = std::env::temp_dir().join(format!(
        "gitlab-jobs-simulation-{}.sqlite3",
        std::process::id()
    ));
    let size = || {
        ["", "-wal"]
            .iter()
            .map(|suffix| {
                let mut file = path.clone().into_os_string();
                file.push(suffix);
                std::fs::metadata(file).map(|meta| meta.len()).unwrap_or(0)
            })
            .sum::<u64>()
    };
    let server = TestServer::builder(demo_fixtures())
        .database(&format!("sqlite://{}", path.display()))
        .simulation(SimulationOptions {
            time_scale,
            ..SimulationOptions::new(2)
        })
        .start()
        .await
        .expect("starts");
    let user = client(&server, tokens::MAINTAINER);
    println!("time scale {time_scale}, {minutes} min");
    println!("| minute | database + WAL | simulated pipelines | unfinished | newest job id |");
    println!("| ---: | ---: | ---: | ---: | ---: |");
    let mut most = 0;
    for minute in 0..=minutes {
        if minute > 0 {
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        let store = server.store();
        let pipelines =
            tokio::task::spawn_blocking(move || store.pipelines_by_source(1, FEED_SOURCE))
                .await
                .expect("the store task")
                .expect("reads");
        let unfinished = pipelines
            .iter()
            .filter(|(_, status)| !status.is_completed())
            .count();
        let newest = user
            .list_project_jobs()
            .id(BACKEND)
            .per_page(1)
            .send()
            .await
            .expect("lists")
            .into_inner()
            .first()
            .map_or(0, |job| job.id);
        println!(
            "| {minute} | {:.1} KiB | {} | {unfinished} | {newest} |",
            size() as f64 / 1024.0,
            pipelines.len()
        );
        most = most.max(pipelines.len());
        assert!(
            pipelines.len() <= KEEP_FINISHED + MAX_UNFINISHED,
            "{} simulated pipelines",
            pipelines.len()
        );
    }
    println!("at most {most} simulated pipelines at a sample");
    server.shutdown().await;
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.clone().into_os_string();
        file.push(suffix);
        let _ = std::fs::remove_file(file);
    }
}
