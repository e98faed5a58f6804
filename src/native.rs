//! `POST /v1/read`: the raw bytes of an image, or `multipart/form-data` with a `file` part,
//! answered with the JSON object of `passport-vision read --json` ([`crate::report::FileReport`]).
//!
//! The key is the Kredibel key, as `Authorization: Bearer KEY` or `?key=KEY`. Options come
//! as query parameters `find_document`, `flip` and `check_mirror` (`true`/`false`; the
//! defaults of `read`). A reading answers 200 (a page without an MRZ too: the report says
//! so in `error`); an image that cannot be decoded answers 400 (413 when it has too many
//! pixels) with the same report. Other errors are `{"error": {"type", "message"}}`.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;

use crate::report;
use crate::server::auth::{bearer_token, key_allowed, query_param};
use crate::server::body::{self, BodyError};
use crate::server::pool::PoolError;
use crate::server::{content_type_is, set_retry_after, AppState};
use crate::vision::ReadOptions;

/// The router of `POST /v1/read`, with its body limit and time limit.
pub fn router(state: AppState) -> Router {
    let limit = state.config.server.max_upload_bytes;
    let timeout = state.request_timeout();
    let r = Router::new()
        .route("/v1/read", post(read).fallback(method_not_allowed))
        .layer(DefaultBodyLimit::max(limit));
    crate::server::time_limit(r, timeout, || NativeError::Timeout.into_response()).with_state(state)
}

/// Everything `/v1/read` answers other than a report.
#[derive(Debug, thiserror::Error)]
pub enum NativeError {
    #[error("a valid API key is required (Authorization: Bearer KEY or ?key=KEY)")]
    Unauthorized,
    #[error("{0}")]
    BadRequest(String),
    #[error("the body is larger than the limit of {0} bytes")]
    TooLarge(usize),
    #[error("every reader is busy; retry later")]
    Busy { retry_after_secs: u64 },
    #[error("this key has made too many requests; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("the request took longer than its time limit")]
    Timeout,
    #[error("internal error")]
    Internal,
    #[error("only POST is allowed here")]
    MethodNotAllowed,
    #[error("no route serves this path")]
    NotFound,
    #[error("the request headers are larger than the limit of {0} bytes")]
    HeadersTooLarge(usize),
}

impl NativeError {
    fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            NativeError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            NativeError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            NativeError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            NativeError::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "server_busy"),
            NativeError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            NativeError::Timeout => (StatusCode::GATEWAY_TIMEOUT, "timeout"),
            NativeError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
            NativeError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            NativeError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            NativeError::HeadersTooLarge(_) => (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers_too_large",
            ),
        }
    }
}

impl IntoResponse for NativeError {
    fn into_response(self) -> Response {
        let (status, kind) = self.parts();
        tracing::info!(status = status.as_u16(), error_type = kind, "refused");
        let body = json!({"error": {"type": kind, "message": self.to_string()}});
        let mut res = (status, Json(body)).into_response();
        match self {
            NativeError::Busy { retry_after_secs }
            | NativeError::RateLimited { retry_after_secs } => {
                set_retry_after(&mut res, retry_after_secs)
            }
            NativeError::Unauthorized => {
                res.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        res
    }
}

impl From<PoolError> for NativeError {
    fn from(e: PoolError) -> Self {
        match e {
            PoolError::Busy { retry_after_secs } => NativeError::Busy { retry_after_secs },
            PoolError::Panicked => NativeError::Internal,
        }
    }
}

/// The uploaded image and the name to report it under.
struct Upload {
    name: String,
    bytes: Bytes,
}

impl FromRequest<AppState> for Upload {
    type Rejection = NativeError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let limit = state.config.server.max_upload_bytes;
        let is_multipart = content_type_is(req.headers(), "multipart/form-data");
        let too_large = |status: StatusCode| status == StatusCode::PAYLOAD_TOO_LARGE;
        if !is_multipart {
            let bytes = body::whole(req).await.map_err(|e| match e {
                BodyError::TooLarge => NativeError::TooLarge(limit),
                BodyError::Unreadable(m) => {
                    NativeError::BadRequest(format!("cannot read the body: {m}"))
                }
            })?;
            return Ok(Upload {
                name: "upload".into(),
                bytes,
            });
        }
        let mut form = Multipart::from_request(req, state)
            .await
            .map_err(|e| NativeError::BadRequest(e.body_text()))?;
        let field_error = |e: axum::extract::multipart::MultipartError| {
            if too_large(e.status()) {
                NativeError::TooLarge(limit)
            } else {
                NativeError::BadRequest(format!("malformed multipart body: {}", e.body_text()))
            }
        };
        while let Some(field) = form.next_field().await.map_err(field_error)? {
            if field.name() != Some("file") {
                continue;
            }
            let name = field
                .file_name()
                .filter(|n| !n.is_empty())
                .unwrap_or("upload")
                .to_string();
            let bytes = field.bytes().await.map_err(field_error)?;
            return Ok(Upload { name, bytes });
        }
        Err(NativeError::BadRequest(
            "the multipart body has no `file` part".into(),
        ))
    }
}

/// Reads and drops up to `limit` bytes of a refused request's body, for at most 2 s, so
/// that a client still sending gets the answer rather than a reset connection (nothing
/// is kept: the refusal costs bandwidth, not memory).
async fn discard_body(req: Request, limit: usize) {
    use http_body_util::BodyExt;
    let mut body = req.into_body();
    let mut seen = 0usize;
    let drain = async {
        while let Some(Ok(frame)) = body.frame().await {
            seen += frame.data_ref().map_or(0, |d| d.len());
            if seen > limit {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), drain).await;
}

/// Parses a boolean query parameter; absent means `default`.
fn flag(uri: &Uri, name: &str, default: bool) -> Result<bool, NativeError> {
    match query_param(uri, name).as_deref() {
        None => Ok(default),
        Some("true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(_) => Err(NativeError::BadRequest(format!(
            "query parameter `{name}` must be true or false"
        ))),
    }
}

async fn read(State(state): State<AppState>, req: Request) -> Result<Response, NativeError> {
    // The key first, from the head alone: a caller without one never gets its body read.
    let uri = req.uri().clone();
    let key = bearer_token(req.headers())
        .map(str::to_owned)
        .or_else(|| query_param(&uri, "key"));
    if !key
        .as_ref()
        .is_some_and(|k| key_allowed(&state.config.kredibel.api_keys, k))
    {
        discard_body(req, state.config.server.max_upload_bytes).await;
        return Err(NativeError::Unauthorized);
    }
    if let Err(limited) = state
        .rate
        .check(&format!("key:{}", key.unwrap_or_default()))
    {
        discard_body(req, state.config.server.max_upload_bytes).await;
        return Err(NativeError::RateLimited {
            retry_after_secs: limited.retry_after_secs,
        });
    }
    let Upload { name, bytes } = Upload::from_request(req, &state).await?;
    let defaults = ReadOptions::default();
    let opts = state.read_options(
        flag(&uri, "find_document", defaults.find_document)?,
        flag(&uri, "flip", defaults.flip)?,
        flag(&uri, "check_mirror", defaults.check_mirror)?,
    );
    let (reader, faces) = (state.reader.clone(), state.faces.clone());
    let report = state
        .pool
        .run(move || {
            // The portrait too, as `read --json` gives it.
            report::read_bytes(&reader, Some(&faces), name, &bytes, &opts, Instant::now())
        })
        .await?;
    crate::server::metrics::read_outcome(
        "native",
        report
            .error
            .as_ref()
            .map_or("read".into(), |e| e.kind.clone()),
        report
            .mrz
            .as_ref()
            .and_then(|m| m["format"].as_str())
            .unwrap_or("none")
            .to_string(),
    );
    let status = match report.error.as_ref().map(|e| e.kind.as_str()) {
        Some("image_too_large") => StatusCode::PAYLOAD_TOO_LARGE,
        Some("unsupported_image" | "corrupt_image") => StatusCode::BAD_REQUEST,
        Some("model_failure") => {
            tracing::error!("the model failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::OK,
    };
    tracing::info!(
        read = report.mrz.is_some(),
        error_type = report.error.as_ref().map(|e| e.kind.as_str()),
        "read"
    );
    Ok((status, Json(report)).into_response())
}

async fn method_not_allowed() -> NativeError {
    NativeError::MethodNotAllowed
}
