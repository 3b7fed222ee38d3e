//! The side-by-side scenarios (GET one job, list 100 jobs) on each data set size: the same path
//! asked of every engine's server, whose answers must agree, and of the ceiling, which serves
//! the first engine's bytes.

use anyhow::{Context, bail};
use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::{Client, Url};

use crate::dataset::{Dataset, get_ok};
use crate::rounds::Target;

/// One scenario on one data set size.
pub struct Scenario {
    pub name: &'static str,
    /// The data set size's label (`1k`, `1M`).
    pub size: String,
    /// One URL (and server process) per engine, in engine order.
    pub servers: Vec<Target>,
    /// The path the ceiling answers with the first engine's body.
    pub ceiling_path: String,
}

/// The scenarios and the bodies the ceiling serves (ceiling path → bytes).
pub struct SideBySide {
    pub scenarios: Vec<Scenario>,
    pub ceiling_bodies: Vec<(String, Bytes)>,
}

impl SideBySide {
    /// The last list body: what the decode benchmark decodes.
    pub fn list_body(&self) -> anyhow::Result<Bytes> {
        self.ceiling_bodies
            .iter()
            .rev()
            .find(|(path, _)| path.contains("per_page="))
            .map(|(_, body)| body.clone())
            .context("no list body")
    }
}

/// Fetches every scenario's answer from every engine and checks that they agree.
pub async fn prepare(
    client: &Client,
    headers: &HeaderMap,
    by_size: &[&[Dataset]],
) -> anyhow::Result<SideBySide> {
    let mut ceiling_bodies = Vec::new();
    let mut scenarios = Vec::new();
    for group in by_size {
        for (name, path_of) in [
            (
                "GET one job",
                (|d: &Dataset| d.job_path.clone()) as fn(&Dataset) -> String,
            ),
            ("list 100 jobs", |d: &Dataset| d.list_path.clone()),
        ] {
            let mut servers = Vec::new();
            let mut answers = Vec::new();
            let mut first_body = None;
            for dataset in group.iter() {
                let url = dataset.server.url(&path_of(dataset))?;
                let origin = dataset.server.url("/")?;
                let body = get_ok(client, headers, &url).await?;
                answers.push(comparable(&body, &origin)?);
                first_body.get_or_insert(body);
                servers.push(Target {
                    url,
                    pid: dataset.server.pid(),
                });
            }
            let first = group.first().context("a data set group without servers")?;
            if answers.iter().any(|answer| *answer != answers[0]) {
                bail!("{name} ({}): the engines answer differently", first.label);
            }
            let body = first_body.context("a data set group without servers")?;
            let ceiling_path = format!("/{}{}", first.label, path_of(first));
            ceiling_bodies.push((ceiling_path.clone(), body));
            scenarios.push(Scenario {
                name,
                size: first.label.clone(),
                servers,
                ceiling_path,
            });
        }
    }
    Ok(SideBySide {
        scenarios,
        ceiling_bodies,
    })
}

/// An answer as the engines must agree on it: without the server's own address (in every
/// `web_url`) and without the durations of unfinished jobs, which grow with the clock and
/// whose shortest float printing varies in length (85999910.838122, 85999911.37981): comparing
/// sizes failed on those alone.
fn comparable(body: &[u8], origin: &Url) -> anyhow::Result<serde_json::Value> {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(fields) => {
                fields.remove("duration");
                fields.remove("queued_duration");
                fields.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let text = String::from_utf8_lossy(body).replace(origin.as_str().trim_end_matches('/'), "");
    let mut value = serde_json::from_str(&text).context("an answer is not JSON")?;
    strip(&mut value);
    Ok(value)
}
