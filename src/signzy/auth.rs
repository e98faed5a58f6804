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
use super::{Ctx, SignzyError};
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
    /// The patron's sessions: token and expiry (Unix ms), oldest first.
    #[serde(default)]
    sessions: Vec<(String, u64)>,
}

/// The stored patron of `username` and its key, made on first use.
async fn patron(storage: &Storage, username: &str) -> Result<(Key, Patron), SignzyError> {
    let hex: String = username.bytes().map(|b| format!("{b:02x}")).collect();
    // Usernames longer than a key allows are refused at login (64 bytes, 128 hex digits).
    let key = Key::new(Kind::Patrons, &hex).ok_or(SignzyError::LoginFailed)?;
    if let Some(p) = storage.get_json::<Patron>(&key).await? {
        return Ok((key, p));
    }
    let made = Patron {
        user_id: ids::object_id(),
        sessions: Vec::new(),
    };
    if storage
        .put_json(&key, &made, None, Write::CreateOnly)
        .await?
    {
        return Ok((key, made));
    }
    // Another replica made it first: use theirs.
    let theirs = storage.get_json::<Patron>(&key).await?;
    Ok((key, theirs.ok_or(SignzyError::StorageUnavailable)?))
}

/// Records a new session on its patron, keeping at most `max` live ones: expired entries
/// go first, then the oldest sessions are ended. (Two replicas logging the same user in
/// at the same moment may each miss the other's entry; such a session still ends at its
/// expiry.)
async fn track_session(
    storage: &Storage,
    key: &Key,
    mut patron: Patron,
    token: String,
    expires: u64,
    max: usize,
) -> Result<(), SignzyError> {
    let now = crate::clock::now_ms();
    patron.sessions.retain(|(_, e)| *e > now);
    patron.sessions.push((token, expires));
    let excess = patron.sessions.len().saturating_sub(max.max(1));
    for (old, _) in patron.sessions.drain(..excess) {
        if let Some(k) = Key::new(Kind::Sessions, &old) {
            storage.delete(&k).await?;
        }
    }
    storage
        .put_json(key, &patron, None, Write::Overwrite)
        .await?;
    Ok(())
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
    let (patron_key, patron) = patron(storage, &username).await?;
    let patron_id = patron.user_id.clone();
    ctx.count_request(&patron_id)?;
    let token = ids::random_string(64, ALNUM);
    let key = Key::new(Kind::Sessions, &token).expect("tokens are valid keys");
    let now = crate::clock::now_ms();
    let expires = crate::clock::ms_from_now(ctx.sz.token_ttl);
    storage
        .put_json(
            &key,
            &Session {
                patron_id: patron_id.clone(),
            },
            Some(expires),
            Write::Overwrite,
        )
        .await?;
    let max = ctx.sz.max_sessions_per_user;
    track_session(storage, &patron_key, patron, token.clone(), expires, max).await?;
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

/// The session key and patronId of the request's live token; 401 without one. The
/// request counts against the account's rate limit.
pub async fn authorize(
    ctx: &Ctx,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<(Key, String), SignzyError> {
    let token = request_token(headers, uri).ok_or(SignzyError::AuthorizationRequired)?;
    let key = Key::new(Kind::Sessions, &token).ok_or(SignzyError::AuthorizationRequired)?;
    let session = ctx
        .app
        .storage
        .get_json::<Session>(&key)
        .await?
        .ok_or(SignzyError::AuthorizationRequired)?;
    ctx.count_request(&session.patron_id)?;
    Ok((key, session.patron_id))
}

pub async fn logout(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<StatusCode, SignzyError> {
    let (key, _) = authorize(&ctx, &headers, &uri).await?;
    ctx.app.storage.delete(&key).await?;
    Ok(StatusCode::NO_CONTENT)
}
