//! New pipelines while the simulation runs on the demo data: every few seconds a scheduled
//! pipeline of `acme/backend` (compile, then rspec and lint, then deploy-staging; every fifth
//! one's rspec fails) arrives for the simulated runners to work on.
//!
//! Growth is bounded: no new pipeline arrives while [`MAX_UNFINISHED`] simulated pipelines
//! are unfinished (so a backlog never builds up, however few runners there are), and after
//! each arrival the finished simulated pipelines beyond the newest [`KEEP_FINISHED`] are
//! deleted with their jobs and logs. At most 42 simulated pipelines (168 jobs, each log about
//! 1 KiB) exist at any time, besides the fixture's data, which is never touched.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use md5::{Digest, Md5};

use super::{SimulationOptions, blocking};
use crate::model::{
    AccessLevel, Id, Job, JobScript, JobStatus, Pipeline, Project, SimulatedOutcome, SimulatedState,
};
use crate::service::JobsService;
use crate::store::{ProjectKey, Store, StoreError};

/// The project the simulated pipelines arrive in (the demo's).
pub const FEED_PROJECT: &str = "acme/backend";
/// Their `source`: what tells them from the fixture's pipelines when pruning.
pub const FEED_SOURCE: &str = "schedule";
/// Finished simulated pipelines kept; older ones are deleted.
pub const KEEP_FINISHED: usize = 40;
/// No new pipeline arrives while this many simulated pipelines are unfinished.
pub const MAX_UNFINISHED: usize = 2;

pub fn has_demo_project(store: &dyn Store) -> Result<bool, StoreError> {
    Ok(store.project(ProjectKey::Path(FEED_PROJECT))?.is_some())
}

/// Adds a pipeline every `pipeline_interval` (scaled), forever.
pub async fn run(service: Arc<JobsService>, options: SimulationOptions) {
    let mut number: u64 = 0;
    loop {
        number += 1;
        let fed = blocking(&service, move |service| {
            feed_once(service.store(), number, Utc::now())
        })
        .await;
        match fed {
            Some(Ok(_)) => {}
            Some(Err(error)) => tracing::warn!(%error, "the simulated pipeline feed failed"),
            None => return,
        }
        tokio::time::sleep(options.scaled(options.pipeline_interval)).await;
    }
}

/// What one turn of the feed did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fed {
    pub created: Option<Id>,
    pub pruned: usize,
}

/// One turn: a new pipeline unless too many are unfinished, then pruning.
pub fn feed_once(store: &dyn Store, number: u64, now: DateTime<Utc>) -> Result<Fed, StoreError> {
    let Some(project) = store.project(ProjectKey::Path(FEED_PROJECT))? else {
        return Ok(Fed {
            created: None,
            pruned: 0,
        });
    };
    let unfinished = store
        .pipelines_by_source(project.id, FEED_SOURCE)?
        .iter()
        .filter(|(_, status)| !status.is_completed())
        .count();
    let created = if unfinished < MAX_UNFINISHED {
        let jobs = jobs(&project, number, now);
        Some(store.create_pipeline(&pipeline(&project, number, now), &jobs, now)?)
    } else {
        None
    };
    let pruned = store.prune_pipelines(project.id, FEED_SOURCE, KEEP_FINISHED)?;
    Ok(Fed { created, pruned })
}

fn pipeline(project: &Project, number: u64, now: DateTime<Utc>) -> Pipeline {
    let mut digest = Md5::new();
    digest.update(format!("{}:{number}", now.timestamp_micros()).as_bytes());
    let half: String = digest
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    Pipeline {
        id: 0,
        iid: 0,
        project_id: project.id,
        // A commit id is 40 hex digits; md5 gives 32.
        sha: format!("{half}{}", &half[..8]),
        ref_name: "main".to_owned(),
        status: JobStatus::Created,
        source: Some(FEED_SOURCE.to_owned()),
        created_at: now,
        updated_at: now,
        web_url: None,
        artifacts_locked: true,
    }
}

/// The pipeline's jobs with their scripts and outcomes.
fn jobs(project: &Project, number: u64, now: DateTime<Utc>) -> Vec<(Job, JobScript)> {
    // Triggered by a developer (or more) of the project, if it has one.
    let user = project
        .members
        .iter()
        .find(|(_, level)| *level >= AccessLevel::DEVELOPER)
        .map(|(id, _)| *id);
    let red = number.is_multiple_of(5);
    let spec: [(&str, &str, &[&str], SimulatedOutcome); 4] = [
        (
            "compile",
            "build",
            &[
                "bundle install --jobs 4",
                "bundle exec rake assets:precompile",
            ],
            outcome(
                3.0,
                &["Bundle complete! 87 Gemfile dependencies, 212 gems now installed."],
            ),
        ),
        (
            "rspec",
            "test",
            &["bundle exec rspec"],
            if red {
                SimulatedOutcome {
                    state: SimulatedState::Failed,
                    failure_reason: Some("script_failure".to_owned()),
                    exit_code: Some(1),
                    ..outcome(
                        6.0,
                        &[
                            "Randomized with seed 1337",
                            "Failures:",
                            "  1) Session store expires sessions",
                            "412 examples, 1 failure",
                        ],
                    )
                }
            } else {
                outcome(
                    6.0,
                    &["Randomized with seed 1337", "412 examples, 0 failures"],
                )
            },
        ),
        (
            "lint",
            "test",
            &["bundle exec rubocop --parallel"],
            outcome(2.0, &["214 files inspected, no offenses detected"]),
        ),
        (
            "deploy-staging",
            "deploy",
            &["./bin/deploy staging"],
            outcome(3.0, &["Deployed to https://staging.acme.example"]),
        ),
    ];
    spec.into_iter()
        .map(|(name, stage, script, simulation)| {
            let job = Job {
                user_id: user,
                ..Job::created_build(project.id, 0, name, stage, "main", now)
            };
            let script = JobScript {
                script: script.iter().map(|line| (*line).to_owned()).collect(),
                simulation,
            };
            (job, script)
        })
        .collect()
}

fn outcome(seconds: f64, output: &[&str]) -> SimulatedOutcome {
    SimulatedOutcome {
        output: output.iter().map(|line| (*line).to_owned()).collect(),
        duration_seconds: Some(seconds),
        ..SimulatedOutcome::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{demo_fixtures, tokens};
    use crate::model::JobKind;
    use crate::store::JobRequest;
    use crate::test_support::{Backend, store_suite};

    /// Runs every build the demo's instance runner can take until none is left; returns how
    /// many it ran.
    fn drain(store: &dyn Store, now: DateTime<Utc>) -> usize {
        let mut ran = 0;
        while let JobRequest::Started(job) =
            store.request_runner_job(tokens::RUNNER, now).expect("asks")
        {
            let token = job.details.job.token.clone().expect("a job token");
            store
                .update_runner_job(job.details.job.id, &token, Some("success"), None, now)
                .expect("finishes");
            ran += 1;
        }
        ran
    }

    fn the_feed_waits_for_unfinished_pipelines_and_prunes_old_ones(backend: &Backend) {
        let store = backend.empty_store();
        store
            .load_fixtures(&demo_fixtures())
            .expect("the demo loads");
        let now = Utc::now();
        let first = feed_once(&*store, 1, now).expect("feeds");
        let second = feed_once(&*store, 2, now).expect("feeds");
        assert!(first.created.is_some() && second.created.is_some());
        assert_eq!(
            feed_once(&*store, 3, now).expect("feeds").created,
            None,
            "two unfinished: no third"
        );
        let id = first.created.expect("created");
        let pipeline = store.pipeline(1, id).expect("reads").expect("exists");
        assert_eq!(pipeline.status, JobStatus::Pending);
        assert_eq!(pipeline.source.as_deref(), Some(FEED_SOURCE));
        assert_eq!(pipeline.sha.len(), 40);
        let jobs = store
            .list_jobs(
                &crate::store::JobFilter::pipeline(1, id, JobKind::Build),
                &crate::store::Pagination::offset(None, Some(100), true),
            )
            .expect("lists");
        let statuses: Vec<(String, JobStatus)> = jobs
            .items
            .iter()
            .map(|details| (details.job.name.clone(), details.job.status))
            .collect();
        assert!(
            statuses.contains(&("compile".into(), JobStatus::Pending))
                && statuses.contains(&("rspec".into(), JobStatus::Created)),
            "{statuses:?}"
        );
        let script = store
            .job_script(jobs.items[0].job.id)
            .expect("reads")
            .expect("a script");
        assert!(!script.script.is_empty());

        // Every pipeline runs through; the feed goes on, and old pipelines are pruned.
        let mut pruned = 0;
        for number in 4..(4 + 2 * KEEP_FINISHED as u64) {
            assert!(drain(&*store, now) > 0, "the feed's jobs run");
            pruned += feed_once(&*store, number, now).expect("feeds").pruned;
            let simulated = store.pipelines_by_source(1, FEED_SOURCE).expect("reads");
            assert!(
                simulated.len() <= KEEP_FINISHED + MAX_UNFINISHED,
                "{} simulated pipelines",
                simulated.len()
            );
        }
        assert!(pruned >= KEEP_FINISHED / 2, "{pruned} pruned");
        // The fixture's pipelines are untouched.
        for id in 1..=7 {
            let project = if id == 3 {
                3
            } else if id == 7 {
                2
            } else {
                1
            };
            assert!(
                store.pipeline(project, id).expect("reads").is_some(),
                "pipeline {id}"
            );
        }
    }

    store_suite! {
        the_feed_waits_for_unfinished_pipelines_and_prunes_old_ones,
    }
}
