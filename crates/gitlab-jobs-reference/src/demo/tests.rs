use std::collections::BTreeSet;

use super::*;
use crate::model::{JobKind, JobStatus};
use crate::store::{JobFilter, PageInfo, Pagination, ProjectKey, Record, SqliteStore};

#[test]
fn the_demo_fixture_is_the_same_every_time() {
    let first = serde_json::to_string(&demo_fixtures()).expect("serialises");
    let second = serde_json::to_string(&demo_fixtures()).expect("serialises");
    assert_eq!(first, second);
    let fixtures = demo_fixtures();
    assert_eq!(
        (
            fixtures.users.len(),
            fixtures.projects.len(),
            fixtures.jobs.len()
        ),
        (7, 5, 21)
    );
}

#[test]
fn the_demo_fixture_has_every_kind_of_job() {
    let fixtures = demo_fixtures();
    let jobs = &fixtures.jobs;
    assert!(
        jobs.iter()
            .any(|j| j.is_bridge() && matches!(j.downstream_pipeline, Some(Some(_))))
    );
    assert!(jobs.iter().any(|j| j.status == JobStatus::Manual));
    assert!(
        jobs.iter()
            .any(|j| j.status == JobStatus::Failed && j.failure_reason.is_some())
    );
    assert!(
        jobs.iter()
            .any(|j| j.status == JobStatus::Running && j.job_token.is_some())
    );
    assert!(jobs.iter().any(|j| j.status == JobStatus::Success
        && j.trace.is_some()
        && j.artifacts_files.is_some()));
    assert!(jobs.iter().any(|j| j.retried));
    let refs: BTreeSet<&str> = jobs.iter().map(|j| j.ref_name.as_str()).collect();
    assert!(refs.len() >= 3, "several refs: {refs:?}");
    let visibilities: BTreeSet<&str> = fixtures
        .projects
        .iter()
        .map(|p| p.visibility.as_str())
        .collect();
    assert!(visibilities.contains("public") && visibilities.contains("private"));
    let levels: BTreeSet<u8> = fixtures.projects[0]
        .members
        .iter()
        .map(|m| m.access_level.value())
        .collect();
    assert_eq!(levels, BTreeSet::from([10, 20, 30, 40, 50]));
}

#[test]
fn the_demo_loads_and_its_pipeline_statuses_follow_their_jobs() {
    let store = SqliteStore::in_memory().expect("opens");
    let summary = load_demo(&store, 0).expect("loads");
    assert_eq!((summary.users, summary.projects, summary.jobs), (7, 5, 21));
    // Each stored pipeline status is the composite of its latest jobs, as GitLab keeps it.
    for pipeline_id in 1..=7 {
        let pipeline = (1..=5)
            .find_map(|project| store.pipeline(project, pipeline_id).expect("reads"))
            .expect("pipeline exists");
        let page = store
            .list_jobs(
                &JobFilter::pipeline(pipeline.project_id, pipeline_id, JobKind::Build),
                &Pagination::offset(None, Some(100), true),
            )
            .expect("lists");
        let bridges = store
            .list_jobs(
                &JobFilter::pipeline(pipeline.project_id, pipeline_id, JobKind::Bridge),
                &Pagination::offset(None, Some(100), true),
            )
            .expect("lists");
        let statuses = page
            .items
            .iter()
            .chain(&bridges.items)
            .map(|d| (d.job.status, d.job.allow_failure));
        assert_eq!(
            crate::rules::composite_status(statuses),
            Some(pipeline.status),
            "pipeline {pipeline_id}"
        );
    }
}

#[test]
fn generated_jobs_are_deterministic_and_counted_exactly() {
    let first: Vec<Record> = demo_jobs(2_345).collect();
    let second: Vec<Record> = demo_jobs(2_345).collect();
    assert_eq!(first, second);
    let jobs: Vec<&crate::model::Job> = first
        .iter()
        .filter_map(|record| match record {
            Record::Job(job) => Some(job.as_ref()),
            _ => None,
        })
        .collect();
    assert_eq!(jobs.len(), 2_345);
    let ids: Vec<i64> = jobs.iter().map(|job| job.id).collect();
    assert_eq!(
        ids,
        (1_000..1_000 + 2_345).collect::<Vec<_>>(),
        "contiguous ids"
    );
    let statuses: BTreeSet<JobStatus> = jobs.iter().map(|job| job.status).collect();
    for status in [
        JobStatus::Success,
        JobStatus::Failed,
        JobStatus::Manual,
        JobStatus::Running,
        JobStatus::Skipped,
    ] {
        assert!(statuses.contains(&status), "generates {status}");
    }
    assert!(jobs.iter().any(|job| job.kind == JobKind::Bridge));
    assert!(
        jobs.iter()
            .filter(|j| j.status == JobStatus::Failed)
            .all(|j| j.failure_reason.is_some())
    );
}

#[test]
fn generated_jobs_load_and_list() {
    let store = SqliteStore::in_memory().expect("opens");
    let summary = load_demo(&store, 5_000).expect("loads");
    assert_eq!(summary.jobs, 21 + 5_000);
    let project = store
        .project(ProjectKey::Path("demo/load"))
        .expect("reads")
        .expect("exists");
    let page = store
        .list_jobs(
            &JobFilter::project_builds(project.id),
            &Pagination::offset(None, Some(5), false),
        )
        .expect("lists");
    assert_eq!(page.items.len(), 5);
    // The newest job, 5999, is the bridge of the 500th pipeline: the builds list skips it.
    assert_eq!(page.items[0].job.id, 1_000 + 4_998, "newest build first");
    let PageInfo::Offset { next_page, .. } = page.info else {
        panic!("offset")
    };
    assert_eq!(next_page, Some(2));
    let running = store
        .job_by_token("demo-load-job-token-5992")
        .expect("reads");
    assert_eq!(running.map(|job| job.status), Some(JobStatus::Running));
}

/// Measures generating and importing a million jobs; run with
/// `cargo test -p gitlab-jobs-reference --release --lib -- --ignored --nocapture one_million`.
#[test]
#[ignore = "slow: a million jobs"]
fn one_million_jobs_generate_and_import() {
    let start = std::time::Instant::now();
    let generated = demo_jobs(1_000_000)
        .filter(|record| matches!(record, Record::Job(_)))
        .count();
    let generation = start.elapsed();
    assert_eq!(generated, 1_000_000);
    let store = SqliteStore::in_memory().expect("opens");
    let start = std::time::Instant::now();
    let summary = load_demo(&store, 1_000_000).expect("loads");
    let import = start.elapsed();
    assert_eq!(summary.jobs, 21 + 1_000_000);
    println!("generate 1M jobs: {generation:?}; generate + import into memory: {import:?}");
}

#[test]
fn every_token_constant_is_a_token_of_the_demo_file() {
    let file = include_str!("../../fixtures/demo.json");
    for token in [
        tokens::OWNER,
        tokens::MAINTAINER,
        tokens::DEVELOPER,
        tokens::REPORTER,
        tokens::GUEST,
        tokens::OUTSIDER,
        tokens::DOCS_DEVELOPER,
        tokens::EXPIRED,
        tokens::REVOKED,
    ] {
        assert!(
            file.contains(&format!("\"token\": \"{token}\"")),
            "{token} is not a personal access token of fixtures/demo.json"
        );
    }
    assert!(
        file.contains(&format!("\"job_token\": \"{}\"", tokens::RUNNING_JOB)),
        "the running job's token is not in fixtures/demo.json"
    );
    let runners: Vec<String> = demo_fixtures()
        .runners
        .into_iter()
        .map(|runner| runner.token)
        .collect();
    for token in [
        tokens::RUNNER,
        tokens::PROJECT_RUNNER,
        tokens::GROUP_RUNNER,
        tokens::PAUSED_RUNNER,
    ] {
        assert!(
            runners.iter().any(|runner| runner == token),
            "{token} is not a runner token of fixtures/demo.json"
        );
    }
}
