//! The HTTP service: shared state, the bounded image pool, request ids, tracing, time
//! limits, health endpoints, the native `POST /v1/read`, and each vendor's router.
//!
//! `main` calls [`serve`]; tests build the same router with [`build_app`] (or [`app`] over an
//! [`AppState`] they keep a handle on).

pub mod auth;
pub mod native;
pub mod pool;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tracing::Instrument;

use crate::config::Config;
use crate::vision::{ReadOptions, Reader};
use pool::Pool;

/// The request-id header: taken from the request when well-formed, else generated; echoed.
pub const REQUEST_ID: &str = "x-request-id";

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub reader: Arc<Reader>,
    pub pool: Arc<Pool>,
    ready: Arc<AtomicBool>,
}

impl AppState {
    pub fn new(config: Config, reader: Arc<Reader>) -> AppState {
        let pool = Pool::new(
            config.pool_size(),
            Duration::from_millis(config.server.queue_wait_ms),
        );
        AppState {
            config: Arc::new(config),
            reader,
            pool: Arc::new(pool),
            ready: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Marks the service as (not) ready: `/readyz` answers 503 while it is not, as while
    /// shutting down.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::SeqCst);
    }

    /// Read options from the request's choices and the configured pixel limit.
    pub fn read_options(&self, find_document: bool, flip: bool, check_mirror: bool) -> ReadOptions {
        ReadOptions {
            find_document,
            flip,
            check_mirror,
            max_pixels: self.config.server.max_pixels,
        }
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.config.server.request_timeout_ms)
    }
}

/// The whole service, as `main` serves it.
pub fn build_app(config: Config, reader: Arc<Reader>) -> Router {
    app(AppState::new(config, reader))
}

/// The whole service over a state the caller keeps.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(state.clone())
        .merge(native::router(state.clone()))
        .merge(crate::kredibel::router(state.clone()))
        .merge(crate::signzy::router(state))
        .fallback(not_found)
        .layer(middleware::from_fn(request_context))
}

/// Logs the settings that matter (no secrets), warns about development credentials, binds
/// `server.listen` and serves until Ctrl-C or SIGTERM.
pub async fn serve(config: Config, reader: Reader) -> anyhow::Result<()> {
    for warning in config.dev_credentials() {
        tracing::warn!("running with development credentials: {warning}");
    }
    if config.kredibel.api_keys.is_empty() {
        tracing::warn!("no Kredibel API key is configured: every keyed request gets 401");
    }
    let addr = config.server.listen;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    tracing::info!(
        listen = %listener.local_addr()?,
        public_url = %config.public_url(),
        pool_size = config.pool_size(),
        "passport-vision is serving"
    );
    let state = AppState::new(config, Arc::new(reader));
    serve_listener(listener, state, shutdown_signal()).await
}

/// Serves `app(state)` on `listener` until `shutdown` resolves, then drains: `/readyz`
/// turns 503 and requests in flight finish.
pub async fn serve_listener(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let router = app(state.clone());
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            shutdown.await;
            state.set_ready(false);
            tracing::info!("shutting down: finishing the requests in flight");
        })
        .await?;
    Ok(())
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

/// Logs to stderr; the level comes from `RUST_LOG` (default `info`).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// Gives each request an id (kept from `x-request-id` when it is 1-128 characters of
/// `A-Za-z0-9._-`, else a new UUID), runs it in a span carrying that id, method and path
/// (never the query, which may hold an API key), echoes the id and logs the outcome.
async fn request_context(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=128).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let value = HeaderValue::from_str(&id).expect("request ids are visible ASCII");
    req.headers_mut().insert(REQUEST_ID, value.clone());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path(),
    );
    let start = Instant::now();
    let mut res = next.run(req).instrument(span.clone()).await;
    res.headers_mut().insert(REQUEST_ID, value);
    span.in_scope(|| {
        tracing::info!(
            status = res.status().as_u16(),
            ms = start.elapsed().as_secs_f64() * 1000.0,
            "answered"
        )
    });
    res
}

/// A middleware that answers `on_timeout()` when the rest of the request (body upload
/// included) takes longer than `limit`. Each vendor router adds it with its own error shape.
pub fn time_limit<S>(router: Router<S>, limit: Duration, on_timeout: fn() -> Response) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router.layer(middleware::from_fn(
        move |req: Request, next: Next| async move {
            match tokio::time::timeout(limit, next.run(req)).await {
                Ok(res) => res,
                Err(_) => {
                    tracing::warn!(limit_ms = limit.as_millis() as u64, "request timed out");
                    on_timeout()
                }
            }
        },
    ))
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

async fn readyz(State(state): State<AppState>) -> Response {
    let pool = json!({"size": state.pool.size(), "available": state.pool.available()});
    if state.ready.load(Ordering::SeqCst) {
        Json(json!({"status": "ready", "pool": pool})).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "shutting_down", "pool": pool})),
        )
            .into_response()
    }
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"message": "The requested URL was not found on the server."})),
    )
        .into_response()
}
