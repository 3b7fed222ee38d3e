//! The API documentation at `/` and the document at `/openapi.yaml`, and the page in a real
//! browser: headless Chromium loads it from a running server, writes a screenshot, and its DOM
//! lists every operation of the document.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gitlab_jobs_reference::http::docs::{DOCS_PAGE, OPENAPI_YAML};

use crate::support::demo;

#[tokio::test]
async fn the_page_and_the_document_are_served_outside_the_api() {
    let server = demo().await;
    let http = reqwest::Client::new();
    let page = http
        .get(format!("{}/", server.base_url()))
        .send()
        .await
        .expect("an answer");
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(page.text().await.expect("the page"), DOCS_PAGE);

    let document = http
        .get(format!("{}/openapi.yaml", server.base_url()))
        .send()
        .await
        .expect("an answer");
    assert_eq!(document.status(), 200);
    assert_eq!(document.headers()["content-type"], "application/yaml");
    assert_eq!(document.text().await.expect("the document"), OPENAPI_YAML);

    // Every other path keeps GitLab's 404.
    for path in ["/index.html", "/openapi.json", "/api/v4/"] {
        let response = http
            .get(format!("{}{path}", server.base_url()))
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(
            response.text().await.expect("body"),
            r#"{"error":"404 Not Found"}"#,
            "{path}"
        );
    }
    server.shutdown().await;
}

/// The operationIds of the document.
fn operation_ids() -> BTreeSet<String> {
    let document: serde_yaml::Value = serde_yaml::from_str(OPENAPI_YAML).expect("the document");
    let paths = document["paths"].as_mapping().expect("paths");
    paths
        .values()
        .flat_map(|methods| methods.as_mapping().expect("methods").values())
        .filter_map(|operation| operation["operationId"].as_str().map(str::to_owned))
        .collect()
}

/// A Chromium executable: `GITLAB_JOBS_CHROMIUM` (scripts/test.sh sets it from
/// `scripts/chromium.sh path`, which installs Debian's package when needed), else one on PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("GITLAB_JOBS_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Runs headless Chromium with `args` (and a profile of its own), killing it after a minute.
fn run_chromium(chromium: &Path, profile: &Path, args: &[String]) -> String {
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|error| panic!("starting {}: {error}", chromium.display()));
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut text);
        text
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match child.try_wait().expect("waiting for chromium") {
            Some(status) => {
                assert!(status.success(), "chromium failed: {status}");
                break;
            }
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium did not finish within 60 s");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    reader.join().expect("the reader")
}

/// `data-operation-id` values of the navigation's operation links, as the DOM has them.
fn listed_operations(dom: &str) -> BTreeSet<String> {
    dom.split("class=\"operation-link\"")
        .skip(1)
        .filter_map(|rest| {
            let value = rest.split("data-operation-id=\"").nth(1)?;
            Some(value.split('"').next()?.to_owned())
        })
        .collect()
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let number = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    (number(16), number(20))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_shows_every_operation() {
    let Some(chromium) = chromium() else {
        let why = "no Chromium: run scripts/chromium.sh path (or scripts/test.sh), or set GITLAB_JOBS_CHROMIUM";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("skipped: {why}");
        return;
    };
    let server = demo().await;
    let url = format!("{}/", server.base_url());
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("docs-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("a scratch directory");
    let screenshot = scratch.join("api-docs.png");

    let (dom, png) = {
        let (chromium, scratch, screenshot, url) = (
            chromium.clone(),
            scratch.clone(),
            screenshot.clone(),
            url.clone(),
        );
        tokio::task::spawn_blocking(move || {
            let dom = run_chromium(
                &chromium,
                &scratch.join("profile-dom"),
                &["--dump-dom".to_owned(), url.clone()],
            );
            run_chromium(
                &chromium,
                &scratch.join("profile-screenshot"),
                &[
                    "--window-size=1280,900".to_owned(),
                    format!("--screenshot={}", screenshot.display()),
                    url,
                ],
            );
            (
                dom,
                std::fs::read(&screenshot).expect("the screenshot file"),
            )
        })
        .await
        .expect("the browser runs")
    };

    // What the browser built from the page: the title, every operation of the document in
    // the navigation, and the errata section.
    assert!(
        dom.contains("<title>GitLab Jobs API (REST v4)</title>"),
        "{}",
        &dom[..dom.len().min(500)]
    );
    let expected = operation_ids();
    assert!(expected.len() >= 17, "{expected:?}");
    assert_eq!(listed_operations(&dom), expected);
    for id in &expected {
        assert!(
            dom.contains(&format!("id=\"operation-{id}\"")),
            "no section for {id}"
        );
    }
    assert!(dom.contains("id=\"errata\""));

    assert_eq!(png_size(&png), (1280, 900));
    assert!(
        png.len() > 20_000,
        "a blank screenshot is small: {} bytes",
        png.len()
    );
    eprintln!("screenshot: {}", screenshot.display());
    server.shutdown().await;
}
