//! Interleaved rounds: every URL of a comparison measured in turn, in an order that rotates per
//! round, so that the noise of a shared machine falls on the servers and the ceiling alike.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Client, Url};

use crate::config::Config;
use crate::load::{self, Call, Limits, Run};
use crate::process::MemorySampler;
use crate::stats::{Sample, Summary};

/// Runs the same plan against each target of a round, alternating who goes first, and
/// accumulates samples per target.
struct Accumulator {
    samples: Vec<Sample>,
    elapsed: Duration,
    peak_rss_kib: Option<u64>,
}

impl Accumulator {
    fn new() -> Accumulator {
        Accumulator {
            samples: Vec::new(),
            elapsed: Duration::ZERO,
            peak_rss_kib: None,
        }
    }

    fn add(&mut self, mut run: Run, peak_rss_kib: Option<u64>) {
        self.samples.append(&mut run.samples);
        self.elapsed += run.elapsed;
        self.peak_rss_kib = self.peak_rss_kib.max(peak_rss_kib);
    }

    fn summary(&self) -> Summary {
        Summary {
            peak_rss_kib: self.peak_rss_kib,
            ..Summary::of(&self.samples, self.elapsed)
        }
    }
}

pub async fn measure_get(client: &Client, headers: &HeaderMap, limits: Limits, url: &Url) -> Run {
    let url = url.clone();
    load::drive(client, headers, limits, move |_| Call::get(0, &url)).await
}

/// A short unrecorded run: connections open, caches fill, the allocator settles.
async fn warm_up(client: &Client, headers: &HeaderMap, concurrency: usize, url: &Url) {
    let limits = Limits {
        concurrency,
        max_requests: 200,
        max_duration: Duration::from_secs(2),
    };
    measure_get(client, headers, limits, url).await;
}

/// One URL of a comparison and the process that answers it (whose memory is sampled while
/// it is measured).
#[derive(Debug, Clone)]
pub struct Target {
    pub url: Url,
    pub pid: Option<u32>,
}

/// Interleaved rounds over targets: each round runs every target once, in an order that
/// rotates per round.
pub async fn rounds(
    config: &Config,
    client: &Client,
    headers: &HeaderMap,
    targets: &[Target],
) -> Vec<Summary> {
    let limits = config.limits();
    for target in targets {
        warm_up(client, headers, config.concurrency, &target.url).await;
    }
    let mut accumulators: Vec<Accumulator> = targets.iter().map(|_| Accumulator::new()).collect();
    for round in 0..config.rounds.max(1) {
        for step in 0..targets.len() {
            let index = (step + round) % targets.len();
            let target = &targets[index];
            let memory = MemorySampler::start(target.pid);
            let run = measure_get(client, headers, limits, &target.url).await;
            accumulators[index].add(run, memory.finish());
        }
    }
    accumulators.iter().map(Accumulator::summary).collect()
}
