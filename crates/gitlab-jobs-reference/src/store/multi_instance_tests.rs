//! Two store instances on one database, as two server processes have: concurrent use cases
//! spread over both must behave as if they ran one after the other. For every store
//! (`store_suite!`): SQLite shares a file between instances, PostgreSQL a database.

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};
use std::thread;

use super::*;
use crate::model::{JobStatus, JobVariable};
use crate::rules;
use crate::test_support::{Backend, now, sent, small_fixtures, store_suite};

/// Two instances on a new database holding the small fixture.
fn two_instances(backend: &Backend) -> (crate::test_support::TestDatabase, [Arc<dyn Store>; 2]) {
    let database = backend.database();
    let first = database.open(8);
    first.load_fixtures(&small_fixtures()).expect("loads");
    let second = database.open(8);
    (database, [first, second])
}

/// Runs `work(i, instance)` on `threads` threads released together, thread `i` on instance
/// `i % 2`; returns the results in thread order.
fn race<T: Send + 'static>(
    instances: &[Arc<dyn Store>; 2],
    threads: usize,
    work: impl Fn(usize, &dyn Store) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let barrier = Arc::new(Barrier::new(threads));
    let work = Arc::new(work);
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let store = Arc::clone(&instances[i % 2]);
            let barrier = Arc::clone(&barrier);
            let work = Arc::clone(&work);
            thread::spawn(move || {
                barrier.wait();
                work(i, store.as_ref())
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|handle| handle.join().expect("thread finishes"))
        .collect()
}

/// Every build of project 1, newest first, walked with keyset pagination.
fn keyset_walk(store: &dyn Store) -> Vec<Id> {
    let filter = JobFilter::project_builds(1);
    let mut ids = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_jobs(&filter, &Pagination::keyset(Some(7), cursor.take()))
            .expect("lists");
        ids.extend(page.items.iter().map(|details| details.job.id));
        match page.info {
            PageInfo::Keyset {
                next_cursor: Some(next),
                ..
            } => cursor = Some(next),
            _ => return ids,
        }
    }
}

fn assert_strictly_descending(ids: &[Id]) {
    assert!(
        ids.windows(2).all(|pair| pair[0] > pair[1]),
        "newest first, no job twice: {ids:?}"
    );
}

fn fifty_retries_spread_over_two_instances_create_one_job(backend: &Backend) {
    let (_database, instances) = two_instances(backend);
    let before = keyset_walk(instances[0].as_ref());
    let results = race(&instances, 50, |_, store| store.retry_job(1, 101, 3, now()));
    let created: Vec<Id> = results
        .iter()
        .filter_map(|result| result.as_ref().ok().map(|details| details.job.id))
        .collect();
    assert_eq!(created.len(), 1, "exactly one retry wins: {results:?}");
    let refused = results
        .iter()
        .filter(|result| matches!(result, Err(StoreError::NotRetryable)))
        .count();
    assert_eq!(refused, 49, "every other retry finds the job retried");
    let new_id = created[0];
    assert!(!before.contains(&new_id), "a fresh id");
    for store in &instances {
        let after = keyset_walk(store.as_ref());
        assert_eq!(after.len(), before.len() + 1, "one new job, seen by both");
        assert_eq!(after[0], new_id);
        let old = store.job(1, 101).expect("reads").expect("exists");
        assert!(old.job.retried);
    }
}

/// Chains of retries (retry, cancel the new job, retry it...) of four jobs on two instances at
/// once, three of them in one pipeline, while a reader pages through the list.
fn ids_stay_unique_and_pages_consistent_across_instances(backend: &Backend) {
    const ROUNDS: usize = 10;
    let (_database, instances) = two_instances(backend);
    let before = keyset_walk(instances[0].as_ref());
    let reader = {
        let store = Arc::clone(&instances[1]);
        thread::spawn(move || {
            for _ in 0..20 {
                assert_strictly_descending(&keyset_walk(store.as_ref()));
            }
        })
    };
    let chains = race(&instances, 4, |i, store| {
        let mut current = [101, 105, 120, 100][i];
        let mut created = Vec::new();
        for _ in 0..ROUNDS {
            let new = store.retry_job(1, current, 3, now()).expect("retries");
            let canceled = store
                .cancel_job(1, new.job.id, false, now())
                .expect("cancels");
            assert_eq!(canceled.job.status, JobStatus::Canceled);
            created.push(new.job.id);
            current = new.job.id;
        }
        created
    });
    reader.join().expect("the reader saw consistent pages");
    let created: BTreeSet<Id> = chains.iter().flatten().copied().collect();
    assert_eq!(
        created.len(),
        4 * ROUNDS,
        "every new job has an id of its own"
    );
    assert!(created.iter().all(|id| !before.contains(id)));
    let by_keyset = keyset_walk(instances[0].as_ref());
    assert_strictly_descending(&by_keyset);
    assert_eq!(by_keyset.len(), before.len() + 4 * ROUNDS);
    let counted = instances[1]
        .list_jobs(
            &JobFilter::project_builds(1),
            &Pagination::offset(Some(1), Some(100), true),
        )
        .expect("lists");
    let by_offset: Vec<Id> = counted.items.iter().map(|d| d.job.id).collect();
    assert_eq!(by_offset, by_keyset, "both instances list the same jobs");
    let PageInfo::Offset { total, .. } = counted.info else {
        panic!("offset info")
    };
    assert_eq!(total, Some(by_keyset.len() as u64));
}

/// What a concurrent cancel, play or erase of job 102 answered.
#[derive(Debug)]
enum Outcome {
    Canceled(JobStatus),
    Played { retried: bool },
    Erased,
    Refused(StoreError),
}

/// Cancels, plays and erases of one manual job with a log, twelve at once on two instances,
/// five times over. Each use case reads the job and writes it back whole, so without the
/// store's locking one would undo another (an erase lost under a cancel, say). Whatever the
/// order, the end must be one GitLab's rules can reach.
fn concurrent_cancel_play_erase_lose_no_update(backend: &Backend) {
    for _ in 0..5 {
        let (_database, instances) = two_instances(backend);
        instances[0]
            .import(&mut std::iter::once(Record::Trace {
                job_id: 102,
                content: "$ deploy\n".into(),
            }))
            .expect("adds a log");
        let jobs_before = keyset_walk(instances[0].as_ref()).len();
        let outcomes = race(&instances, 12, |i, store| {
            let result = match i % 3 {
                0 => store
                    .cancel_job(1, 102, false, now())
                    .map(|d| Outcome::Canceled(d.job.status)),
                1 => {
                    let variables = [JobVariable {
                        key: "RUN".into(),
                        value: i.to_string(),
                        variable_type: None,
                    }];
                    store
                        .play_job(1, 102, 3, &variables, now())
                        .map(|d| Outcome::Played {
                            retried: d.job.retried,
                        })
                }
                _ => store.erase_job(1, 102, 2, now()).map(|_| Outcome::Erased),
            };
            result.unwrap_or_else(Outcome::Refused)
        });
        for outcome in &outcomes {
            if let Outcome::Refused(error) = outcome {
                assert!(
                    matches!(error, StoreError::NotPlayable | StoreError::NotErasable),
                    "only GitLab's refusals, no database error: {outcomes:?}"
                );
            }
            if let Outcome::Canceled(status) = outcome {
                assert_eq!(*status, JobStatus::Canceled, "{outcomes:?}");
            }
        }
        let erases = outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Erased))
            .count();
        let retries = outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Played { retried: true }))
            .count();
        assert!(erases <= 1 && retries <= 1, "{outcomes:?}");
        let store = instances[1].as_ref();
        let job = store.job(1, 102).expect("reads").expect("exists");
        if erases == 1 {
            assert_eq!(job.job.erased_by, Some(2), "the erase stayed: {outcomes:?}");
            assert!(job.job.erased_at.is_some());
            assert_eq!(store.trace(102).expect("reads"), None);
            assert_eq!(
                job.job.status,
                JobStatus::Canceled,
                "only finished jobs erase"
            );
        } else {
            assert_eq!(job.job.erased_at, None);
            assert!(store.trace(102).expect("reads").is_some());
        }
        assert_eq!(job.job.retried, retries == 1, "{outcomes:?}");
        assert_eq!(
            keyset_walk(store).len(),
            jobs_before + retries,
            "one new job per retry"
        );
        // The pipeline's status is its latest jobs' composite status (no stale write).
        let latest: Vec<(JobStatus, bool)> = [JobKind::Build, JobKind::Bridge]
            .into_iter()
            .flat_map(|kind| {
                store
                    .list_jobs(
                        &JobFilter::pipeline(1, 10, kind),
                        &Pagination::offset(None, Some(100), false),
                    )
                    .expect("lists")
                    .items
            })
            .map(|d| (d.job.status, d.job.allow_failure))
            .collect();
        let pipeline = store.pipeline(1, 10).expect("reads").expect("exists");
        assert_eq!(Some(pipeline.status), rules::composite_status(latest));
    }
}

/// Each instance's service keeps tokens, projects and presented jobs in memory: a change made
/// through the other instance is seen by the next request all the same.
fn a_change_on_one_instance_reaches_the_others_cache_at_once(backend: &Backend) {
    use crate::service::auth::Credentials;
    use crate::service::{ApiError, JobsService};

    let (_database, [first, second]) = two_instances(backend);
    let probe = first
        .data_version_probe()
        .expect("a file or server database has a probe");
    let service = JobsService::with_clock(first, "http://gitlab.test/", Arc::new(now));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let from_memory = std::cell::Cell::new(0);
    // As the HTTP adapter reads: the version from the probe, from memory when the cache
    // holds the answer, else with the store.
    let get = |token: &str, job_id: Id| {
        let credentials = Credentials::PrivateToken(token.to_owned());
        let version = runtime.block_on(probe.read()).expect("the probe reads");
        let use_case = |reads: &crate::service::cache::Reads<'_>| {
            service.get_job_with(reads, &credentials, "acme/app", job_id)
        };
        let answer = match service.in_memory(version, use_case) {
            Some(answer) => {
                from_memory.set(from_memory.get() + 1);
                answer
            }
            None => service.at(Some(version), use_case),
        };
        answer.map(|job| sent(&job))
    };
    for _ in 0..2 {
        assert!(get("maintainer-token", 100).is_ok());
        assert!(get("reporter-token", 100).is_ok());
    }
    assert_eq!(
        from_memory.get(),
        2,
        "the second round is answered from memory"
    );
    assert_eq!(
        get("maintainer-token", 100).expect("found")["erased_at"],
        serde_json::Value::Null
    );

    second.erase_job(1, 100, 2, now()).expect("erases");
    let erased = get("maintainer-token", 100).expect("found");
    assert_eq!(erased["erased_at"], "2024-01-02T00:00:00Z");

    second
        .revoke_personal_access_token("maintainer-token")
        .expect("revokes");
    assert_eq!(get("maintainer-token", 100), Err(ApiError::token_revoked()));

    second.remove_member(1, 4).expect("removes");
    assert_eq!(
        get("reporter-token", 100),
        Err(ApiError::project_not_found())
    );
}

store_suite! {
    a_change_on_one_instance_reaches_the_others_cache_at_once,
    fifty_retries_spread_over_two_instances_create_one_job,
    ids_stay_unique_and_pages_consistent_across_instances,
    concurrent_cancel_play_erase_lose_no_update,
}
