//! The HTTP layer every API shares: the state ([`AppState`], with `FromRef` substates),
//! key helpers ([`auth`]), the bounded image pool ([`pool`]), request ids and tracing,
//! time limits, the busy answer's `Retry-After`, and the health endpoints.
//!
//! It imports none of the APIs built on it (`native`, `kredibel`, `signzy`);
//! `startup` builds the state and merges their routers.

pub mod auth;
pub mod body;
pub mod budget;
pub mod listen;
pub mod metrics;
pub mod pool;
pub mod rate;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{FromRef, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tracing::Instrument;

use crate::config::Config;
use crate::models::Models;
use crate::storage::Storage;
use crate::vision::face::FaceDetector;
use crate::vision::{ReadOptions, Reader};
use pool::Pool;

/// The request-id header: taken from the request when well-formed, else generated; echoed.
pub const REQUEST_ID: &str = "x-request-id";

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub reader: Arc<Reader>,
    pub faces: Arc<FaceDetector>,
    pub pool: Arc<Pool>,
    /// Files, identities, patrons and sessions ([`crate::storage`]).
    pub storage: Storage,
    /// Requests per key ([`rate`]; off unless configured).
    pub rate: Arc<rate::RateLimiter>,
    ready: Arc<AtomicBool>,
}

impl AppState {
    /// The state over loaded models and opened storage (`startup::state` opens
    /// and checks it).
    pub fn new(config: Config, models: Models, storage: Storage) -> AppState {
        let pool = Pool::new(
            config.pool_size(),
            Duration::from_millis(config.server.queue_wait_ms),
            config.server.max_queue,
        );
        let rate = rate::RateLimiter::new(
            config.server.rate_limit_per_minute,
            config.server.rate_limit_burst,
        );
        AppState {
            config: Arc::new(config),
            reader: models.reader,
            faces: models.faces,
            pool: Arc::new(pool),
            storage,
            rate: Arc::new(rate),
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

    /// The accept loop's limits ([`listen`]).
    pub fn connection_limits(&self) -> listen::Limits {
        let s = &self.config.server;
        listen::Limits {
            header_timeout: Duration::from_millis(s.header_timeout_ms),
            max_connections: s.max_connections,
            shutdown_drain: Duration::from_millis(s.shutdown_drain_ms),
            shutdown_grace: Duration::from_millis(s.shutdown_grace_ms),
        }
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.config.server.request_timeout_ms)
    }
}

impl FromRef<AppState> for Arc<Config> {
    fn from_ref(s: &AppState) -> Self {
        s.config.clone()
    }
}

impl FromRef<AppState> for Storage {
    fn from_ref(s: &AppState) -> Self {
        s.storage.clone()
    }
}

impl FromRef<AppState> for Arc<Pool> {
    fn from_ref(s: &AppState) -> Self {
        s.pool.clone()
    }
}

/// The health routes: `GET /healthz` (the process answers) and `GET /readyz` (503 while
/// shutting down), with the pool's size and free slots; `GET /metrics` and
/// `GET /openapi.json` and `GET /docs`.
pub fn health_router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::render))
        .route("/openapi.json", get(openapi))
        .route("/docs", get(docs))
        .with_state(state)
}

/// The OpenAPI 3.1 description of every route (`openapi/openapi.json`, written by
/// `scripts/openapi.py`), compiled in.
pub const OPENAPI: &str = include_str!("../../openapi/openapi.json");

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// A page that shows [`OPENAPI`] and sends requests from a form (`openapi/docs.html`),
/// compiled in: it loads nothing from anywhere but this service.
pub const DOCS: &str = include_str!("../../openapi/docs.html");

async fn docs() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Its own inline script and style, and requests to this service, only.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
                 connect-src 'self'; img-src 'self' data:",
            ),
        ],
        DOCS,
    )
        .into_response()
}

/// The route template a path matches among `routes` (`{name}` matches one segment), for
/// metric labels that never carry ids, tokens or a caller's made-up paths.
pub fn route_of(routes: &[&'static str], path: &str) -> &'static str {
    let parts: Vec<&str> = path.split('/').collect();
    routes
        .iter()
        .find(|t| {
            let tp: Vec<&str> = t.split('/').collect();
            tp.len() == parts.len()
                && tp
                    .iter()
                    .zip(&parts)
                    .all(|(a, b)| a == b || (a.starts_with('{') && !b.is_empty()))
        })
        .copied()
        .unwrap_or("unmatched")
}

/// Whether the request's `Content-Type` is `media_type` (given in lower case), parameters
/// aside.
pub fn content_type_is(headers: &axum::http::HeaderMap, media_type: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with(media_type))
}

/// Adds `Retry-After: secs` to a busy answer: every API's 503 for a full pool carries it.
pub fn set_retry_after(res: &mut Response, secs: u64) {
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
}

/// Logs to stderr; the level comes from `RUST_LOG` (default `info`).
/// With `PV_LOG_FORMAT=json`, one JSON object a line, each carrying its request span
/// (request id, method, path) for log collectors.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let json = std::env::var("PV_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init()
    };
}

/// CORS for browser clients of the origins in `server.cors_origins` (`*`: any); none by
/// default, so browsers may not call the API from other sites.
pub fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                axum::http::HeaderName::from_static(REQUEST_ID),
            ])
            .expose_headers([axum::http::HeaderName::from_static(REQUEST_ID)]),
    )
}

/// Gives each request an id (kept from `x-request-id` when it is 1-128 characters of
/// `A-Za-z0-9._-`, else a new UUID), runs it in a span carrying that id, method and path
/// (never the query, which may hold an API key), echoes the id and logs the outcome.
pub async fn request_context(
    State(routes): State<&'static [&'static str]>,
    mut req: Request,
    next: Next,
) -> Response {
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
    let route = route_of(routes, req.uri().path());
    let start = Instant::now();
    let mut res = next.run(req).instrument(span.clone()).await;
    metrics::request(route, res.status().as_u16(), start.elapsed());
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
    let pool = json!({
        "size": state.pool.size(),
        "available": state.pool.available(),
        "queued": state.pool.queued(),
    });
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

pub async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"message": "The requested URL was not found on the server."})),
    )
        .into_response()
}
