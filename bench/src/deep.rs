//! Deep pages on the large data set: page 1, a deep offset page and the keyset page at the same
//! depth, which must reach the same jobs.

use anyhow::{Context, bail};
use base64::Engine as _;
use reqwest::Client;
use reqwest::header::HeaderMap;

use crate::config::Config;
use crate::dataset::{Dataset, PER_PAGE, get_ok, ids_of};
use crate::report::Deep;
use crate::rounds::{Target, rounds};

/// The offset page the deep-page comparison reads (the "page 5,000").
const DEEP_PAGE: u64 = 5_000;

/// GitLab's keyset cursor for "after `id`" (what `Link: rel="next"` carries): the URL-safe
/// Base64 of `{"_kd":"n","id":"<id>"}`.
fn keyset_cursor(after_id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{{\"_kd\":\"n\",\"id\":\"{after_id}\"}}"))
}

/// Page 1, a deep offset page and the keyset page at the same depth, on each engine's large
/// data set, all in the same interleaved rounds.
pub async fn deep_pages(
    config: &Config,
    client: &Client,
    headers: &HeaderMap,
    large: &[Dataset],
) -> anyhow::Result<Vec<Deep>> {
    let first = &large[0];
    // 1% of the generated jobs are bridges, which the jobs list does not show.
    let last_full_page = first.jobs * 99 / 100 / PER_PAGE;
    let page = DEEP_PAGE.min(last_full_page.saturating_sub(1)).max(2);
    let mut targets = Vec::new();
    for dataset in large {
        let offset_path = format!("{}&page={page}", dataset.list_path);
        let before_path = format!("{}&page={}", dataset.list_path, page - 1);
        let before = ids_of(&get_ok(client, headers, &dataset.server.url(&before_path)?).await?)?;
        let after_id = *before.last().context("empty page before the deep one")?;
        let keyset_path = format!(
            "/api/v4/projects/{}/jobs?pagination=keyset&per_page={PER_PAGE}&order_by=id&sort=desc&cursor={}",
            config.project,
            keyset_cursor(after_id)
        );
        // Both ways must reach the same jobs, or the comparison means nothing.
        let by_offset =
            ids_of(&get_ok(client, headers, &dataset.server.url(&offset_path)?).await?)?;
        let by_keyset =
            ids_of(&get_ok(client, headers, &dataset.server.url(&keyset_path)?).await?)?;
        if by_offset != by_keyset {
            bail!(
                "{}: offset page {page} and the keyset page after id {after_id} differ",
                dataset.engine()
            );
        }
        for path in [&dataset.list_path, &offset_path, &keyset_path] {
            targets.push(Target {
                url: dataset.server.url(path)?,
                pid: dataset.server.pid(),
            });
        }
    }
    eprintln!("bench: deep pages (page {page})");
    let summaries = rounds(config, client, headers, &targets).await;
    let names = [
        format!("offset page 1 ({} jobs)", first.label),
        format!("offset page {page}"),
        "keyset, same depth".to_owned(),
    ];
    Ok(names
        .into_iter()
        .enumerate()
        .map(|(row, name)| Deep {
            name,
            per_engine: large
                .iter()
                .zip(summaries.chunks(3))
                .map(|(dataset, measured)| (dataset.engine(), measured[row].clone()))
                .collect(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_matches_the_reference_servers() {
        // The value `store::Cursor::after(1234)` is pinned to in the reference crate.
        assert_eq!(keyset_cursor(1234), "eyJfa2QiOiJuIiwiaWQiOiIxMjM0In0");
    }
}
