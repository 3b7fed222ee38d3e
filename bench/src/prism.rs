//! Prism (`@stoplight/prism-cli`), the tool people pick to serve an OpenAPI document, mocking
//! ours: GET one job is asked of it in the same rounds as the servers and the ceiling, and the
//! report shows each engine's req/s as a multiple of Prism's. `cargo xtask bench` installs the
//! pinned Prism into `.tools/` (as `cargo xtask lint` installs Redocly) and passes `--prism`.
//!
//! Prism answers with the document's example, not the server's data, and validates the request
//! (path parameters, the `PRIVATE-TOKEN` header) against the document on every call: that is the
//! work a user of it gets, so it is what is measured.

use std::path::Path;

use reqwest::Client;
use reqwest::header::HeaderMap;

use crate::config::Config;
use crate::dataset::START_TIMEOUT;
use crate::process::ServerProcess;

/// Starts `prism mock <spec>` on a free loopback port and waits until it answers `job_path`
/// (the servers' path without their `/api/v4` prefix: Prism routes by the document's `paths`).
pub async fn start(
    config: &Config,
    prism: &Path,
    client: &Client,
    headers: &HeaderMap,
    job_path: &str,
) -> anyhow::Result<(ServerProcess, reqwest::Url)> {
    let args: Vec<String> = [
        "mock",
        &config.spec.display().to_string(),
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        // Static examples: a dynamic mock would measure a JSON Schema faker instead.
        "--dynamic=false",
    ]
    .iter()
    .map(|arg| (*arg).to_owned())
    .collect();
    let mut process = ServerProcess::spawn(
        "prism",
        prism,
        &args,
        &[],
        &config.work_dir.join("prism.log"),
    )?;
    let url = process.url(mock_path(job_path))?;
    process
        .wait_ready(client, headers, &url, START_TIMEOUT)
        .await?;
    Ok((process, url))
}

/// The path Prism serves for a server path: the document's `paths` have no `/api/v4`.
pub fn mock_path(server_path: &str) -> &str {
    server_path.strip_prefix("/api/v4").unwrap_or(server_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prism_paths_drop_the_api_prefix() {
        assert_eq!(mock_path("/api/v4/projects/5/jobs/7"), "/projects/5/jobs/7");
        assert_eq!(mock_path("/projects/5/jobs/7"), "/projects/5/jobs/7");
    }
}
