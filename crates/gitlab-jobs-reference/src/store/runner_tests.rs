//! The runner side of jobs on every store (`store_suite!`): which runner gets which build, the
//! log appends, the final states and the pipeline moving on, and runners racing for builds
//! across two instances of one database.

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};
use std::thread;

use chrono::Duration;

use super::*;
use crate::fixtures::Fixtures;
use crate::model::{JobScript, JobStatus, SimulatedState};
use crate::rules::runner::{JobRefusal, TRACE_SIZE_LIMIT_MB};
use crate::test_support::{Backend, now, small_fixtures, store_suite};

const INSTANCE: &str = "glrt-instance-runner";
const PROJECT_2: &str = "glrt-project-2-runner";
const PROJECT_1: &str = "glrt-project-1-runner";
const PAUSED: &str = "glrt-paused-runner";
const GPU: &str = "glrt-gpu-runner";
/// A group runner of group 3, an ancestor of project 1's group; and one of an unrelated group.
const GROUP_3: &str = "glrt-group-3-runner";
const GROUP_9: &str = "glrt-group-9-runner";

/// Runners, and pipeline 60 of project 1: `compile` (pending, tagged `docker`, with a
/// script), `rspec` and `deploy` (created, later stages).
const RUNNERS: &str = r#"{
  "runners": [
    {"id": 1, "description": "shared", "token": "glrt-instance-runner", "tags": ["docker", "linux"]},
    {"id": 2, "token": "glrt-project-2-runner", "runner_type": "project_type", "project_ids": [2]},
    {"id": 3, "token": "glrt-project-1-runner", "runner_type": "project_type", "project_ids": [1],
     "tags": ["docker"]},
    {"id": 4, "token": "glrt-paused-runner", "paused": true},
    {"id": 6, "token": "glrt-gpu-runner", "tags": ["gpu"], "run_untagged": false},
    {"id": 7, "token": "glrt-group-3-runner", "runner_type": "group_type", "group_ids": [3]},
    {"id": 8, "token": "glrt-group-9-runner", "runner_type": "group_type", "group_ids": [9]}
  ],
  "pipelines": [{"id": 60, "project_id": 1, "sha": "cccccccccccccccccccccccccccccccccccccccc",
                 "ref": "main", "status": "pending"}],
  "jobs": [
    {"id": 960, "project_id": 1, "name": "compile", "stage": "build", "status": "pending",
     "ref": "main", "created_at": "2024-01-01T00:00:00Z", "queued_at": "2024-01-01T00:00:00Z",
     "pipeline": {"id": 60}, "user": {"id": 3}, "tag_list": ["docker"],
     "script": ["make", "make check"],
     "simulation": {"state": "failed", "exit_code": 2, "output": ["1 test failed"]}},
    {"id": 961, "project_id": 1, "name": "rspec", "stage": "test", "status": "created",
     "ref": "main", "created_at": "2024-01-01T00:00:00Z", "pipeline": {"id": 60}, "user": {"id": 3}},
    {"id": 962, "project_id": 1, "name": "deploy", "stage": "deploy", "status": "created",
     "ref": "main", "created_at": "2024-01-01T00:00:00Z", "pipeline": {"id": 60}, "user": {"id": 3}}
  ]
}"#;

fn load_runners(store: &dyn Store) {
    store
        .load_fixtures(&Fixtures::from_json(RUNNERS).expect("parses"))
        .expect("loads");
}

fn runner_store(backend: &Backend) -> crate::test_support::TestStore {
    let store = backend.small_store();
    load_runners(&*store);
    store
}

fn started(request: JobRequest) -> Box<StartedJob> {
    match request {
        JobRequest::Started(started) => started,
        other => panic!("a job was expected: {other:?}"),
    }
}

fn status(store: &dyn Store, job_id: Id) -> JobStatus {
    store
        .job(1, job_id)
        .expect("reads")
        .expect("exists")
        .job
        .status
}

/// Starts pipeline 60's `compile` for the instance runner (job 111, older, is canceled first).
fn start_compile(store: &dyn Store) -> (Id, String) {
    store.cancel_job(1, 111, false, now()).expect("cancels");
    let job = started(store.request_runner_job(INSTANCE, now()).expect("asks"));
    assert_eq!(job.details.job.id, 960);
    let token = job.details.job.token.clone().expect("a job token");
    (960, token)
}

// --- POST /jobs/request ----------------------------------------------------------------------

fn unknown_runner_tokens_get_nothing(backend: &Backend) {
    let store = runner_store(backend);
    for token in ["", "glrt-nobody", "pending-job-token", "demo-alice-token"] {
        assert_eq!(
            store.request_runner_job(token, now()).expect("asks"),
            JobRequest::UnknownRunner,
            "{token:?}"
        );
    }
    // The registered runner is found by its token.
    assert_eq!(
        store
            .registered_runner(INSTANCE)
            .expect("reads")
            .map(|r| r.runner.id),
        Some(1)
    );
}

fn paused_runners_and_runners_without_a_match_get_no_job(backend: &Backend) {
    let store = runner_store(backend);
    for token in [PAUSED, GPU, PROJECT_2, GROUP_9] {
        let JobRequest::NoJob { queue_value } =
            store.request_runner_job(token, now()).expect("asks")
        else {
            panic!("{token}: no job expected");
        };
        assert_eq!(queue_value.len(), 32, "an md5 in hex: {queue_value}");
    }
    assert_eq!(status(&*store, 111), JobStatus::Pending);
    assert_eq!(status(&*store, 960), JobStatus::Pending);
}

fn idle_polls_leave_the_data_version_alone(backend: &Backend) {
    let store = runner_store(backend);
    let before = store.data_version().expect("reads");
    for token in [PAUSED, GPU, PROJECT_2, "glrt-nobody"] {
        store.request_runner_job(token, now()).expect("asks");
    }
    assert_eq!(
        store.data_version().expect("reads"),
        before,
        "nothing changed"
    );
    started(store.request_runner_job(INSTANCE, now()).expect("asks"));
    let after = store.data_version().expect("reads");
    assert!(after.data > before.data, "a job started");
    assert_eq!(after.identities, before.identities, "no identity changed");
}

fn a_runner_takes_the_oldest_build_it_may_run_and_starts_it(backend: &Backend) {
    let store = runner_store(backend);
    let first = started(store.request_runner_job(INSTANCE, now()).expect("asks"));
    let job = &first.details.job;
    assert_eq!(job.id, 111, "the oldest pending build");
    assert_eq!(job.status, JobStatus::Running);
    assert_eq!(job.started_at, Some(now()));
    assert_eq!(job.runner_id, Some(1));
    assert_eq!(first.details.runner.as_ref().map(|r| r.id), Some(1));
    let token = job.token.clone().expect("a job token");
    assert!(token.starts_with("glcbt-"), "{token}");
    assert_ne!(token, "pending-job-token", "a fresh token");
    assert_eq!(first.details.pipeline.status, JobStatus::Running);
    assert_eq!(first.queue_size, 2);
    assert_eq!(first.queue_depth, 0);
    assert_eq!(
        first.script.script,
        JobScript::default_for("test", "test"),
        "no script in the fixture: the default"
    );
    // The new token authenticates as the job; the fixture's one no longer does.
    assert_eq!(
        store.job_by_token(&token).expect("reads").map(|j| j.id),
        Some(111)
    );
    assert_eq!(
        store.job_by_token("pending-job-token").expect("reads"),
        None
    );

    let second = started(store.request_runner_job(INSTANCE, now()).expect("asks"));
    assert_eq!(second.details.job.id, 960);
    assert_eq!(second.script.script, vec!["make", "make check"]);
    assert_eq!(second.script.simulation.state, SimulatedState::Failed);
    assert_eq!(second.script.simulation.exit_code, Some(2));
    assert_eq!(
        second.running_on_instance_runners, 1,
        "job 111 of the same project runs on an instance runner"
    );
    assert!(matches!(
        store.request_runner_job(INSTANCE, now()).expect("asks"),
        JobRequest::NoJob { .. }
    ));
}

fn project_runners_take_their_projects_builds_with_matching_tags(backend: &Backend) {
    let store = runner_store(backend);
    // Runner 3 serves project 1 with tag `docker`: both pending builds match (111 untagged).
    let first = started(store.request_runner_job(PROJECT_1, now()).expect("asks"));
    assert_eq!(first.details.job.id, 111);
    assert_eq!(first.details.job.runner_id, Some(3));
    let second = started(store.request_runner_job(PROJECT_1, now()).expect("asks"));
    assert_eq!(second.details.job.id, 960);
}

fn group_runners_take_the_builds_of_their_groups_projects(backend: &Backend) {
    let store = runner_store(backend);
    let first = started(store.request_runner_job(GROUP_3, now()).expect("asks"));
    assert_eq!(first.details.job.id, 111);
    assert_eq!(first.details.job.runner_id, Some(7));
    assert_eq!(
        first.running_on_instance_runners, 0,
        "only instance runners count"
    );
}

// --- PATCH /jobs/:id/trace -------------------------------------------------------------------

fn patches_append_where_the_log_ends(backend: &Backend) {
    let store = runner_store(backend);
    let (id, token) = start_compile(&*store);
    let append = |start: Option<i64>, patch: &str| {
        store
            .append_runner_trace(id, &token, start, patch, now())
            .expect("appends")
    };
    assert_eq!(
        append(Some(0), "$ make\n"),
        TraceAppend::Appended {
            size: 7,
            status: JobStatus::Running
        }
    );
    assert_eq!(append(Some(3), "again"), TraceAppend::Elsewhere { size: 7 });
    assert_eq!(
        append(Some(20), "later"),
        TraceAppend::Elsewhere { size: 7 }
    );
    assert_eq!(append(None, "no range"), TraceAppend::MissingContentRange);
    assert_eq!(
        append(Some(7), "ok\n"),
        TraceAppend::Appended {
            size: 10,
            status: JobStatus::Running
        }
    );
    assert_eq!(
        append(Some(10), ""),
        TraceAppend::Appended {
            size: 10,
            status: JobStatus::Running
        }
    );
    assert_eq!(
        store.trace(id).expect("reads").as_deref(),
        Some("$ make\nok\n")
    );
    assert_eq!(
        store.job(1, id).expect("reads").expect("exists").trace_size,
        Some(10)
    );
}

fn trace_patches_need_the_jobs_token_and_a_running_job(backend: &Backend) {
    let store = runner_store(backend);
    let (id, token) = start_compile(&*store);
    let forbidden = TraceAppend::Refused(JobRefusal::Forbidden);
    for (job_id, token) in [
        (id, "wrong"),
        (id, ""),
        (999_999, token.as_str()),
        (961, token.as_str()),
    ] {
        assert_eq!(
            store
                .append_runner_trace(job_id, token, Some(0), "x", now())
                .expect("answers"),
            forbidden,
            "job {job_id}, token {token:?}"
        );
    }
    // The missing Content-Range is only told to an authenticated runner.
    assert_eq!(
        store
            .append_runner_trace(id, "wrong", None, "x", now())
            .expect("answers"),
        forbidden
    );
    store.cancel_job(1, id, false, now()).expect("cancels");
    assert_eq!(
        store
            .append_runner_trace(id, &token, Some(0), "x", now())
            .expect("answers"),
        TraceAppend::Refused(JobRefusal::NotRunning(JobStatus::Canceled))
    );
    assert_eq!(store.trace(id).expect("reads"), None, "nothing appended");
}

fn a_log_past_the_size_limit_fails_the_job(backend: &Backend) {
    let store = runner_store(backend);
    let (id, token) = start_compile(&*store);
    let start = (TRACE_SIZE_LIMIT_MB + 1) * 1024 * 1024;
    assert_eq!(
        store
            .append_runner_trace(id, &token, Some(start), "x", now())
            .expect("answers"),
        TraceAppend::Refused(JobRefusal::Forbidden)
    );
    let job = store.job(1, id).expect("reads").expect("exists");
    assert_eq!(job.job.status, JobStatus::Failed);
    assert_eq!(
        job.job.failure_reason.as_deref(),
        Some("trace_size_exceeded")
    );
    assert_eq!(job.pipeline.status, JobStatus::Failed);
}

// --- PUT /jobs/:id ---------------------------------------------------------------------------

fn success_finishes_the_job_and_the_next_stage_starts(backend: &Backend) {
    let store = runner_store(backend);
    let (id, token) = start_compile(&*store);
    let later = now() + Duration::seconds(90);
    let update = |state: Option<&str>| {
        store
            .update_runner_job(id, &token, state, None, later)
            .expect("updates")
    };
    assert_eq!(
        update(Some("running")),
        RunnerUpdate::Applied(JobStatus::Running)
    );
    for unknown in [None, Some("pending"), Some("canceled"), Some("")] {
        assert_eq!(update(unknown), RunnerUpdate::UnknownState, "{unknown:?}");
    }
    assert_eq!(
        status(&*store, id),
        JobStatus::Running,
        "nothing changed yet"
    );
    assert_eq!(
        update(Some("success")),
        RunnerUpdate::Applied(JobStatus::Success)
    );
    let job = store.job(1, id).expect("reads").expect("exists");
    assert_eq!(job.job.status, JobStatus::Success);
    assert_eq!(job.job.finished_at, Some(later));
    assert_eq!(crate::rules::duration(&job.job, later), Some(90.0));
    assert_eq!(
        status(&*store, 961),
        JobStatus::Pending,
        "the next stage moves on"
    );
    assert_eq!(status(&*store, 962), JobStatus::Created);
    assert_eq!(job.pipeline.status, JobStatus::Running);
    // The token no longer works for the runner.
    assert_eq!(
        update(Some("success")),
        RunnerUpdate::Refused(JobRefusal::NotRunning(JobStatus::Success))
    );
    assert_eq!(
        store
            .append_runner_trace(id, &token, Some(0), "x", later)
            .expect("answers"),
        TraceAppend::Refused(JobRefusal::NotRunning(JobStatus::Success))
    );
}

fn failure_records_the_reason_and_skips_later_stages(backend: &Backend) {
    let store = runner_store(backend);
    let (id, token) = start_compile(&*store);
    assert_eq!(
        store
            .update_runner_job(id, &token, Some("failed"), Some("script_failure"), now())
            .expect("updates"),
        RunnerUpdate::Applied(JobStatus::Failed)
    );
    let job = store.job(1, id).expect("reads").expect("exists");
    assert_eq!(job.job.failure_reason.as_deref(), Some("script_failure"));
    assert_eq!(status(&*store, 961), JobStatus::Skipped);
    assert_eq!(status(&*store, 962), JobStatus::Skipped);
    assert_eq!(job.pipeline.status, JobStatus::Failed);
}

fn unknown_failure_reasons_become_unknown_failure(backend: &Backend) {
    let store = runner_store(backend);
    let (id, token) = start_compile(&*store);
    store
        .update_runner_job(id, &token, Some("failed"), Some("cosmic_rays"), now())
        .expect("updates");
    let job = store.job(1, id).expect("reads").expect("exists");
    assert_eq!(job.job.failure_reason.as_deref(), Some("unknown_failure"));
}

fn updates_need_the_jobs_token_and_tell_erased_jobs(backend: &Backend) {
    let store = runner_store(backend);
    let (id, token) = start_compile(&*store);
    for (job_id, token) in [
        (id, "wrong"),
        (999_999, token.as_str()),
        (961, token.as_str()),
    ] {
        assert_eq!(
            store
                .update_runner_job(job_id, token, Some("success"), None, now())
                .expect("answers"),
            RunnerUpdate::Refused(JobRefusal::Forbidden),
            "job {job_id}"
        );
    }
    store
        .append_runner_trace(id, &token, Some(0), "log\n", now())
        .expect("appends");
    store
        .update_runner_job(id, &token, Some("success"), None, now())
        .expect("finishes");
    store.erase_job(1, id, 1, now()).expect("erases");
    assert_eq!(
        store
            .update_runner_job(id, &token, Some("success"), None, now())
            .expect("answers"),
        RunnerUpdate::Refused(JobRefusal::Erased)
    );
}

fn a_retry_runs_the_same_script(backend: &Backend) {
    let store = runner_store(backend);
    let (id, token) = start_compile(&*store);
    store
        .update_runner_job(id, &token, Some("failed"), Some("script_failure"), now())
        .expect("fails");
    let retried = store.retry_job(1, id, 3, now()).expect("retries");
    let again = started(store.request_runner_job(INSTANCE, now()).expect("asks"));
    assert_eq!(again.details.job.id, retried.job.id);
    assert_eq!(again.script.script, vec!["make", "make check"]);
}

// --- races -----------------------------------------------------------------------------------

/// `threads` requests released together, alternating between two instances of one database
/// and between two runners that may both take every pending build of project 1.
fn race_for_builds(backend: &Backend, threads: usize) -> (Vec<Id>, usize) {
    let database = backend.database();
    let first = database.open(8);
    first.load_fixtures(&small_fixtures()).expect("loads");
    load_runners(&*first);
    let second = database.open(8);
    let instances = [first, second];
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let store = Arc::clone(&instances[i % 2]);
            let barrier = Arc::clone(&barrier);
            let token = if i % 4 < 2 { INSTANCE } else { PROJECT_1 };
            thread::spawn(move || {
                barrier.wait();
                store.request_runner_job(token, now())
            })
        })
        .collect();
    let mut taken = Vec::new();
    let mut empty = 0;
    for handle in handles {
        match handle.join().expect("thread finishes").expect("asks") {
            JobRequest::Started(started) => taken.push(started.details.job.id),
            JobRequest::NoJob { .. } => empty += 1,
            JobRequest::UnknownRunner => panic!("both runners are registered"),
        }
    }
    let running: BTreeSet<Id> = [111, 960]
        .into_iter()
        .filter(|id| status(&*instances[0], *id) == JobStatus::Running)
        .collect();
    assert_eq!(running.len(), 2, "both builds run");
    (taken, empty)
}

fn two_runners_on_two_instances_never_take_one_build_twice(backend: &Backend) {
    let (mut taken, empty) = race_for_builds(backend, 2);
    taken.sort_unstable();
    assert_eq!(taken, vec![111, 960], "one build each");
    assert_eq!(empty, 0);
}

fn many_requests_on_two_instances_start_each_build_once(backend: &Backend) {
    let (mut taken, empty) = race_for_builds(backend, 24);
    taken.sort_unstable();
    assert_eq!(taken, vec![111, 960], "each build exactly once");
    assert_eq!(empty, 22);
}

store_suite! {
    unknown_runner_tokens_get_nothing,
    paused_runners_and_runners_without_a_match_get_no_job,
    idle_polls_leave_the_data_version_alone,
    a_runner_takes_the_oldest_build_it_may_run_and_starts_it,
    project_runners_take_their_projects_builds_with_matching_tags,
    group_runners_take_the_builds_of_their_groups_projects,
    patches_append_where_the_log_ends,
    trace_patches_need_the_jobs_token_and_a_running_job,
    a_log_past_the_size_limit_fails_the_job,
    success_finishes_the_job_and_the_next_stage_starts,
    failure_records_the_reason_and_skips_later_stages,
    unknown_failure_reasons_become_unknown_failure,
    updates_need_the_jobs_token_and_tell_erased_jobs,
    a_retry_runs_the_same_script,
    two_runners_on_two_instances_never_take_one_build_twice,
    many_requests_on_two_instances_start_each_build_once,
}
