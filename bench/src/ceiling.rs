//! The ceiling: a bare axum server answering each known path (with its query) with bytes
//! serialised beforehand. It does what any HTTP server on this machine must do (accept,
//! parse, route, write) and nothing else, so the reference server's numbers are reported as
//! a fraction of it. The benchmark starts it as a child process ([`start`]) with a routes
//! file ([`read_routes`]) naming the bodies to serve.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::Response;
use bytes::Bytes;
use reqwest::Client;
use reqwest::header::HeaderMap;

use crate::config::Config;
use crate::dataset::START_TIMEOUT;
use crate::process::ServerProcess;

/// Path-and-query → the response body.
pub type Routes = Arc<HashMap<String, Bytes>>;

pub fn router(routes: Routes) -> Router {
    Router::new().fallback(answer).with_state(routes)
}

async fn answer(State(routes): State<Routes>, uri: Uri) -> Response {
    let key = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
    let (status, body) = match routes.get(key) {
        // `Bytes` clones share the buffer: no copy per request.
        Some(body) => (StatusCode::OK, body.clone()),
        None => (
            StatusCode::NOT_FOUND,
            Bytes::from_static(b"{\"message\":\"404 Not Found\"}"),
        ),
    };
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// Serves `routes` on `listener` until `stop` completes (then lets requests in flight finish).
pub async fn serve(
    listener: tokio::net::TcpListener,
    routes: Routes,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(routes))
        .with_graceful_shutdown(stop)
        .await
}

/// Reads the ceiling's routes file: path-and-query → body file.
pub fn read_routes(file: &Path) -> anyhow::Result<HashMap<String, Bytes>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let routes: HashMap<String, String> = serde_json::from_str(&text)?;
    routes
        .into_iter()
        .map(|(path, body)| {
            let bytes = std::fs::read(&body).with_context(|| format!("reading {body}"))?;
            Ok((path, Bytes::from(bytes)))
        })
        .collect()
}

/// Starts the ceiling with the bodies to serve, keyed by the path it will be asked for.
pub async fn start(
    config: &Config,
    client: &Client,
    headers: &HeaderMap,
    bodies: &[(String, Bytes)],
) -> anyhow::Result<ServerProcess> {
    let directory = config.work_dir.join("ceiling");
    std::fs::create_dir_all(&directory)?;
    let mut routes = serde_json::Map::new();
    for (index, (path, body)) in bodies.iter().enumerate() {
        let file = directory.join(format!("body-{index}.json"));
        std::fs::write(&file, body)?;
        routes.insert(path.clone(), file.display().to_string().into());
    }
    let routes_file = directory.join("routes.json");
    std::fs::write(&routes_file, serde_json::to_vec_pretty(&routes)?)?;
    let args = vec![
        "ceiling".to_owned(),
        "--listen".to_owned(),
        "127.0.0.1:{port}".to_owned(),
        "--routes".to_owned(),
        routes_file.display().to_string(),
    ];
    let mut ceiling = ServerProcess::spawn(
        "ceiling",
        &config.self_exe,
        &args,
        &[],
        &config.work_dir.join("ceiling.log"),
    )?;
    let probe = ceiling.url(&bodies.first().context("no ceiling bodies")?.0)?;
    ceiling
        .wait_ready(client, headers, &probe, START_TIMEOUT)
        .await?;
    Ok(ceiling)
}
