//! The open loop: requests sent at a fixed arrival rate whatever the server does, next to the
//! closed loop of [`crate::rounds`]. A closed loop sends the next request only when an answer
//! came back, so a slow answer also delays the requests that would have queued behind it and
//! its latency is counted once ("coordinated omission"). Here each request has a scheduled
//! send time and its latency runs from that time, so queueing shows in the percentiles; a send
//! that leaves more than [`LATE_AFTER`] behind its time is counted late, and one that never
//! leaves before the run's deadline is counted dropped.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Client, Url};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::config::Config;
use crate::load::{self, Call};
use crate::process::MemorySampler;
use crate::report::{Comparison, OpenLoopRow};
use crate::side_by_side::Scenario;
use crate::stats::{Sample, Summary};

/// A send this far behind its scheduled time is late (about the resolution of Tokio's timer).
pub const LATE_AFTER: Duration = Duration::from_millis(1);
/// How long after the last scheduled send a request may still leave; later ones are dropped.
const SEND_GRACE: Duration = Duration::from_secs(2);

/// One open-loop measurement: `rate` requests per second for `duration`, at most `clients`
/// requests in flight (each on a keep-alive connection of the shared pool).
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub rate: f64,
    pub duration: Duration,
    pub clients: usize,
}

/// The send times of a plan, from its start: evenly spaced at `1 / rate`.
pub fn schedule(rate: f64, duration: Duration) -> Vec<Duration> {
    if !(rate.is_finite() && rate > 0.0) {
        return Vec::new();
    }
    let count = (rate * duration.as_secs_f64()).floor() as u64;
    (0..count)
        .map(|index| Duration::from_secs_f64(index as f64 / rate))
        .collect()
}

/// One request as the open loop saw it, in offsets from the start of the run.
#[derive(Debug, Clone, Copy)]
pub struct Record {
    pub scheduled: Duration,
    pub sent: Duration,
    pub finished: Duration,
    pub status: u16,
}

/// What an open-loop run saw.
#[derive(Debug, Clone)]
pub struct OpenLoop {
    pub plan: Plan,
    /// Latencies from the scheduled send times; `requests` counts the sends that left.
    pub summary: Summary,
    pub scheduled: u64,
    pub late: u64,
    pub dropped: u64,
}

impl OpenLoop {
    /// Summarises `records` of a run that scheduled `scheduled` sends over `elapsed`.
    pub fn of(plan: Plan, records: &[Record], scheduled: u64, elapsed: Duration) -> OpenLoop {
        let samples: Vec<Sample> = records
            .iter()
            .map(|record| Sample {
                kind: 0,
                latency: record.finished.saturating_sub(record.scheduled),
                status: record.status,
            })
            .collect();
        OpenLoop {
            plan,
            summary: Summary::of(&samples, elapsed),
            scheduled,
            late: records
                .iter()
                .filter(|record| record.sent > record.scheduled + LATE_AFTER)
                .count() as u64,
            dropped: scheduled.saturating_sub(records.len() as u64),
        }
    }
}

/// The arrival rates of a run: `--open-loop-rate` when given, otherwise each fraction of the
/// engine's closed-loop req/s; each with its label for the report.
pub fn rates(config: &Config, closed_loop: f64) -> Vec<(String, f64)> {
    match config.open_loop_rate {
        Some(rate) => vec![("configured".to_owned(), rate)],
        None => config
            .open_loop_fractions
            .iter()
            .map(|fraction| {
                (
                    format!("{:.0}% of closed loop", fraction * 100.0),
                    fraction * closed_loop,
                )
            })
            .collect(),
    }
}

/// GET one job on the small data set, on every engine, at each rate of [`rates`] (relative to
/// that engine's closed-loop throughput in `closed`, measured just before).
pub async fn measure(
    config: &Config,
    client: &Client,
    headers: &HeaderMap,
    scenario: &Scenario,
    closed: &Comparison,
) -> Vec<OpenLoopRow> {
    let mut rows = Vec::new();
    for (target, (engine, summary)) in scenario.servers.iter().zip(&closed.servers) {
        for (label, rate) in rates(config, summary.requests_per_second()) {
            eprintln!("bench: open loop on {engine}, {label}: {rate:.0} req/s");
            let plan = Plan {
                rate,
                duration: Duration::from_secs_f64(config.open_loop_seconds),
                clients: config.open_loop_clients,
            };
            let run = drive(client, headers, &target.url, target.pid, plan).await;
            rows.push(OpenLoopRow {
                engine: *engine,
                label,
                run,
            });
        }
    }
    rows
}

/// Sends GET `url` on `plan`'s schedule, sampling the memory of process `pid` meanwhile.
pub async fn drive(
    client: &Client,
    headers: &HeaderMap,
    url: &Url,
    pid: Option<u32>,
    plan: Plan,
) -> OpenLoop {
    let times = schedule(plan.rate, plan.duration);
    let in_flight = Arc::new(Semaphore::new(plan.clients.max(1)));
    let memory = MemorySampler::start(pid);
    let started = Instant::now();
    let send_deadline = started + plan.duration + SEND_GRACE;
    let mut tasks = Vec::with_capacity(times.len());
    for &scheduled in &times {
        tokio::time::sleep_until(started + scheduled).await;
        // Waiting for a free client delays this send and the later ones: that is the
        // queueing the latencies (from the scheduled times) must show.
        let Ok(Ok(permit)) =
            tokio::time::timeout_at(send_deadline, Arc::clone(&in_flight).acquire_owned()).await
        else {
            break;
        };
        let client = client.clone();
        let headers = headers.clone();
        let call = Call::get(0, url);
        tasks.push(tokio::spawn(async move {
            let sent = started.elapsed();
            let sample = load::send(&client, &headers, call).await;
            drop(permit);
            Record {
                scheduled,
                sent,
                finished: sent + sample.latency,
                status: sample.status,
            }
        }));
    }
    let mut records = Vec::with_capacity(tasks.len());
    for task in tasks {
        match task.await {
            Ok(record) => records.push(record),
            Err(error) => panic!("open-loop request task failed: {error}"),
        }
    }
    let elapsed = started.elapsed();
    let mut run = OpenLoop::of(plan, &records, times.len() as u64, elapsed);
    run.summary.peak_rss_kib = memory.finish();
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn schedule_spaces_sends_evenly() {
        assert_eq!(
            schedule(4.0, Duration::from_secs(1)),
            vec![ms(0), ms(250), ms(500), ms(750)]
        );
        assert_eq!(schedule(1000.0, Duration::from_secs(3)).len(), 3000);
        assert_eq!(schedule(2.5, Duration::from_secs(1)), vec![ms(0), ms(400)]);
        assert!(schedule(0.0, Duration::from_secs(1)).is_empty());
        assert!(schedule(f64::NAN, Duration::from_secs(1)).is_empty());
    }

    fn plan() -> Plan {
        Plan {
            rate: 100.0,
            duration: Duration::from_secs(1),
            clients: 4,
        }
    }

    #[test]
    fn latency_runs_from_the_scheduled_time() {
        // 99 answers sent on time in 1 ms; one sent 40 ms late (the clients were busy) and
        // answered in 1 ms: a closed loop would say 1 ms, the open loop says 41 ms.
        let mut records: Vec<Record> = (0..99)
            .map(|i| Record {
                scheduled: ms(10 * i),
                sent: ms(10 * i),
                finished: ms(10 * i + 1),
                status: 200,
            })
            .collect();
        records.push(Record {
            scheduled: ms(990),
            sent: ms(1030),
            finished: ms(1031),
            status: 200,
        });
        let run = OpenLoop::of(plan(), &records, 100, Duration::from_secs(1));
        assert_eq!(run.summary.p50, ms(1));
        assert_eq!(run.summary.p99, ms(1));
        assert_eq!(run.summary.max, ms(41));
        assert_eq!((run.late, run.dropped), (1, 0));
    }

    #[test]
    fn sends_that_never_left_are_dropped() {
        let records: Vec<Record> = (0..90)
            .map(|i| Record {
                scheduled: ms(10 * i),
                sent: ms(10 * i),
                finished: ms(10 * i + 20),
                status: if i < 80 { 200 } else { 0 },
            })
            .collect();
        let run = OpenLoop::of(plan(), &records, 100, Duration::from_secs(1));
        assert_eq!(run.dropped, 10);
        assert_eq!(run.late, 0);
        assert_eq!(run.summary.requests, 90);
        assert_eq!(run.summary.errors(), 10);
        assert_eq!(run.summary.p99, ms(20));
    }
}
