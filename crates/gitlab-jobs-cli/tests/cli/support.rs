//! Running the built `gitlab-jobs` against a `TestServer`.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::Duration;

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
    run_in(None, args, env).await
}

/// The same in the working directory `dir`.
pub async fn run_in(dir: Option<&std::path::Path>, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gitlab-jobs"));
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
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

/// A running `gitlab-jobs` whose output is read as it comes.
pub struct Spawned {
    child: Child,
    stdout: Receiver<Vec<u8>>,
    stderr: Receiver<Vec<u8>>,
    seen_stdout: Vec<u8>,
    seen_stderr: Vec<u8>,
}

impl Spawned {
    /// Waits (at most a minute) until stdout contains `text`.
    pub async fn wait_for_stdout(&mut self, text: &str) {
        wait_for(&self.stdout, &mut self.seen_stdout, text, "stdout").await;
    }

    /// Waits (at most a minute) until stderr contains `text`.
    pub async fn wait_for_stderr(&mut self, text: &str) {
        wait_for(&self.stderr, &mut self.seen_stderr, text, "stderr").await;
    }

    /// Waits for the end and returns all it printed.
    pub async fn finish(mut self) -> Run {
        let status = tokio::task::spawn_blocking(move || {
            let status = self.child.wait().expect("wait");
            let rest = |rx: &Receiver<Vec<u8>>, seen: &mut Vec<u8>| {
                while let Ok(chunk) = rx.recv_timeout(Duration::from_secs(30)) {
                    seen.extend(chunk);
                }
            };
            rest(&self.stdout, &mut self.seen_stdout);
            rest(&self.stderr, &mut self.seen_stderr);
            (status, self.seen_stdout, self.seen_stderr)
        })
        .await
        .expect("the waiting task");
        let (status, stdout, stderr) = status;
        Run {
            code: status.code().expect("an exit code, not a signal"),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }
}

async fn wait_for(rx: &Receiver<Vec<u8>>, seen: &mut Vec<u8>, text: &str, name: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !String::from_utf8_lossy(seen).contains(text) {
        assert!(
            std::time::Instant::now() < deadline,
            "{text:?} never appeared on {name}: {:?}",
            String::from_utf8_lossy(seen)
        );
        match rx.try_recv() {
            Ok(chunk) => seen.extend(chunk),
            Err(TryRecvError::Empty) => tokio::time::sleep(Duration::from_millis(20)).await,
            Err(TryRecvError::Disconnected) => panic!(
                "{name} closed before {text:?} appeared: {:?}",
                String::from_utf8_lossy(seen)
            ),
        }
    }
}

/// Forwards what `pipe` yields, chunk by chunk, from a thread of its own.
fn reader(mut pipe: impl Read + Send + 'static) -> Receiver<Vec<u8>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 8192];
        while let Ok(n) = pipe.read(&mut buffer) {
            if n == 0 || tx.send(buffer[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    rx
}

/// Starts `gitlab-jobs --url SERVER --project acme/backend ARGS` as alice, without waiting.
pub fn spawn(server: &TestServer, args: &[&str]) -> Spawned {
    let url = server.base_url();
    let mut command = Command::new(env!("CARGO_BIN_EXE_gitlab-jobs"));
    for name in READ_VARIABLES {
        command.env_remove(name);
    }
    let mut child = command
        .args(["--url", url.as_str(), "--project", "acme/backend"])
        .args(args)
        .env("GITLAB_TOKEN", tokens::MAINTAINER)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gitlab-jobs starts");
    let stdout = reader(child.stdout.take().expect("stdout"));
    let stderr = reader(child.stderr.take().expect("stderr"));
    Spawned {
        child,
        stdout,
        stderr,
        seen_stdout: Vec::new(),
        seen_stderr: Vec::new(),
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
