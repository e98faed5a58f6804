//! Every way the Signzy-compatible routes fail, as LoopBack 3 bodies:
//! `{"error": {"name", "status", "statusCode", "message", "code"}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::wire::Answer;
use crate::server::pool::PoolError;
use crate::server::set_retry_after;

#[derive(Debug, thiserror::Error)]
pub enum SignzyError {
    /// 401 `LOGIN_FAILED`.
    #[error("login failed")]
    LoginFailed,
    /// 401 `AUTHORIZATION_REQUIRED`: no token, an unknown or expired one, one of another
    /// patron, or an identity's accessToken that does not match the itemId.
    #[error("Authorization Required")]
    AuthorizationRequired,
    /// 404 `MODEL_NOT_FOUND`.
    #[error("could not find a model with id {0}")]
    NotFound(String),
    /// 404 for files: unknown, or expired.
    #[error("file not found")]
    FileNotFound,
    /// 400 `SyntaxError`: the body is not JSON.
    #[error("{0}")]
    Syntax(String),
    /// 400 with Signzy's documented message for an unknown identity type.
    #[error("wrong element in type")]
    WrongType,
    /// 400: a bad parameter (URL not fetchable, not an image or PDF, too large...).
    #[error("{0}")]
    BadRequest(String),
    /// 422 `ValidationError`: missing or malformed inputs.
    #[error("{0}")]
    Validation(String),
    /// 422: a task the identity's type does not offer.
    #[error("{0}")]
    UnsupportedTask(String),
    /// 422: no face on the image.
    #[error("no face was found on the passport image")]
    NoFace,
    /// 422: no document page found, so no portrait either.
    #[error("no passport page was found on the image (no machine-readable zone could be read), so there is no portrait to crop")]
    NoDocument,
    /// 422: no MRZ on the identity's images.
    #[error("{0}")]
    NotReadable(String),
    /// 413.
    #[error("the request body is over the size limit")]
    TooLarge,
    #[error("the server is busy; retry in {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
    /// 429 `RATE_LIMITED`: the account has made too many requests (`server.rate_limit_*`).
    #[error("this account has made too many requests; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// 507: the store holds `storage.max_bytes` of files; nothing was written.
    #[error("the file store is full; nothing was stored")]
    StorageFull,
    /// 503: storage failed (logged); nothing was lost, the request can be retried.
    #[error("storage is unavailable; retry later")]
    StorageUnavailable,
    #[error("the request took longer than its time limit")]
    Timeout,
    /// 404 for a path no route serves, as LoopBack answers it.
    #[error("There is no method to handle {0}")]
    RouteNotFound(String),
    /// 405: a route of this API with another method.
    #[error("the method is not allowed for this route")]
    MethodNotAllowed,
    /// 431.
    #[error("the request headers are larger than the limit of {0} bytes")]
    HeadersTooLarge(usize),
    #[error("internal server error")]
    Internal,
}

impl SignzyError {
    /// Status, LoopBack `name` and `code`.
    pub fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        use SignzyError::*;
        match self {
            LoginFailed => (StatusCode::UNAUTHORIZED, "Error", "LOGIN_FAILED"),
            AuthorizationRequired => (StatusCode::UNAUTHORIZED, "Error", "AUTHORIZATION_REQUIRED"),
            NotFound(_) => (StatusCode::NOT_FOUND, "Error", "MODEL_NOT_FOUND"),
            FileNotFound => (StatusCode::NOT_FOUND, "Error", "FILE_NOT_FOUND"),
            Syntax(_) => (StatusCode::BAD_REQUEST, "SyntaxError", "INVALID_JSON"),
            WrongType => (StatusCode::BAD_REQUEST, "Error", "INVALID_PARAM"),
            BadRequest(_) => (StatusCode::BAD_REQUEST, "Error", "INVALID_PARAM"),
            Validation(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "ValidationError",
                "VALIDATION_ERROR",
            ),
            UnsupportedTask(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "Error",
                "UNSUPPORTED_TASK",
            ),
            NoFace | NoDocument => (StatusCode::UNPROCESSABLE_ENTITY, "Error", "NO_FACE_FOUND"),
            NotReadable(_) => (StatusCode::UNPROCESSABLE_ENTITY, "Error", "NOT_READABLE"),
            TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "Error", "PAYLOAD_TOO_LARGE"),
            Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "Error", "SERVER_BUSY"),
            RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "Error", "RATE_LIMITED"),
            StorageFull => (
                StatusCode::INSUFFICIENT_STORAGE,
                "Error",
                "INSUFFICIENT_STORAGE",
            ),
            StorageUnavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Error",
                "STORAGE_UNAVAILABLE",
            ),
            Timeout => (StatusCode::GATEWAY_TIMEOUT, "Error", "TIMEOUT"),
            RouteNotFound(_) => (StatusCode::NOT_FOUND, "Error", "ROUTE_NOT_FOUND"),
            MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "Error",
                "METHOD_NOT_ALLOWED",
            ),
            HeadersTooLarge(_) => (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "Error",
                "HEADERS_TOO_LARGE",
            ),
            Internal => (StatusCode::INTERNAL_SERVER_ERROR, "Error", "INTERNAL_ERROR"),
        }
    }
}

impl From<PoolError> for SignzyError {
    fn from(e: PoolError) -> Self {
        match e {
            PoolError::Busy { retry_after_secs } => SignzyError::Busy { retry_after_secs },
            PoolError::Panicked => SignzyError::Internal,
        }
    }
}

impl IntoResponse for SignzyError {
    fn into_response(self) -> Response {
        let (status, name, code) = self.parts();
        // A full pool is expected under load: not a warning.
        if status.is_server_error() && !matches!(self, SignzyError::Busy { .. }) {
            tracing::warn!(status = status.as_u16(), code, "failed");
        } else {
            tracing::info!(status = status.as_u16(), code, "refused");
        }
        let body = json!({"error": {
            "name": name,
            "status": status.as_u16(),
            "statusCode": status.as_u16(),
            "message": self.to_string(),
            "code": code,
        }});
        let mut res = (status, Answer(body)).into_response();
        match self {
            SignzyError::Busy { retry_after_secs }
            | SignzyError::RateLimited { retry_after_secs } => {
                set_retry_after(&mut res, retry_after_secs)
            }
            // Storage recovers on its own; a client may retry shortly.
            SignzyError::StorageUnavailable => set_retry_after(&mut res, 1),
            _ => {}
        }
        res
    }
}
