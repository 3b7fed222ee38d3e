//! When to stop: Ctrl-C (SIGINT) or SIGTERM (what `docker stop` and systemd send).

use std::future::Future;

/// Completes on the first of Ctrl-C and SIGTERM. The handlers are installed by this call, not
/// when the future is first polled: a SIGTERM that arrives while the server is still loading
/// (after this call, before serving) stops it cleanly instead of killing the process. A signal
/// that cannot be listened to is logged and left out, so that the other still works. Call it
/// inside a Tokio runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    let interrupt = listen(Signal::Interrupt);
    let terminate = listen(Signal::Terminate);
    async move {
        tokio::select! {
            () = interrupt => tracing::info!("Ctrl-C received, shutting down"),
            () = terminate => tracing::info!("SIGTERM received, shutting down"),
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Signal {
    Interrupt,
    Terminate,
}

/// A future that completes when `signal` arrives, its handler installed now.
#[cfg(unix)]
fn listen(signal: Signal) -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal as install};
    let kind = match signal {
        Signal::Interrupt => SignalKind::interrupt(),
        Signal::Terminate => SignalKind::terminate(),
    };
    let installed = install(kind);
    async move {
        match installed {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, ?signal, "cannot listen for the signal");
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Elsewhere only Ctrl-C is known (installed on first poll, as Tokio offers it).
#[cfg(not(unix))]
fn listen(signal: Signal) -> impl Future<Output = ()> + Send + 'static {
    async move {
        let result = match signal {
            Signal::Interrupt => tokio::signal::ctrl_c().await,
            Signal::Terminate => std::future::pending().await,
        };
        if let Err(error) = result {
            tracing::error!(%error, ?signal, "cannot listen for the signal");
            std::future::pending::<()>().await;
        }
    }
}
