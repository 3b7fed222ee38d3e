//! Running the built `gitlab-jobs` against a `TestServer`.

use std::process::{Command, Stdio};

use gitlab_jobs_reference::TestServer;
use gitlab_jobs_reference::demo::tokens;

/// What one run of the program printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, showing everything the program printed when it differs.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "unexpected exit code; the run: {self:#?}");
        self
    }
}

/// The environment variables the program reads, cleared for every run so that the
/// developer's own settings cannot leak into a test.
const READ_VARIABLES: &[&str] = &[
    "GITLAB_URL",
    "CI_SERVER_URL",
    "GITLAB_TOKEN",
    "CI_JOB_TOKEN",
    "GITLAB_OAUTH_TOKEN",
    "GITLAB_PROJECT",
    "CI_PROJECT_ID",
    "CLICOLOR_FORCE",
];

/// `gitlab-jobs` with `args`, with no variable of its own set except `env`.
pub async fn run_with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gitlab-jobs"));
    for name in READ_VARIABLES {
        command.env_remove(name);
    }
    command
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null());
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("the waiting task")
        .expect("gitlab-jobs runs");
    Run {
        code: output.status.code().expect("an exit code, not a signal"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `gitlab-jobs --url SERVER --project acme/backend ARGS` as alice (maintainer), her token in
/// `GITLAB_TOKEN`.
pub async fn run(server: &TestServer, args: &[&str]) -> Run {
    run_as(server, tokens::MAINTAINER, args).await
}

/// The same with another user's token.
pub async fn run_as(server: &TestServer, token: &str, args: &[&str]) -> Run {
    let url = server.base_url();
    let mut full = vec!["--url", url.as_str(), "--project", "acme/backend"];
    full.extend_from_slice(args);
    run_with_env(&full, &[("GITLAB_TOKEN", token)]).await
}

/// A demo server for one test.
pub async fn demo() -> TestServer {
    TestServer::demo().await.expect("the demo server starts")
}
