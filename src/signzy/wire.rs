//! LoopBack's wire details: request bodies as JSON (or, for login, form-urlencoded) into
//! typed structs, answers as `application/json; charset=utf-8`, and the bodies of every
//! route as serde types.

use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::result::PassportResult;
use super::SignzyError;
use crate::server::body::{self, BodyError};
use crate::server::content_type_is;

/// A request body of type `T`: JSON, or `application/x-www-form-urlencoded` fields.
/// Malformed JSON is 400 `SyntaxError` as LoopBack answers; well-formed JSON of the wrong
/// shape is 422 `ValidationError`.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = SignzyError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let form = content_type_is(req.headers(), "application/x-www-form-urlencoded");
        let bytes = body::whole(req).await.map_err(|e| match e {
            BodyError::TooLarge => SignzyError::TooLarge,
            BodyError::Unreadable(_) => {
                SignzyError::BadRequest("cannot read the request body".into())
            }
        })?;
        if form {
            return serde_urlencoded::from_bytes(&bytes)
                .map(Body)
                .map_err(|e| SignzyError::Validation(format!("the form fields are invalid: {e}")));
        }
        serde_json::from_slice(&bytes).map(Body).map_err(|e| {
            if e.is_data() {
                SignzyError::Validation(format!("the body is invalid: {e}"))
            } else {
                SignzyError::Syntax(format!("Unexpected token in JSON: {e}"))
            }
        })
    }
}

/// A JSON answer with LoopBack's `Content-Type: application/json; charset=utf-8`.
pub struct Answer<T>(pub T);

/// LoopBack's content type.
pub const JSON_UTF8: &str = "application/json; charset=utf-8";

impl<T: Serialize> IntoResponse for Answer<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => (
                [(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8))],
                body,
            )
                .into_response(),
            Err(e) => {
                tracing::error!(error = %e, "an answer does not serialise");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

/// `POST /api/v2/patrons/login`. LoopBack also takes `email` in place of `username`.
#[derive(Debug, Deserialize)]
pub struct LoginRequest {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginResponse {
    /// The token: 64 characters of `[A-Za-z0-9]`.
    pub id: String,
    /// Seconds it lives.
    pub ttl: u64,
    /// ISO 8601, UTC.
    pub created: String,
    /// The patronId (24 hex digits), the same for a user across restarts and replicas.
    pub user_id: String,
}

/// `POST /api/v2/patrons/{patronId}/identities`: the fields Signzy names, and any other,
/// echoed back.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityRequest {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    #[serde(default)]
    pub images: Option<Vec<String>>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityResponse {
    #[serde(flatten)]
    pub request: IdentityRequest,
    pub auto_recognition: Vec<Value>,
    pub verification: Vec<Value>,
    pub forgery_check: Vec<Value>,
    pub access_token: String,
    /// The itemId (24 hex digits).
    pub id: String,
    pub patron_id: String,
}

/// `POST /api/v2/snoops`. `itemID` is the swagger block's spelling of `itemId`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnoopRequest {
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default, alias = "itemID")]
    pub item_id: Option<String>,
    #[serde(default)]
    pub access_token: Option<String>,
    #[serde(default)]
    pub task: Option<String>,
    #[serde(default)]
    pub essentials: Option<Essentials>,
}

/// A snoop's `essentials`: `url` for faceExtraction; anything else is echoed.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Essentials {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SnoopResponse {
    pub service: String,
    pub item_id: String,
    pub task: String,
    pub essentials: Essentials,
    pub access_token: String,
    /// A fresh ObjectId for this snoop.
    pub id: String,
    pub response: TaskResponse,
}

/// What a task answers inside `response`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum TaskResponse {
    FaceExtraction {
        url: String,
        id: u64,
        result: Cropped,
    },
    AutoRecognition {
        files: Vec<String>,
        id: u64,
        instance: Instance,
        result: Box<PassportResult>,
    },
}

#[derive(Debug, Serialize)]
pub struct Cropped {
    /// The crop's `directURL`.
    pub cropped: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Instance {
    pub id: String,
    pub callback_url: Option<String>,
}

/// `POST /api/base64`.
#[derive(Debug, Deserialize)]
pub struct Base64Upload {
    #[serde(default, rename = "base64String", alias = "base64string")]
    pub base64_string: Option<String>,
    #[serde(default)]
    pub mimetype: Option<String>,
    #[serde(default)]
    pub ttl: Option<String>,
}

/// What every upload route answers.
#[derive(Debug, Serialize)]
pub struct UploadResponse {
    pub file: FileInfo,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileInfo {
    pub id: u64,
    pub filetype: String,
    /// Bytes.
    pub size: usize,
    #[serde(rename = "directURL")]
    pub direct_url: String,
    pub protected: bool,
}
