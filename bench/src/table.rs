//! Markdown tables, padded so that they also read well as plain text.

use std::fmt::Write as _;
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are empty, extra ones are dropped.
    pub fn row(&mut self, mut cells: Vec<String>) {
        cells.resize(self.headers.len(), String::new());
        self.rows.push(cells);
    }

    /// The first column is left-aligned (names), the others right-aligned (numbers).
    pub fn to_markdown(&self) -> String {
        let widths: Vec<usize> = (0..self.headers.len())
            .map(|column| {
                self.rows
                    .iter()
                    .map(|row| row[column].chars().count())
                    .chain([self.headers[column].chars().count(), 3])
                    .max()
                    .unwrap_or(3)
            })
            .collect();
        let mut out = String::new();
        let line = |out: &mut String, cells: &[String]| {
            out.push('|');
            for (column, cell) in cells.iter().enumerate() {
                let width = widths[column];
                if column == 0 {
                    let _ = write!(out, " {cell:<width$} |");
                } else {
                    let _ = write!(out, " {cell:>width$} |");
                }
            }
            out.push('\n');
        };
        line(&mut out, &self.headers);
        out.push('|');
        for (column, width) in widths.iter().enumerate() {
            let dashes = "-".repeat(width.saturating_sub(1));
            if column == 0 {
                let _ = write!(out, " {dashes}- |");
            } else {
                let _ = write!(out, " {dashes}: |");
            }
        }
        out.push('\n');
        for row in &self.rows {
            line(&mut out, row);
        }
        out
    }
}

/// A latency: microseconds below 10 ms, milliseconds above.
pub fn duration(d: Duration) -> String {
    let micros = d.as_secs_f64() * 1e6;
    if micros < 10_000.0 {
        format!("{micros:.0} µs")
    } else if micros < 10_000_000.0 {
        format!("{:.1} ms", micros / 1000.0)
    } else {
        format!("{:.1} s", micros / 1e6)
    }
}

pub fn rate(per_second: f64) -> String {
    if per_second >= 100.0 {
        format!("{per_second:.0}")
    } else {
        format!("{per_second:.1}")
    }
}

/// `part / whole` as `0.42×`; `n/a` when the whole is zero.
pub fn ratio(part: f64, whole: f64) -> String {
    if whole > 0.0 {
        format!("{:.2}×", part / whole)
    } else {
        "n/a".to_owned()
    }
}

pub fn mebibytes(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

/// A peak resident size, or `n/a` when it could not be read.
pub fn peak(kib: Option<u64>) -> String {
    kib.map_or_else(|| "n/a".to_owned(), mebibytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_aligned_markdown() {
        let mut table = Table::new(&["scenario", "req/s"]);
        table.row(vec!["GET job".into(), "1234".into()]);
        table.row(vec!["list".into()]);
        assert_eq!(
            table.to_markdown(),
            "| scenario | req/s |\n\
             | -------- | ----: |\n\
             | GET job  |  1234 |\n\
             | list     |       |\n"
        );
    }

    #[test]
    fn formats_numbers() {
        assert_eq!(duration(Duration::from_micros(850)), "850 µs");
        assert_eq!(duration(Duration::from_micros(12_340)), "12.3 ms");
        assert_eq!(ratio(1.0, 4.0), "0.25×");
        assert_eq!(ratio(1.0, 0.0), "n/a");
        assert_eq!(rate(12.345), "12.3");
        assert_eq!(mebibytes(2048), "2 MiB");
        assert_eq!(peak(Some(3072)), "3 MiB");
        assert_eq!(peak(None), "n/a");
    }
}
