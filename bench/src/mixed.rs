//! The mixed load: reads and writes at once on one engine's small data set, seeded so that
//! every engine gets the same requests.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Client, Method};

use crate::config::Config;
use crate::dataset::Dataset;
use crate::load::{self, Call, Limits, XorShift};
use crate::process::MemorySampler;
use crate::report::Mixed;
use crate::stats::{Sample, Summary};

/// Seed of the mixed workload.
const MIXED_SEED: u64 = 0x6a0b_5eed;

pub async fn mixed(
    config: &Config,
    client: &Client,
    headers: &HeaderMap,
    dataset: &Dataset,
) -> anyhow::Result<Mixed> {
    const KINDS: [&str; 5] = ["GET job", "list 20 (pages 1-10)", "cancel", "retry", "play"];
    let base = dataset.server.base_url.clone();
    let project = config.project.clone();
    let newest = dataset.newest_id;
    let span = dataset.jobs.max(1);
    let plan = move |index: u64| {
        let mut random = XorShift::for_index(MIXED_SEED, index);
        let job_id = newest - random.below(span) as i64;
        let roll = random.below(100);
        let (kind, method, path) = match roll {
            0..=39 => (
                0,
                Method::GET,
                format!("/api/v4/projects/{project}/jobs/{job_id}"),
            ),
            40..=79 => (
                1,
                Method::GET,
                format!(
                    "/api/v4/projects/{project}/jobs?per_page=20&page={}",
                    1 + random.below(10)
                ),
            ),
            80..=86 => (
                2,
                Method::POST,
                format!("/api/v4/projects/{project}/jobs/{job_id}/cancel"),
            ),
            87..=93 => (
                3,
                Method::POST,
                format!("/api/v4/projects/{project}/jobs/{job_id}/retry"),
            ),
            _ => (
                4,
                Method::POST,
                format!("/api/v4/projects/{project}/jobs/{job_id}/play"),
            ),
        };
        Call {
            kind,
            method,
            // The base is a valid http URL and the path is ASCII: joining cannot fail.
            url: base.join(&path).unwrap_or_else(|_| base.clone()),
            body: None,
        }
    };
    let limits = Limits {
        concurrency: config.mixed_clients,
        max_requests: config.mixed_requests,
        max_duration: Duration::from_secs_f64(config.mixed_seconds),
    };
    let memory = MemorySampler::start(dataset.server.pid());
    let run = load::drive(client, headers, limits, plan).await;
    let peak_rss_kib = memory.finish();
    let kinds = KINDS
        .iter()
        .enumerate()
        .map(|(kind, name)| {
            let samples: Vec<Sample> = run
                .samples
                .iter()
                .filter(|sample| sample.kind == kind)
                .copied()
                .collect();
            ((*name).to_owned(), Summary::of(&samples, run.elapsed))
        })
        .collect();
    Ok(Mixed {
        engine: dataset.engine(),
        kinds,
        total: Summary {
            peak_rss_kib,
            ..Summary::of(&run.samples, run.elapsed)
        },
    })
}
