//! The cache gives the answers the store would: every change invalidates what it affects at
//! once, on every store (`store_suite!`). Two instances on one database are in
//! `store/multi_instance_tests.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use crate::model::InputValues;
use crate::service::auth::Credentials;
use crate::service::cache::Reads;
use crate::service::{ApiError, JobsService};
use crate::store::{Pagination, StoreError};
use crate::test_support::{Backend, TestStore, now, sent, store_suite};

/// A service whose clock the test moves, on a store with the small fixture (SQLite on a
/// file, so that both stores have their version probe).
struct Fixture {
    service: JobsService,
    store: TestStore,
    seconds: Arc<AtomicI64>,
    /// Drives the PostgreSQL probe's async session.
    runtime: tokio::runtime::Runtime,
    /// GET job answers given from memory alone.
    in_memory: AtomicUsize,
}

impl Fixture {
    fn new(backend: &Backend) -> Fixture {
        let store = backend.small_store_shared();
        let seconds = Arc::new(AtomicI64::new(0));
        let elapsed = Arc::clone(&seconds);
        let clock = Arc::new(move || now() + Duration::seconds(elapsed.load(Ordering::SeqCst)));
        Fixture {
            service: JobsService::with_clock(store.shared(), "http://gitlab.test/", clock),
            store,
            seconds,
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime"),
            in_memory: AtomicUsize::new(0),
        }
    }

    fn set_clock(&self, time: DateTime<Utc>) {
        self.seconds
            .store((time - now()).num_seconds(), Ordering::SeqCst);
    }

    /// A use case run as the HTTP adapter runs a read: at the version the store's probe reads,
    /// from memory when the cache holds the answer, else with the store.
    fn answer<T>(
        &self,
        use_case: impl Fn(&JobsService, &Reads<'_>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let probe = self.store.data_version_probe().expect("a probe");
        let version = self
            .runtime
            .block_on(probe.read())
            .expect("the probe reads");
        assert_eq!(version, self.store.data_version().expect("reads"));
        let service = &self.service;
        match service.in_memory(version, |reads| use_case(service, reads)) {
            Some(answer) => {
                self.in_memory.fetch_add(1, Ordering::SeqCst);
                answer
            }
            None => service.at(Some(version), |reads| use_case(service, reads)),
        }
    }

    fn get_job(&self, token: &str, project: &str, job_id: i64) -> Result<Value, ApiError> {
        let credentials = Credentials::PrivateToken(token.to_owned());
        let job = self
            .answer(|service, reads| service.get_job_with(reads, &credentials, project, job_id))?;
        Ok(sent(&job))
    }

    fn answered_in_memory(&self) -> usize {
        self.in_memory.load(Ordering::SeqCst)
    }
}

fn a_kept_answer_needs_no_store_call(backend: &Backend) {
    let fixture = Fixture::new(backend);
    let first = fixture.get_job("reporter-token", "1", 100).expect("found");
    assert_eq!(fixture.answered_in_memory(), 0, "nothing kept yet");
    let second = fixture.get_job("reporter-token", "1", 100).expect("found");
    assert_eq!((fixture.answered_in_memory(), &second), (1, &first));
    // A refusal from kept identities is an answer too.
    assert_eq!(
        fixture.get_job("reporter-token", "1", 999),
        Err(ApiError::record_not_found())
    );
    assert_eq!(fixture.answered_in_memory(), 1, "job 999 was never kept");
    let page = first_page(&fixture);
    assert_eq!(
        fixture.answered_in_memory(),
        1,
        "a page is kept from now on"
    );
    assert_eq!(first_page(&fixture), page);
    assert_eq!(fixture.answered_in_memory(), 2);
    fixture
        .store
        .revoke_personal_access_token("guest-token")
        .expect("revokes");
    let third = fixture.get_job("reporter-token", "1", 100).expect("found");
    assert_eq!(
        (fixture.answered_in_memory(), &third),
        (2, &first),
        "a change empties it"
    );
}

/// A job's change empties the kept answers but keeps what authentication read.
fn identities_stay_kept_across_a_jobs_change(backend: &Backend) {
    use gitlab_jobs_server::GetJobRequest;

    use crate::service::auth::Route;

    let fixture = Fixture::new(backend);
    fixture.get_job("reporter-token", "1", 100).expect("found");
    fixture
        .store
        .cancel_job(1, 110, false, now())
        .expect("cancels");
    let version = fixture.store.data_version().expect("reads");
    let credentials = Credentials::PrivateToken("reporter-token".to_owned());
    let service = &fixture.service;
    let access = service.in_memory(version, |reads| {
        let route = Route::of(GetJobRequest::SECURITY);
        service.project_access_in(reads, &credentials, route, "1")
    });
    assert!(
        matches!(access, Some(Ok(ref access)) if access.project.id == 1),
        "the token, its user and the project from memory"
    );
    let job = service.in_memory(version, |reads| {
        service.get_job_with(reads, &credentials, "1", 100)
    });
    assert!(job.is_none(), "the kept job went with the change");
}

fn a_revoked_token_stops_working_at_once(backend: &Backend) {
    let fixture = Fixture::new(backend);
    for _ in 0..2 {
        assert!(fixture.get_job("maintainer-token", "1", 100).is_ok());
    }
    fixture
        .store
        .revoke_personal_access_token("maintainer-token")
        .expect("revokes");
    let refused = fixture
        .get_job("maintainer-token", "1", 100)
        .expect_err("refused");
    assert_eq!(refused, ApiError::token_revoked());
    assert!(matches!(
        fixture.store.revoke_personal_access_token("no-such-token"),
        Err(StoreError::NotFound(_))
    ));
}

fn a_removed_member_loses_access_at_once(backend: &Backend) {
    let fixture = Fixture::new(backend);
    for project in ["1", "acme/app", "ACME/app"] {
        assert!(fixture.get_job("reporter-token", project, 100).is_ok());
    }
    fixture.store.remove_member(1, 4).expect("removes");
    for project in ["1", "acme/app", "ACME/app"] {
        let refused = fixture
            .get_job("reporter-token", project, 100)
            .expect_err("refused");
        assert_eq!(refused, ApiError::project_not_found(), "{project}");
    }
    assert!(matches!(
        fixture.store.remove_member(1, 4),
        Err(StoreError::NotFound(_))
    ));
}

fn a_kept_job_follows_every_change(backend: &Backend) {
    let fixture = Fixture::new(backend);
    let before = fixture
        .get_job("maintainer-token", "1", 100)
        .expect("found");
    assert_eq!(before["erased_at"], Value::Null);
    assert_eq!(
        fixture
            .get_job("maintainer-token", "1", 100)
            .expect("found"),
        before,
        "the same answer again"
    );
    let credentials = Credentials::PrivateToken("maintainer-token".to_owned());
    fixture
        .service
        .erase_job(&credentials, "1", 100)
        .expect("erases");
    let after = fixture
        .get_job("maintainer-token", "1", 100)
        .expect("found");
    assert_eq!(after["erased_at"], json!("2024-01-02T00:00:00Z"));
    assert_eq!(after["artifacts"], json!([]));
}

fn kept_jobs_show_the_durations_of_now(backend: &Backend) {
    let fixture = Fixture::new(backend);
    let durations = |job_id: i64, seconds: i64| {
        fixture.set_clock(now() + Duration::seconds(seconds));
        let job = fixture
            .get_job("reporter-token", "1", job_id)
            .expect("found");
        (job["duration"].clone(), job["queued_duration"].clone())
    };
    let running = |seconds| durations(110, seconds).0;
    assert_eq!(running(0), json!(1800.0), "23:30 until midnight");
    assert_eq!(running(10), json!(1810.0));
    assert_eq!(running(25), json!(1825.0));
    let (_, queued) = durations(111, 0);
    let (_, later) = durations(111, 30);
    let waited = |value: &Value| value.as_f64().expect("a queued job's queued_duration");
    assert_eq!(waited(&later) - waited(&queued), 30.0);
    let finished = durations(100, 0);
    assert_eq!(
        durations(100, 3600),
        finished,
        "a finished job's durations stay"
    );
}

fn kept_artifacts_expire_on_time(backend: &Backend) {
    let fixture = Fixture::new(backend);
    let expiry = Utc
        .with_ymd_and_hms(2030, 1, 1, 0, 0, 0)
        .single()
        .expect("valid time");
    let archive_at = |time: DateTime<Utc>| {
        fixture.set_clock(time);
        fixture.get_job("reporter-token", "1", 100).expect("found")["artifacts_file"].clone()
    };
    let kept = archive_at(now());
    assert_eq!(kept["filename"], "artifacts.zip");
    assert_eq!(
        archive_at(expiry),
        kept,
        "still there at the expiry instant"
    );
    assert_eq!(
        archive_at(expiry + Duration::seconds(1)),
        Value::Null,
        "gone after it"
    );
}

/// The ids and statuses of project 1's first page, and job 110's duration (running).
fn first_page(fixture: &Fixture) -> (Vec<(i64, String)>, Value) {
    let credentials = Credentials::PrivateToken("maintainer-token".to_owned());
    let pagination = Pagination::offset(None, Some(100), false);
    let page = fixture
        .answer(|service, reads| {
            service.list_project_jobs_with(reads, &credentials, "1", &[], pagination.clone())
        })
        .expect("lists");
    let jobs: Vec<Value> = page.items.iter().map(sent).collect();
    let running = jobs
        .iter()
        .find(|job| job["id"] == 110)
        .map(|job| job["duration"].clone())
        .unwrap_or_default();
    let summary = jobs
        .iter()
        .map(|job| (job["id"].as_i64().unwrap_or(0), job["status"].to_string()))
        .collect();
    (summary, running)
}

fn a_kept_page_follows_every_change_and_the_clock(backend: &Backend) {
    let fixture = Fixture::new(backend);
    let (before, running) = first_page(&fixture);
    assert_eq!(running, json!(1800.0));
    fixture.set_clock(now() + Duration::seconds(5));
    let (again, running) = first_page(&fixture);
    assert_eq!(again, before);
    assert_eq!(
        running,
        json!(1805.0),
        "a page with a running job is not kept"
    );

    let credentials = Credentials::PrivateToken("maintainer-token".to_owned());
    fixture
        .service
        .cancel_job(&credentials, "1", 110, false)
        .expect("cancels");
    let (canceled, _) = first_page(&fixture);
    assert!(
        canceled.contains(&(110, "\"canceled\"".to_owned())),
        "{canceled:?}"
    );
    assert_eq!(
        first_page(&fixture).0,
        canceled,
        "kept now that nothing runs"
    );
    let retried = fixture
        .service
        .retry_job(&credentials, "1", 101, &InputValues::new())
        .expect("retries");
    assert_eq!(first_page(&fixture).0[0].0, retried.id);
}

fn an_unknown_pipeline_is_404_after_a_kept_page(backend: &Backend) {
    let fixture = Fixture::new(backend);
    let credentials = Credentials::PrivateToken("maintainer-token".to_owned());
    let list = |pipeline_id| {
        fixture.service.list_pipeline_jobs(
            &credentials,
            "1",
            pipeline_id,
            &[],
            false,
            Pagination::offset(None, None, true),
        )
    };
    for _ in 0..2 {
        assert!(!list(10).expect("lists").items.is_empty());
    }
    assert_eq!(
        list(999).expect_err("refused"),
        ApiError::record_not_found()
    );
}

store_suite!(
    identities_stay_kept_across_a_jobs_change,
    a_kept_answer_needs_no_store_call,
    a_kept_page_follows_every_change_and_the_clock,
    an_unknown_pipeline_is_404_after_a_kept_page,
    a_revoked_token_stops_working_at_once,
    a_removed_member_loses_access_at_once,
    a_kept_job_follows_every_change,
    kept_jobs_show_the_durations_of_now,
    kept_artifacts_expire_on_time,
);

#[test]
fn a_full_map_starts_again_empty() {
    use std::collections::HashMap;

    let mut map = HashMap::new();
    for i in 0..3 {
        super::keep(&mut map, 3, i, i);
    }
    super::keep(&mut map, 3, 1, 10);
    assert_eq!(map.len(), 3, "replacing an entry keeps the others");
    super::keep(&mut map, 3, 7, 7);
    assert_eq!(map, HashMap::from([(7, 7)]));
}

#[test]
fn a_page_holds_until_its_first_expiry() {
    use super::Unchanged;

    let early = now();
    let late = now() + Duration::days(1);
    assert_eq!(
        Unchanged::Always.and(Unchanged::Until(late)),
        Unchanged::Until(late)
    );
    assert_eq!(
        Unchanged::Until(late).and(Unchanged::Until(early)),
        Unchanged::Until(early)
    );
    assert_eq!(Unchanged::Always.and(Unchanged::Always), Unchanged::Always);
}
