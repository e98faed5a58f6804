//! Identities: created by a patron, then named by their `itemId` and authorised by their
//! `accessToken` in snoops. Each is kept in storage (`identities/<itemId>`) for
//! `signzy.identity_ttl_secs`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use serde::{Deserialize, Serialize};

use super::wire::{Answer, Body, IdentityRequest, IdentityResponse};
use super::{auth, Ctx, SignzyError};
use crate::ids::{self, LOWER_ALNUM};
use crate::server::auth::constant_time_eq;
use crate::storage::{Key, Kind, Write};

/// Identity types Signzy documents.
pub const IDENTITY_TYPES: [&str; 7] = [
    "individualPan",
    "businessPan",
    "aadhaar",
    "passport",
    "drivingLicence",
    "cheque",
    "voterId",
];

/// An identity, as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Identity {
    /// One of [`IDENTITY_TYPES`].
    pub kind: String,
    pub access_token: String,
    pub patron_id: String,
    pub images: Vec<String>,
    pub callback_url: Option<String>,
}

pub async fn create(
    State(ctx): State<Ctx>,
    Path(patron_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Result<Body<IdentityRequest>, SignzyError>,
) -> Result<Answer<IdentityResponse>, SignzyError> {
    let storage = &ctx.app.storage;
    let (_, session_patron) = auth::authorize(&ctx, &headers, &uri).await?;
    if session_patron != patron_id {
        return Err(SignzyError::AuthorizationRequired);
    }
    let Body(mut req) = body?;
    let kind = req
        .kind
        .as_deref()
        .and_then(|t| IDENTITY_TYPES.iter().find(|k| k.eq_ignore_ascii_case(t)))
        .ok_or(SignzyError::WrongType)?;
    let images = req.images.get_or_insert_with(Vec::new).clone();
    check_size(&images, req.callback_url.as_deref())?;
    let id = ids::object_id();
    let identity = Identity {
        kind: kind.to_string(),
        access_token: ids::random_string(33, LOWER_ALNUM),
        patron_id: patron_id.clone(),
        images,
        callback_url: req.callback_url.clone(),
    };
    let key = Key::new(Kind::Identities, &id).expect("object ids are valid keys");
    storage
        .put_json(
            &key,
            &identity,
            Some(crate::clock::ms_from_now(ctx.sz.identity_ttl)),
            Write::Overwrite,
        )
        .await?;
    tracing::info!(kind, "identity created");
    Ok(Answer(IdentityResponse {
        request: req,
        auto_recognition: Vec::new(),
        verification: Vec::new(),
        forgery_check: Vec::new(),
        access_token: identity.access_token,
        id,
        patron_id,
    }))
}

/// Image URLs an identity holds at most, and the longest URL it takes: bounds what each
/// identity costs in storage (Signzy documents no limit; a passport needs one or two).
pub const MAX_IMAGES: usize = 16;
pub const MAX_URL_CHARS: usize = 2048;

fn check_size(images: &[String], callback: Option<&str>) -> Result<(), SignzyError> {
    if images.len() > MAX_IMAGES {
        return Err(SignzyError::Validation(format!(
            "`images` holds {} URLs; at most {MAX_IMAGES} are kept",
            images.len()
        )));
    }
    let longest = images
        .iter()
        .map(String::len)
        .chain(callback.map(str::len))
        .max();
    if longest.is_some_and(|n| n > MAX_URL_CHARS) {
        return Err(SignzyError::Validation(format!(
            "a URL is longer than {MAX_URL_CHARS} characters"
        )));
    }
    Ok(())
}

/// The identity `item_id` when `access_token` is its token: 404 for an unknown one, 401
/// for a wrong token. The request counts against its account's rate limit.
pub async fn authorized(
    ctx: &Ctx,
    item_id: &str,
    access_token: &str,
) -> Result<Identity, SignzyError> {
    let storage = &ctx.app.storage;
    let not_found = || SignzyError::NotFound(item_id.to_string());
    let key = Key::new(Kind::Identities, item_id).ok_or_else(not_found)?;
    let identity = storage
        .get_json::<Identity>(&key)
        .await?
        .ok_or_else(not_found)?;
    if !constant_time_eq(identity.access_token.as_bytes(), access_token.as_bytes()) {
        return Err(SignzyError::AuthorizationRequired);
    }
    ctx.count_request(&identity.patron_id)?;
    Ok(identity)
}
