//! Every way the Kredibel endpoint fails, mapped to status and body in one place.

use std::collections::BTreeMap;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::server::pool::PoolError;
use crate::server::set_retry_after;
use crate::vision::VisionError;

/// The `message` of a payload validation failure (Flask-RESTX's wording, as Kredibel sends).
pub const VALIDATION_MESSAGE: &str = "Input payload validation failed.";

/// Field name to messages, as in `{"errors": {"image": ["Not a valid string."]}}`.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

#[derive(Debug, thiserror::Error)]
pub enum KredibelError {
    /// 401 `{"message"}`.
    #[error("Missing API key: send it as Authorization: Bearer KEY, a `key` field or ?key=KEY.")]
    MissingKey,
    /// 401 `{"message"}`.
    #[error("Invalid API key.")]
    InvalidKey,
    /// 400 `{"errors": {field: [messages]}, "message": "Input payload validation failed."}`.
    #[error("Input payload validation failed.")]
    Validation(FieldErrors),
    #[error("Invalid base64 encoding.")]
    InvalidBase64,
    /// The bytes are not an image of a supported format (JPEG, PNG, BMP, TIFF, WebP) that
    /// can be decoded.
    #[error("Invalid image: {0}")]
    InvalidImage(String),
    /// Over the size limit in bytes (decoded or body) or in pixels.
    #[error("Image too large: {0}")]
    ImageTooLarge(String),
    #[error("There is no identity card found in the image.")]
    CardNotFound,
    #[error("There is no text found in the image.")]
    TextNotFound,
    #[error("The document sent does not appear to be the right identity type.")]
    InvalidDocumentType,
    #[error("System fail to parse identity card.")]
    ParsingFailed,
    #[error("The server is busy. Retry in {retry_after_secs} s.")]
    Busy { retry_after_secs: u64 },
    #[error("Too many requests with this API key. Retry in {retry_after_secs} s.")]
    RateLimited { retry_after_secs: u64 },
    #[error("The request took longer than its time limit.")]
    Timeout,
    #[error("Internal server error.")]
    Internal,
    /// 405 `{"message"}`.
    #[error("The method is not allowed for the requested URL.")]
    MethodNotAllowed,
    /// 404 `{"message"}`, Flask's words.
    #[error("The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.")]
    RouteNotFound,
    /// 431 `{"message"}`.
    #[error("The request's headers are larger than the limit of {0} bytes.")]
    HeadersTooLarge(usize),
}

impl KredibelError {
    /// The status and the `errorType` (None for the bodies that have only `message`, or
    /// the validation shape).
    pub fn parts(&self) -> (StatusCode, Option<&'static str>) {
        use KredibelError::*;
        match self {
            MissingKey | InvalidKey => (StatusCode::UNAUTHORIZED, None),
            Validation(_) => (StatusCode::BAD_REQUEST, None),
            InvalidBase64 => (StatusCode::BAD_REQUEST, Some("invalid_base64_encoding")),
            InvalidImage(_) => (StatusCode::BAD_REQUEST, Some("invalid_image")),
            ImageTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, Some("image_too_large")),
            CardNotFound => (StatusCode::UNPROCESSABLE_ENTITY, Some("card_not_found")),
            TextNotFound => (StatusCode::UNPROCESSABLE_ENTITY, Some("text_not_found")),
            InvalidDocumentType => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("invalid_document_type"),
            ),
            ParsingFailed => (StatusCode::UNPROCESSABLE_ENTITY, Some("parsing_failed")),
            Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, Some("server_busy")),
            RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")),
            Timeout => (StatusCode::GATEWAY_TIMEOUT, Some("timeout")),
            Internal => (StatusCode::INTERNAL_SERVER_ERROR, Some("internal_error")),
            MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, None),
            RouteNotFound => (StatusCode::NOT_FOUND, None),
            HeadersTooLarge(_) => (StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, None),
        }
    }

    /// One field's validation error.
    pub fn field(name: &str, message: &str) -> KredibelError {
        KredibelError::Validation(FieldErrors::from([(
            name.to_string(),
            vec![message.to_string()],
        )]))
    }

    /// Maps an error that stopped the read before any vision work.
    pub fn from_vision(e: VisionError) -> KredibelError {
        match e {
            VisionError::UnsupportedImage(m) | VisionError::CorruptImage(m) => {
                KredibelError::InvalidImage(m)
            }
            e @ VisionError::TooLarge { .. } => KredibelError::ImageTooLarge(e.to_string()),
            VisionError::Model(e) => {
                tracing::error!(error = %e, "the model failed");
                KredibelError::Internal
            }
        }
    }
}

impl From<PoolError> for KredibelError {
    fn from(e: PoolError) -> Self {
        match e {
            PoolError::Busy { retry_after_secs } => KredibelError::Busy { retry_after_secs },
            PoolError::Panicked => KredibelError::Internal,
        }
    }
}

impl IntoResponse for KredibelError {
    fn into_response(self) -> Response {
        let (status, error_type) = self.parts();
        let message = self.to_string();
        let body = match (&self, error_type) {
            (KredibelError::Validation(fields), _) => {
                tracing::info!(status = status.as_u16(), "payload validation failed");
                json!({"errors": fields, "message": VALIDATION_MESSAGE})
            }
            (_, Some(error_type)) => {
                let error_id = uuid::Uuid::new_v4().to_string();
                if status.is_server_error() && !matches!(self, KredibelError::Busy { .. }) {
                    tracing::warn!(status = status.as_u16(), error_type, error_id, "failed");
                } else {
                    tracing::info!(status = status.as_u16(), error_type, error_id, "refused");
                }
                json!({"errors": {"errorId": error_id, "errorType": error_type}, "message": message})
            }
            (_, None) => {
                tracing::info!(status = status.as_u16(), "refused");
                json!({"message": message})
            }
        };
        let mut res = (status, Json(body)).into_response();
        match self {
            KredibelError::Busy { retry_after_secs }
            | KredibelError::RateLimited { retry_after_secs } => {
                set_retry_after(&mut res, retry_after_secs)
            }
            KredibelError::MissingKey | KredibelError::InvalidKey => {
                res.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            KredibelError::MethodNotAllowed => {
                res.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("POST"));
            }
            _ => {}
        }
        res
    }
}
