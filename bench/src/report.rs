//! The Markdown report: one column per engine next to the ceiling, then the targets.

use std::time::Duration;

use crate::config::Config;
use crate::database::Engine;
use crate::dataset::Dataset;
use crate::decode::Decode;
use crate::open_loop::{LATE_AFTER, OpenLoop};
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

/// One open-loop measurement on one engine.
pub struct OpenLoopRow {
    pub engine: Engine,
    /// How its rate was chosen (`50% of closed loop`, `configured`).
    pub label: String,
    pub run: OpenLoop,
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
    pub open_loop: &'a [OpenLoopRow],
    /// GET one job on Prism's mock, measured in the side-by-side rounds.
    pub prism: Option<&'a Summary>,
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

/// A side-by-side scenario's target: at least this share of the ceiling's req/s, per engine
/// (issue 13: PostgreSQL pays a round trip per statement, so its bar is lower).
struct CeilingGoal {
    what: &'static str,
    sqlite: f64,
    postgres: f64,
}

impl CeilingGoal {
    fn for_scenario(name: &str) -> Option<CeilingGoal> {
        if name.starts_with("GET") {
            Some(CeilingGoal {
                what: "GET job",
                sqlite: 0.5,
                postgres: 0.3,
            })
        } else if name.starts_with("list") {
            Some(CeilingGoal {
                what: "list-100",
                sqlite: 0.3,
                postgres: 0.15,
            })
        } else {
            None
        }
    }

    fn minimum(&self, engine: Engine) -> f64 {
        match engine {
            Engine::Sqlite => self.sqlite,
            Engine::Postgres => self.postgres,
        }
    }
}

/// The mixed load's tail target: p99 at most this many times its p50 (queueing, lock waits
/// and retried transactions show up as a long tail, not in the median).
pub const MIXED_TAIL_RATIO: f64 = 3.0;

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
    headers.extend(per_engine_headers(engines, "peak RSS", true));
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
        row.extend(servers().map(|s| table::peak(s.peak_rss_kib)));
        row.push(table::peak(ceiling.peak_rss_kib));
        let non_success: u64 = servers().map(Summary::non_success).sum();
        row.push((non_success + ceiling.non_success()).to_string());
        main.row(row);
        if let Some(goal) = CeilingGoal::for_scenario(&comparison.name) {
            for (engine, server) in &comparison.servers {
                let ratio =
                    server.requests_per_second() / ceiling.requests_per_second().max(f64::EPSILON);
                let minimum = goal.minimum(*engine);
                targets.check(
                    format!(
                        "{} ≥ {minimum}× ceiling req/s ({} jobs)",
                        goal.what, comparison.size
                    ),
                    *engine,
                    format!("{ratio:.2}×"),
                    ratio >= minimum,
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

    if let (Some(prism), Some(get)) = (results.prism, results.comparisons.first()) {
        out.push_str(&prism_table(prism, get, &mut targets));
    }
    if !results.open_loop.is_empty() {
        out.push_str(&open_loop_table(results));
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

/// GET one job: each engine's req/s as a multiple of Prism's (issue 13: ≥ 20× on SQLite,
/// ≥ 10× on PostgreSQL).
fn prism_table(prism: &Summary, get: &Comparison, targets: &mut Targets) -> String {
    let mut table = Table::new(&[
        "server", "req/s", "÷ Prism", "p50", "p99", "non-2xx", "peak RSS",
    ]);
    let prism_rate = prism.requests_per_second();
    for (name, summary) in get
        .servers
        .iter()
        .map(|(engine, summary)| (engine.to_string(), summary))
        .chain([("Prism".to_owned(), prism)])
    {
        table.row(vec![
            name,
            table::rate(summary.requests_per_second()),
            table::ratio(summary.requests_per_second(), prism_rate),
            table::duration(summary.p50),
            table::duration(summary.p99),
            summary.non_success().to_string(),
            table::peak(summary.peak_rss_kib),
        ]);
    }
    for (engine, summary) in &get.servers {
        let minimum = match engine {
            Engine::Sqlite => 20.0,
            Engine::Postgres => 10.0,
        };
        let ratio = summary.requests_per_second() / prism_rate.max(f64::EPSILON);
        targets.check(
            format!("GET job ≥ {minimum}× Prism's req/s ({} jobs)", get.size),
            *engine,
            format!("{ratio:.1}×"),
            // A Prism that answered nothing 2xx measured nothing.
            ratio >= minimum && prism.non_success() == 0,
        );
    }
    format!(
        "\nGET one job ({} jobs) against Prism mocking `openapi/gitlab-jobs.yaml` (its static \
         example, the request validated against the document), in the same rounds:\n\n{}",
        get.size,
        table.to_markdown()
    )
}

fn open_loop_table(results: &Results<'_>) -> String {
    let mut table = Table::new(&[
        "engine",
        "arrival rate",
        "req/s scheduled",
        "req/s answered",
        "sent",
        "late",
        "dropped",
        "non-2xx",
        "p50",
        "p99",
        "max",
        "peak RSS",
    ]);
    for row in results.open_loop {
        let run = &row.run;
        let summary = &run.summary;
        table.row(vec![
            row.engine.to_string(),
            row.label.clone(),
            table::rate(run.plan.rate),
            table::rate(summary.requests_per_second()),
            format!("{} of {}", summary.requests, run.scheduled),
            run.late.to_string(),
            run.dropped.to_string(),
            summary.non_success().to_string(),
            table::duration(summary.p50),
            table::duration(summary.p99),
            table::duration(summary.max),
            table::peak(summary.peak_rss_kib),
        ]);
    }
    let (clients, seconds) = results.open_loop.first().map_or((0, 0.0), |row| {
        (row.run.plan.clients, secs(row.run.plan.duration))
    });
    format!(
        "\nOpen loop, GET one job ({} jobs): requests sent at a fixed rate for {seconds:.0} s, \
         at most {clients} in flight; latency from each request's scheduled send time, so \
         queueing counts (no coordinated omission); late = sent more than {} after its time, \
         dropped = never sent:\n\n{}",
        results.datasets.first().map_or("", |d| d.label.as_str()),
        table::duration(LATE_AFTER),
        table.to_markdown()
    )
}

fn deep_table(deep: &[Deep], engines: &[Engine], targets: &mut Targets) -> String {
    let mut headers = vec!["request".to_owned()];
    headers.extend(per_engine_headers(engines, "req/s", false));
    headers.extend(per_engine_headers(engines, "p50", false));
    headers.extend(per_engine_headers(engines, "p99", false));
    headers.extend(per_engine_headers(engines, "p50 ÷ page 1", false));
    headers.extend(per_engine_headers(engines, "peak RSS", false));
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
        cells.extend(runs().map(|s| table::peak(s.peak_rss_kib)));
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
        "peak RSS",
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
                // Memory belongs to the whole run, not to one kind of request.
                summary
                    .peak_rss_kib
                    .map_or_else(String::new, |kib| table::peak(Some(kib))),
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
        let tail = secs(mixed.total.p99) / secs(mixed.total.p50).max(f64::EPSILON);
        targets.check(
            format!("mixed load: p99 ≤ {MIXED_TAIL_RATIO}× p50"),
            mixed.engine,
            format!(
                "p99 {} = {tail:.2}× p50 {}",
                table::duration(mixed.total.p99),
                table::duration(mixed.total.p50)
            ),
            tail <= MIXED_TAIL_RATIO,
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
        "\nLimits (server process memory; PostgreSQL's own memory is not counted; \
         the peak RSS columns above are sampled every 25 ms during each measurement):\n\n{}",
        table.to_markdown()
    )
}
