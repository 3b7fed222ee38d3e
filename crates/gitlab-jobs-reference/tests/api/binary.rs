//! The `serve` binary: its banner, a change, SIGTERM, and a restart on the same database.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use gitlab_jobs_client::{Auth, connect};

use crate::support::BACKEND;

struct Running {
    child: Child,
    banner: Vec<String>,
}

impl Running {
    /// Starts `serve` on a free port and reads its banner.
    fn start(database: &str) -> Running {
        Running::start_with(database, &[])
    }

    /// The same with more options.
    fn start_with(database: &str, options: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gitlab-jobs-reference"))
            .args(["serve", "--listen", "127.0.0.1:0", "--database", database])
            .args(options)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("a piped stdout");
        let mut banner = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("a banner line");
            let last = line.starts_with("Stop it with");
            banner.push(line);
            if last {
                break;
            }
        }
        Running { child, banner }
    }

    /// The value after a banner label (`token`, …), or the API URL.
    fn banner_value(&self, label: &str) -> String {
        self.banner
            .iter()
            .find_map(|line| line.trim_start().strip_prefix(label))
            .map(|rest| rest.trim().to_owned())
            .unwrap_or_else(|| panic!("no {label:?} in the banner: {:?}", self.banner))
    }

    fn api_url(&self) -> String {
        self.banner_value("GitLab Jobs API reference server:")
    }

    fn token(&self) -> String {
        let value = self.banner_value("token");
        value.split_whitespace().next().expect("a token").to_owned()
    }

    /// Sends SIGTERM and waits (at most 10 s) for the exit.
    fn terminate(mut self) -> Output {
        let pid = self.child.id().to_string();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().expect("waits").is_none() {
            assert!(Instant::now() < deadline, "no exit 10 s after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child.wait_with_output().expect("the output")
    }
}

#[cfg(unix)]
#[tokio::test]
async fn serve_prints_a_usable_token_stops_on_sigterm_and_keeps_its_changes() {
    let directory = std::env::temp_dir().join(format!(
        "gitlab-jobs-reference-binary-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&directory).expect("a temp directory");
    let database = format!("sqlite://{}", directory.join("jobs.sqlite3").display());

    let first = Running::start(&database);
    assert!(
        first
            .banner_value("database")
            .contains("new, demo data loaded"),
        "{:?}",
        first.banner
    );
    let client = connect(&first.api_url(), Auth::PrivateToken(first.token())).expect("a client");
    let retried = client
        .retry_job()
        .id(BACKEND)
        .job_id(8)
        .send()
        .await
        .expect("the banner's token may retry")
        .into_inner();
    let output = first.terminate();
    assert!(output.status.success(), "exit status {:?}", output.status);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        log.contains(
            "method=POST path=\"/api/v4/projects/acme%2Fbackend/jobs/8/retry\" status=201"
        ),
        "{log}"
    );
    assert!(log.contains("SIGTERM received"), "{log}");

    // Again on the same file: nothing loaded twice, the retried job still there.
    let second = Running::start(&database);
    assert!(
        second.banner_value("database").contains("existing data"),
        "{:?}",
        second.banner
    );
    let client = connect(&second.api_url(), Auth::PrivateToken(second.token())).expect("a client");
    let job = client
        .get_job()
        .id(BACKEND)
        .job_id(retried.id)
        .send()
        .await
        .expect("the retried job survived the restart")
        .into_inner();
    assert_eq!(job.name, "rspec");
    let output = second.terminate();
    assert!(output.status.success());
    let _ = std::fs::remove_dir_all(directory);
}

/// `serve --simulate-runners 2` on the demo data, in real time: the banner says so and names
/// the demo runner's token, and the demo's pending job 16 (five seconds of work) runs and
/// finishes through the simulated runners well within a minute, with its log.
#[cfg(unix)]
#[tokio::test]
async fn serve_with_simulated_runners_runs_the_pending_jobs() {
    let running = Running::start_with("sqlite::memory:", &["--simulate-runners", "2"]);
    let line = running.banner_value("runners");
    assert!(
        line.starts_with(
            "ON: 2 simulated runner(s) run pending jobs; a new acme/backend pipeline every 5 s"
        ),
        "{line}"
    );
    assert!(
        running
            .banner_value("runner ")
            .starts_with("glrt-demo-shared-runner-token"),
        "{:?}",
        running.banner
    );
    let client =
        connect(&running.api_url(), Auth::PrivateToken(running.token())).expect("a client");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    loop {
        let job = client
            .get_job()
            .id(BACKEND)
            .job_id(16)
            .send()
            .await
            .expect("reads job 16")
            .into_inner();
        if seen.last() != Some(&job.status) {
            seen.push(job.status);
        }
        if job.finished_at.is_some() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "job 16 went {seen:?} in a minute"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    use gitlab_jobs_client::types::JobStatus;
    // Pending at start; the runners may have taken it before the first look.
    assert!(
        matches!(
            seen.as_slice(),
            [JobStatus::Pending, JobStatus::Running, JobStatus::Success]
                | [JobStatus::Running, JobStatus::Success]
                | [JobStatus::Pending, JobStatus::Success]
                | [JobStatus::Success]
        ),
        "{seen:?}"
    );
    let log = client
        .job_trace(&gitlab_jobs_client::ProjectId::from(BACKEND), 16)
        .await
        .expect("the log");
    assert!(log.contains("58 examples, 0 failures\n"), "{log}");
    let output = running.terminate();
    assert!(output.status.success(), "{output:?}");
}
