//! `demo_jobs(n)`: any number of realistic jobs for the `demo/load` project, generated as a
//! stream of records (pipelines of ten jobs across build/test/deploy, mostly successful, some
//! failed with a reason and a log, some manual or skipped, a bridge now and then, and the
//! newest pipeline still running). Deterministic: a fixed-seed generator drives it.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};

use super::small::base_time;
use crate::model::{Commit, Id, Job, JobKind, JobStatus, Pipeline, When};
use crate::rules;
use crate::store::Record;

/// The project `demo_jobs` fills (defined, empty, by `demo_fixtures`).
pub const LOAD_PROJECT_ID: Id = 5;
/// The internal docs project that the generated bridges trigger pipelines in.
const DOWNSTREAM_PROJECT_ID: Id = 3;
/// Generated ids start here, above every id of `demo_fixtures`.
const FIRST_JOB_ID: Id = 1_000;
const FIRST_PIPELINE_ID: Id = 1_000;
const JOBS_PER_PIPELINE: u64 = 10;
/// Users of `demo_fixtures` who trigger generated pipelines (root, alice, bob).
const TRIGGERING_USERS: [Id; 3] = [1, 2, 3];
/// Runners of `demo_fixtures`.
const RUNNERS: [Id; 2] = [1, 2];

/// (name, stage) of the ten jobs of every generated pipeline; the last is a bridge in every
/// tenth pipeline and a manual deploy otherwise.
const JOB_TEMPLATES: [(&str, &str); 10] = [
    ("compile", "build"),
    ("assets", "build"),
    ("lint", "test"),
    ("rspec 1/3", "test"),
    ("rspec 2/3", "test"),
    ("rspec 3/3", "test"),
    ("jest", "test"),
    ("coverage", "test"),
    ("deploy-staging", "deploy"),
    ("deploy-production", "deploy"),
];

const REFS: [&str; 4] = ["main", "main", "develop", "feature/search"];

const FAILURE_REASONS: [&str; 4] = [
    "script_failure",
    "script_failure",
    "stuck_or_timeout_failure",
    "runner_system_failure",
];

/// SplitMix64: small, fast and the same on every platform.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..bound`.
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// The iterator `demo_jobs` returns.
pub struct DemoJobs {
    total: u64,
    generated: u64,
    pipeline_index: u64,
    random: SplitMix64,
    pending: VecDeque<Record>,
}

/// `n` generated jobs (bridges included) with their pipelines, commits and logs, as records
/// for `Store::import`. Needs `demo_fixtures` loaded first (users, runners' project, docs).
pub fn demo_jobs(n: u64) -> DemoJobs {
    DemoJobs {
        total: n,
        generated: 0,
        pipeline_index: 0,
        random: SplitMix64(0x5eed_f00d_9e71_ab5e),
        pending: VecDeque::new(),
    }
}

impl Iterator for DemoJobs {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        if self.pending.is_empty() && self.generated < self.total {
            self.generate_pipeline();
        }
        self.pending.pop_front()
    }
}

impl DemoJobs {
    /// Queues the records of the next pipeline: its commit, itself, maybe a downstream
    /// pipeline, its jobs and their logs.
    fn generate_pipeline(&mut self) {
        let index = self.pipeline_index;
        self.pipeline_index += 1;
        let count = JOBS_PER_PIPELINE.min(self.total - self.generated);
        let newest = self.generated + count == self.total;
        let pipeline_id = FIRST_PIPELINE_ID + index as Id;
        // One pipeline every seven minutes, oldest first.
        let created_at = base_time() + Duration::minutes(7 * index as i64);
        let ref_name = REFS[self.random.below(REFS.len() as u64) as usize];
        let sha = format!(
            "{:016x}{:016x}{:08x}",
            self.random.next(),
            self.random.next(),
            index
        );
        let user_id = TRIGGERING_USERS[self.random.below(TRIGGERING_USERS.len() as u64) as usize];
        let has_bridge = index % 10 == 9;

        let mut jobs = Vec::with_capacity(count as usize);
        for slot in 0..count {
            let job_id = FIRST_JOB_ID + (self.generated + slot) as Id;
            let (name, stage) = JOB_TEMPLATES[slot as usize];
            let bridge = has_bridge && slot == JOBS_PER_PIPELINE - 1;
            let mut job = self.job(
                job_id,
                pipeline_id,
                name,
                stage,
                ref_name,
                user_id,
                created_at,
            );
            if bridge {
                job.kind = JobKind::Bridge;
                job.name = "trigger-docs".to_owned();
                job.runner_id = None;
                job.tag_list.clear();
            }
            self.set_outcome(&mut job, slot, newest, created_at);
            jobs.push(job);
        }

        let status =
            rules::composite_status(jobs.iter().map(|job| (job.status, job.allow_failure)))
                .unwrap_or(JobStatus::Created);
        let updated_at = jobs
            .iter()
            .filter_map(|job| job.finished_at.or(job.started_at))
            .max()
            .unwrap_or(created_at);
        self.pending.push_back(Record::Commit {
            project_id: LOAD_PROJECT_ID,
            commit: Commit {
                title: Some(format!(
                    "Change {index}: {name}",
                    name = JOB_TEMPLATES[index as usize % 10].0
                )),
                author_name: Some("Bob Developer".to_owned()),
                author_email: Some("bob@acme.example".to_owned()),
                ..Commit::from_sha(&sha)
            },
        });
        self.pending.push_back(Record::Pipeline(Pipeline {
            id: pipeline_id,
            iid: index as Id + 1,
            project_id: LOAD_PROJECT_ID,
            sha: sha.clone(),
            ref_name: ref_name.to_owned(),
            status,
            source: Some("push".to_owned()),
            created_at,
            updated_at,
            web_url: None,
            artifacts_locked: true,
        }));
        for mut job in jobs {
            if job.kind == JobKind::Bridge {
                // Each bridge triggers its own docs pipeline, with an id far above the load
                // project's pipelines so the two ranges never meet.
                let downstream_id = 1_000_000_000 + pipeline_id;
                self.pending.push_back(Record::Pipeline(Pipeline {
                    id: downstream_id,
                    iid: index as Id + 1,
                    project_id: DOWNSTREAM_PROJECT_ID,
                    sha: sha.clone(),
                    ref_name: "main".to_owned(),
                    status: JobStatus::Success,
                    source: Some("pipeline".to_owned()),
                    created_at,
                    updated_at,
                    web_url: None,
                    artifacts_locked: true,
                }));
                job.downstream_pipeline_id = Some(downstream_id);
            }
            let log = match job.status {
                JobStatus::Failed => Some(format!(
                    "$ ./run {}\nERROR: Job failed: exit code 1\n",
                    job.name
                )),
                JobStatus::Running => Some(format!("$ ./run {}\n", job.name)),
                _ => None,
            };
            let job_id = job.id;
            self.pending.push_back(Record::Job(Box::new(job)));
            if let Some(content) = log {
                self.pending.push_back(Record::Trace { job_id, content });
            }
        }
        self.generated += count;
    }

    #[allow(clippy::too_many_arguments)]
    fn job(
        &mut self,
        id: Id,
        pipeline_id: Id,
        name: &str,
        stage: &str,
        ref_name: &str,
        user_id: Id,
        created_at: DateTime<Utc>,
    ) -> Job {
        Job {
            id,
            status: JobStatus::Success,
            allow_failure: name == "coverage",
            user_id: Some(user_id),
            runner_id: Some(RUNNERS[self.random.below(RUNNERS.len() as u64) as usize]),
            tag_list: vec!["docker".to_owned(), "linux".to_owned()],
            ..Job::created_build(
                LOAD_PROJECT_ID,
                pipeline_id,
                name,
                stage,
                ref_name,
                created_at,
            )
        }
    }

    /// Decides the job's status and times. Finished pipelines: 85% success, 8% failed, 3%
    /// canceled, 4% skipped; production deploys wait for a person (manual). The newest
    /// pipeline is still going: its first jobs ran, one runs, the rest wait.
    fn set_outcome(&mut self, job: &mut Job, slot: u64, newest: bool, created_at: DateTime<Utc>) {
        let queued_at = created_at + Duration::seconds(5 + slot as i64 * 20);
        let started_at = queued_at + Duration::seconds(1 + self.random.below(30) as i64);
        let finished_at = started_at + Duration::seconds(20 + self.random.below(400) as i64);
        let is_production = job.name == "deploy-production";
        if newest {
            (job.status, job.queued_at, job.started_at, job.finished_at) = match slot {
                0 | 1 => (
                    JobStatus::Success,
                    Some(queued_at),
                    Some(started_at),
                    Some(finished_at),
                ),
                2 => (JobStatus::Running, Some(queued_at), Some(started_at), None),
                3..=5 => (JobStatus::Pending, Some(queued_at), None, None),
                _ => (JobStatus::Created, None, None, None),
            };
            if job.status == JobStatus::Running {
                job.token = Some(format!("demo-load-job-token-{}", job.id));
            }
            return;
        }
        if is_production && job.kind == JobKind::Build {
            job.when = When::Manual;
            job.status = JobStatus::Manual;
            return;
        }
        let roll = self.random.below(100);
        job.queued_at = Some(queued_at);
        match roll {
            0..=84 => {
                job.status = JobStatus::Success;
                job.started_at = Some(started_at);
                job.finished_at = Some(finished_at);
                if job.name.starts_with("rspec") || job.name == "coverage" {
                    job.coverage = Some(70.0 + self.random.below(300) as f64 / 10.0);
                }
            }
            85..=92 => {
                job.status = JobStatus::Failed;
                job.started_at = Some(started_at);
                job.finished_at = Some(finished_at);
                let reason =
                    FAILURE_REASONS[self.random.below(FAILURE_REASONS.len() as u64) as usize];
                job.failure_reason = Some(reason.to_owned());
            }
            93..=95 => {
                job.status = JobStatus::Canceled;
                job.started_at = Some(started_at);
                job.finished_at = Some(started_at + Duration::seconds(3));
            }
            _ => {
                job.status = JobStatus::Skipped;
                job.queued_at = None;
                job.runner_id = None;
            }
        }
    }
}
