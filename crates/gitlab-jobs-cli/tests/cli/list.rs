//! `list`: the table, its filters and limits, and `--json` lines.

use gitlab_jobs_reference::demo::{LOAD_PROJECT_ID, demo_jobs, tokens};

use crate::support::{demo, run, run_with_env};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_prints_a_table_newest_first() {
    let server = demo().await;
    let run = run(&server, &["list"]).await;
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["ID", "STATUS", "STAGE", "NAME", "REF", "DURATION", "AGE"]
    );
    let ids: Vec<i64> = lines[1..]
        .iter()
        .map(|line| {
            line.split_whitespace()
                .next()
                .and_then(|id| id.parse().ok())
                .expect("an id")
        })
        .collect();
    assert!(ids.windows(2).all(|pair| pair[0] > pair[1]), "{ids:?}");
    let rspec = lines
        .iter()
        .find(|line| line.starts_with("8 "))
        .expect("job 8 listed");
    let cells: Vec<&str> = rspec.split_whitespace().collect();
    assert_eq!(
        &cells[..6],
        ["8", "failed", "test", "rspec", "main", "6m"],
        "{rspec}"
    );
    assert!(rspec.ends_with("y ago"), "{rspec}");
    // Every row's columns start where the header's do.
    let status_column = lines[0].find("STATUS").expect("header");
    assert!(
        lines
            .iter()
            .all(|line| !line[status_column..].starts_with(' '))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scopes_limits_and_every_page() {
    let server = demo().await;
    let failed = run(&server, &["--json", "list", "--scope", "failed", "--all"]).await;
    failed.expect_code(0);
    let statuses: Vec<serde_json::Value> = failed
        .stdout
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).expect("one job per line")["status"]
                .clone()
        })
        .collect();
    assert!(
        !statuses.is_empty() && statuses.iter().all(|s| s == "failed"),
        "{statuses:?}"
    );

    // --limit below a page; --limit 3 asks for pages of 3 and stops after the first.
    let three = run(&server, &["--json", "list", "--limit", "3"]).await;
    three.expect_code(0);
    assert_eq!(three.stdout.lines().count(), 3);

    let bad = run(&server, &["list", "--scope", "broken"]).await;
    bad.expect_code(2);
    assert!(bad.stderr.contains("not a job status"), "{}", bad.stderr);
    let both = run(&server, &["list", "--all", "--limit", "2"]).await;
    both.expect_code(2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipelines_jobs_and_bridges() {
    let server = demo().await;
    let jobs = run(&server, &["--json", "list", "--pipeline", "2", "--all"]).await;
    jobs.expect_code(0);
    let pipelines: Vec<i64> = jobs
        .stdout
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).expect("json")["pipeline"]["id"]
                .as_i64()
                .expect("pipeline id")
        })
        .collect();
    assert!(
        !pipelines.is_empty() && pipelines.iter().all(|id| *id == 2),
        "{pipelines:?}"
    );

    let bridges = run(&server, &["list", "--pipeline", "1", "--bridges"]).await;
    bridges.expect_code(0);
    let rows: Vec<&str> = bridges.stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{}", bridges.stdout);
    assert!(
        rows[0].split_whitespace().nth(1) == Some("success"),
        "{}",
        bridges.stdout
    );

    let no_pipeline = run(&server, &["list", "--bridges"]).await;
    no_pipeline.expect_code(2);
    assert!(
        no_pipeline.stderr.contains("--pipeline"),
        "{}",
        no_pipeline.stderr
    );
}

/// The ids of `--json` lines.
fn ids(stdout: &str) -> Vec<i64> {
    stdout
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).expect("one job per line")["id"]
                .as_i64()
                .expect("an id")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_is_fetched_and_limits_stop_early() {
    let server = demo().await;
    let store = server.store();
    tokio::task::spawn_blocking(move || store.import(&mut demo_jobs(260)))
        .await
        .expect("the import task")
        .expect("260 generated jobs");
    let project = LOAD_PROJECT_ID.to_string();
    let url = server.base_url();
    let base = [
        "--url",
        url.as_str(),
        "--project",
        project.as_str(),
        "--json",
        "list",
    ];
    let with = |extra: &[&'static str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        args
    };
    let env = [("GITLAB_TOKEN", tokens::MAINTAINER)];

    // Pages of 100: three requests, every job once, newest first.
    let all = run_with_env(&with(&["--all"]), &env).await;
    all.expect_code(0);
    let all_ids = ids(&all.stdout);
    assert!(all_ids.len() > 200, "{} jobs", all_ids.len());
    assert!(all_ids.windows(2).all(|pair| pair[0] > pair[1]));

    // A limit over a page: the second page is cut.
    let some = run_with_env(&with(&["--limit", "150"]), &env).await;
    some.expect_code(0);
    assert_eq!(ids(&some.stdout), all_ids[..150]);

    // The table over several pages stays one table: one header.
    let table = run_with_env(
        &["--url", &url, "--project", &project, "list", "--all"],
        &env,
    )
    .await;
    table.expect_code(0);
    assert_eq!(
        table
            .stdout
            .lines()
            .filter(|line| line.starts_with("ID "))
            .count(),
        1
    );
    assert_eq!(table.stdout.lines().count(), all_ids.len() + 1);
}
