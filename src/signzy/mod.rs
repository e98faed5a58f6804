//! Signzy's v2 identity flow and persist file store, wire-compatible (LoopBack 3 bodies):
//!
//! - `POST /api/v2/patrons/login` `{username, password}` (accounts of `signzy.users`; JSON
//!   or form-urlencoded) -> `{id: <64-char token>, ttl, created, userId: <24-hex patronId>}`;
//!   `POST /api/v2/patrons/logout?access_token=` -> 204. Tokens go raw in `Authorization`
//!   or as `?access_token=`, and expire after `ttl` seconds ([`auth`]).
//! - `POST /api/v2/patrons/{patronId}/identities` (that patron's token only) -> the request
//!   echoed plus `autoRecognition`, `verification`, `forgeryCheck`, `accessToken`, `id`,
//!   `patronId` ([`identities`]).
//! - `POST /api/v2/snoops` `{service: "Identity", itemId, accessToken, task, essentials}`,
//!   authorised by the itemId and accessToken pair: `faceExtraction` (`essentials.url`: an
//!   image or PDF; answers the crop's URL) and, on passport identities, `autoRecognition`
//!   ([`snoops`], [`result`]).
//! - Persist: `POST /api/files/upload` (multipart `file`, `ttl`),
//!   `POST /api/base64strings/upload` (form fields `base64string`, `mimetype`, `ttl`),
//!   `POST /api/base64` (JSON) -> `{file: {id, filetype, size, directURL, protected}}`;
//!   `GET` on the `directURL` until the TTL runs out, then 404 ([`files`]).
//!
//! Errors: `{"error": {"name", "status", "statusCode", "message", "code"}}` ([`SignzyError`]).
//! Sessions, patrons, identities and files live in [`crate::storage`], so a restart or
//! another replica over the same storage serves them alike. Bodies are typed ([`wire`]).

pub mod auth;
pub mod error;
pub mod files;
pub mod identities;
pub mod pdf;
pub mod result;
pub mod snoops;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, FromRef};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;

pub use error::SignzyError;

use crate::fetch::FetchPolicy;
use crate::server::AppState;
use crate::storage::StorageError;

/// The largest image or PDF a snoop reads (Signzy: "less than 2MB").
pub const MAX_INPUT_BYTES: usize = 2 * 1024 * 1024;

/// The Signzy side's own settings, made once from the configuration.
pub struct Signzy {
    fetch: FetchPolicy,
    token_ttl: Duration,
    file_ttl: Duration,
    crop_ttl: Duration,
    identity_ttl: Duration,
    max_file_ttl: Duration,
    uploads_need_token: bool,
    max_sessions_per_user: usize,
}

/// What the Signzy handlers share: the service's state and the Signzy settings.
#[derive(Clone)]
pub struct Ctx {
    pub app: AppState,
    pub sz: Arc<Signzy>,
}

impl Ctx {
    /// Counts one request of the account `patron_id` against the rate limit
    /// (`server.rate_limit_per_minute`; off by default).
    pub fn count_request(&self, patron_id: &str) -> Result<(), SignzyError> {
        self.app
            .rate
            .check(&format!("patron:{patron_id}"))
            .map_err(|l| SignzyError::RateLimited {
                retry_after_secs: l.retry_after_secs,
            })
    }
}

impl FromRef<Ctx> for AppState {
    fn from_ref(ctx: &Ctx) -> AppState {
        ctx.app.clone()
    }
}

impl FromRef<Ctx> for Arc<Signzy> {
    fn from_ref(ctx: &Ctx) -> Arc<Signzy> {
        ctx.sz.clone()
    }
}

/// The largest body a Signzy route accepts: an upload of `server.max_upload_bytes`, and at
/// least twice the 2 MB input limit (a file's base64 in a JSON or form body).
pub fn upload_limit(cfg: &crate::config::Config) -> usize {
    cfg.server.max_upload_bytes.max(MAX_INPUT_BYTES * 2)
}

/// The routes, with their body limits and time limit, over `state`.
pub fn router(state: AppState) -> Router {
    let cfg = &state.config;
    let sz = Arc::new(Signzy {
        fetch: FetchPolicy::new(cfg.server.fetch_allow.clone()),
        token_ttl: Duration::from_secs(cfg.signzy.token_ttl_secs),
        file_ttl: Duration::from_secs(cfg.signzy.file_ttl_secs),
        crop_ttl: Duration::from_secs(cfg.signzy.crop_ttl_secs),
        identity_ttl: Duration::from_secs(cfg.signzy.identity_ttl_secs),
        max_file_ttl: Duration::from_secs(cfg.signzy.max_file_ttl_secs),
        uploads_need_token: cfg.signzy.uploads_need_token,
        max_sessions_per_user: cfg.signzy.max_sessions_per_user,
    });
    let upload_limit = upload_limit(cfg);
    let timeout = state.request_timeout();
    let ctx = Ctx { app: state, sz };
    let r = Router::new()
        .route(
            "/api/v2/patrons/login",
            post(auth::login).fallback(method_not_allowed),
        )
        .route(
            "/api/v2/patrons/logout",
            post(auth::logout).fallback(method_not_allowed),
        )
        .route(
            "/api/v2/patrons/{patron_id}/identities",
            post(identities::create).fallback(method_not_allowed),
        )
        .route(
            "/api/v2/snoops",
            post(snoops::snoop).fallback(method_not_allowed),
        )
        .route(
            "/api/files/upload",
            post(files::upload_multipart).fallback(method_not_allowed),
        )
        .route(
            "/api/base64strings/upload",
            post(files::upload_form).fallback(method_not_allowed),
        )
        .route(
            "/api/base64",
            post(files::upload_json).fallback(method_not_allowed),
        )
        .route(
            "/api/files/{id}/download/{name}",
            get(files::download).fallback(method_not_allowed),
        )
        .route(
            "/api/base64strings/{id}/download/{name}",
            get(files::download).fallback(method_not_allowed),
        )
        .layer(DefaultBodyLimit::max(upload_limit));
    crate::server::time_limit(r, timeout, || SignzyError::Timeout.into_response()).with_state(ctx)
}

async fn method_not_allowed() -> SignzyError {
    SignzyError::MethodNotAllowed
}

/// A full store is 507; other storage failures are the service's, never the caller's:
/// logged, answered 503.
impl From<StorageError> for SignzyError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Full { .. } => {
                tracing::warn!(error = %e, "storage quota reached");
                SignzyError::StorageFull
            }
            e => {
                tracing::error!(error = %e, "storage failed");
                SignzyError::StorageUnavailable
            }
        }
    }
}
