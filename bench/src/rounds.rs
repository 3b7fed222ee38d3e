//! Interleaved rounds: every URL of a comparison measured in turn, in an order that rotates per
//! round, so that the noise of a shared machine falls on the servers and the ceiling alike.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Client, Url};

use crate::config::Config;
use crate::load::{self, Call, Limits, Run};
use crate::stats::{Sample, Summary};

/// Runs the same plan against each target of a round, alternating who goes first, and
/// accumulates samples per target.
struct Accumulator {
    samples: Vec<Sample>,
    elapsed: Duration,
}

impl Accumulator {
    fn new() -> Accumulator {
        Accumulator {
            samples: Vec::new(),
            elapsed: Duration::ZERO,
        }
    }

    fn add(&mut self, mut run: Run) {
        self.samples.append(&mut run.samples);
        self.elapsed += run.elapsed;
    }

    fn summary(&self) -> Summary {
        Summary::of(&self.samples, self.elapsed)
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

/// Interleaved rounds over named URL groups: each round runs every URL once, in an order
/// that rotates per round.
pub async fn rounds(
    config: &Config,
    client: &Client,
    headers: &HeaderMap,
    urls: &[Url],
) -> Vec<Summary> {
    let limits = config.limits();
    for url in urls {
        warm_up(client, headers, config.concurrency, url).await;
    }
    let mut accumulators: Vec<Accumulator> = urls.iter().map(|_| Accumulator::new()).collect();
    for round in 0..config.rounds.max(1) {
        for step in 0..urls.len() {
            let index = (step + round) % urls.len();
            let run = measure_get(client, headers, limits, &urls[index]).await;
            accumulators[index].add(run);
        }
    }
    accumulators.iter().map(Accumulator::summary).collect()
}
