//! Patrons, login sessions and the token of a request.
//!
//! - A patron's `userId` is made the first time its user logs in and kept in storage
//!   (`patrons/<hex of the username>`), created once even when replicas race, so it is the
//!   same across restarts and replicas.
//! - A session is `sessions/<token>`, expiring with the token; a request's token is looked
//!   up by that key, never by scanning.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use serde::{Deserialize, Serialize};

use super::wire::{Answer, Body, LoginRequest, LoginResponse};
use super::{expires_in, Ctx, SignzyError};
use crate::ids::{self, ALNUM};
use crate::server::auth::{constant_time_eq, query_param};
use crate::storage::{Key, Kind, Storage, Write};

/// A login session, as stored.
#[derive(Debug, Serialize, Deserialize)]
struct Session {
    patron_id: String,
}

/// A patron, as stored.
#[derive(Debug, Serialize, Deserialize)]
struct Patron {
    user_id: String,
}

/// The stored patronId of `username`, made on first use.
async fn patron_id(storage: &Storage, username: &str) -> Result<String, SignzyError> {
    let hex: String = username.bytes().map(|b| format!("{b:02x}")).collect();
    // Usernames longer than a key allows are refused at login (64 bytes, 128 hex digits).
    let key = Key::new(Kind::Patrons, &hex).ok_or(SignzyError::LoginFailed)?;
    if let Some(p) = storage.get_json::<Patron>(&key).await? {
        return Ok(p.user_id);
    }
    let made = Patron {
        user_id: ids::object_id(),
    };
    if storage
        .put_json(&key, &made, None, Write::CreateOnly)
        .await?
    {
        return Ok(made.user_id);
    }
    // Another replica made it first: use theirs.
    storage
        .get_json::<Patron>(&key)
        .await?
        .map(|p| p.user_id)
        .ok_or(SignzyError::StorageUnavailable)
}

pub async fn login(
    State(ctx): State<Ctx>,
    body: Result<Body<LoginRequest>, SignzyError>,
) -> Result<Answer<LoginResponse>, SignzyError> {
    let Body(req) = body?;
    let username = req.username.or(req.email).unwrap_or_default();
    let password = req.password.unwrap_or_default();
    // Every account is compared, so the time taken does not tell which user exists.
    let ok = ctx.app.config.signzy.users.iter().fold(false, |found, u| {
        found
            | (u.username == username
                && constant_time_eq(u.password.as_bytes(), password.as_bytes()))
    });
    if username.is_empty() || !ok {
        return Err(SignzyError::LoginFailed);
    }
    let storage = &ctx.app.storage;
    let patron_id = patron_id(storage, &username).await?;
    let token = ids::random_string(64, ALNUM);
    let key = Key::new(Kind::Sessions, &token).expect("tokens are valid keys");
    let now = crate::clock::now_ms();
    storage
        .put_json(
            &key,
            &Session {
                patron_id: patron_id.clone(),
            },
            Some(expires_in(ctx.sz.token_ttl)),
            Write::Overwrite,
        )
        .await?;
    tracing::info!("patron logged in");
    Ok(Answer(LoginResponse {
        id: token,
        ttl: ctx.sz.token_ttl.as_secs(),
        created: crate::clock::iso_8601(now),
        user_id: patron_id,
    }))
}

/// The login token of a request: raw (or `Bearer`) in `Authorization`, else `?access_token=`.
fn request_token(headers: &HeaderMap, uri: &Uri) -> Option<String> {
    let header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim())
        .map(|v| match v.split_once(' ') {
            Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
            _ => v,
        })
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    header.or_else(|| query_param(uri, "access_token").filter(|t| !t.is_empty()))
}

/// The session key and patronId of the request's live token; 401 without one.
pub async fn authorize(
    storage: &Storage,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<(Key, String), SignzyError> {
    let token = request_token(headers, uri).ok_or(SignzyError::AuthorizationRequired)?;
    let key = Key::new(Kind::Sessions, &token).ok_or(SignzyError::AuthorizationRequired)?;
    let session = storage
        .get_json::<Session>(&key)
        .await?
        .ok_or(SignzyError::AuthorizationRequired)?;
    Ok((key, session.patron_id))
}

pub async fn logout(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<StatusCode, SignzyError> {
    let storage = &ctx.app.storage;
    let (key, _) = authorize(storage, &headers, &uri).await?;
    storage.delete(&key).await?;
    Ok(StatusCode::NO_CONTENT)
}
