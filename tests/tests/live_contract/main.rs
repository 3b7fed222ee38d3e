//! Live contract: the reference server on `127.0.0.1:0` with the demo data set, every
//! operation driven through the generated client, and every response checked, as raw bytes,
//! against the document.
//!
//! The client talks to the server through a recording proxy ([`Recorder`](gitlab_jobs_contract_tests::wire::Recorder)), so each call is
//! made by the typed client exactly as an application would make it, and its raw status,
//! headers and body are checked with `conformance::check` (documented status, content type,
//! headers, body schema with unknown properties rejected). A few statuses cannot be reached
//! through the typed client (it will not send `job_id=x`, nor leave out a required `job`):
//! those requests are written raw and checked the same way.
//!
//! One test drives every scenario, each on a fresh demo server, collects what went wrong, and
//! then compares the (operation, status) pairs it provoked with every status the document
//! declares: what is not provoked must be exactly [`NOT_PROVOKED`], so the list cannot grow
//! (or go stale) silently.

mod artifacts;
mod current_job;
mod harness;
mod job_actions;
mod job_reads;
mod pipeline_lists;
mod project_jobs;

use std::sync::LazyLock;
use std::time::Instant;

use gitlab_jobs_contract_tests::{Spec, report};

use self::artifacts::{artifact_downloads, erase_keep_and_delete_artifacts};
use self::current_job::current_job;
use self::harness::Live;
use self::job_actions::{cancel_and_retry, play};
use self::job_reads::single_job_reads;
use self::pipeline_lists::pipeline_jobs_and_bridges;
use self::project_jobs::project_jobs;

static SPEC: LazyLock<Spec> =
    LazyLock::new(|| gitlab_jobs_contract_tests::load_spec().expect("the document loads"));

/// Documented statuses that the reference server cannot be made to answer, and why. The
/// final check fails if one of them gets provoked (remove it here) or if another documented
/// status goes unprovoked (provoke it, or add it here with the reason).
const NOT_PROVOKED: &[(&str, u16, &str)] = &[
    (
        "list_project_jobs",
        429,
        "the reference server has no rate limiter (GitLab's `jobs_index` limit)",
    ),
    (
        "get_current_job",
        403,
        "GitLab answers 403 for a token without the needed scope; the reference server models no token scopes",
    ),
    (
        "get_current_job_allowed_agents",
        403,
        "GitLab answers 403 for a token without the needed scope; the reference server models no token scopes",
    ),
    (
        "erase_job",
        409,
        "GitLab answers 409 during a project statistics refresh, which the reference server does not model",
    ),
    (
        "delete_job_artifacts",
        409,
        "GitLab answers 409 during a project statistics refresh, which the reference server does not model",
    ),
    (
        "get_job_artifacts",
        302,
        "302 is GitLab's redirect to object storage; the reference server keeps artifacts in its database",
    ),
    (
        "download_artifacts_by_ref",
        302,
        "302 is GitLab's redirect to object storage; the reference server keeps artifacts in its database",
    ),
    (
        "get_job_artifact_file",
        302,
        "302 is GitLab's redirect to object storage; the reference server keeps artifacts in its database",
    ),
    (
        "get_artifact_file_by_ref",
        302,
        "302 is GitLab's redirect to object storage; the reference server keeps artifacts in its database",
    ),
];

/// The builds of `acme/backend` (project 1) in the demo, newest first: every job of the
/// project but the bridges 4 and 15, the retried job 9 included.
const BACKEND_BUILDS: [i64; 16] = [18, 17, 16, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 3, 2, 1];
/// Highest job id of the demo: new jobs (retries) get larger ones.
const LAST_DEMO_JOB: i64 = 21;

/// A documented error status with GitLab's error text (`message`, or `error`).
type Refusal = (u16, &'static str);

const BAD_REQUEST: Refusal = (400, "400 Bad request");
const PER_PAGE_ZERO: Refusal = (400, "per_page has a value not allowed");
const UNPLAYABLE: Refusal = (400, "400 Bad request - Unplayable Job");
const UNAUTHORIZED: Refusal = (401, "401 Unauthorized");
const FORBIDDEN: Refusal = (403, "403 Forbidden");
const NOT_RETRYABLE: Refusal = (403, "403 Forbidden - Job is not retryable");
const NOT_ERASABLE: Refusal = (403, "403 Forbidden - Job is not erasable!");
/// `rescue_from ActiveRecord::RecordNotFound` (a missing job, pipeline or ref): lowercase f.
const RECORD_NOT_FOUND: Refusal = (404, "404 Not found");
/// `not_found!` without a resource (no artifacts).
const NOT_FOUND: Refusal = (404, "404 Not Found");
const PROJECT_NOT_FOUND: Refusal = (404, "404 Project Not Found");
const JOB_NOT_FOUND: Refusal = (404, "404 Job Not Found");
const KEYSET_UNSUPPORTED: Refusal = (
    405,
    "Keyset pagination is not yet available for this type of request",
);

#[tokio::test]
async fn every_operation_and_documented_status_against_the_reference_server() {
    let started = Instant::now();
    let mut live = Live::new();

    macro_rules! scenarios {
        ($($scenario:ident),* $(,)?) => {$(
            match live.fresh().await {
                Ok(()) => {
                    if let Err(error) = $scenario(&mut live).await {
                        live.failures.push(format!("scenario `{}` stopped: {error:#}", stringify!($scenario)));
                    }
                    let leftover = live.take();
                    if !leftover.is_empty() {
                        live.failures.push(format!(
                            "scenario `{}` left {} unchecked exchange(s), first: {}",
                            stringify!($scenario), leftover.len(), leftover[0].summary()
                        ));
                    }
                }
                Err(error) => live.failures.push(format!("scenario `{}`: the server did not start: {error:#}", stringify!($scenario))),
            }
        )*};
    }
    scenarios!(
        project_jobs,
        pipeline_jobs_and_bridges,
        current_job,
        single_job_reads,
        cancel_and_retry,
        play,
        erase_keep_and_delete_artifacts,
        artifact_downloads,
    );
    live.stop().await;

    let coverage = live.coverage_failures();
    println!("{}", live.coverage_table());
    println!(
        "live contract: {} exchanges judged in {:?}",
        live.judged,
        started.elapsed()
    );
    let mut failures = live.failures;
    failures.extend(coverage);
    report::assert_none("live contract against the reference server", &failures);
}
