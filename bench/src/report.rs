//! The Markdown report: one column per engine next to the ceiling, then the targets.

use std::time::Duration;

use crate::config::Config;
use crate::database::Engine;
use crate::dataset::Dataset;
use crate::decode::Decode;
use crate::process::Memory;
use crate::stats::{Summary, median};
use crate::table::{self, Table};

/// One scenario on one data set size: the same requests to each engine's server and to the
/// ceiling.
pub struct Comparison {
    pub name: String,
    pub size: String,
    pub servers: Vec<(Engine, Summary)>,
    pub ceiling: Summary,
}

/// One row of the deep-page table.
pub struct Deep {
    pub name: String,
    pub per_engine: Vec<(Engine, Summary)>,
}

/// The mixed load on one engine's small data set.
pub struct Mixed {
    pub engine: Engine,
    pub kinds: Vec<(String, Summary)>,
    pub total: Summary,
}

pub struct Report {
    pub markdown: String,
    pub targets_missed: usize,
}

/// Everything one run measured.
pub struct Results<'a> {
    pub config: &'a Config,
    pub machine: String,
    /// Load average at the start and at the end.
    pub load: (String, String),
    pub engines: &'a [Engine],
    pub datasets: &'a [Dataset],
    pub comparisons: &'a [Comparison],
    pub deep: Option<&'a [Deep]>,
    pub mixed: &'a [Mixed],
    pub decode: &'a Decode,
    /// Per data set, in `datasets` order.
    pub database_bytes: &'a [u64],
    pub memory_after: Vec<Option<Memory>>,
}

fn secs(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

fn memory_text(memory: Option<Memory>) -> String {
    memory.map_or_else(
        || "n/a".to_owned(),
        |m| {
            format!(
                "{} (peak {})",
                table::mebibytes(m.rss_kib),
                table::mebibytes(m.peak_kib)
            )
        },
    )
}

/// Missed targets are findings, listed last.
struct Targets {
    table: Table,
    missed: usize,
}

impl Targets {
    fn new() -> Targets {
        Targets {
            table: Table::new(&["target", "engine", "measured", "verdict"]),
            missed: 0,
        }
    }

    fn check(&mut self, name: String, engine: Engine, measured: String, holds: bool) {
        if !holds {
            self.missed += 1;
        }
        let verdict = if holds { "holds" } else { "MISSED" };
        self.table
            .row(vec![name, engine.to_string(), measured, verdict.to_owned()]);
    }
}

/// Headers `"{engine} {what}"` for each engine, then the ceiling's.
fn per_engine_headers(engines: &[Engine], what: &str, with_ceiling: bool) -> Vec<String> {
    let mut headers: Vec<String> = engines
        .iter()
        .map(|engine| format!("{engine} {what}"))
        .collect();
    if with_ceiling {
        headers.push(format!("ceiling {what}"));
    }
    headers
}

pub fn render(results: &Results<'_>) -> Report {
    let config = results.config;
    let engines = results.engines;
    let mut out = String::new();
    let mut targets = Targets::new();

    out.push_str(&format!(
        "Machine: {}; load average {} at the start, {} at the end. \
         {} clients per measurement, {} interleaved rounds of at most {} requests or {:.0} s each; \
         server log level `{}`.\n\n",
        results.machine,
        results.load.0,
        results.load.1,
        config.concurrency,
        config.rounds,
        config.requests,
        config.seconds,
        config.server_log,
    ));

    let mut headers = vec!["scenario".to_owned(), "jobs".to_owned()];
    headers.extend(per_engine_headers(engines, "req/s", true));
    headers.extend(per_engine_headers(engines, "÷ ceiling", false));
    headers.extend(per_engine_headers(engines, "p50", true));
    headers.extend(per_engine_headers(engines, "p99", true));
    headers.push("non-2xx".to_owned());
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut main = Table::new(&header_refs);
    for comparison in results.comparisons {
        let ceiling = &comparison.ceiling;
        let servers = || comparison.servers.iter().map(|(_, summary)| summary);
        let mut row = vec![comparison.name.clone(), comparison.size.clone()];
        row.extend(servers().map(|s| table::rate(s.requests_per_second())));
        row.push(table::rate(ceiling.requests_per_second()));
        row.extend(
            servers().map(|s| table::ratio(s.requests_per_second(), ceiling.requests_per_second())),
        );
        row.extend(servers().map(|s| table::duration(s.p50)));
        row.push(table::duration(ceiling.p50));
        row.extend(servers().map(|s| table::duration(s.p99)));
        row.push(table::duration(ceiling.p99));
        let non_success: u64 = servers().map(Summary::non_success).sum();
        row.push((non_success + ceiling.non_success()).to_string());
        main.row(row);
        if comparison.name.starts_with("GET") {
            for (engine, server) in &comparison.servers {
                let ratio =
                    server.requests_per_second() / ceiling.requests_per_second().max(f64::EPSILON);
                targets.check(
                    format!("GET job ≥ 0.7× ceiling req/s ({} jobs)", comparison.size),
                    *engine,
                    format!("{ratio:.2}×"),
                    ratio >= 0.7,
                );
            }
        }
    }
    out.push_str(&main.to_markdown());

    let lists: Vec<&Comparison> = results
        .comparisons
        .iter()
        .filter(|c| c.name.starts_with("list"))
        .collect();
    if let [small, large] = lists.as_slice() {
        for ((engine, small_run), (_, large_run)) in small.servers.iter().zip(&large.servers) {
            let p50 = secs(large_run.p50) / secs(small_run.p50).max(f64::EPSILON);
            let p99 = secs(large_run.p99) / secs(small_run.p99).max(f64::EPSILON);
            targets.check(
                format!(
                    "list-100 at {} within 1.5× its {} latency",
                    large.size, small.size
                ),
                *engine,
                format!("p50 {p50:.2}×, p99 {p99:.2}×"),
                p50 <= 1.5,
            );
        }
    }

    if let Some(deep) = results.deep {
        out.push_str(&deep_table(deep, engines, &mut targets));
    }
    out.push_str(&mixed_table(results, &mut targets));
    out.push_str(&generation_table(config, results.decode));
    out.push_str(&limits_table(results));

    out.push_str("\nTargets:\n\n");
    out.push_str(&targets.table.to_markdown());
    Report {
        markdown: out,
        targets_missed: targets.missed,
    }
}

fn deep_table(deep: &[Deep], engines: &[Engine], targets: &mut Targets) -> String {
    let mut headers = vec!["request".to_owned()];
    headers.extend(per_engine_headers(engines, "req/s", false));
    headers.extend(per_engine_headers(engines, "p50", false));
    headers.extend(per_engine_headers(engines, "p99", false));
    headers.extend(per_engine_headers(engines, "p50 ÷ page 1", false));
    headers.push("non-2xx".to_owned());
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut table = Table::new(&header_refs);
    let first: Vec<f64> = deep.first().map_or_else(Vec::new, |row| {
        row.per_engine.iter().map(|(_, s)| secs(s.p50)).collect()
    });
    for row in deep {
        let runs = || row.per_engine.iter().map(|(_, summary)| summary);
        let mut cells = vec![row.name.clone()];
        cells.extend(runs().map(|s| table::rate(s.requests_per_second())));
        cells.extend(runs().map(|s| table::duration(s.p50)));
        cells.extend(runs().map(|s| table::duration(s.p99)));
        cells.extend(
            runs()
                .zip(&first)
                .map(|(s, page_1)| table::ratio(secs(s.p50), *page_1)),
        );
        cells.push(runs().map(Summary::non_success).sum::<u64>().to_string());
        table.row(cells);
    }
    if let Some(keyset) = deep.get(2) {
        for ((engine, summary), page_1) in keyset.per_engine.iter().zip(&first) {
            let ratio = secs(summary.p50) / page_1.max(f64::EPSILON);
            targets.check(
                "keyset deep page within 1.5× page 1".to_owned(),
                *engine,
                format!("p50 {ratio:.2}×"),
                ratio <= 1.5,
            );
        }
    }
    format!("\nDeep pages (100 per page):\n\n{}", table.to_markdown())
}

fn mixed_table(results: &Results<'_>, targets: &mut Targets) -> String {
    let mut table = Table::new(&[
        "engine",
        "request",
        "count",
        "2xx",
        "4xx",
        "5xx",
        "transport errors",
        "p50",
        "p99",
        "req/s",
    ]);
    for mixed in results.mixed {
        let all = ("all".to_owned(), mixed.total.clone());
        for (name, summary) in mixed.kinds.iter().chain([&all]) {
            table.row(vec![
                mixed.engine.to_string(),
                name.clone(),
                summary.requests.to_string(),
                summary.classes[2].to_string(),
                summary.classes[4].to_string(),
                summary.classes[5].to_string(),
                summary.classes[0].to_string(),
                table::duration(summary.p50),
                table::duration(summary.p99),
                table::rate(summary.requests_per_second()),
            ]);
        }
        targets.check(
            "mixed load: zero 5xx".to_owned(),
            mixed.engine,
            format!(
                "{} 5xx, {} transport errors in {} requests",
                mixed.total.server_errors(),
                mixed.total.errors(),
                mixed.total.requests
            ),
            mixed.total.server_errors() == 0 && mixed.total.errors() == 0,
        );
    }
    format!(
        "\nMixed load on the {} data set, one engine after the other: {} clients, 80% reads, \
         20% cancel/retry/play on random jobs:\n\n{}",
        results.datasets.first().map_or("", |d| d.label.as_str()),
        results.config.mixed_clients,
        table.to_markdown()
    )
}

fn generation_table(config: &Config, decode: &Decode) -> String {
    let mut table = Table::new(&["step", "time", "ratio"]);
    let mut generate = config.generate_ms.clone();
    if let Some(ms) = median(&mut generate) {
        table.row(vec![
            format!(
                "`cargo xtask generate` (median of {}, in-process, files not written)",
                generate.len()
            ),
            table::duration(Duration::from_secs_f64(ms / 1000.0)),
            String::new(),
        ]);
    }
    table.row(vec![
        format!(
            "decode a {}-job page ({} KiB) into `Vec<gitlab_jobs_types::Job>`",
            decode.jobs,
            decode.bytes / 1024
        ),
        table::duration(decode.typed),
        table::ratio(secs(decode.typed), secs(decode.value)),
    ]);
    table.row(vec![
        "decode the same bytes into `serde_json::Value`".to_owned(),
        table::duration(decode.value),
        "1.00×".to_owned(),
    ]);
    format!(
        "\nCode generation and decoding:\n\n{}\n(median of {} alternating decodes each)\n",
        table.to_markdown(),
        decode.iterations
    )
}

fn limits_table(results: &Results<'_>) -> String {
    let mut table = Table::new(&[
        "data set",
        "engine",
        "database size",
        "filled in",
        "memory when filled",
        "start on it again (to first answer)",
        "memory at start",
        "memory after the runs",
    ]);
    for ((dataset, after), bytes) in results
        .datasets
        .iter()
        .zip(&results.memory_after)
        .zip(results.database_bytes)
    {
        table.row(vec![
            format!("{} jobs", dataset.label),
            dataset.engine().to_string(),
            table::mebibytes(bytes / 1024),
            dataset
                .created_in
                .map_or_else(|| "(reused)".to_owned(), |d| format!("{:.2} s", secs(d))),
            memory_text(dataset.creation_memory),
            format!("{:.2} s", secs(dataset.started_in)),
            memory_text(dataset.memory_at_start),
            memory_text(*after),
        ]);
    }
    format!(
        "\nLimits (server process memory; PostgreSQL's own memory is not counted):\n\n{}",
        table.to_markdown()
    )
}
