//! `artifacts download/get/keep/delete`: the bytes, the file names, `-o -`, and no partial
//! file after a failure.

use std::io::{Read, Write};
use std::path::Path;

use gitlab_jobs_reference::demo::tokens;

use crate::support::{demo, run, run_in};

/// `gitlab-jobs --url URL --project acme/backend ARGS` as alice, in `dir`.
async fn run_at(dir: &Path, url: &str, args: &[&str]) -> crate::support::Run {
    let mut full = vec!["--url", url, "--project", "acme/backend"];
    full.extend_from_slice(args);
    run_in(Some(dir), &full, &[("GITLAB_TOKEN", tokens::MAINTAINER)]).await
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_writes_the_archive_under_gitlabs_name_or_where_told() {
    let server = demo().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = server.base_url();

    let saved = run_at(dir.path(), &url, &["artifacts", "download", "1"]).await;
    saved.expect_code(0);
    assert_eq!(entries(dir.path()), ["artifacts.zip"]);
    let archive = std::fs::read(dir.path().join("artifacts.zip")).expect("archive");
    assert_eq!(archive.len(), 282, "the size the job lists");
    assert!(archive.starts_with(b"PK\x03\x04"));
    assert!(
        saved.stderr.contains("Saved artifacts.zip (282 bytes)"),
        "{}",
        saved.stderr
    );
    // No progress bar when stderr is not a terminal.
    assert!(!saved.stderr.contains('['), "{}", saved.stderr);

    // By ref and job name (acme/website's main has a successful pipeline), into a file of
    // our choosing.
    let by_ref = run_in(
        Some(dir.path()),
        &[
            "--url",
            &url,
            "--project",
            "acme/website",
            "artifacts",
            "download",
            "--ref",
            "main",
            "--job",
            "pages",
            "-o",
            "latest.zip",
        ],
        &[("GITLAB_TOKEN", tokens::MAINTAINER)],
    )
    .await;
    by_ref.expect_code(0);
    let latest = std::fs::read(dir.path().join("latest.zip")).expect("latest");
    assert!(latest.starts_with(b"PK\x03\x04"));
    // acme/backend's main has no successful pipeline.
    let none = run_at(
        dir.path(),
        &url,
        &["artifacts", "download", "--ref", "main", "--job", "compile"],
    )
    .await;
    none.expect_code(3);
    assert!(
        none.stderr.contains(
            "the artifacts of job `compile` in the latest successful pipeline of `main` in \
             project acme/backend not found (404 Not Found"
        ),
        "{}",
        none.stderr
    );
    assert_eq!(entries(dir.path()), ["artifacts.zip", "latest.zip"]);

    let half = run_at(
        dir.path(),
        &url,
        &["artifacts", "download", "--ref", "main"],
    )
    .await;
    half.expect_code(2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_prints_or_saves_one_file() {
    let server = demo().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = server.base_url();

    let printed = run_at(
        dir.path(),
        &url,
        &["artifacts", "get", "1", "build-info.txt", "-o", "-"],
    )
    .await;
    printed.expect_code(0);
    assert_eq!(printed.stdout, "commit 2f4a1c9e\n");
    assert!(entries(dir.path()).is_empty());

    let saved = run_at(
        dir.path(),
        &url,
        &["artifacts", "get", "2", "coverage/index.html"],
    )
    .await;
    saved.expect_code(0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("index.html")).expect("file"),
        "<h1>87.5%</h1>"
    );

    let missing = run_at(dir.path(), &url, &["artifacts", "get", "1", "no/such/file"]).await;
    missing.expect_code(3);
    assert!(missing.stderr.contains("404"), "{}", missing.stderr);
    assert_eq!(
        entries(dir.path()),
        ["index.html"],
        "nothing written for a 404"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_and_delete() {
    let server = demo().await;
    let kept = run(&server, &["artifacts", "keep", "1"]).await;
    kept.expect_code(0);
    assert_eq!(
        kept.stdout,
        "Kept the artifacts of job 1: they will not expire\n"
    );
    let job: serde_json::Value =
        serde_json::from_str(&run(&server, &["--json", "show", "1"]).await.stdout).expect("json");
    assert_eq!(job["artifacts_expire_at"], serde_json::Value::Null);

    let deleted = run(&server, &["artifacts", "delete", "1"]).await;
    deleted.expect_code(0);
    assert_eq!(deleted.stdout, "Deleted the artifacts of job 1\n");
    let gone = run(&server, &["artifacts", "download", "1", "-o", "-"]).await;
    gone.expect_code(3);
    assert!(
        gone.stderr
            .contains("job 1 in project acme/backend not found"),
        "{}",
        gone.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_cut_off_leaves_no_file_and_keeps_the_old_one() {
    // A server that promises 100,000 bytes, sends 10 and hangs up.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let server = std::thread::spawn(move || {
        for _ in 0..2 {
            let (mut stream, _) = listener.accept().expect("accept");
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/zip\r\n\
                  content-disposition: attachment; filename=\"artifacts.zip\"\r\n\
                  content-length: 100000\r\n\r\nPK\x03\x04012345",
            );
        }
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let cut = run_at(dir.path(), &url, &["artifacts", "download", "9"]).await;
    cut.expect_code(4);
    assert!(
        cut.stderr.contains("the download broke off"),
        "{}",
        cut.stderr
    );
    assert!(
        entries(dir.path()).is_empty(),
        "left behind: {:?}",
        entries(dir.path())
    );

    std::fs::write(dir.path().join("keep.zip"), b"the old archive").expect("write");
    let cut = run_at(
        dir.path(),
        &url,
        &["artifacts", "download", "9", "-o", "keep.zip"],
    )
    .await;
    cut.expect_code(4);
    assert_eq!(entries(dir.path()), ["keep.zip"]);
    assert_eq!(
        std::fs::read(dir.path().join("keep.zip")).expect("read"),
        b"the old archive"
    );
    server.join().expect("the server thread");
}
