//! `gitlab-jobs-reference demo`: the demo data set plus generated jobs loaded into a
//! database, with the time the loading and some list queries take.

use std::time::Instant;

use anyhow::Context;

use crate::demo::{LOAD_PROJECT_ID, demo_fixtures, demo_jobs};
use crate::model::{JobKind, JobStatus};
use crate::store::{Cursor, JobFilter, PageInfo, Pagination, PostgresStore, SqliteStore, Store};

fn timed<T>(label: &str, work: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    let start = Instant::now();
    let result = work()?;
    println!(
        "{label:<58} {:>10.1} ms",
        start.elapsed().as_secs_f64() * 1000.0
    );
    Ok(result)
}

/// Loads the demo data set plus `jobs` generated jobs into `database` and prints how long
/// that and some queries take. `ANALYZE` is each store's own, so it opens the store itself.
pub fn demo_timings(database: &str, jobs: u64) -> anyhow::Result<()> {
    if database.starts_with("postgres://") || database.starts_with("postgresql://") {
        let store = PostgresStore::open(database).context("opening the PostgreSQL database")?;
        load_and_query(&store, jobs, || Ok(store.analyze()?))
    } else {
        let store = SqliteStore::open(database)?;
        load_and_query(&store, jobs, || Ok(store.analyze()?))
    }
}

fn load_and_query(
    store: &dyn Store,
    jobs: u64,
    analyze: impl FnOnce() -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    timed("load demo fixture", || {
        Ok(store.load_fixtures(&demo_fixtures())?)
    })?;
    let start = Instant::now();
    let summary = store.import(&mut demo_jobs(jobs))?;
    let elapsed = start.elapsed();
    println!(
        "import {} generated jobs ({} pipelines, {} logs) {:>14.1} ms  ({:.0} jobs/s)",
        summary.jobs,
        summary.pipelines,
        summary.traces,
        elapsed.as_secs_f64() * 1000.0,
        summary.jobs as f64 / elapsed.as_secs_f64().max(f64::EPSILON)
    );
    timed("ANALYZE", analyze)?;
    queries(store)
}

fn queries(store: &dyn Store) -> anyhow::Result<()> {
    let project = JobFilter::project_builds(LOAD_PROJECT_ID);
    let list =
        |filter: &JobFilter, pagination: Pagination| Ok(store.list_jobs(filter, &pagination)?);
    timed("project jobs, page 1 of 100", || {
        list(&project, Pagination::offset(None, Some(100), false))
    })?;
    timed("project jobs, page 1000 of 100 (offset 99,900)", || {
        list(&project, Pagination::offset(Some(1000), Some(100), false))
    })?;
    let failed = project.clone().with_statuses(vec![JobStatus::Failed]);
    timed("project jobs scope=failed, page 1 of 100", || {
        list(&failed, Pagination::offset(None, Some(100), false))
    })?;
    let rare = project.clone().with_statuses(vec![
        JobStatus::Running,
        JobStatus::Pending,
        JobStatus::Canceled,
    ]);
    timed(
        "project jobs scope=running,pending,canceled, page 20",
        || list(&rare, Pagination::offset(Some(20), Some(100), false)),
    )?;
    let success = project.clone().with_statuses(vec![JobStatus::Success]);
    timed(
        "project jobs scope=success counted (> 10,000: no total)",
        || list(&success, Pagination::offset(None, Some(100), true)),
    )?;
    let walked = timed("keyset: 100 pages of 100", || {
        let mut cursor: Option<Cursor> = None;
        let mut seen = 0;
        for _ in 0..100 {
            let page = store.list_jobs(&project, &Pagination::keyset(Some(100), cursor.take()))?;
            seen += page.items.len();
            match page.info {
                PageInfo::Keyset {
                    next_cursor: Some(next),
                    ..
                } => cursor = Some(next),
                _ => break,
            }
        }
        Ok(seen)
    })?;
    println!("  (keyset walked {walked} jobs)");
    let newest = store.list_jobs(&project, &Pagination::offset(None, Some(1), false))?;
    let pipeline_id = newest
        .items
        .first()
        .map(|details| details.pipeline.id)
        .context("no generated jobs")?;
    timed("pipeline jobs, counted", || {
        list(
            &JobFilter::pipeline(LOAD_PROJECT_ID, pipeline_id, JobKind::Build),
            Pagination::offset(None, None, true),
        )
    })?;
    let finished = store.list_jobs(
        &project.clone().with_statuses(vec![JobStatus::Failed]),
        &Pagination::offset(None, Some(1), false),
    )?;
    if let Some(target) = finished.items.first() {
        timed("retry a failed job (one write transaction)", || {
            Ok(store.retry_job(LOAD_PROJECT_ID, target.job.id, 2, chrono::Utc::now())?)
        })?;
    }
    Ok(())
}
