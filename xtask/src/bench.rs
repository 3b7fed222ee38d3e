//! `cargo xtask bench [ARGS]`: the reference server's benchmark (see README, "Performance and
//! limits"). Builds the release binaries, times code generation here (in-process, the
//! `generate` command without writing files, so that a benchmark never touches the tree),
//! then runs `gitlab-jobs-bench run`, which starts the servers as separate processes, drives
//! them over loopback and prints the Markdown tables. ARGS go to `gitlab-jobs-bench run`
//! (`--help` lists them); the report is also written to `target/bench/report.md`.
//!
//! GET one job is also measured against Prism mocking the document: the pinned
//! `@stoplight/prism-cli` is installed into `.tools/prism` with npm on first use
//! (`--no-prism`, taken here, leaves it out; `--prism PATH` names another).
//!
//! The PostgreSQL column needs a server: unless ARGS name one (`--postgres URL`) or ask for
//! none (`--no-postgres`, taken here), the private cluster of `scripts/postgres.sh` is used,
//! started (and installed from Debian's packages) when it is not running and stopped after
//! the run if this command started it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::npm::Tool;

/// Prism, the OpenAPI mock server GET one job is also measured against. 5.14.2 is the newest
/// release that runs on Node.js 18 and 20 (5.15 needs Node.js 24).
const PRISM: Tool = Tool {
    dir: "prism",
    package: "@stoplight/prism-cli",
    version: "5.14.2",
    bin: "prism",
    needed_by: "cargo xtask bench",
};

/// How many times generation is timed (the report shows the median).
const GENERATE_RUNS: usize = 3;

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        return help(root);
    }
    let sqlite_only = args.iter().any(|arg| arg == "--no-postgres");
    let without_prism = args.iter().any(|arg| arg == "--no-prism");
    let mut args: Vec<String> = args
        .iter()
        .filter(|arg| *arg != "--no-postgres" && *arg != "--no-prism")
        .cloned()
        .collect();
    if !without_prism && !args.iter().any(|arg| arg.starts_with("--prism")) {
        let prism = PRISM.ensure(root)?;
        args.extend(["--prism".to_owned(), prism.display().to_string()]);
    }
    let cluster = if sqlite_only || args.iter().any(|arg| arg.starts_with("--postgres")) {
        None
    } else {
        let cluster = Cluster::start(root)?;
        args.extend(["--postgres".to_owned(), cluster.url.clone()]);
        Some(cluster)
    };
    let outcome = run_bench(root, &args);
    if let Some(cluster) = cluster {
        cluster.stop_if_started(root)?;
    }
    outcome
}

/// The private PostgreSQL cluster of `scripts/postgres.sh`.
struct Cluster {
    url: String,
    /// Whether this command started it (and so stops it).
    started_here: bool,
}

impl Cluster {
    fn start(root: &Path) -> anyhow::Result<Cluster> {
        let script = root.join("scripts/postgres.sh");
        let running = Command::new(&script)
            .arg("url")
            .stderr(std::process::Stdio::null())
            .output()
            .with_context(|| format!("running {}", script.display()))?
            .status
            .success();
        let output = Command::new(&script)
            .arg("start")
            .output()
            .with_context(|| format!("running {}", script.display()))?;
        if !output.status.success() {
            bail!(
                "{} start failed: {}",
                script.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        // It prints `export GITLAB_JOBS_TEST_POSTGRES=<url>`.
        let stdout = String::from_utf8_lossy(&output.stdout);
        let url = stdout
            .lines()
            .find_map(|line| line.trim().split_once('=').map(|(_, url)| url.to_owned()))
            .with_context(|| format!("no URL in the output of {} start", script.display()))?;
        eprintln!("bench: PostgreSQL cluster at {url}");
        Ok(Cluster {
            url,
            started_here: !running,
        })
    }

    fn stop_if_started(self, root: &Path) -> anyhow::Result<()> {
        if self.started_here {
            let status = Command::new(root.join("scripts/postgres.sh"))
                .arg("stop")
                .status()
                .context("stopping the PostgreSQL cluster")?;
            if !status.success() {
                bail!("scripts/postgres.sh stop failed ({status})");
            }
        }
        Ok(())
    }
}

/// `--help`: this command's own flags, then the benchmark's, without installing Prism,
/// starting PostgreSQL or building the server.
fn help(root: &Path) -> anyhow::Result<()> {
    println!(
        "cargo xtask bench [--no-postgres] [--no-prism] [ARGS]\n\n\
         --no-postgres  leave the PostgreSQL column out (otherwise scripts/postgres.sh's cluster is used)\n\
         --no-prism     leave Prism out (otherwise @stoplight/prism-cli is installed into .tools/prism)\n\n\
         ARGS go to `gitlab-jobs-bench run`:\n"
    );
    // The same packages as a run, so that features unify alike and nothing is rebuilt.
    build_release(root, &["gitlab-jobs-reference", "gitlab-jobs-bench"])?;
    let status = Command::new(release_dir(root).join("gitlab-jobs-bench"))
        .args(["run", "--help"])
        .status()
        .context("running gitlab-jobs-bench run --help")?;
    if !status.success() {
        bail!("gitlab-jobs-bench run --help failed ({status})");
    }
    Ok(())
}

/// `cargo build --release` of the named packages.
fn build_release(root: &Path, packages: &[&str]) -> anyhow::Result<()> {
    let mut command = crate::cargo();
    command.args(["build", "--release"]);
    for package in packages {
        command.args(["-p", package]);
    }
    let status = command
        .current_dir(root)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build --release failed ({status})");
    }
    Ok(())
}

/// Where cargo puts the release binaries.
fn release_dir(root: &Path) -> PathBuf {
    target_dir(root).join("release")
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

fn run_bench(root: &Path, args: &[String]) -> anyhow::Result<()> {
    build_release(root, &["gitlab-jobs-reference", "gitlab-jobs-bench"])?;

    let mut generate_ms = Vec::with_capacity(GENERATE_RUNS);
    for _ in 0..GENERATE_RUNS {
        let started = Instant::now();
        let outputs = crate::codegen::generate_all(root)?;
        generate_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(outputs);
    }

    let work_dir = target_dir(root).join("bench");
    std::fs::create_dir_all(&work_dir)?;
    let release = release_dir(root);
    let times: Vec<String> = generate_ms.iter().map(|ms| format!("{ms:.1}")).collect();
    let status = Command::new(release.join("gitlab-jobs-bench"))
        .arg("run")
        .arg("--server-bin")
        .arg(release.join("gitlab-jobs-reference"))
        .arg("--work-dir")
        .arg(&work_dir)
        .arg("--out")
        .arg(work_dir.join("report.md"))
        .arg("--generate-ms")
        .arg(times.join(","))
        .args(args)
        .current_dir(root)
        .status()
        .context("running gitlab-jobs-bench")?;
    if !status.success() {
        bail!("the benchmark failed ({status})");
    }
    Ok(())
}
