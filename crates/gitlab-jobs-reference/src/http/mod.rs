//! The HTTP side, where a request enters: the generated router serving [`Reference`] (the
//! `adapter` from the generated `JobsApi` trait to the [service](crate::service)), the API
//! documentation (`docs`), faults on demand (`faults`), a request log, and graceful shutdown. Used by `serve` and by [`TestServer`](crate::TestServer).

pub mod adapter;
pub mod docs;
pub mod faults;
mod request_log;
mod shutdown;

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;

use self::adapter::Reference;
pub use self::faults::Faults;
pub use self::shutdown::shutdown_signal;
use crate::service::JobsService;

/// The whole application: `/api/v4/…` answered by the service, the API documentation at `/`
/// and `/openapi.yaml`, every request logged.
pub fn app(service: JobsService) -> axum::Router {
    app_with_faults(service, None)
}

/// [`app`] with faults injected (when `faults` holds rules): a layer of its own, inside the
/// request log, so that the log shows the injected answers.
pub fn app_with_faults(service: JobsService, faults: Option<Faults>) -> axum::Router {
    let router = docs::add_routes(gitlab_jobs_server::router(Arc::new(Reference::new(
        service,
    ))));
    let router = match faults {
        Some(faults) if !faults.is_empty() => {
            router.layer(axum::middleware::from_fn_with_state(faults, Faults::inject))
        }
        _ => router,
    };
    router.layer(axum::middleware::from_fn(request_log::log_request))
}

/// Serves `app` until `stop` completes, then lets the requests in flight finish (axum's
/// graceful shutdown): a change a request started is committed or rolled back as a whole,
/// never cut off.
pub async fn run(
    listener: TcpListener,
    app: axum::Router,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
}
