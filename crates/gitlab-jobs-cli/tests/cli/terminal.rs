//! One interactive run under tmux: on a real terminal `list` colours its table and
//! `artifacts download` draws a progress bar, both seen on the captured pane.
//!
//! Needs tmux (`scripts/tmux.sh` installs it; `scripts/test.sh` runs it first). Without tmux
//! the test says so and passes, except under `CI=true`, where it fails.

use std::io::{Read, Write};
use std::process::Command;
use std::time::{Duration, Instant};

use gitlab_jobs_reference::demo::tokens;

use crate::support::demo;

/// A tmux server of our own (its own socket), killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(shell_command: &str) -> Tmux {
        let socket = format!("gitlab-jobs-test-{}-{}", std::process::id(), rand_suffix());
        let tmux = Tmux { socket };
        let status = Command::new("tmux")
            .args([
                "-L",
                &tmux.socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "140",
                "-y",
                "40",
            ])
            .args(["-s", "t", shell_command])
            .env("TERM", "xterm-256color")
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        tmux
    }

    /// The pane's text, with its colour escapes (`-e`).
    fn capture(&self) -> String {
        let output = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-e", "-t", "t"])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Captures until `found` accepts the pane (at most a minute).
    async fn wait_for(&self, what: &str, found: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let pane = self.capture();
            if found(&pane) {
                return pane;
            }
            assert!(
                Instant::now() < deadline,
                "{what} never appeared; the pane:\n{pane}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

/// Whether tmux can run here; `false` (with a note) means skip, and fails under `CI=true`.
fn tmux_available() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let message = "tmux is not installed: run scripts/tmux.sh to install it";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
        eprintln!("skipped: {message}");
    }
    found
}

/// A shell command running `gitlab-jobs ARGS` as alice, then waiting so the pane stays.
fn shell(url: &str, args: &str) -> String {
    format!(
        "cd {dir} && env -u NO_COLOR GITLAB_TOKEN={token} {bin} --url {url} --project acme/backend {args}; echo EXIT=$?; sleep 60",
        dir = std::env::temp_dir().display(),
        token = tokens::MAINTAINER,
        bin = env!("CARGO_BIN_EXE_gitlab-jobs"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_the_table_has_colours_and_downloads_a_progress_bar() {
    if !tmux_available() {
        return;
    }
    let server = demo().await;
    let url = server.base_url();

    let tmux = Tmux::start(&shell(&url, "list --limit 5"));
    let pane = tmux
        .wait_for("the end of list", |pane| pane.contains("EXIT="))
        .await;
    assert!(pane.contains("EXIT=0"), "{pane}");
    let plain = strip_escapes(&pane);
    let header = plain
        .lines()
        .find(|line| line.starts_with("ID"))
        .expect("a header");
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["ID", "STATUS", "STAGE", "NAME", "REF", "DURATION", "AGE"]
    );
    // Statuses are coloured (SGR sequences around them), the header bold.
    assert!(pane.contains("\u{1b}[1m"), "no bold header:\n{pane:?}");
    assert!(
        pane.contains("\u{1b}[33mscheduled") || pane.contains("\u{1b}[33mpending"),
        "no yellow status:\n{pane:?}"
    );
    drop(tmux);

    // A slow download: 200 KiB at about 40 KiB a second.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let slow = format!("http://{}", listener.local_addr().expect("address"));
    let sender = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request);
        let total = 200 * 1024;
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/zip\r\ncontent-length: {total}\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).expect("head");
        for _ in 0..50 {
            if stream.write_all(&[b'x'; 4096]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let target = format!("gitlab-jobs-terminal-test-{}.zip", std::process::id());
    let tmux = Tmux::start(&shell(&slow, &format!("artifacts download 1 -o {target}")));
    let pane = tmux
        .wait_for("a progress bar", |pane| {
            strip_escapes(pane).lines().any(|line| {
                line.contains(&target[..20])
                    && line.contains("[=")
                    && line.contains("KiB/200.00 KiB")
            })
        })
        .await;
    let bar = strip_escapes(&pane);
    let bar = bar
        .lines()
        .find(|line| line.contains("KiB/200.00 KiB"))
        .expect("bar line");
    assert!(
        bar.contains("[") && bar.contains("=") && bar.contains("]"),
        "{bar}"
    );
    let pane = tmux
        .wait_for("the end of the download", |pane| pane.contains("EXIT="))
        .await;
    assert!(pane.contains("EXIT=0"), "{pane}");
    assert!(
        strip_escapes(&pane).contains(&format!("Saved {target} (204800 bytes)")),
        "{pane}"
    );
    sender.join().expect("the sender");
    let _ = std::fs::remove_file(std::env::temp_dir().join(&target));
}

/// The pane without its escape sequences (CSI … letter).
fn strip_escapes(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}
