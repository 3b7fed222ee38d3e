//! `show`, and the errors every command shares (credentials, project, URL).

use gitlab_jobs_reference::demo::tokens;

use crate::support::{demo, run, run_as, run_with_env};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_prints_the_fields_of_a_job() {
    let server = demo().await;
    let run = run(&server, &["show", "8"]).await;
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "Job 8 rspec", "{}", run.stdout);
    for expected in [
        "status    failed (script_failure)",
        "stage     test",
        "ref       main (branch)",
        "user      bob (",
        "duration  6m 0s",
        "created   2024-03-01 ",
    ] {
        assert!(
            lines
                .iter()
                .any(|line| line.trim_start().starts_with(expected)),
            "no line starting with {expected:?} in:\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout
            .contains(&format!("{}/acme/backend/-/jobs/8", server.base_url())),
        "{}",
        run.stdout
    );
    // Not a terminal: no escape codes.
    assert!(!run.stdout.contains('\u{1b}'), "{:?}", run.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_json_is_the_api_document() {
    let server = demo().await;
    let run = run(&server, &["--json", "show", "8"]).await;
    run.expect_code(0);
    let job: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(
        (&job["id"], &job["name"], &job["status"]),
        (&8.into(), &"rspec".into(), &"failed".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_say_what_to_do_and_exit_3() {
    let server = demo().await;
    let run = run_as(&server, "not-a-token", &["show", "8"]).await;
    run.expect_code(3);
    assert!(
        run.stderr
            .contains("the token was refused (401 Unauthorized")
            && run.stderr.contains("hint: check GITLAB_TOKEN"),
        "{}",
        run.stderr
    );

    // The hint names the credential actually used.
    let url = server.base_url();
    let run = run_with_env(
        &[
            "--url",
            &url,
            "-p",
            "acme/backend",
            "--job-token",
            "nope",
            "show",
            "8",
        ],
        &[],
    )
    .await;
    run.expect_code(3);
    assert!(run.stderr.contains("check --job-token"), "{}", run.stderr);

    // A private project the user cannot see is a 404 that may be a private project.
    let run = run_as(&server, tokens::OUTSIDER, &["show", "8"]).await;
    run.expect_code(3);
    assert!(
        run.stderr
            .contains("project acme/backend not found (404 Not Found")
            && run.stderr.contains("it may be private"),
        "{}",
        run.stderr
    );

    let run = crate::support::run(&server, &["show", "999999"]).await;
    run.expect_code(3);
    assert!(
        run.stderr
            .contains("job 999999 in project acme/backend not found (404 Not Found"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_configuration_is_a_usage_error() {
    let server = demo().await;
    let url = server.base_url();
    let run = run_with_env(&["--url", &url, "-p", "acme/backend", "show", "8"], &[]).await;
    run.expect_code(2);
    assert!(
        run.stderr.contains("no token given") && run.stderr.contains("GITLAB_TOKEN"),
        "{}",
        run.stderr
    );

    let run = run_with_env(
        &["--url", &url, "show", "8"],
        &[("GITLAB_TOKEN", tokens::MAINTAINER)],
    )
    .await;
    run.expect_code(2);
    assert!(run.stderr.contains("no project given"), "{}", run.stderr);

    // CI_PROJECT_ID and CI_SERVER_URL stand in inside GitLab CI.
    let run = run_with_env(
        &["show", "8"],
        &[
            ("CI_SERVER_URL", &url),
            ("CI_PROJECT_ID", "1"),
            ("GITLAB_TOKEN", tokens::MAINTAINER),
        ],
    )
    .await;
    run.expect_code(0);

    let run = run_with_env(
        &["--url", "gitlab.example.com", "show", "8"],
        &[("GITLAB_TOKEN", "x")],
    )
    .await;
    run.expect_code(2);
    assert!(run.stderr.contains("scheme is missing"), "{}", run.stderr);

    // Two credentials on the command line are refused by the parser.
    let run = run_with_env(&["--token", "a", "--job-token", "b", "show", "8"], &[]).await;
    run.expect_code(2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_gitlab_exits_4() {
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let run = run_with_env(
        &["--url", &url, "-p", "acme/backend", "show", "8"],
        &[("GITLAB_TOKEN", "x")],
    )
    .await;
    run.expect_code(4);
    assert!(
        run.stderr.contains("could not reach GitLab"),
        "{}",
        run.stderr
    );
}
