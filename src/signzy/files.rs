//! Signzy's persist service: three upload forms answering `{file: {...}}`, and the
//! `directURL` download, over [`crate::storage::files`].

use std::time::Duration;

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;

use super::wire::{Answer, Base64Upload, Body, FileInfo, UploadResponse};
use super::{Ctx, SignzyError};
use crate::server::content_type_is;
use crate::storage::files;

/// The refusal of a type the store does not keep.
const TYPES_ACCEPTED: &str = "only image/jpeg, image/png and application/pdf files are accepted";

/// A TTL field's value, or the default (also for values that are not TTLs, as Signzy
/// does), at most `max` (`infinity` too).
fn ttl_of(default: Duration, max: Duration, text: Option<&str>) -> Duration {
    match text.and_then(files::parse_ttl) {
        Some(Some(t)) => t.min(max),
        Some(None) => max,
        None => default.min(max),
    }
}

fn decode_base64(text: &str) -> Result<Vec<u8>, SignzyError> {
    let text = text.trim();
    let text = match text.split_once(";base64,") {
        Some((prefix, rest)) if prefix.starts_with("data:") => rest,
        _ => text,
    };
    let cleaned: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    engine
        .decode(cleaned.as_bytes())
        .map_err(|_| SignzyError::BadRequest("the base64 string cannot be decoded".into()))
}

/// Stores an upload and answers Signzy's `{file: {...}}`.
async fn store_upload(
    ctx: &Ctx,
    auth: (&HeaderMap, &Uri),
    bytes: Vec<u8>,
    declared: Option<String>,
    ttl: Option<String>,
) -> Result<Answer<UploadResponse>, SignzyError> {
    if ctx.sz.uploads_need_token {
        super::auth::authorize(ctx, auth.0, auth.1).await?;
    }
    if bytes.is_empty() {
        return Err(SignzyError::BadRequest("the file is empty".into()));
    }
    // The content decides; a declared type must be one the store takes.
    let mimetype =
        files::sniff(&bytes).ok_or_else(|| SignzyError::BadRequest(TYPES_ACCEPTED.into()))?;
    if let Some(d) = declared.as_deref().filter(|d| !d.trim().is_empty()) {
        if files::extension(d).is_none() && !d.eq_ignore_ascii_case("application/octet-stream") {
            return Err(SignzyError::BadRequest(TYPES_ACCEPTED.into()));
        }
    }
    let ttl = ttl_of(ctx.sz.file_ttl, ctx.sz.max_file_ttl, ttl.as_deref());
    let file = files::save(&ctx.app.storage, &bytes, mimetype, Some(ttl)).await?;
    tracing::info!(size = file.size, "file stored");
    Ok(Answer(UploadResponse {
        file: FileInfo {
            id: file.id,
            direct_url: format!("{}{}", ctx.app.config.public_url(), file.path()),
            filetype: file.mimetype,
            size: file.size,
            protected: false,
        },
    }))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> SignzyError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        SignzyError::TooLarge
    } else {
        SignzyError::BadRequest(format!(
            "the multipart body cannot be read: {}",
            e.body_text()
        ))
    }
}

/// A form field: its name, bytes and declared content type.
struct Field {
    name: String,
    bytes: Vec<u8>,
    content_type: Option<String>,
}

impl Field {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

async fn multipart_fields(mut mp: Multipart) -> Result<Vec<Field>, SignzyError> {
    let mut out = Vec::new();
    while let Some(field) = mp.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_string();
        let content_type = field.content_type().map(str::to_owned);
        let bytes = field.bytes().await.map_err(multipart_error)?.to_vec();
        out.push(Field {
            name,
            bytes,
            content_type,
        });
    }
    Ok(out)
}

fn find<'a>(fields: &'a [Field], name: &str) -> Option<&'a Field> {
    fields.iter().find(|f| f.name.eq_ignore_ascii_case(name))
}

/// `POST /api/files/upload`: multipart `file` and `ttl`.
pub async fn upload_multipart(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    uri: Uri,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Answer<UploadResponse>, SignzyError> {
    let mp = mp.map_err(|_| {
        SignzyError::BadRequest("send the file as multipart/form-data with a `file` field".into())
    })?;
    let fields = multipart_fields(mp).await?;
    let ttl = find(&fields, "ttl").map(Field::text);
    let file = find(&fields, "file")
        .ok_or_else(|| SignzyError::Validation("the `file` field is required".into()))?;
    let (bytes, declared) = (file.bytes.clone(), file.content_type.clone());
    store_upload(&ctx, (&headers, &uri), bytes, declared, ttl).await
}

/// `POST /api/base64strings/upload`: fields `base64string`, `mimetype`, `ttl`, as
/// form-urlencoded or multipart.
pub async fn upload_form(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    uri: Uri,
    req: Request,
) -> Result<Answer<UploadResponse>, SignzyError> {
    let fields: Vec<Field> = if content_type_is(&headers, "multipart/form-data") {
        let mp = Multipart::from_request(req, &())
            .await
            .map_err(|_| SignzyError::BadRequest("the multipart body cannot be read".into()))?;
        multipart_fields(mp).await?
    } else {
        let axum::Form(pairs) = axum::Form::<Vec<(String, String)>>::from_request(req, &())
            .await
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    SignzyError::TooLarge
                } else {
                    SignzyError::BadRequest("send the fields as application/x-www-form-urlencoded or multipart/form-data".into())
                }
            })?;
        pairs
            .into_iter()
            .map(|(name, value)| Field {
                name,
                bytes: value.into_bytes(),
                content_type: None,
            })
            .collect()
    };
    let b64 = find(&fields, "base64string")
        .ok_or_else(|| SignzyError::Validation("the `base64string` field is required".into()))?;
    let bytes = decode_base64(&b64.text())?;
    let text = |n: &str| find(&fields, n).map(Field::text);
    store_upload(&ctx, (&headers, &uri), bytes, text("mimetype"), text("ttl")).await
}

/// `POST /api/base64`: JSON `{base64String, mimetype, ttl}`.
pub async fn upload_json(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    uri: Uri,
    body: Result<Body<Base64Upload>, SignzyError>,
) -> Result<Answer<UploadResponse>, SignzyError> {
    let Body(req) = body?;
    let b64 = req
        .base64_string
        .ok_or_else(|| SignzyError::Validation("`base64String` is required".into()))?;
    let bytes = decode_base64(&b64)?;
    store_upload(&ctx, (&headers, &uri), bytes, req.mimetype, req.ttl).await
}

/// `GET` on a `directURL`: the bytes until the file expires, then 404.
pub async fn download(
    State(ctx): State<Ctx>,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, SignzyError> {
    let id: u64 = id.parse().map_err(|_| SignzyError::FileNotFound)?;
    let (bytes, mimetype) = files::load(&ctx.app.storage, id, &name)
        .await?
        .ok_or(SignzyError::FileNotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, mimetype),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            // The stored type is the type: browsers must not guess another.
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_fall_back_to_the_default_and_never_pass_the_maximum() {
        let (default, max) = (Duration::from_secs(30), Duration::from_secs(3600));
        assert_eq!(ttl_of(default, max, None), default);
        assert_eq!(ttl_of(default, max, Some("soon")), default);
        assert_eq!(
            ttl_of(default, max, Some("10 mins")),
            Duration::from_secs(600)
        );
        assert_eq!(ttl_of(default, max, Some("7 days")), max);
        assert_eq!(ttl_of(default, max, Some("infinity")), max);
    }
}
