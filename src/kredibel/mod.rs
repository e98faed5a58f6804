//! Kredibel's passport OCR, wire-exact: `POST /v1/ocr/id/passport`.
//!
//! - Key: `Authorization: Bearer KEY`, `?key=KEY`, or a `key` field in the body, looked for
//!   in that order; the first one present must be one of `kredibel.api_keys`, else 401
//!   `{"message": ...}`.
//! - Body: `{"image": base64, "cardDetect", "passCardDetect", "flipImage", "checkFlipImage"}`
//!   validated as Kredibel's Flask service does (see [`request`]); any fault is 400
//!   `{"errors": {field: [message]}, "message": "Input payload validation failed."}`.
//! - Success: 200 `{"message", "data": {"id", "result", "information", "mrz"}}` (see
//!   [`response`]); failures: `{"errors": {"errorId", "errorType"}, "message"}` with the
//!   statuses of [`KredibelError::parts`].

pub mod error;
pub mod request;
pub mod response;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Uri};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;

pub use error::KredibelError;
use request::{JsonBody, PassportRequest};
use response::PassportResponse;

use crate::server::auth::{bearer_token, key_allowed, query_param};
use crate::server::AppState;

/// The endpoint's path.
pub const PATH: &str = "/v1/ocr/id/passport";

/// The router of [`PATH`], with its body limit (a little over the base64 of the largest
/// image) and time limit.
pub fn router(state: AppState) -> Router {
    let limit = request::body_limit(state.config.kredibel.max_image_bytes);
    let timeout = state.request_timeout();
    let r = Router::new()
        .route(PATH, post(passport).fallback(method_not_allowed))
        .layer(DefaultBodyLimit::max(limit));
    crate::server::time_limit(r, timeout, || KredibelError::Timeout.into_response())
        .with_state(state)
}

async fn passport(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    body: Result<JsonBody, KredibelError>,
) -> Result<Json<PassportResponse>, KredibelError> {
    let key = match (bearer_token(&headers), &body) {
        (Some(k), _) => Some(k.to_owned()),
        (None, body) => query_param(&uri, "key").or_else(|| match body {
            Ok(JsonBody(v)) => v.get("key").and_then(Value::as_str).map(str::to_owned),
            Err(_) => None,
        }),
    };
    match key {
        None => return Err(KredibelError::MissingKey),
        Some(k) if !key_allowed(&state.config.kredibel.api_keys, &k) => {
            return Err(KredibelError::InvalidKey)
        }
        Some(k) => {
            state
                .rate
                .check(&format!("key:{k}"))
                .map_err(|l| KredibelError::RateLimited {
                    retry_after_secs: l.retry_after_secs,
                })?
        }
    }
    let JsonBody(value) = body?;
    let mut req = PassportRequest::from_value(value)?;
    // The base64 text goes before the read: only the image's bytes are held while it runs.
    let bytes = request::decode_image(
        &std::mem::take(&mut req.image),
        state.config.kredibel.max_image_bytes,
    )?;
    let opts = state.read_options(req.card_detect, req.flip_image, req.check_flip_image);
    let reader = state.reader.clone();
    let reading = state
        .pool
        .run(move || reader.read_bytes(&bytes, &opts))
        .await?
        .map_err(KredibelError::from_vision)?;
    crate::server::metrics::read("kredibel", &reading);
    let data = response::passport_data(reading, req.pass_card_detect, crate::clock::today())?;
    tracing::info!(
        format = ?data.mrz.format,
        valid = data.mrz.valid,
        tilt = data.information.tilt,
        mirrored = data.information.mirrored,
        "passport read"
    );
    Ok(Json(PassportResponse {
        message: state.config.kredibel.success_message.clone(),
        data,
    }))
}

async fn method_not_allowed() -> KredibelError {
    KredibelError::MethodNotAllowed
}
