//! Kancha companion server: receives evidence by tus, keeps cases and people, reports arrivals.
//!
//! The server is assembled from small parts: [`config`] (settings), [`store`] (records and bytes
//! behind two traits), [`http`] (the API, knowing nothing of SQLite or files) and [`error`].
//! Tests and the `kancha serve` command both start it through [`launch_with_listener`].

pub mod arrival;
pub mod config;
pub mod error;
pub mod http;
pub mod ids;
pub mod store;
pub mod tokens;

use std::future::Future;
use std::sync::Arc;

pub use config::Config;

/// Starts the server on an already bound listener and runs until `shutdown` resolves.
///
/// On shutdown, uploads in flight stop reading, record the bytes they received, and the
/// server returns once every connection has closed, so clients can resume after a restart.
pub async fn launch_with_listener(
    config: Config,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let stores = store::open_embedded(&config.data_dir)?;
    launch_with_stores(config, stores, listener, shutdown).await
}

/// Like [`launch_with_listener`], with storage chosen by the caller (other `MetaStore`/`BlobStore` implementations).
pub async fn launch_with_stores(
    config: Config,
    stores: store::Stores,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state = http::AppState::new(Arc::new(config), stores);
    let stopping = state.stopping.clone();
    let reaper = tokio::spawn(http::tus::reap_expired_forever(state.clone()));
    let app = http::router(state);
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "kancha server listening");
    let signal_stop = stopping.clone();
    // Answers are small and end a request: send them at once rather than wait to fill a segment.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: interrupting uploads, waiting for connections");
            signal_stop.cancel();
        })
        .await?;
    reaper.abort();
    tracing::info!("server stopped");
    Ok(())
}
