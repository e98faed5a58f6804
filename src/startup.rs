//! Startup: opens and checks storage, builds the shared state over the loaded models,
//! merges every API's router, and serves until a signal.
//!
//! `main` calls [`serve`]; tests build the same router with [`build_app`] (or [`app`] over a
//! [`state`] they keep a handle on). Everything that can fail at start fails here (storage
//! unreachable or not writable, models not loading in `main`), not at the first request.

use std::future::Future;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::config::Config;
use crate::kredibel::KredibelError;
use crate::models::Models;
use crate::native::NativeError;
use crate::server::budget::BodyBudget;
use crate::server::{self, AppState};
use crate::signzy::SignzyError;
use crate::storage::Storage;

/// How often expired objects are swept from storage (with 10-second expiry slots, an
/// expired file is gone within 25 s). Reads refuse them before that; the sweep frees the
/// space and measures what is left for the quota.
const SWEEP_EVERY: Duration = Duration::from_secs(15);

/// Opens `storage.url`, checks that it can be written and read back, and builds the state.
pub async fn state(config: Config, models: Models) -> anyhow::Result<AppState> {
    server::metrics::install();
    server::pool::return_large_buffers();
    let storage = Storage::open(&config.storage.url)?.with_quota(config.storage.max_bytes);
    storage
        .check()
        .await
        .map_err(|e| anyhow::anyhow!("storage cannot be used: {e}"))?;
    storage
        .measure()
        .await
        .map_err(|e| anyhow::anyhow!("storage cannot be listed: {e}"))?;
    Ok(AppState::new(config, models, storage))
}

/// Every route the service serves, as its router declares it: the labels of the request
/// metrics (`tests/http_port0.rs` checks that each one is served).
pub const ROUTES: &[&str] = &[
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/v1/read",
    "/v1/ocr/id/passport",
    "/api/v2/patrons/login",
    "/api/v2/patrons/logout",
    "/api/v2/patrons/{patron_id}/identities",
    "/api/v2/snoops",
    "/api/files/upload",
    "/api/base64strings/upload",
    "/api/base64",
    "/api/files/{id}/download/{name}",
    "/api/base64strings/{id}/download/{name}",
];

/// The whole service over a state the caller keeps: health, `/v1/read`, Kredibel, Signzy.
pub fn app(state: AppState) -> Router {
    let cors = server::cors(&state.config.server.cors_origins);
    let cfg = &state.config;
    let largest_body = cfg
        .server
        .max_upload_bytes
        .max(crate::kredibel::request::body_limit(
            cfg.kredibel.max_image_bytes,
        ))
        .max(crate::signzy::upload_limit(cfg));
    let budget = BodyBudget::new(cfg.server.max_body_bytes_in_flight, largest_body);
    let router = server::health_router(state.clone())
        .merge(crate::native::router(state.clone()))
        .merge(crate::kredibel::router(state.clone()))
        .merge(crate::signzy::router(state))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(budget, body_budget))
        .layer(middleware::from_fn(header_limit))
        .layer(middleware::from_fn_with_state(
            ROUTES,
            server::request_context,
        ));
    match cors {
        Some(layer) => router.layer(layer),
        None => router,
    }
}

/// The API a path belongs to, for the answers made outside its router (unknown paths,
/// oversized headers), so that they come in that API's error shape.
enum Api {
    Signzy,
    Kredibel,
    Native,
    Other,
}

fn api_of(path: &str) -> Api {
    if path.starts_with("/api/") {
        Api::Signzy
    } else if path.starts_with("/v1/ocr/") {
        Api::Kredibel
    } else if path.starts_with("/v1/") {
        Api::Native
    } else {
        Api::Other
    }
}

async fn not_found(req: Request) -> Response {
    let path = req.uri().path();
    match api_of(path) {
        Api::Signzy => {
            SignzyError::RouteNotFound(format!("{} {path}", req.method())).into_response()
        }
        Api::Kredibel => KredibelError::RouteNotFound.into_response(),
        Api::Native => NativeError::NotFound.into_response(),
        Api::Other => server::not_found().await,
    }
}

/// The most bytes of request line and headers a request may carry. Generous for tokens
/// and cookies; beyond it the answer is 431 in the API's shape (hyper's own, bare 431
/// comes only past its ~400 kB read buffer).
const MAX_HEADER_BYTES: usize = 32 * 1024;

async fn header_limit(req: Request, next: Next) -> Response {
    let size = req.uri().to_string().len()
        + req
            .headers()
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum::<usize>();
    if size <= MAX_HEADER_BYTES {
        return next.run(req).await;
    }
    tracing::info!(bytes = size, "request headers over the limit");
    match api_of(req.uri().path()) {
        Api::Signzy => SignzyError::HeadersTooLarge(MAX_HEADER_BYTES).into_response(),
        Api::Kredibel => KredibelError::HeadersTooLarge(MAX_HEADER_BYTES).into_response(),
        Api::Native | Api::Other => NativeError::HeadersTooLarge(MAX_HEADER_BYTES).into_response(),
    }
}

/// Claims the request's body from the budget of bodies in flight before anything reads it
/// ([`BodyBudget`]); past the budget, 503 + `Retry-After` in the API's shape at once.
async fn body_budget(State(budget): State<BodyBudget>, req: Request, next: Next) -> Response {
    let Ok(claim) = budget.claim(req.method(), req.headers()) else {
        tracing::info!("request bodies in flight are over the budget");
        let retry_after_secs = 1;
        return match api_of(req.uri().path()) {
            Api::Signzy => SignzyError::Busy { retry_after_secs }.into_response(),
            Api::Kredibel => KredibelError::Busy { retry_after_secs }.into_response(),
            Api::Native | Api::Other => NativeError::Busy { retry_after_secs }.into_response(),
        };
    };
    let response = next.run(req).await;
    drop(claim);
    response
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
