//! The whole benchmark, side by side in one run: reference servers (1k and 1M jobs, on
//! SQLite and, with `--postgres`, on PostgreSQL) and the bare-axum ceiling as separate
//! processes on loopback, measured in interleaved rounds so that the noise of a shared machine
//! falls on all of them alike. Each step lives in a module of its own; this one orders them.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Client, Url};

use crate::config::Config;
use crate::database::{Database, Engine};
use crate::dataset::Dataset;
use crate::process::ServerProcess;
use crate::report::{self, Comparison, Results};
use crate::rounds::{Target, rounds};
use crate::side_by_side::SideBySide;
use crate::stats::Summary;
use crate::{ceiling, decode, deep, load, machine, mixed, open_loop, prism, side_by_side};

pub async fn run(config: &Config) -> anyhow::Result<report::Report> {
    std::fs::create_dir_all(&config.work_dir)?;
    let load_at_start = machine::load_average();
    let client = load::client(
        config
            .concurrency
            .max(config.mixed_clients)
            .max(config.open_loop_clients),
    )?;
    let headers = config.headers()?;
    let engines = config.engines();

    let datasets = open_datasets(config, &client, &headers, &engines).await?;
    let by_size: Vec<&[Dataset]> = datasets.chunks(engines.len()).collect();

    let side_by_side = side_by_side::prepare(&client, &headers, &by_size).await?;
    let ceiling = ceiling::start(config, &client, &headers, &side_by_side.ceiling_bodies).await?;
    let prism = match &config.prism {
        Some(bin) => {
            Some(prism::start(config, bin, &client, &headers, &by_size[0][0].job_path).await?)
        }
        None => None,
    };
    eprintln!("bench: servers vs ceiling, {} rounds", config.rounds);
    let (comparisons, prism_get) = compare(
        config,
        &client,
        &headers,
        &engines,
        &side_by_side,
        &ceiling,
        prism.as_ref(),
    )
    .await?;

    let open_loop = match (side_by_side.scenarios.first(), comparisons.first()) {
        (Some(scenario), Some(closed)) => {
            open_loop::measure(config, &client, &headers, scenario, closed).await
        }
        _ => Vec::new(),
    };

    let deep = match by_size.get(1) {
        Some(large) => Some(deep::deep_pages(config, &client, &headers, large).await?),
        None => None,
    };

    let mut mixed_runs = Vec::new();
    for dataset in by_size[0] {
        eprintln!(
            "bench: mixed load on {}, {} clients",
            dataset.engine(),
            config.mixed_clients
        );
        mixed_runs.push(mixed::mixed(config, &client, &headers, dataset).await?);
    }

    let decode = decode::bench(&side_by_side.list_body()?, 2_000, Duration::from_secs(5))?;
    let mut database_bytes = Vec::new();
    for dataset in &datasets {
        database_bytes.push(dataset.database.size_bytes().await?);
    }
    let memory_after = datasets.iter().map(|d| d.server.memory()).collect();
    let load_at_end = machine::load_average();

    let report = report::render(&Results {
        config,
        machine: format!(
            "{} × {}",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            machine::cpu_model()
        ),
        load: (load_at_start, load_at_end),
        engines: &engines,
        datasets: &datasets,
        comparisons: &comparisons,
        open_loop: &open_loop,
        prism: prism_get.as_ref(),
        deep: deep.as_deref(),
        mixed: &mixed_runs,
        decode: &decode,
        database_bytes: &database_bytes,
        memory_after,
    });
    ceiling.stop()?;
    if let Some((prism, _)) = prism {
        prism.stop()?;
    }
    for dataset in datasets {
        dataset.server.stop()?;
    }
    Ok(report)
}

/// One server per size and engine, in that order; the large data set is reused from an earlier
/// run unless `--fresh`.
async fn open_datasets(
    config: &Config,
    client: &Client,
    headers: &HeaderMap,
    engines: &[Engine],
) -> anyhow::Result<Vec<Dataset>> {
    let mut sizes = vec![(config.small_jobs, false)];
    if config.large_jobs > 0 {
        sizes.push((config.large_jobs, !config.fresh));
    }
    let mut datasets = Vec::new();
    for (jobs, reuse) in sizes {
        for &engine in engines {
            let database =
                Database::for_dataset(engine, &config.work_dir, config.postgres.as_deref(), jobs)?;
            datasets.push(
                Dataset::open(&config.setup(), client, headers, database, jobs, reuse).await?,
            );
        }
    }
    Ok(datasets)
}

/// Every side-by-side scenario on every engine and on the ceiling, and GET one job on Prism
/// when it runs, all in the same rounds.
async fn compare(
    config: &Config,
    client: &Client,
    headers: &HeaderMap,
    engines: &[Engine],
    side_by_side: &SideBySide,
    ceiling: &ServerProcess,
    prism: Option<&(ServerProcess, Url)>,
) -> anyhow::Result<(Vec<Comparison>, Option<Summary>)> {
    let mut targets = Vec::new();
    for scenario in &side_by_side.scenarios {
        targets.extend(scenario.servers.iter().cloned());
        targets.push(Target {
            url: ceiling.url(&scenario.ceiling_path)?,
            pid: ceiling.pid(),
        });
    }
    if let Some((process, url)) = prism {
        targets.push(Target {
            url: url.clone(),
            pid: process.pid(),
        });
    }
    let mut summaries = rounds(config, client, headers, &targets).await;
    let prism_get = prism.and_then(|_| summaries.pop());
    let comparisons = side_by_side
        .scenarios
        .iter()
        .zip(summaries.chunks(engines.len() + 1))
        .map(|(scenario, measured)| Comparison {
            name: scenario.name.to_owned(),
            size: scenario.size.clone(),
            servers: engines
                .iter()
                .copied()
                .zip(measured.iter().cloned())
                .collect(),
            ceiling: measured[engines.len()].clone(),
        })
        .collect();
    Ok((comparisons, prism_get))
}
