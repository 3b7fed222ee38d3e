//! Servers under test as child processes: started on a free loopback port with their output
//! in log files (a pipe nobody reads would block them), polled until they answer, measured
//! (`/proc/<pid>/status`), and stopped. A `ServerProcess` dropped while running is killed, so
//! a failing benchmark leaves no server behind.

use std::fs::File;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use reqwest::header::HeaderMap;
use reqwest::{Client, Url};

/// How often a starting server is polled.
const POLL_INTERVAL: Duration = Duration::from_millis(20);
/// How long a stopping server gets after SIGINT before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// A port that was free a moment ago. The server binds it next; on loopback, with nothing
/// else choosing ports this way at the same instant, that is reliable enough.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

pub struct ServerProcess {
    pub name: String,
    pub base_url: Url,
    child: Option<Child>,
    log: PathBuf,
}

/// Resident memory of a process, from `/proc/<pid>/status` (Linux only).
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    /// `VmRSS`: resident now.
    pub rss_kib: u64,
    /// `VmHWM`: the most it was ever resident.
    pub peak_kib: u64,
}

impl ServerProcess {
    /// Starts `program args...` (the args may contain `{port}`) with `env` added to its
    /// environment and its output in `log`.
    pub fn spawn(
        name: &str,
        program: &Path,
        args: &[String],
        env: &[(&str, &str)],
        log: &Path,
    ) -> anyhow::Result<Self> {
        let port = free_port()?;
        let args: Vec<String> = args
            .iter()
            .map(|arg| arg.replace("{port}", &port.to_string()))
            .collect();
        let output = File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let child = Command::new(program)
            .args(&args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(output.try_clone()?)
            .stderr(output)
            .spawn()
            .with_context(|| format!("starting {} {}", program.display(), args.join(" ")))?;
        Ok(ServerProcess {
            name: name.to_owned(),
            base_url: Url::parse(&format!("http://127.0.0.1:{port}"))?,
            child: Some(child),
            log: log.to_owned(),
        })
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn url(&self, path_and_query: &str) -> anyhow::Result<Url> {
        Ok(self.base_url.join(path_and_query)?)
    }

    /// Polls `probe` until it answers 200, at most `timeout`; returns how long that took
    /// from the call. Fails at once if the process exits.
    pub async fn wait_ready(
        &mut self,
        client: &Client,
        headers: &HeaderMap,
        probe: &Url,
        timeout: Duration,
    ) -> anyhow::Result<Duration> {
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!(
                    "{} exited with {status} before answering; its log:\n{}",
                    self.name,
                    self.log_tail()
                );
            }
            let answer = client
                .get(probe.clone())
                .headers(headers.clone())
                .timeout(Duration::from_secs(5))
                .send()
                .await;
            if let Ok(response) = answer
                && response.status().is_success()
            {
                return Ok(started.elapsed());
            }
            if started.elapsed() > timeout {
                bail!(
                    "{} did not answer {probe} within {timeout:?}; its log:\n{}",
                    self.name,
                    self.log_tail()
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    pub fn memory(&self) -> Option<Memory> {
        memory_of(self.pid()?)
    }

    /// Stops the server: SIGINT (a graceful shutdown), then SIGKILL after a grace period.
    pub fn stop(mut self) -> anyhow::Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        // std has no SIGINT; the `kill` utility does, and it targets exactly this pid.
        let _ = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            if child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(POLL_INTERVAL);
        }
        child.kill()?;
        child.wait()?;
        Ok(())
    }

    /// The last lines of the server's log, for error messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

/// The memory of process `pid` now; `None` once it has gone (or off Linux).
pub fn memory_of(pid: u32) -> Option<Memory> {
    parse_status(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// `VmRSS` and `VmHWM` of a `/proc/<pid>/status` text.
pub fn parse_status(status: &str) -> Option<Memory> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some(Memory {
        rss_kib: field("VmRSS:")?,
        peak_kib: field("VmHWM:")?,
    })
}

/// The highest resident size among readings; `None` when none succeeded.
pub fn peak_rss(readings: impl IntoIterator<Item = Option<Memory>>) -> Option<u64> {
    readings.into_iter().flatten().map(|m| m.rss_kib).max()
}

/// How often a [`MemorySampler`] reads `/proc`.
const SAMPLE_INTERVAL: Duration = Duration::from_millis(25);

/// Samples one process's resident size while a scenario runs, on a thread of its own (not a
/// Tokio worker the load driver needs). `VmHWM` cannot serve here: it is the peak of the
/// process's whole life, so after the first heavy scenario every later one would show it.
pub struct MemorySampler {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<Option<u64>>>,
}

impl MemorySampler {
    /// Starts sampling `pid`; with `None` (no process to watch) it samples nothing.
    pub fn start(pid: Option<u32>) -> MemorySampler {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = pid.map(|pid| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut readings = vec![memory_of(pid)];
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(SAMPLE_INTERVAL);
                    readings.push(memory_of(pid));
                }
                peak_rss(readings)
            })
        });
        MemorySampler { stop, thread }
    }

    /// Stops sampling; the peak resident size seen, in KiB.
    pub fn finish(mut self) -> Option<u64> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take()?.join().ok().flatten()
    }
}

impl Drop for MemorySampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Name:\tgitlab-jobs-ref\nVmPeak:\t  900000 kB\nVmHWM:\t   104448 kB\nVmRSS:\t    95232 kB\nThreads:\t6\n";

    #[test]
    fn status_gives_resident_and_peak() {
        let memory = parse_status(STATUS).expect("both fields");
        assert_eq!((memory.rss_kib, memory.peak_kib), (95_232, 104_448));
        assert!(parse_status("Name:\tzombie\n").is_none());
    }

    #[test]
    fn peak_is_the_largest_successful_reading() {
        let reading = |rss_kib| {
            Some(Memory {
                rss_kib,
                peak_kib: 0,
            })
        };
        assert_eq!(
            peak_rss([reading(10), None, reading(30), reading(20)]),
            Some(30)
        );
        assert_eq!(peak_rss([None, None]), None);
        assert_eq!(peak_rss(Vec::new()), None);
    }

    #[test]
    fn sampler_reads_this_process() {
        let peak = MemorySampler::start(Some(std::process::id())).finish();
        assert!(peak.is_some_and(|kib| kib > 0));
        assert_eq!(MemorySampler::start(None).finish(), None);
    }
}
