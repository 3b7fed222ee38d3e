//! The store suite against the small fixture: state changes, concurrency, lists, artifacts.
//! Each test taking a `&Backend` runs once per store (`store_suite!` at the end lists them):
//! SQLite and PostgreSQL must pass the same tests. The few `#[test]`s are SQLite's own.

use std::collections::BTreeSet;
use std::ops::Deref;
use std::sync::{Arc, Barrier};

use super::*;
use crate::model::{JobKind, JobStatus, JobVariable};
use crate::test_support::{
    Backend, TempDatabase, now, restricted_fixtures, small_fixtures, small_store, store_suite,
};

/// Job `id` of project 1. The helpers take what derefs to a store: a suite's `TestStore`, or
/// the `Arc` threads share.
fn job(store: &impl Deref<Target = dyn Store>, id: Id) -> JobDetails {
    store.job(1, id).expect("reads").expect("job exists")
}

fn ids(page: &Page<JobDetails>) -> Vec<Id> {
    page.items.iter().map(|details| details.job.id).collect()
}

fn count_jobs(store: &impl Deref<Target = dyn Store>) -> usize {
    let page = store
        .list_jobs(
            &JobFilter::project_builds(1),
            &Pagination::offset(None, Some(100), true),
        )
        .expect("lists");
    page.items.len()
}

// --- opening -------------------------------------------------------------------------------

fn a_new_database_is_empty_until_loaded(backend: &Backend) {
    let store = backend.empty_store();
    assert!(store.is_empty().expect("reads"));
    store.load_fixtures(&small_fixtures()).expect("loads");
    assert!(!store.is_empty().expect("reads"));
}

#[test]
fn a_new_database_is_migrated_to_the_current_schema() {
    let store = SqliteStore::open("sqlite::memory:").expect("opens");
    assert_eq!(
        store.schema_version().expect("reads"),
        crate::store::sqlite::SCHEMA_VERSION
    );
}

#[test]
fn a_file_database_keeps_its_data_across_opens() {
    let database = TempDatabase::new("reopen");
    {
        let store = SqliteStore::open(&database.target()).expect("creates");
        store.load_fixtures(&small_fixtures()).expect("loads");
    }
    let store = SqliteStore::open(&format!("sqlite://{}", database.target())).expect("reopens");
    assert_eq!(
        store.schema_version().expect("reads"),
        crate::store::sqlite::SCHEMA_VERSION
    );
    assert_eq!(
        store
            .job(1, 100)
            .expect("reads")
            .map(|d| d.job.name)
            .as_deref(),
        Some("compile")
    );
}

// --- loading -------------------------------------------------------------------------------

fn loaded_jobs_have_their_relations(backend: &Backend) {
    let store = backend.small_store();
    let compile = job(&store, 100);
    assert_eq!(compile.job.kind, JobKind::Build);
    assert_eq!(compile.job.tag_list, vec!["docker", "linux"], "sorted");
    assert_eq!(
        compile.user.as_ref().map(|u| u.username.as_str()),
        Some("dev")
    );
    assert_eq!(compile.pipeline.id, 10);
    assert_eq!(
        compile.commit.as_ref().and_then(|c| c.title.as_deref()),
        Some("Add app")
    );
    assert_eq!(compile.runner.as_ref().map(|r| r.id), Some(5));
    assert_eq!(compile.trace_size, Some(13));
    let archive = compile
        .artifacts
        .iter()
        .find(|a| a.file_type == "archive")
        .expect("archive listed");
    assert_eq!(archive.filename, "artifacts.zip");
    let bridge = job(&store, 103);
    assert_eq!(bridge.job.kind, JobKind::Bridge);
    assert_eq!(
        bridge.downstream_pipeline.as_ref().map(|(p, _)| p.id),
        Some(13)
    );
    assert_eq!(
        job(&store, 106).job.kind,
        JobKind::Bridge,
        "`downstream_pipeline: null` is a bridge"
    );
}

fn jobs_of_other_projects_are_not_found(backend: &Backend) {
    let store = backend.small_store();
    assert!(store.job(2, 100).expect("reads").is_none());
    assert!(store.job(1, 200).expect("reads").is_none());
    assert!(store.job(1, 999_999).expect("reads").is_none());
}

/// `job_of` takes the project the caller read and answers what `job` does: builds with and
/// without artifacts, a running one, and a bridge with its downstream pipeline.
fn a_job_in_a_known_project_is_the_job(backend: &Backend) {
    let store = backend.small_store();
    let project = store
        .project(ProjectKey::Id(1))
        .expect("reads")
        .expect("exists");
    for job_id in [100, 103, 110, 140] {
        assert_eq!(
            store.job_of(&project, job_id).expect("reads"),
            store.job(1, job_id).expect("reads"),
            "job {job_id}"
        );
    }
    assert!(store.job_of(&project, 200).expect("reads").is_none());
}

fn projects_are_found_by_id_or_full_path(backend: &Backend) {
    let store = backend.small_store();
    let by_path = store
        .project(ProjectKey::Path("acme/app"))
        .expect("reads")
        .expect("found");
    assert_eq!(by_path.id, 1);
    assert_eq!(
        by_path.access_level_of(4),
        Some(crate::model::AccessLevel::REPORTER)
    );
    assert!(
        store
            .project(ProjectKey::Path("ACME/App"))
            .expect("reads")
            .is_some(),
        "paths ignore case"
    );
    assert!(store.project(ProjectKey::Id(42)).expect("reads").is_none());
    assert_eq!(ProjectKey::parse("12"), Some(ProjectKey::Id(12)));
    assert_eq!(
        ProjectKey::parse("acme/app"),
        Some(ProjectKey::Path("acme/app"))
    );
    assert_eq!(ProjectKey::parse("app"), None);
}

fn projects_keep_who_may_set_variables(backend: &Backend) {
    let store = backend.small_store();
    store
        .load_fixtures(&restricted_fixtures())
        .expect("loads on top of the small fixture");
    let setting = |id| {
        let project = store
            .project(ProjectKey::Id(id))
            .expect("reads")
            .expect("found");
        (
            project.restrict_user_defined_variables,
            project.pipeline_variables_role,
        )
    };
    use crate::model::PipelineVariablesRole;
    assert_eq!(setting(1), (false, PipelineVariablesRole::Maintainer));
    assert_eq!(setting(4), (true, PipelineVariablesRole::Maintainer));
    assert_eq!(setting(5), (true, PipelineVariablesRole::NoOneAllowed));
}

fn tokens_resolve_to_their_user_and_job(backend: &Backend) {
    let store = backend.small_store();
    let token = store
        .personal_access_token("developer-token")
        .expect("reads")
        .expect("known");
    assert_eq!(token.user.username, "dev");
    assert!(!token.expired(now()) && !token.revoked);
    let expired = store
        .personal_access_token("expired-token")
        .expect("reads")
        .expect("known");
    assert!(expired.expired(now()));
    assert!(
        store
            .personal_access_token("nope")
            .expect("reads")
            .is_none()
    );
    let job = store
        .job_by_token("running-job-token")
        .expect("reads")
        .expect("known");
    assert_eq!((job.id, job.status), (110, JobStatus::Running));
}

// --- cancel --------------------------------------------------------------------------------

fn cancel_ends_a_running_job_and_the_pipeline_follows(backend: &Backend) {
    let store = backend.small_store();
    let canceled = store.cancel_job(1, 110, false, now()).expect("cancels");
    assert_eq!(canceled.job.status, JobStatus::Canceled);
    assert_eq!(canceled.job.finished_at, Some(now()));
    // Pipeline 12 still has a pending job: {canceled, pending} is "running" in GitLab's
    // composite status.
    assert_eq!(canceled.pipeline.status, JobStatus::Running);
    let pending = store.cancel_job(1, 111, false, now()).expect("cancels");
    assert_eq!(pending.pipeline.status, JobStatus::Canceled);
}

fn cancel_leaves_a_finished_job_unchanged(backend: &Backend) {
    let store = backend.small_store();
    let before = job(&store, 100);
    let after = store.cancel_job(1, 100, false, now()).expect("answers");
    assert_eq!(after, before);
}

fn cancel_is_for_builds_only(backend: &Backend) {
    let store = backend.small_store();
    assert!(matches!(
        store.cancel_job(1, 106, false, now()),
        Err(StoreError::NotFound(_))
    ));
}

// --- retry ---------------------------------------------------------------------------------

fn retry_creates_a_new_pending_job_and_marks_the_old_one(backend: &Backend) {
    let store = backend.small_store();
    let new = store.retry_job(1, 101, 2, now()).expect("retries");
    assert!(new.job.id > 200, "a new id");
    assert_eq!(new.job.status, JobStatus::Pending);
    assert_eq!((new.job.name.as_str(), new.job.pipeline_id), ("rspec", 10));
    assert_eq!(new.user.as_ref().map(|u| u.id), Some(2));
    assert_eq!(new.trace_size, None, "the log is not copied");
    let old = job(&store, 101);
    assert!(old.job.retried);
    assert_eq!(old.job.status, JobStatus::Failed);
    // The pipeline runs again.
    assert_eq!(new.pipeline.status, JobStatus::Running);
    assert!(matches!(
        store.retry_job(1, 101, 2, now()),
        Err(StoreError::NotRetryable)
    ));
}

fn running_jobs_are_not_retryable(backend: &Backend) {
    let store = backend.small_store();
    assert!(matches!(
        store.retry_job(1, 110, 2, now()),
        Err(StoreError::NotRetryable)
    ));
}

fn bridges_can_be_retried(backend: &Backend) {
    let store = backend.small_store();
    let new = store.retry_job(1, 103, 3, now()).expect("retries");
    assert_eq!(new.job.kind, JobKind::Bridge);
    assert_eq!(new.downstream_pipeline, None);
}

fn concurrent_retries(store: Arc<dyn Store>) {
    const THREADS: usize = 50;
    let before = count_jobs(&store);
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let store = Arc::clone(&store);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                store.retry_job(1, 101, 3, now())
            })
        })
        .collect();
    let results: Vec<_> = handles
        .into_iter()
        .map(|h| h.join().expect("thread finishes"))
        .collect();
    let created: Vec<Id> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().map(|d| d.job.id))
        .collect();
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(StoreError::NotRetryable)))
        .count();
    assert_eq!(created.len(), 1, "exactly one retry wins: {results:?}");
    assert_eq!(refused, THREADS - 1, "all others are not retryable");
    assert_eq!(count_jobs(&store), before + 1);
}

/// SQLite: a file database with eight connections; PostgreSQL: a pool of eight.
fn fifty_concurrent_retries_on_a_shared_database_create_one_job(backend: &Backend) {
    let database = backend.database();
    let store = database.open(8);
    store.load_fixtures(&small_fixtures()).expect("loads");
    concurrent_retries(store);
}

#[test]
fn fifty_concurrent_retries_in_memory_create_one_job() {
    concurrent_retries(Arc::new(small_store()));
}

// --- play ----------------------------------------------------------------------------------

fn play_enqueues_a_manual_job_for_the_player(backend: &Backend) {
    let store = backend.small_store();
    let variables = vec![JobVariable {
        key: "TARGET".into(),
        value: "prod".into(),
        variable_type: None,
    }];
    let played = store.play_job(1, 102, 2, &variables, now()).expect("plays");
    assert_eq!(played.job.id, 102, "the same job");
    assert_eq!(played.job.status, JobStatus::Pending);
    assert_eq!(played.job.queued_at, Some(now()));
    assert_eq!(played.user.as_ref().map(|u| u.id), Some(2));
    assert_eq!(played.job.variables, variables, "variables are saved");
    assert!(matches!(
        store.play_job(1, 102, 2, &[], now()),
        Err(StoreError::NotPlayable)
    ));
}

fn playing_a_finished_manual_job_retries_it(backend: &Backend) {
    let store = backend.small_store();
    let played = store.play_job(1, 102, 2, &[], now()).expect("plays");
    store
        .cancel_job(1, played.job.id, false, now())
        .expect("cancels");
    let before = count_jobs(&store);
    let again = store.play_job(1, 102, 3, &[], now()).expect("plays again");
    assert_eq!(again.job.id, 102, "the original is presented");
    assert!(again.job.retried);
    assert_eq!(count_jobs(&store), before + 1, "a new job was created");
}

fn manual_bridges_can_be_played(backend: &Backend) {
    let store = backend.small_store();
    let played = store.play_job(1, 106, 3, &[], now()).expect("plays");
    assert_eq!(
        (played.job.kind, played.job.status),
        (JobKind::Bridge, JobStatus::Pending)
    );
}

fn non_manual_jobs_are_not_playable(backend: &Backend) {
    let store = backend.small_store();
    assert!(matches!(
        store.play_job(1, 100, 3, &[], now()),
        Err(StoreError::NotPlayable)
    ));
}

// --- erase, keep, delete -------------------------------------------------------------------

fn erase_removes_log_and_artifacts(backend: &Backend) {
    let store = backend.small_store();
    let erased = store.erase_job(1, 100, 2, now()).expect("erases");
    assert_eq!(erased.job.erased_at, Some(now()));
    assert_eq!(erased.job.erased_by, Some(2));
    assert_eq!(erased.job.artifacts_expire_at, None);
    assert!(erased.artifacts.is_empty());
    assert_eq!(erased.trace_size, None);
    assert_eq!(store.trace(100).expect("reads"), None);
    assert_eq!(store.artifacts_archive(100).expect("reads"), None);
    assert!(
        matches!(
            store.erase_job(1, 100, 2, now()),
            Err(StoreError::NotErasable)
        ),
        "nothing left"
    );
}

fn unfinished_or_empty_jobs_are_not_erasable(backend: &Backend) {
    let store = backend.small_store();
    assert!(matches!(
        store.erase_job(1, 110, 2, now()),
        Err(StoreError::NotErasable)
    ));
    assert!(matches!(
        store.erase_job(1, 105, 2, now()),
        Err(StoreError::NotErasable)
    ));
}

fn keep_clears_the_expiry(backend: &Backend) {
    let store = backend.small_store();
    let kept = store.keep_artifacts(1, 100, now()).expect("keeps");
    assert_eq!(kept.job.artifacts_expire_at, None);
    assert!(matches!(
        store.keep_artifacts(1, 101, now()),
        Err(StoreError::NoArtifacts)
    ));
    assert!(
        matches!(
            store.keep_artifacts(1, 140, now()),
            Err(StoreError::NoArtifacts)
        ),
        "expired"
    );
}

fn delete_artifacts_keeps_the_log(backend: &Backend) {
    let store = backend.small_store();
    store.delete_artifacts(1, 100).expect("deletes");
    let after = job(&store, 100);
    assert!(after.artifacts.is_empty());
    assert_eq!(
        store.trace(100).expect("reads").as_deref(),
        Some("$ make\nbuilt\n")
    );
    store
        .delete_artifacts(1, 101)
        .expect("nothing to delete is fine");
}

// --- artifacts -----------------------------------------------------------------------------

fn archives_are_stored_as_zip_files(backend: &Backend) {
    let store = backend.small_store();
    let archive = store
        .artifacts_archive(100)
        .expect("reads")
        .expect("has one");
    assert_eq!(archive.filename, "artifacts.zip");
    let path = crate::rules::artifacts::ArtifactPath::parse("README.md").expect("valid");
    assert_eq!(
        crate::archive::read_entry(&archive.content, &path).expect("entry"),
        b"# App\n"
    );
}

fn latest_successful_build_for_ref_skips_failed_pipelines(backend: &Backend) {
    let store = backend.small_store();
    // Pipeline 11 (newer, failed) also has `compile`; pipeline 10 is not successful either,
    // so `compile` on main is not found, while the child pipeline 13 (success) has its build.
    let compile = store
        .build_for_ref(1, "main", "compile", RefBuild::LatestSuccessful, now())
        .expect("reads");
    assert_eq!(compile, None);
    let child = store
        .build_for_ref(1, "main", "child-build", RefBuild::LatestSuccessful, now())
        .expect("reads");
    assert_eq!(child.map(|d| d.job.id), Some(130));
    // Job 140's archive expired in 2024, but pipeline 14 is the only one of `release`: locked.
    let expired = store
        .build_for_ref(1, "release", "package", RefBuild::LatestSuccessful, now())
        .expect("reads")
        .expect("an expired archive of a locked pipeline is found");
    assert_eq!(expired.job.id, 140);
    assert!(expired.pipeline.artifacts_locked);
}

/// `Ci::Build.latest_with_artifacts_for_ref`: every recent successful pipeline of the ref,
/// newest first, not only the latest.
fn latest_build_with_artifacts_searches_recent_successful_pipelines(backend: &Backend) {
    let store = backend.small_store();
    let found = |ref_name, job_name| {
        store
            .build_for_ref(1, ref_name, job_name, RefBuild::LatestWithArtifacts, now())
            .expect("reads")
            .map(|details| details.job.id)
    };
    assert_eq!(found("main", "child-build"), Some(130));
    assert_eq!(found("main", "compile"), None, "pipeline 10 failed");
    assert_eq!(found("release", "package"), Some(140), "expired but locked");
    assert_eq!(found("feature", "compile"), None, "pipeline 12 is running");
}

/// `Ci::Pipeline#artifacts_locked?` as the store derives it: a pipeline is unlocked once a
/// newer pipeline of its project and ref reached a completed status or `manual`; child
/// pipelines (`parent_pipeline`) never unlock their family.
fn pipelines_unlock_when_a_newer_one_of_their_ref_finishes(backend: &Backend) {
    let store = backend.small_store();
    let locked = |id| {
        store
            .pipeline(1, id)
            .expect("reads")
            .map(|pipeline| pipeline.artifacts_locked)
    };
    // main: 10 failed, 11 failed, 13 (a child of 10, success); feature: 12; release: 14.
    assert_eq!(locked(10), Some(false), "11 finished after it");
    assert_eq!(locked(11), Some(true), "13 is a child pipeline");
    assert_eq!(locked(12), Some(true));
    assert_eq!(locked(13), Some(true));
    assert_eq!(locked(14), Some(true), "the only pipeline of `release`");
}

// --- lists ---------------------------------------------------------------------------------

fn project_list_shows_builds_newest_first_with_retried_ones(backend: &Backend) {
    let store = backend.small_store();
    let page = store
        .list_jobs(
            &JobFilter::project_builds(1),
            &Pagination::offset(None, None, false),
        )
        .expect("lists");
    assert_eq!(
        ids(&page),
        vec![140, 130, 120, 111, 110, 105, 104, 102, 101, 100]
    );
}

fn pipeline_lists_hide_retried_jobs_unless_asked(backend: &Backend) {
    let store = backend.small_store();
    let filter = JobFilter::pipeline(1, 10, JobKind::Build);
    let latest = store
        .list_jobs(&filter, &Pagination::offset(None, None, true))
        .expect("lists");
    assert_eq!(ids(&latest), vec![105, 102, 101, 100]);
    let all = JobFilter {
        include_retried: true,
        ..filter
    };
    let with_retried = store
        .list_jobs(&all, &Pagination::offset(None, None, true))
        .expect("lists");
    assert_eq!(ids(&with_retried), vec![105, 104, 102, 101, 100]);
}

fn bridges_are_listed_apart(backend: &Backend) {
    let store = backend.small_store();
    let bridges = store
        .list_jobs(
            &JobFilter::pipeline(1, 10, JobKind::Bridge),
            &Pagination::offset(None, None, true),
        )
        .expect("lists");
    assert_eq!(ids(&bridges), vec![106, 103]);
}

fn scope_filters_by_status(backend: &Backend) {
    let store = backend.small_store();
    let filter =
        JobFilter::project_builds(1).with_statuses(vec![JobStatus::Failed, JobStatus::Manual]);
    let page = store
        .list_jobs(&filter, &Pagination::offset(None, None, false))
        .expect("lists");
    assert_eq!(ids(&page), vec![120, 104, 102, 101]);
    let repeated =
        JobFilter::project_builds(1).with_statuses(vec![JobStatus::Running, JobStatus::Running]);
    let page = store
        .list_jobs(&repeated, &Pagination::offset(None, None, false))
        .expect("lists");
    assert_eq!(
        ids(&page),
        vec![110],
        "a repeated scope does not repeat jobs"
    );
    let pipeline =
        JobFilter::pipeline(1, 10, JobKind::Build).with_statuses(vec![JobStatus::Success]);
    let page = store
        .list_jobs(&pipeline, &Pagination::offset(None, None, true))
        .expect("lists");
    assert_eq!(ids(&page), vec![105, 100]);
}

fn offset_pages_count_and_link_their_neighbours(backend: &Backend) {
    let store = backend.small_store();
    let filter = JobFilter::project_builds(1);
    let second = store
        .list_jobs(&filter, &Pagination::offset(Some(2), Some(3), true))
        .expect("lists");
    assert_eq!(ids(&second), vec![111, 110, 105]);
    assert_eq!(
        second.info,
        PageInfo::Offset {
            page: 2,
            per_page: 3,
            next_page: Some(3),
            prev_page: Some(1),
            total: Some(10),
            total_pages: Some(4)
        }
    );
    let uncounted = store
        .list_jobs(&filter, &Pagination::offset(Some(4), Some(3), false))
        .expect("lists");
    assert_eq!(ids(&uncounted), vec![100]);
    assert_eq!(
        uncounted.info,
        PageInfo::Offset {
            page: 4,
            per_page: 3,
            next_page: None,
            prev_page: Some(3),
            total: None,
            total_pages: None
        }
    );
    let beyond = store
        .list_jobs(&filter, &Pagination::offset(Some(9), Some(3), true))
        .expect("lists");
    assert!(beyond.items.is_empty());
    let PageInfo::Offset {
        next_page,
        prev_page,
        ..
    } = beyond.info
    else {
        panic!("offset info")
    };
    assert_eq!((next_page, prev_page), (None, None));
    // As far past the end as a page number goes, scoped (one range per status): empty.
    let scoped = filter.with_statuses(vec![JobStatus::Success, JobStatus::Failed]);
    let farthest = store
        .list_jobs(&scoped, &Pagination::offset(Some(u64::MAX), Some(3), false))
        .expect("lists");
    assert!(farthest.items.is_empty());
}

fn keyset_pages_cover_every_job_once(backend: &Backend) {
    let store = backend.small_store();
    let filter = JobFilter::project_builds(1);
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_jobs(&filter, &Pagination::keyset(Some(3), cursor.clone()))
            .expect("lists");
        seen.extend(ids(&page));
        let PageInfo::Keyset { next_cursor, .. } = page.info else {
            panic!("keyset info")
        };
        match next_cursor {
            Some(next) => cursor = Some(Cursor::parse(next.as_str()).expect("our cursor parses")),
            None => break,
        }
    }
    assert_eq!(seen, vec![140, 130, 120, 111, 110, 105, 104, 102, 101, 100]);
}

fn keyset_respects_scope(backend: &Backend) {
    let store = backend.small_store();
    let filter = JobFilter::project_builds(1).with_statuses(vec![JobStatus::Success]);
    let first = store
        .list_jobs(&filter, &Pagination::keyset(Some(2), None))
        .expect("lists");
    assert_eq!(ids(&first), vec![140, 130]);
    let PageInfo::Keyset {
        next_cursor: Some(next),
        ..
    } = first.info
    else {
        panic!("has a next page")
    };
    let second = store
        .list_jobs(&filter, &Pagination::keyset(Some(2), Some(next)))
        .expect("lists");
    assert_eq!(ids(&second), vec![105, 100]);
}

fn more_than_max_count_rows_are_not_counted(backend: &Backend) {
    let store = backend.small_store();
    let template = job(&store, 100).job;
    let mut records = (0..(MAX_COUNT as i64 + 5)).map(|n| {
        Record::Job(Box::new(crate::model::Job {
            id: 10_000 + n,
            token: None,
            ..template.clone()
        }))
    });
    store.import(&mut records).expect("imports");
    let page = store
        .list_jobs(
            &JobFilter::pipeline(1, 10, JobKind::Build),
            &Pagination::offset(None, None, true),
        )
        .expect("lists");
    let PageInfo::Offset {
        total,
        total_pages,
        next_page,
        ..
    } = page.info
    else {
        panic!("offset info")
    };
    assert_eq!((total, total_pages, next_page), (None, None, Some(2)));
}

// --- fixtures ------------------------------------------------------------------------------

fn a_bad_fixture_loads_nothing(backend: &Backend) {
    let store = backend.empty_store();
    let mut fixtures = small_fixtures();
    fixtures.jobs[3].pipeline.id = 404;
    let error = store.load_fixtures(&fixtures).expect_err("refused");
    assert_eq!(
        error.to_string(),
        "job 103 (trigger-child): unknown pipeline 404"
    );
    assert!(
        store.user(1).expect("reads").is_none(),
        "the transaction was rolled back"
    );
}

fn fixtures_can_refer_to_what_is_already_loaded(backend: &Backend) {
    let store = backend.small_store();
    let extra = crate::fixtures::Fixtures::from_json(
        r#"{"jobs": [{"id": 900, "project_id": 1, "name": "late", "stage": "test", "status": "success",
            "ref": "main", "created_at": "2024-01-01T00:00:00Z", "pipeline": {"id": 10}, "user": {"id": 1}}]}"#,
    )
    .expect("parses");
    store
        .load_fixtures(&extra)
        .expect("loads against the database");
    assert_eq!(job(&store, 900).job.name, "late");
    let again = store.load_fixtures(&extra).expect_err("duplicate");
    assert_eq!(
        again.to_string(),
        "job 900 (late): a job with this id already exists"
    );
}

fn distinct_statuses_are_read_back(backend: &Backend) {
    let store = backend.small_store();
    let statuses: BTreeSet<JobStatus> = [100, 101, 102, 110, 111]
        .iter()
        .map(|id| job(&store, *id).job.status)
        .collect();
    assert_eq!(statuses.len(), 5);
}

/// A failed pipeline: compile succeeded, rspec failed, deploy was skipped.
fn load_failed_pipeline(store: &dyn Store) {
    let fixture = crate::fixtures::Fixtures::from_json(
        r#"{"pipelines": [{"id": 50, "project_id": 1, "sha": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "ref": "main", "status": "failed"}],
            "jobs": [
              {"id": 950, "project_id": 1, "name": "compile", "stage": "build", "status": "success",
               "ref": "main", "created_at": "2024-01-01T00:00:00Z", "finished_at": "2024-01-01T00:01:00Z",
               "pipeline": {"id": 50}, "user": {"id": 1}},
              {"id": 951, "project_id": 1, "name": "rspec", "stage": "test", "status": "failed",
               "ref": "main", "created_at": "2024-01-01T00:00:00Z", "finished_at": "2024-01-01T00:02:00Z",
               "pipeline": {"id": 50}, "user": {"id": 1}},
              {"id": 952, "project_id": 1, "name": "deploy", "stage": "deploy", "status": "skipped",
               "ref": "main", "created_at": "2024-01-01T00:00:00Z",
               "pipeline": {"id": 50}, "user": {"id": 1}}]}"#,
    )
    .expect("parses");
    store.load_fixtures(&fixture).expect("loads");
}

fn retry_and_cancel_process_the_pipeline(backend: &Backend) {
    let store = backend.small_store();
    load_failed_pipeline(&*store);
    let new = store.retry_job(1, 951, 2, now()).expect("retries");
    // ResetSkippedJobsService: deploy goes back to created, for the retrier, and waits.
    let deploy = job(&store, 952);
    assert_eq!(deploy.job.status, JobStatus::Created);
    assert_eq!(deploy.job.user_id, Some(2));
    assert_eq!(new.pipeline.status, JobStatus::Running);
    // Canceling the retry completes its stage without success: deploy is skipped again and
    // the pipeline is canceled.
    let canceled = store
        .cancel_job(1, new.job.id, false, now())
        .expect("cancels");
    assert_eq!(job(&store, 952).job.status, JobStatus::Skipped);
    assert_eq!(canceled.pipeline.status, JobStatus::Canceled);
    assert_eq!(canceled.pipeline.updated_at, now());
}

/// A job's change moves the data number alone; a change of tokens or members moves both.
fn the_data_version_says_what_changed(backend: &Backend) {
    let store = backend.small_store();
    let loaded = store.data_version().expect("reads");
    store.cancel_job(1, 110, false, now()).expect("cancels");
    let canceled = store.data_version().expect("reads");
    assert!(canceled.data > loaded.data, "{loaded:?} → {canceled:?}");
    assert_eq!(canceled.identities, loaded.identities);
    store
        .revoke_personal_access_token("guest-token")
        .expect("revokes");
    let revoked = store.data_version().expect("reads");
    assert!(revoked.data > canceled.data && revoked.identities > canceled.identities);
    store.remove_member(1, 4).expect("removes");
    let removed = store.data_version().expect("reads");
    assert!(removed.data > revoked.data && removed.identities > revoked.identities);
    // A refused change changes nothing.
    assert!(store.remove_member(1, 4).is_err());
    assert_eq!(store.data_version().expect("reads"), removed);
}

store_suite! {
    the_data_version_says_what_changed,
    a_new_database_is_empty_until_loaded,
    loaded_jobs_have_their_relations,
    jobs_of_other_projects_are_not_found,
    a_job_in_a_known_project_is_the_job,
    projects_are_found_by_id_or_full_path,
    projects_keep_who_may_set_variables,
    tokens_resolve_to_their_user_and_job,
    cancel_ends_a_running_job_and_the_pipeline_follows,
    cancel_leaves_a_finished_job_unchanged,
    cancel_is_for_builds_only,
    retry_creates_a_new_pending_job_and_marks_the_old_one,
    running_jobs_are_not_retryable,
    bridges_can_be_retried,
    fifty_concurrent_retries_on_a_shared_database_create_one_job,
    play_enqueues_a_manual_job_for_the_player,
    playing_a_finished_manual_job_retries_it,
    manual_bridges_can_be_played,
    non_manual_jobs_are_not_playable,
    erase_removes_log_and_artifacts,
    unfinished_or_empty_jobs_are_not_erasable,
    keep_clears_the_expiry,
    delete_artifacts_keeps_the_log,
    archives_are_stored_as_zip_files,
    latest_successful_build_for_ref_skips_failed_pipelines,
    pipelines_unlock_when_a_newer_one_of_their_ref_finishes,
    latest_build_with_artifacts_searches_recent_successful_pipelines,
    project_list_shows_builds_newest_first_with_retried_ones,
    pipeline_lists_hide_retried_jobs_unless_asked,
    bridges_are_listed_apart,
    scope_filters_by_status,
    offset_pages_count_and_link_their_neighbours,
    keyset_pages_cover_every_job_once,
    keyset_respects_scope,
    more_than_max_count_rows_are_not_counted,
    a_bad_fixture_loads_nothing,
    fixtures_can_refer_to_what_is_already_loaded,
    distinct_statuses_are_read_back,
    retry_and_cancel_process_the_pipeline,
}
