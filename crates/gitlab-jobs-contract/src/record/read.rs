//! Reading a project through the API: the jobs (newest first, up to the limit), their
//! pipelines' bridges and retried jobs, traces and artifacts archives.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use serde_json::Value;

use super::{Data, Refused, expect_json};
use crate::http::{Api, encode_segment};

/// Largest page GitLab serves.
const PER_PAGE: usize = 100;

pub(super) async fn project(api: &Api, project: &str, limit: usize) -> Result<Data> {
    let base = format!("/projects/{}", encode_segment(project));
    let mut data = Data {
        jobs: list(api, &format!("{base}/jobs"), "", limit).await?,
        ..Data::default()
    };
    let pipelines: BTreeSet<i64> = data
        .jobs
        .iter()
        .filter_map(|job| job.pointer("/pipeline/id")?.as_i64())
        .collect();
    let recorded: BTreeSet<i64> = data.jobs.iter().filter_map(id).collect();
    for pipeline in pipelines {
        let jobs = format!("{base}/pipelines/{pipeline}/jobs");
        let current: BTreeSet<i64> = list(api, &jobs, "", usize::MAX)
            .await?
            .iter()
            .filter_map(id)
            .collect();
        let all = list(api, &jobs, "include_retried=true&", usize::MAX).await?;
        data.retried.extend(
            all.iter()
                .filter_map(id)
                .filter(|job| recorded.contains(job) && !current.contains(job)),
        );
        let bridges = format!("{base}/pipelines/{pipeline}/bridges");
        data.jobs.extend(list(api, &bridges, "", usize::MAX).await?);
    }
    for job in data.jobs.clone() {
        let Some(job_id) = id(&job) else { continue };
        if job.get("downstream_pipeline").is_some() {
            continue; // a bridge: no log, no artifacts
        }
        let trace = api.get(&format!("{base}/jobs/{job_id}/trace")).await?;
        if trace.status == 200 {
            data.traces.push((job_id, trace.body));
        }
        if job
            .get("artifacts_file")
            .is_some_and(|file| !file.is_null())
        {
            let what = format!("the artifacts of job {job_id}");
            let mut archive = api
                .get(&format!("{base}/jobs/{job_id}/artifacts"))
                .await
                .with_context(|| what.clone())?;
            if (300..400).contains(&archive.status) {
                archive = api.follow(&archive).await.with_context(|| what.clone())?;
            }
            match archive.status {
                200 => data.archives.push((job_id, archive.body)),
                // Expired or erased between the list and now: nothing to keep.
                404 => {}
                _ => return Err(Refused::new(&what, &archive).into()),
            }
        }
    }
    Ok(data)
}

/// Every item of a paginated list, following `X-Next-Page`, up to `limit` items.
async fn list(api: &Api, path: &str, query: &str, limit: usize) -> Result<Vec<Value>> {
    let mut items = Vec::new();
    let mut page = Some("1".to_owned());
    while let Some(number) = page.take() {
        if items.len() >= limit {
            break;
        }
        let url = format!("{path}?{query}per_page={PER_PAGE}&page={number}");
        let answer = api.get(&url).await?;
        let what = format!("GET {url}");
        match expect_json(&what, &answer)? {
            Value::Array(more) => items.extend(more),
            _ => anyhow::bail!("{what}: the answer is not a list"),
        }
        page = answer
            .header("x-next-page")
            .map(str::trim)
            .filter(|next| !next.is_empty())
            .map(str::to_owned);
    }
    items.truncate(limit);
    Ok(items)
}

fn id(job: &Value) -> Option<i64> {
    job.get("id").and_then(Value::as_i64)
}
