//! Startup: opens and checks storage, builds the shared state over the loaded models,
//! merges every API's router, and serves until a signal.
//!
//! `main` calls [`serve`]; tests build the same router with [`build_app`] (or [`app`] over a
//! [`state`] they keep a handle on). Everything that can fail at start fails here (storage
//! unreachable or not writable, models not loading in `main`), not at the first request.

use std::future::Future;
use std::time::Duration;

use axum::{middleware, Router};

use crate::config::Config;
use crate::models::Models;
use crate::server::{self, AppState};
use crate::storage::Storage;

/// How often expired objects are swept from storage. Reads refuse them before that; the
/// sweep only frees the space.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Opens `storage.url`, checks that it can be written and read back, and builds the state.
pub async fn state(config: Config, models: Models) -> anyhow::Result<AppState> {
    let storage = Storage::open(&config.storage.url)?;
    storage
        .check()
        .await
        .map_err(|e| anyhow::anyhow!("storage cannot be used: {e}"))?;
    Ok(AppState::new(config, models, storage))
}

/// The whole service over a state the caller keeps: health, `/v1/read`, Kredibel, Signzy.
pub fn app(state: AppState) -> Router {
    server::health_router(state.clone())
        .merge(crate::native::router(state.clone()))
        .merge(crate::kredibel::router(state.clone()))
        .merge(crate::signzy::router(state))
        .fallback(server::not_found)
        .layer(middleware::from_fn(server::request_context))
}

/// The whole service, as `main` serves it.
pub async fn build_app(config: Config, models: Models) -> anyhow::Result<Router> {
    Ok(app(state(config, models).await?))
}

/// Logs the settings that matter (no secrets), warns about development credentials, opens
/// storage, binds `server.listen` and serves until Ctrl-C or SIGTERM.
pub async fn serve(config: Config, models: Models) -> anyhow::Result<()> {
    for warning in config.dev_credentials() {
        tracing::warn!("running with development credentials: {warning}");
    }
    if config.kredibel.api_keys.is_empty() {
        tracing::warn!("no Kredibel API key is configured: every keyed request gets 401");
    }
    let mut config = config;
    let addr = config.server.listen;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    // Port 0 picks a free port: URLs handed out must name the one bound.
    config.server.listen = listener.local_addr()?;
    let state = state(config, models).await?;
    tracing::info!(
        listen = %listener.local_addr()?,
        public_url = %state.config.public_url(),
        storage = %state.storage.url(),
        pool_size = state.pool.size(),
        "passport-vision is serving"
    );
    serve_listener(listener, state, shutdown_signal()).await
}

/// Serves `app(state)` on `listener` until `shutdown` resolves, then drains
/// ([`server::listen`]: `/readyz` turns 503, the listener closes after the drain delay,
/// requests in flight finish within the grace period). Sweeps expired objects meanwhile.
pub async fn serve_listener(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let sweeper = tokio::spawn(sweep_forever(state.storage.clone()));
    let router = app(state.clone());
    let limits = state.connection_limits();
    let served = server::listen::serve(listener, router, limits, shutdown, move || {
        state.set_ready(false)
    })
    .await;
    sweeper.abort();
    Ok(served?)
}

/// Deletes expired objects every [`SWEEP_EVERY`]. Several replicas may sweep the same
/// storage: deleting what another already deleted is not an error.
async fn sweep_forever(storage: Storage) {
    let mut tick = tokio::time::interval(SWEEP_EVERY);
    loop {
        tick.tick().await;
        match storage.sweep(crate::clock::now_ms()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "expired objects swept"),
            Err(e) => tracing::warn!(error = %e, "the sweep failed; it runs again later"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
