//! Pipeline processing: what GitLab does to a pipeline whenever one of its jobs changes state
//! (a job finishes, is retried or played). The created jobs of the next stages become pending,
//! manual or scheduled once everything before them is complete, or skipped when their `when`
//! does not match how the earlier stages ended; the pipeline's status follows.
//!
//! Sources (gitlabhq/gitlabhq):
//! - `app/services/ci/pipeline_processing/atomic_processing_service.rb`: `update_stages!`
//!   walks the stages in order and their created jobs (`created_job_ids_in_stage`);
//!   `update_job!` goes on only when the status of the jobs before the job's stage is a
//!   COMPLETED one, then calls `Ci::ProcessBuildService`; `update_pipeline!` sets the
//!   composite status of all jobs.
//! - `app/services/ci/pipeline_processing/atomic_processing_service/status_collection.rb`:
//!   the statuses are those of the pipeline's `current_jobs` (not retried), grouped by
//!   `stage_idx`; `status_of_jobs_prior_to_stage` is the composite status of the earlier
//!   stages, `success` when there are none (`status_for_array(...) || 'success'`); each
//!   processed job's new status is seen by the later stages of the same pass
//!   (`set_job_status`).
//! - `app/services/ci/process_build_service.rb`: `valid_statuses_for_build` (`on_success`,
//!   `manual` and `delayed` need success or skipped before them, `on_failure` needs failed,
//!   `always` any of the three); a valid job is scheduled (delayed), actionized (manual) or
//!   enqueued, any other is skipped.
//! - `app/services/ci/reset_skipped_jobs_service.rb`: after a retry or a play, the skipped
//!   jobs of the later stages are processed again (`job.process`, skipped → created, with the
//!   retrier or player as their user) before the pipeline is processed.
//!
//! Jobs here use stages, not `needs:` (the fixtures hold no DAG), so every job waits for the
//! stages before it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::groups::{StatusGroup, composite_status};
use crate::model::{Id, Job, JobStatus, When};

/// The position of each stage in its pipeline (GitLab's `stage_idx`). Pipeline creation
/// saves the jobs stage by stage, so a stage's position is the order of its first (lowest) job
/// id; retried jobs keep their stage and are counted too, so a retry never moves a stage.
pub fn stage_positions<'a>(jobs: impl IntoIterator<Item = &'a Job>) -> BTreeMap<String, usize> {
    let mut first_ids: BTreeMap<&str, Id> = BTreeMap::new();
    for job in jobs {
        let first = first_ids.entry(job.stage.as_str()).or_insert(job.id);
        *first = (*first).min(job.id);
    }
    let mut stages: Vec<(&str, Id)> = first_ids.into_iter().collect();
    stages.sort_by_key(|(_, id)| *id);
    stages
        .into_iter()
        .enumerate()
        .map(|(position, (stage, _))| (stage.to_owned(), position))
        .collect()
}

/// What processing did to a pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Processed {
    /// The jobs whose status changed, as they are now.
    pub changed: Vec<Job>,
    /// The pipeline's status: the composite of its current jobs, `success` without any.
    pub pipeline_status: JobStatus,
}

/// `AtomicProcessingService#process!` over all jobs of one pipeline (retried ones included:
/// they only count for the stage order). The caller stores `changed` and the status.
pub fn process_pipeline(jobs: &[Job], now: DateTime<Utc>) -> Processed {
    let positions = stage_positions(jobs);
    let position = |job: &Job| positions.get(&job.stage).copied().unwrap_or(0);
    let mut current: Vec<Job> = jobs.iter().filter(|job| !job.retried).cloned().collect();
    current.sort_by_key(|job| (position(job), job.id));
    let mut changed = Vec::new();
    for index in 0..current.len() {
        if current[index].status != JobStatus::Created {
            continue;
        }
        let stage = position(&current[index]);
        let before = composite_status(
            current
                .iter()
                .filter(|job| position(job) < stage)
                .map(|job| (job.status, job.allow_failure)),
        )
        .unwrap_or(JobStatus::Success);
        if !StatusGroup::Completed.contains(before) {
            continue;
        }
        let processed = process_build(&current[index], before, now);
        current[index] = processed.clone();
        changed.push(processed);
    }
    let pipeline_status =
        composite_status(current.iter().map(|job| (job.status, job.allow_failure)))
            .unwrap_or(JobStatus::Success);
    Processed {
        changed,
        pipeline_status,
    }
}

/// `Ci::ProcessBuildService#execute` for a created job, given the status of what came before.
fn process_build(job: &Job, before: JobStatus, now: DateTime<Utc>) -> Job {
    use JobStatus::*;
    let valid: &[JobStatus] = match job.when {
        When::OnSuccess | When::Manual | When::Delayed => &[Success, Skipped],
        When::OnFailure => &[Failed],
        When::Always => &[Success, Failed, Skipped],
    };
    let mut processed = job.clone();
    processed.preset.duration = None;
    processed.preset.queued_duration = None;
    if !valid.contains(&before) {
        // The `skip` event: no timestamp changes (`has_status.rb` sets `finished_at` only for
        // success, failed and canceled).
        processed.status = Skipped;
        return processed;
    }
    match job.when {
        When::Delayed => processed.status = Scheduled,
        When::Manual => processed.status = Manual,
        _ => {
            // `enqueue`: pending, `queued_at` set (`has_status.rb`).
            processed.status = Pending;
            processed.queued_at = Some(now);
        }
    }
    processed
}

/// What a use case does to the pipeline of a job it changed: for a requeued job (retried or
/// played, `(its id, the user who did it)`) first `reset_skipped`, then `process_pipeline`.
/// `changed` holds every job that ends up different, once, as it is now.
pub fn process_after_change(
    jobs: &[Job],
    requeued: Option<(Id, Id)>,
    now: DateTime<Utc>,
) -> Processed {
    let mut working = jobs.to_vec();
    let mut reset_ids = Vec::new();
    if let Some((requeued_id, user)) = requeued
        && let Some(requeued) = jobs.iter().find(|job| job.id == requeued_id)
    {
        for reset in reset_skipped(jobs, requeued, user) {
            reset_ids.push(reset.id);
            if let Some(slot) = working.iter_mut().find(|job| job.id == reset.id) {
                *slot = reset;
            }
        }
    }
    let processed = process_pipeline(&working, now);
    for job in &processed.changed {
        if let Some(slot) = working.iter_mut().find(|slot| slot.id == job.id) {
            *slot = job.clone();
        }
    }
    let changed = working
        .into_iter()
        .filter(|job| {
            reset_ids.contains(&job.id) || processed.changed.iter().any(|c| c.id == job.id)
        })
        .collect();
    Processed {
        changed,
        pipeline_status: processed.pipeline_status,
    }
}

/// `Ci::ResetSkippedJobsService#execute(requeued)`: the skipped jobs of the stages after the
/// requeued job's (of the current ones) go back to created with `user` as their user
/// (`job.process(current_user)`), so that the next processing decides again. Returns them.
pub fn reset_skipped(jobs: &[Job], requeued: &Job, user: Id) -> Vec<Job> {
    let positions = stage_positions(jobs);
    let position = |job: &Job| positions.get(&job.stage).copied().unwrap_or(0);
    let after = position(requeued);
    jobs.iter()
        .filter(|job| !job.retried && job.status == JobStatus::Skipped && position(job) > after)
        .map(|job| Job {
            status: JobStatus::Created,
            user_id: Some(user),
            ..job.clone()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PresetFields;
    use crate::rules::test_support::{at, build};

    fn job(id: Id, stage: &str, status: JobStatus) -> Job {
        Job {
            id,
            name: format!("job-{id}"),
            stage: stage.into(),
            queued_at: None,
            started_at: None,
            finished_at: None,
            preset: PresetFields::default(),
            ..build(status)
        }
    }

    fn statuses(jobs: &[Job], processed: &Processed) -> Vec<(Id, JobStatus)> {
        jobs.iter()
            .map(|job| {
                let now = processed
                    .changed
                    .iter()
                    .find(|changed| changed.id == job.id)
                    .unwrap_or(job);
                (job.id, now.status)
            })
            .collect()
    }

    use JobStatus::*;

    #[test]
    fn stages_are_ordered_by_their_first_job_and_retries_do_not_move_them() {
        let mut retried = job(1, "build", Failed);
        retried.retried = true;
        let jobs = [
            retried,
            job(2, "test", Success),
            job(3, "deploy", Created),
            job(9, "build", Success),
        ];
        let positions = stage_positions(&jobs);
        assert_eq!(positions["build"], 0);
        assert_eq!(positions["test"], 1);
        assert_eq!(positions["deploy"], 2);
    }

    #[test]
    fn the_next_stage_is_enqueued_when_the_previous_succeeded() {
        let jobs = [
            job(1, "build", Success),
            job(2, "test", Created),
            job(3, "test", Created),
            job(4, "deploy", Created),
        ];
        let processed = process_pipeline(&jobs, at(100));
        assert_eq!(
            statuses(&jobs, &processed),
            [(1, Success), (2, Pending), (3, Pending), (4, Created)]
        );
        assert!(
            processed
                .changed
                .iter()
                .all(|job| job.queued_at == Some(at(100)))
        );
        assert_eq!(processed.pipeline_status, Running);
    }

    #[test]
    fn a_first_stage_is_enqueued_at_once() {
        let jobs = [job(1, "build", Created), job(2, "test", Created)];
        let processed = process_pipeline(&jobs, at(1));
        assert_eq!(statuses(&jobs, &processed), [(1, Pending), (2, Created)]);
        assert_eq!(processed.pipeline_status, Pending);
    }

    #[test]
    fn later_stages_wait_while_a_stage_runs() {
        let jobs = [
            job(1, "build", Success),
            job(2, "test", Running),
            job(3, "test", Success),
            job(4, "deploy", Created),
        ];
        let processed = process_pipeline(&jobs, at(1));
        assert!(processed.changed.is_empty());
        assert_eq!(processed.pipeline_status, Running);
    }

    #[test]
    fn after_a_failure_later_jobs_are_skipped_unless_on_failure_or_always() {
        let mut on_failure = job(3, "cleanup", Created);
        on_failure.when = When::OnFailure;
        let mut always = job(4, "report", Created);
        always.when = When::Always;
        let jobs = [
            job(1, "test", Failed),
            job(2, "deploy", Created),
            on_failure,
            always,
        ];
        let processed = process_pipeline(&jobs, at(1));
        // deploy is skipped; cleanup sees failed before it (a skipped stage does not hide
        // the failure); report waits for cleanup, which is pending now.
        assert_eq!(
            statuses(&jobs, &processed),
            [(1, Failed), (2, Skipped), (3, Pending), (4, Created)]
        );
        let mut finished: Vec<Job> = jobs.to_vec();
        for changed in &processed.changed {
            finished[(changed.id - 1) as usize] = changed.clone();
        }
        finished[2].status = Success;
        let processed = process_pipeline(&finished, at(2));
        assert_eq!(processed.changed.len(), 1);
        assert_eq!(
            (processed.changed[0].id, processed.changed[0].status),
            (4, Pending)
        );
        assert_eq!(processed.pipeline_status, Running);
    }

    #[test]
    fn on_failure_jobs_are_skipped_when_everything_succeeded() {
        let mut on_failure = job(2, "cleanup", Created);
        on_failure.when = When::OnFailure;
        let jobs = [job(1, "test", Success), on_failure];
        let processed = process_pipeline(&jobs, at(1));
        assert_eq!(statuses(&jobs, &processed), [(1, Success), (2, Skipped)]);
        assert_eq!(processed.changed[0].queued_at, None);
        assert_eq!(processed.pipeline_status, Success);
    }

    #[test]
    fn an_allowed_failure_lets_the_pipeline_go_on() {
        let mut allowed = job(1, "test", Failed);
        allowed.allow_failure = true;
        let jobs = [allowed, job(2, "test", Success), job(3, "deploy", Created)];
        let processed = process_pipeline(&jobs, at(1));
        assert_eq!(
            statuses(&jobs, &processed),
            [(1, Failed), (2, Success), (3, Pending)]
        );
    }

    #[test]
    fn manual_and_delayed_jobs_become_manual_and_scheduled() {
        let mut manual = job(2, "deploy", Created);
        manual.when = When::Manual;
        let mut delayed = job(3, "deploy", Created);
        delayed.when = When::Delayed;
        let jobs = [
            job(1, "build", Success),
            manual,
            delayed,
            job(4, "verify", Created),
        ];
        let processed = process_pipeline(&jobs, at(1));
        // A manual job without allow_failure blocks the later stages.
        assert_eq!(
            statuses(&jobs, &processed),
            [(1, Success), (2, Manual), (3, Scheduled), (4, Created)]
        );
        assert_eq!(processed.pipeline_status, Manual);
    }

    #[test]
    fn an_optional_manual_job_does_not_block() {
        let mut manual = job(2, "deploy", Created);
        manual.when = When::Manual;
        manual.allow_failure = true;
        let jobs = [job(1, "build", Success), manual, job(3, "verify", Created)];
        let processed = process_pipeline(&jobs, at(1));
        assert_eq!(
            statuses(&jobs, &processed),
            [(1, Success), (2, Manual), (3, Pending)]
        );
    }

    #[test]
    fn a_skipped_stage_lets_on_success_jobs_run() {
        let mut on_failure = job(2, "cleanup", Created);
        on_failure.when = When::OnFailure;
        let jobs = [
            job(1, "build", Success),
            on_failure,
            job(3, "deploy", Created),
        ];
        let processed = process_pipeline(&jobs, at(1));
        assert_eq!(
            statuses(&jobs, &processed),
            [(1, Success), (2, Skipped), (3, Pending)]
        );
    }

    #[test]
    fn the_pipeline_finishes_with_its_jobs() {
        let jobs = [
            job(1, "build", Success),
            job(2, "test", Failed),
            job(3, "deploy", Skipped),
        ];
        assert_eq!(process_pipeline(&jobs, at(1)).pipeline_status, Failed);
        let jobs = [job(1, "build", Success), job(2, "test", Success)];
        assert_eq!(process_pipeline(&jobs, at(1)).pipeline_status, Success);
        assert_eq!(process_pipeline(&[], at(1)).pipeline_status, Success);
    }

    #[test]
    fn retried_jobs_do_not_count() {
        let mut old = job(2, "test", Failed);
        old.retried = true;
        let jobs = [
            job(1, "build", Success),
            old,
            job(5, "test", Success),
            job(3, "deploy", Created),
        ];
        let processed = process_pipeline(&jobs, at(1));
        assert_eq!(processed.changed.len(), 1);
        assert_eq!(processed.changed[0].id, 3);
        assert_eq!(processed.changed[0].status, Pending);
    }

    #[test]
    fn a_retry_resets_the_skipped_jobs_after_it_and_they_wait_for_it() {
        // The demo's pipeline 2 after `retry` of rspec: the clone (id 5) is pending.
        let mut old = job(2, "test", Failed);
        old.retried = true;
        let jobs = [
            job(1, "build", Success),
            old,
            job(3, "test", Success),
            job(4, "deploy", Skipped),
            job(5, "test", Pending),
        ];
        let processed = process_after_change(&jobs, Some((5, 42)), at(1));
        assert_eq!(processed.changed.len(), 1);
        assert_eq!(processed.changed[0].id, 4);
        assert_eq!(processed.changed[0].status, Created);
        assert_eq!(processed.changed[0].user_id, Some(42));
        assert_eq!(processed.pipeline_status, Running);
        // Without a requeued job, nothing is reset.
        let processed = process_after_change(&jobs, None, at(1));
        assert!(processed.changed.is_empty());
    }

    #[test]
    fn a_played_manual_job_lets_the_reset_jobs_run_once_it_succeeds() {
        let mut played = job(2, "deploy", Success);
        played.when = When::Manual;
        let jobs = [job(1, "build", Success), played, job(3, "verify", Skipped)];
        let processed = process_after_change(&jobs, Some((2, 7)), at(3));
        assert_eq!(processed.changed.len(), 1);
        assert_eq!(processed.changed[0].status, Pending);
        assert_eq!(processed.changed[0].user_id, Some(7));
        assert_eq!(processed.changed[0].queued_at, Some(at(3)));
    }

    #[test]
    fn reset_skipped_requeues_later_skipped_jobs_for_the_new_user() {
        let jobs = [
            job(1, "build", Success),
            job(2, "test", Pending),
            job(3, "test", Skipped),
            job(4, "deploy", Skipped),
        ];
        let reset = reset_skipped(&jobs, &jobs[1], 42);
        assert_eq!(reset.len(), 1);
        assert_eq!(reset[0].id, 4);
        assert_eq!(reset[0].status, Created);
        assert_eq!(reset[0].user_id, Some(42));
    }
}
