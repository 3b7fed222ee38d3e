//! What commands print: colours (only on a terminal), durations and ages, key/value blocks,
//! tables streamed a page at a time, and `--json` lines.
//!
//! Colour goes through `anstream`, which drops the escape codes when stdout is not a terminal
//! and honours `NO_COLOR` and `CLICOLOR_FORCE`.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use chrono::{DateTime, Utc};
use gitlab_jobs_client::types::JobStatus;
use serde::Serialize;

use crate::error::CliError;

/// Standard output, colour-aware.
pub struct Out {
    stream: anstream::AutoStream<io::Stdout>,
}

impl Out {
    pub fn stdout() -> Out {
        Out {
            stream: anstream::stdout(),
        }
    }

    /// One line (a `\n` is added).
    pub fn line(&mut self, text: impl AsRef<str>) -> Result<(), CliError> {
        writeln!(self.stream, "{}", text.as_ref()).map_err(write_error)
    }

    /// Raw bytes (a job log, a file), as they are.
    pub fn bytes(&mut self, bytes: &[u8]) -> Result<(), CliError> {
        self.stream.write_all(bytes).map_err(write_error)
    }

    /// One JSON document on one line.
    pub fn json(&mut self, value: &impl Serialize) -> Result<(), CliError> {
        let text =
            serde_json::to_string(value).map_err(|e| CliError::local("could not write JSON", e))?;
        self.line(text)
    }

    pub fn flush(&mut self) -> Result<(), CliError> {
        self.stream.flush().map_err(write_error)
    }
}

/// Prints `value` as one JSON line with `--json` (`json`), else the text `text` makes; the
/// end of a command that shows one thing.
pub fn print(
    json: bool,
    value: &impl Serialize,
    text: impl FnOnce() -> String,
) -> Result<std::process::ExitCode, CliError> {
    let mut out = Out::stdout();
    if json {
        out.json(value)?;
    } else {
        out.line(text().trim_end())?;
    }
    out.flush()?;
    Ok(std::process::ExitCode::SUCCESS)
}

/// A failed write to stdout; a closed pipe (`gitlab-jobs list | head`) ends quietly.
pub fn write_error(error: io::Error) -> CliError {
    if error.kind() == io::ErrorKind::BrokenPipe {
        CliError::quiet()
    } else {
        CliError::local("could not write to standard output", error)
    }
}

/// `text` in `style` (escape codes that `Out` strips when stdout is no terminal).
pub fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

/// Bold, for headings.
pub fn bold(text: &str) -> String {
    paint(Style::new().bold(), text)
}

/// The colour of a status: green success, red failed, blue running, yellow waiting, grey
/// for what did not run.
pub fn status_style(status: &JobStatus) -> Style {
    let colour = match status {
        JobStatus::Success => AnsiColor::Green,
        JobStatus::Failed => AnsiColor::Red,
        JobStatus::Running | JobStatus::Canceling => AnsiColor::Blue,
        JobStatus::Pending
        | JobStatus::Created
        | JobStatus::Preparing
        | JobStatus::WaitingForResource
        | JobStatus::WaitingForCallback
        | JobStatus::Scheduled => AnsiColor::Yellow,
        JobStatus::Manual => AnsiColor::Cyan,
        JobStatus::Canceled | JobStatus::Skipped => AnsiColor::BrightBlack,
        // A status newer than the document: shown as sent, uncoloured.
        JobStatus::Unknown(_) => return Style::new(),
    };
    Style::new().fg_color(Some(colour.into()))
}

/// A duration in seconds as `45s`, `6m 0s`, `2h 5m`, `3d 4h`; `-` when there is none.
pub fn duration(seconds: Option<f64>) -> String {
    let Some(seconds) = seconds.filter(|s| s.is_finite() && *s >= 0.0) else {
        return "-".into();
    };
    let total = seconds.round() as u64;
    let (days, hours, minutes, seconds) = (
        total / 86_400,
        total / 3600 % 24,
        total / 60 % 60,
        total % 60,
    );
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes}m")
    } else if minutes > 0 {
        format!("{minutes}m {seconds}s")
    } else {
        format!("{seconds}s")
    }
}

/// How long ago `at` was, relative to `now`: `just now`, `5 min ago`, `3 h ago`, `12 d ago`,
/// `2 y ago`.
pub fn age(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - at).num_seconds();
    match seconds {
        ..60 => "just now".into(),
        60..3_600 => format!("{} min ago", seconds / 60),
        3_600..86_400 => format!("{} h ago", seconds / 3_600),
        86_400..31_536_000 => format!("{} d ago", seconds / 86_400),
        _ => format!("{} y ago", seconds / 31_536_000),
    }
}

/// A time as `2024-03-01 11:03:00 UTC (2 y ago)`.
pub fn time(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!("{} ({})", at.format("%Y-%m-%d %H:%M:%S UTC"), age(at, now))
}

/// `text` cut to `width` characters, with `…` when it was longer.
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// A cell of a table: its text and an optional style.
pub struct Cell {
    pub text: String,
    pub style: Style,
}

impl Cell {
    pub fn plain(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            style: Style::new(),
        }
    }

    pub fn styled(text: impl Into<String>, style: Style) -> Cell {
        Cell {
            text: text.into(),
            style,
        }
    }
}

/// A table printed as its rows arrive (a page at a time). Column widths come from the
/// header and the first batch of rows and only grow afterwards, so that the first page is
/// aligned as a whole and later pages stay in line with it.
pub struct Table {
    headers: Vec<&'static str>,
    widths: Vec<usize>,
    started: bool,
}

impl Table {
    pub fn new(headers: Vec<&'static str>) -> Table {
        let widths = headers.iter().map(|h| h.chars().count()).collect();
        Table {
            headers,
            widths,
            started: false,
        }
    }

    /// Prints `rows` (and the header before the first batch).
    pub fn print(&mut self, out: &mut Out, rows: &[Vec<Cell>]) -> Result<(), CliError> {
        for row in rows {
            for (width, cell) in self.widths.iter_mut().zip(row) {
                *width = (*width).max(cell.text.chars().count());
            }
        }
        if !self.started {
            self.started = true;
            let header: Vec<Cell> = self
                .headers
                .iter()
                .map(|h| Cell::styled(h.to_uppercase(), Style::new().bold()))
                .collect();
            out.line(self.render(&header))?;
        }
        for row in rows {
            out.line(self.render(row))?;
        }
        Ok(())
    }

    fn render(&self, row: &[Cell]) -> String {
        let last = row.len().saturating_sub(1);
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(&self.widths).enumerate() {
            let pad = width.saturating_sub(cell.text.chars().count());
            line.push_str(&paint(cell.style, &cell.text));
            if i < last {
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_person_writes_them() {
        assert_eq!(duration(None), "-");
        assert_eq!(duration(Some(0.4)), "0s");
        assert_eq!(duration(Some(45.0)), "45s");
        assert_eq!(duration(Some(360.0)), "6m 0s");
        assert_eq!(duration(Some(7_500.0)), "2h 5m");
        assert_eq!(
            duration(Some(3.0 * 86_400.0 + 4.0 * 3_600.0 + 59.0)),
            "3d 4h"
        );
        assert_eq!(duration(Some(-1.0)), "-");
    }

    #[test]
    fn ages_round_down_to_the_largest_unit() {
        let now = DateTime::parse_from_rfc3339("2026-01-10T12:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let ago = |seconds: i64| age(now - chrono::Duration::seconds(seconds), now);
        assert_eq!(ago(5), "just now");
        assert_eq!(ago(-30), "just now");
        assert_eq!(ago(125), "2 min ago");
        assert_eq!(ago(7_300), "2 h ago");
        assert_eq!(ago(3 * 86_400 + 5), "3 d ago");
        assert_eq!(ago(800 * 86_400), "2 y ago");
    }

    #[test]
    fn truncation_marks_what_was_cut() {
        assert_eq!(truncate("main", 10), "main");
        assert_eq!(truncate("feature/very-long", 8), "feature…");
    }
}
