//! `trace`: the log once, and `--follow` on a job whose log grows and which then finishes:
//! grown by a runner through the runner endpoints (`TestServer::runner`), or rewritten in
//! the store (what no runner can do: an erased or replaced log).

use gitlab_jobs_reference::store::Record;
use gitlab_jobs_reference::{Outcome, TestServer};

use crate::support::{demo, run, spawn};

/// The demo's running job (`rspec` in acme/backend) and its log so far.
const RUNNING: &str = "13";
const RUNNING_LOG: &str = "$ bundle exec rspec\n..........";

/// Replaces job 13's log in the store, as the runner's next trace update would.
async fn write_log(server: &TestServer, content: &str) {
    let store = server.store();
    let record = Record::Trace {
        job_id: 13,
        content: content.to_string(),
    };
    tokio::task::spawn_blocking(move || store.import(&mut std::iter::once(record)))
        .await
        .expect("the store task")
        .expect("the log is written");
}

/// Cancels job 13 through the API (a running job becomes `canceled` at once).
async fn cancel(server: &TestServer) {
    let run = run(server, &["cancel", RUNNING]).await;
    assert_eq!(run.code, 0, "{run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_prints_the_log_as_stored() {
    let server = demo().await;
    let run = run(&server, &["trace", "8"]).await;
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "$ bundle exec rspec\nFailures:\n  1) Session store expires sessions\n412 examples, 1 failure\nERROR: Job failed: exit code 1\n"
    );
    let missing = crate::support::run(&server, &["trace", "424242"]).await;
    missing.expect_code(3);
    assert!(missing.stderr.contains("job 424242"), "{}", missing.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_prints_each_byte_once_until_the_job_finishes() {
    let server = demo().await;
    // The demo's instance runner takes job 14 (`lint`, pending) and runs it.
    let mut job = server
        .runner(gitlab_jobs_reference::demo::tokens::RUNNER)
        .request_job()
        .await
        .expect("asks")
        .expect("job 14 is pending");
    assert_eq!(job.id(), 14);
    let mut follower = spawn(&server, &["trace", "14", "--follow", "--interval", "0.1"]);

    job.append_trace("$ bundle exec rubocop --parallel\n")
        .await
        .expect("appends");
    follower
        .wait_for_stdout("$ bundle exec rubocop --parallel\n")
        .await;
    job.append_trace("Inspecting 214 files\n")
        .await
        .expect("appends");
    follower.wait_for_stdout("Inspecting 214 files\n").await;
    job.append_trace("214 files inspected, no offenses detected\n")
        .await
        .expect("appends");
    follower.wait_for_stdout("no offenses detected\n").await;
    job.finish(Outcome::Success).await.expect("finishes");

    let run = follower.finish().await;
    // Success: exit 0, and the whole log exactly once.
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "$ bundle exec rubocop --parallel\nInspecting 214 files\n214 files inspected, no offenses detected\n"
    );
    assert!(
        run.stderr.contains("job 14 finished: success"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_prints_an_erased_or_rewritten_log_again() {
    let server = demo().await;
    let mut follower = spawn(
        &server,
        &["trace", RUNNING, "--follow", "--interval", "0.1"],
    );
    follower.wait_for_stdout(RUNNING_LOG).await;

    write_log(&server, "").await;
    follower.wait_for_stderr("was erased").await;
    write_log(&server, "rewritten from the start\n").await;
    follower.wait_for_stdout("rewritten from the start\n").await;
    write_log(&server, "rewritten").await;
    follower
        .wait_for_stderr("printing it again from the start")
        .await;
    cancel(&server).await;

    let run = follower.finish().await;
    run.expect_code(1);
    assert_eq!(
        run.stdout,
        format!("{RUNNING_LOG}rewritten from the start\nrewritten")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_on_a_finished_job_prints_its_log_and_its_outcome() {
    let server = demo().await;
    // Job 7 succeeded: exit 0 at once.
    let success = run(&server, &["trace", "7", "--follow", "--interval", "0.1"]).await;
    success.expect_code(0);
    assert_eq!(
        success.stdout,
        "$ cargo build --release\n    Finished release\n"
    );
    assert!(
        success.stderr.contains("job 7 finished: success"),
        "{}",
        success.stderr
    );
    // Job 8 failed: exit 1.
    let failed = run(&server, &["trace", "8", "-f", "--interval", "0.1"]).await;
    failed.expect_code(1);
    assert!(
        failed.stderr.contains("job 8 finished: failed"),
        "{}",
        failed.stderr
    );

    let bad = run(&server, &["trace", "8", "-f", "--interval", "0"]).await;
    bad.expect_code(2);
}
