//! Signzy's v2 identity flow and persist file store, wire-compatible (LoopBack 3 bodies):
//!
//! - `POST /api/v2/patrons/login` `{username, password}` (accounts of `signzy.users`) ->
//!   `{id: <64-char token>, ttl, created, userId: <24-hex patronId>}`;
//!   `POST /api/v2/patrons/logout?access_token=` -> 204. Tokens go raw in `Authorization`
//!   or as `?access_token=`, and expire after `ttl` seconds.
//! - `POST /api/v2/patrons/{patronId}/identities` (that patron's token only) -> the request
//!   echoed plus `autoRecognition`, `verification`, `forgeryCheck`, `accessToken`, `id`,
//!   `patronId`.
//! - `POST /api/v2/snoops` `{service: "Identity", itemId, accessToken, task, essentials}`,
//!   authorised by the itemId and accessToken pair: `faceExtraction` (`essentials.url`: an
//!   image or PDF; answers the crop's URL) and, on passport identities, `autoRecognition`.
//! - Persist: `POST /api/files/upload` (multipart `file`, `ttl`),
//!   `POST /api/base64strings/upload` (form fields `base64string`, `mimetype`, `ttl`),
//!   `POST /api/base64` (JSON) -> `{file: {id, filetype, size, directURL, protected}}`;
//!   `GET` on the `directURL` until the TTL runs out, then 404.
//!
//! Errors: `{"error": {"name", "status", "statusCode", "message", "code"}}` ([`SignzyError`]).
//! Identities and tokens are kept in memory; files in the [`crate::storage`] store.

pub mod error;
pub mod pdf;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde_json::{json, Map, Value};

pub use error::SignzyError;

use crate::fetch::{self, FetchPolicy};
use crate::server::auth::query_param;
use crate::server::AppState;
use crate::storage::{self, Store, StoredFile};
use crate::vision::face::FaceDetector;
use crate::vision::mrz::{self as countries, self as dates};
use crate::vision::{image_io, VisionError};

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

/// The largest image or PDF a snoop reads (Signzy: "less than 2MB").
pub const MAX_INPUT_BYTES: usize = 2 * 1024 * 1024;

/// The face detector, loaded once per process.
pub fn face_detector() -> Result<&'static FaceDetector, SignzyError> {
    crate::vision::face::shared_detector().ok_or(SignzyError::Internal)
}

struct Session {
    patron_id: String,
    expires: Instant,
}

#[derive(Clone)]
struct Identity {
    kind: String,
    access_token: String,
    patron_id: String,
    images: Vec<String>,
    callback_url: Value,
}

/// The Signzy side's own state.
pub struct Signzy {
    sessions: Mutex<HashMap<String, Session>>,
    identities: Mutex<HashMap<String, Identity>>,
    /// patronId of each username, made at start.
    patrons: HashMap<String, String>,
    store: Option<Store>,
    fetch: FetchPolicy,
    token_ttl: Duration,
    max_identities: usize,
    next_result_id: AtomicU64,
}

#[derive(Clone)]
struct Ctx {
    app: AppState,
    sz: Arc<Signzy>,
}

/// The routes, with their body limits and time limit, over `state`.
pub fn router(state: AppState) -> Router {
    let cfg = &state.config;
    let dir = cfg.server.data_dir.join("files");
    let store = match Store::local(dir, Duration::from_secs(cfg.signzy.file_ttl_secs)) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::error!(error = %e, "the file store cannot be opened: uploads and face crops will fail");
            None
        }
    };
    let patrons = cfg
        .signzy
        .users
        .iter()
        .map(|u| (u.username.clone(), object_id()))
        .collect();
    let sz = Arc::new(Signzy {
        sessions: Mutex::default(),
        identities: Mutex::default(),
        patrons,
        store,
        fetch: FetchPolicy::new(cfg.server.fetch_allow.clone()),
        token_ttl: Duration::from_secs(cfg.signzy.token_ttl_secs),
        max_identities: cfg.signzy.max_identities,
        next_result_id: AtomicU64::new(1000),
    });
    let upload_limit = cfg.server.max_upload_bytes.max(MAX_INPUT_BYTES * 2);
    let timeout = state.request_timeout();
    let ctx = Ctx { app: state, sz };
    let r = Router::new()
        .route("/api/v2/patrons/login", post(login))
        .route("/api/v2/patrons/logout", post(logout))
        .route(
            "/api/v2/patrons/{patron_id}/identities",
            post(create_identity),
        )
        .route("/api/v2/snoops", post(snoop))
        .route("/api/files/upload", post(upload_multipart))
        .route("/api/base64strings/upload", post(upload_form))
        .route("/api/base64", post(upload_json))
        .route("/api/files/{id}/download/{name}", get(download))
        .route("/api/base64strings/{id}/download/{name}", get(download))
        .layer(DefaultBodyLimit::max(upload_limit));
    crate::server::time_limit(r, timeout, || SignzyError::Timeout.into_response()).with_state(ctx)
}

/// A JSON body; malformed JSON is 400 `SyntaxError` as LoopBack answers.
struct SzJson(Value);

impl<S: Send + Sync> FromRequest<S> for SzJson {
    type Rejection = SignzyError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                SignzyError::TooLarge
            } else {
                SignzyError::BadRequest("cannot read the request body".into())
            }
        })?;
        serde_json::from_slice(&bytes)
            .map(SzJson)
            .map_err(|e| SignzyError::Syntax(format!("Unexpected token in JSON: {e}")))
    }
}

fn object(v: Value) -> Result<Map<String, Value>, SignzyError> {
    match v {
        Value::Object(m) => Ok(m),
        _ => Err(SignzyError::Validation(
            "the body must be a JSON object".into(),
        )),
    }
}

fn string_field<'a>(m: &'a Map<String, Value>, name: &str) -> Result<&'a str, SignzyError> {
    match m.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            Err(SignzyError::Validation(format!("`{name}` is required")))
        }
        Some(_) => Err(SignzyError::Validation(format!(
            "`{name}` must be a string"
        ))),
    }
}

/// `n` random characters of `alphabet`, from the OS generator (via UUID v4 bytes),
/// without modulo bias.
fn random_string(n: usize, alphabet: &[u8]) -> String {
    let limit = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(n);
    while out.len() < n {
        for b in uuid::Uuid::new_v4().into_bytes() {
            if (b as usize) < limit && out.len() < n {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    out
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A MongoDB-like ObjectId: 4 bytes of seconds, then 8 random bytes, in hex.
fn object_id() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32);
    format!(
        "{secs:08x}{}",
        &uuid::Uuid::new_v4().simple().to_string()[..16]
    )
}

/// `2023-03-02T15:21:31.457Z`.
fn iso_now() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let d = dates::CalendarDate::from_unix_days((secs / 86_400) as i64);
    let s = secs % 86_400;
    format!(
        "{d}T{:02}:{:02}:{:02}.{:03}Z",
        s / 3600,
        s / 60 % 60,
        s % 60,
        now.subsec_millis()
    )
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn login(
    State(ctx): State<Ctx>,
    body: Result<SzJson, SignzyError>,
) -> Result<Json<Value>, SignzyError> {
    let m = object(body?.0)?;
    let username = m
        .get("username")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let password = m
        .get("password")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ok = ctx.app.config.signzy.users.iter().fold(false, |found, u| {
        found
            | (u.username == username
                && constant_time_eq(u.password.as_bytes(), password.as_bytes()))
    });
    if username.is_empty() || !ok {
        return Err(SignzyError::LoginFailed);
    }
    let patron_id = ctx
        .sz
        .patrons
        .get(username)
        .cloned()
        .ok_or(SignzyError::LoginFailed)?;
    let token = random_string(64, ALNUM);
    {
        let mut sessions = ctx.sz.sessions.lock().expect("sessions lock");
        let now = Instant::now();
        sessions.retain(|_, s| s.expires > now);
        sessions.insert(
            token.clone(),
            Session {
                patron_id: patron_id.clone(),
                expires: now + ctx.sz.token_ttl,
            },
        );
    }
    tracing::info!("patron logged in");
    Ok(Json(json!({
        "id": token,
        "ttl": ctx.sz.token_ttl.as_secs(),
        "created": iso_now(),
        "userId": patron_id,
    })))
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

/// The patronId of a live token.
fn session_patron(sz: &Signzy, token: &str) -> Result<String, SignzyError> {
    let mut sessions = sz.sessions.lock().expect("sessions lock");
    match sessions.get(token) {
        Some(s) if s.expires > Instant::now() => Ok(s.patron_id.clone()),
        Some(_) => {
            sessions.remove(token);
            Err(SignzyError::AuthorizationRequired)
        }
        None => Err(SignzyError::AuthorizationRequired),
    }
}

async fn logout(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<StatusCode, SignzyError> {
    let token = request_token(&headers, &uri).ok_or(SignzyError::AuthorizationRequired)?;
    session_patron(&ctx.sz, &token)?;
    ctx.sz
        .sessions
        .lock()
        .expect("sessions lock")
        .remove(&token);
    Ok(StatusCode::NO_CONTENT)
}

async fn create_identity(
    State(ctx): State<Ctx>,
    Path(patron_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Result<SzJson, SignzyError>,
) -> Result<Json<Value>, SignzyError> {
    let token = request_token(&headers, &uri).ok_or(SignzyError::AuthorizationRequired)?;
    if session_patron(&ctx.sz, &token)? != patron_id {
        return Err(SignzyError::AuthorizationRequired);
    }
    let mut m = object(body?.0)?;
    let kind = match m.get("type") {
        Some(Value::String(t)) => IDENTITY_TYPES
            .iter()
            .find(|k| k.eq_ignore_ascii_case(t))
            .ok_or(SignzyError::WrongType)?,
        _ => return Err(SignzyError::WrongType),
    };
    let images = match m.get("images") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| SignzyError::Validation("`images` must be a list of URLs".into()))?,
        Some(_) => {
            return Err(SignzyError::Validation(
                "`images` must be a list of URLs".into(),
            ))
        }
    };
    for field in ["email", "callbackUrl"] {
        if !matches!(
            m.get(field),
            None | Some(Value::String(_)) | Some(Value::Null)
        ) {
            return Err(SignzyError::Validation(format!(
                "`{field}` must be a string"
            )));
        }
    }
    let id = object_id();
    let access_token = random_string(33, LOWER_ALNUM);
    let identity = Identity {
        kind: kind.to_string(),
        access_token: access_token.clone(),
        patron_id: patron_id.clone(),
        images: images.clone(),
        callback_url: m.get("callbackUrl").cloned().unwrap_or(Value::Null),
    };
    {
        let mut identities = ctx.sz.identities.lock().expect("identities lock");
        if identities.len() >= ctx.sz.max_identities {
            return Err(SignzyError::IdentitiesFull(ctx.sz.max_identities));
        }
        identities.insert(id.clone(), identity);
    }
    m.insert("images".into(), json!(images));
    m.insert("autoRecognition".into(), json!([]));
    m.insert("verification".into(), json!([]));
    m.insert("forgeryCheck".into(), json!([]));
    m.insert("accessToken".into(), json!(access_token));
    m.insert("id".into(), json!(id));
    m.insert("patronId".into(), json!(patron_id));
    tracing::info!(kind, "identity created");
    Ok(Json(Value::Object(m)))
}

async fn snoop(
    State(ctx): State<Ctx>,
    body: Result<SzJson, SignzyError>,
) -> Result<Json<Value>, SignzyError> {
    let m = object(body?.0)?;
    let service = string_field(&m, "service")?;
    if !service.eq_ignore_ascii_case("identity") {
        return Err(SignzyError::Validation(
            "`service` must be \"Identity\"".into(),
        ));
    }
    let item_id = string_field(&m, "itemId")?;
    let access_token = string_field(&m, "accessToken")?;
    let task = string_field(&m, "task")?;
    let identity = ctx
        .sz
        .identities
        .lock()
        .expect("identities lock")
        .get(item_id)
        .cloned()
        .ok_or_else(|| SignzyError::NotFound(item_id.to_string()))?;
    if !constant_time_eq(identity.access_token.as_bytes(), access_token.as_bytes()) {
        return Err(SignzyError::AuthorizationRequired);
    }
    let essentials = match m.get("essentials") {
        Some(Value::Object(e)) => e.clone(),
        None | Some(Value::Null) => Map::new(),
        Some(_) => {
            return Err(SignzyError::Validation(
                "`essentials` must be an object".into(),
            ))
        }
    };
    let response = match task {
        "faceExtraction" => {
            let url = string_field(&essentials, "url")
                .map_err(|_| SignzyError::Validation("`essentials.url` is required".into()))?
                .to_string();
            let cropped = face_extraction(&ctx, &url).await?;
            json!({
                "url": url,
                "id": ctx.sz.next_result_id.fetch_add(1, Ordering::Relaxed),
                "result": {"cropped": cropped},
            })
        }
        "autoRecognition" if identity.kind == "passport" => {
            let result = auto_recognition(&ctx, &identity.images).await?;
            json!({
                "files": identity.images,
                "id": ctx.sz.next_result_id.fetch_add(1, Ordering::Relaxed),
                "instance": {"id": item_id, "callbackUrl": identity.callback_url},
                "result": result,
            })
        }
        other => {
            return Err(SignzyError::UnsupportedTask(format!(
                "the task `{other}` is not offered for identities of type `{}`{}",
                identity.kind,
                if identity.kind == "passport" {
                    ": passports offer `autoRecognition` and `faceExtraction`"
                } else {
                    ""
                }
            )))
        }
    };
    let _ = identity.patron_id;
    tracing::info!(task, "snoop answered");
    Ok(Json(json!({
        "service": service,
        "itemId": item_id,
        "task": task,
        "essentials": essentials,
        "accessToken": access_token,
        "id": object_id(),
        "response": response,
    })))
}

/// The id and file name of a `directURL` of this service, if `url` is one.
fn own_file(public_url: &str, url: &str) -> Option<(u64, String)> {
    let rest = url.trim().strip_prefix(public_url)?;
    let rest = rest
        .strip_prefix("/api/files/")
        .or_else(|| rest.strip_prefix("/api/base64strings/"))?;
    let (id, rest) = rest.split_once('/')?;
    let name = rest.strip_prefix("download/")?;
    let name = name.split(['?', '#']).next()?;
    Some((id.parse().ok()?, name.to_string()))
}

/// The bytes at `url`: read from the store for this service's own files, else fetched.
async fn load_url(ctx: &Ctx, url: &str) -> Result<Vec<u8>, SignzyError> {
    let public = ctx.app.config.public_url();
    if let Some((id, name)) = own_file(&public, url) {
        let bytes = load_stored(ctx, id, name)
            .await?
            .map(|(b, _)| b)
            .ok_or_else(|| {
                SignzyError::BadRequest("the file at the URL does not exist or has expired".into())
            })?;
        if bytes.len() > MAX_INPUT_BYTES {
            return Err(SignzyError::BadRequest(
                "the file is larger than 2 MB".into(),
            ));
        }
        return Ok(bytes);
    }
    let mut policy = ctx.sz.fetch.clone();
    policy.max_bytes = MAX_INPUT_BYTES;
    fetch::fetch(url, &policy).await.map_err(|e| {
        tracing::info!(error = %e, "fetch refused or failed");
        SignzyError::BadRequest(e.to_string())
    })
}

async fn load_stored(
    ctx: &Ctx,
    id: u64,
    name: String,
) -> Result<Option<(Vec<u8>, String)>, SignzyError> {
    let sz = ctx.sz.clone();
    tokio::task::spawn_blocking(move || match &sz.store {
        Some(store) => store.load(id, &name).map_err(|e| {
            tracing::error!(error = %e, "the file store failed");
            SignzyError::Internal
        }),
        None => Err(SignzyError::Internal),
    })
    .await
    .map_err(|_| SignzyError::Internal)?
}

/// The image bytes of the input: images as they are, a PDF's page image.
fn page_bytes(bytes: Vec<u8>, max_pixels: u64) -> Result<Vec<u8>, SignzyError> {
    match storage::sniff(&bytes) {
        Some("application/pdf") => {
            pdf::page_image(&bytes, max_pixels).map_err(|e| SignzyError::BadRequest(e.to_string()))
        }
        Some(_) => Ok(bytes),
        None => Err(SignzyError::BadRequest(format!(
            "the file is not a {} image or a PDF",
            image_io::SUPPORTED
        ))),
    }
}

fn vision_error(e: VisionError) -> SignzyError {
    match e {
        VisionError::Model(e) => {
            tracing::error!(error = %e, "a model failed");
            SignzyError::Internal
        }
        other => SignzyError::BadRequest(format!("the image cannot be used: {other}")),
    }
}

/// Finds the portrait on the image at `url`, stores the crop and answers its URL.
async fn face_extraction(ctx: &Ctx, url: &str) -> Result<String, SignzyError> {
    let bytes = load_url(ctx, url).await?;
    let detector = face_detector()?;
    let reader = ctx.app.reader.clone();
    let opts = ctx.app.read_options(true, false, true);
    let sz = ctx.sz.clone();
    let file: StoredFile = ctx
        .app
        .pool
        .run(move || -> Result<StoredFile, SignzyError> {
            let page = page_bytes(bytes, opts.max_pixels)?;
            let decoded = image_io::decode(&page, opts.max_pixels).map_err(vision_error)?;
            let search = reader
                .find_portrait(detector, &decoded, &opts)
                .map_err(vision_error)?;
            if !search.document.detected {
                return Err(SignzyError::NoDocument);
            }
            let portrait = search.portrait.ok_or(SignzyError::NoFace)?;
            let jpeg = portrait.jpeg(90);
            let store = sz.store.as_ref().ok_or(SignzyError::Internal)?;
            store
                .save(&jpeg, "image/jpeg", Some(store.default_ttl()))
                .map_err(|e| {
                    tracing::error!(error = %e, "the file store failed");
                    SignzyError::Internal
                })
        })
        .await??;
    tracing::info!("face extracted");
    Ok(format!("{}{}", ctx.app.config.public_url(), file.path()))
}

/// Reads the MRZ on the identity's images and fills Signzy's passport result.
async fn auto_recognition(ctx: &Ctx, images: &[String]) -> Result<Value, SignzyError> {
    if images.is_empty() {
        return Err(SignzyError::Validation(
            "the identity has no `images` to read".into(),
        ));
    }
    let mut best: Option<crate::vision::mrz::Mrz> = None;
    for url in images {
        let bytes = load_url(ctx, url).await?;
        let reader = ctx.app.reader.clone();
        let opts = ctx.app.read_options(true, false, true);
        let reading = ctx
            .app
            .pool
            .run(move || -> Result<_, SignzyError> {
                let page = page_bytes(bytes, opts.max_pixels)?;
                reader.read_bytes(&page, &opts).map_err(vision_error)
            })
            .await??;
        if let Some(m) = reading.mrz {
            let better = best
                .as_ref()
                .is_none_or(|b| (m.valid, m.confidence) > (b.valid, b.confidence));
            if better {
                best = Some(m);
            }
        }
    }
    let m = best.ok_or_else(|| {
        SignzyError::NotReadable(
            "no machine-readable zone could be read on the identity's images".into(),
        )
    })?;
    Ok(passport_result(
        &m.fields,
        crate::kredibel::response::today(),
    ))
}

/// Signzy's passport `result` from MRZ fields; what the MRZ does not hold is left empty.
pub fn passport_result(f: &crate::vision::mrz::Fields, today: dates::CalendarDate) -> Value {
    let ddmmyyyy = |d: Option<dates::CalendarDate>| {
        d.map(|d| format!("{:02}/{:02}/{:04}", d.day, d.month, d.year))
            .unwrap_or_default()
    };
    let birth = ddmmyyyy(dates::birth_date(&f.birth_date, today));
    let expiry = ddmmyyyy(dates::expiry_date(&f.expiry_date, today));
    let name = format!("{} {}", f.given_names, f.surname)
        .trim()
        .to_string();
    let sex = match f.sex.as_str() {
        "M" | "F" => f.sex.clone(),
        _ => String::new(),
    };
    let state = f.issuing_state.trim_end_matches('<');
    let country = json!([
        countries::country_alpha2(state).unwrap_or_default(),
        state,
        countries::country_name(state).unwrap_or_default(),
    ]);
    let nationality = countries::country_name(f.nationality.trim_end_matches('<'))
        .map(str::to_uppercase)
        .unwrap_or_default();
    let split_address = json!({"district": [], "state": [], "city": [], "pincode": "", "country": [], "addressLine": ""});
    json!({
        "parentsGuardianName": "",
        "issueDate": "",
        "expiryDate": expiry,
        "birthDate": birth,
        "name": name,
        "country": country,
        "nationality": nationality,
        "sex": sex,
        "address": "",
        "pincode": "",
        "passportNumber": f.document_number,
        "fileNumber": "",
        "placeOfBirth": "",
        "placeOfIssue": "",
        "splitAddress": split_address,
        "summary": {
            "number": f.document_number,
            "name": name,
            "dob": birth,
            "address": "",
            "splitAddress": split_address,
            "gender": sex,
            "guardianName": "",
            "issueDate": "",
            "expiryDate": expiry,
        },
    })
}

/// A TTL field's value, or the default (also for values that are not TTLs, as Signzy does).
fn ttl_of(store: &Store, text: Option<&str>) -> Option<Duration> {
    match text.and_then(storage::parse_ttl) {
        Some(t) => t,
        None => Some(store.default_ttl()),
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
    bytes: Vec<u8>,
    declared: Option<String>,
    ttl: Option<String>,
) -> Result<Json<Value>, SignzyError> {
    if bytes.is_empty() {
        return Err(SignzyError::BadRequest("the file is empty".into()));
    }
    // The content decides; a declared type must be one the store takes.
    let mimetype = storage::sniff(&bytes).ok_or_else(|| {
        SignzyError::BadRequest(
            "only image/jpeg, image/png and application/pdf files are accepted".into(),
        )
    })?;
    if let Some(d) = declared.as_deref().filter(|d| !d.trim().is_empty()) {
        if storage::extension(d).is_none() && !d.eq_ignore_ascii_case("application/octet-stream") {
            return Err(SignzyError::BadRequest(
                "only image/jpeg, image/png and application/pdf files are accepted".into(),
            ));
        }
    }
    let sz = ctx.sz.clone();
    let file = tokio::task::spawn_blocking(move || {
        let store = sz.store.as_ref().ok_or(SignzyError::Internal)?;
        let ttl = ttl_of(store, ttl.as_deref());
        store.save(&bytes, mimetype, ttl).map_err(|e| {
            tracing::error!(error = %e, "the file store failed");
            SignzyError::Internal
        })
    })
    .await
    .map_err(|_| SignzyError::Internal)??;
    tracing::info!(size = file.size, "file stored");
    Ok(Json(json!({"file": {
        "id": file.id,
        "filetype": file.mimetype,
        "size": file.size,
        "directURL": format!("{}{}", ctx.app.config.public_url(), file.path()),
        "protected": false,
    }})))
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

/// Text and file fields of a multipart body: (name, bytes, content type).
async fn multipart_fields(
    mut mp: Multipart,
) -> Result<Vec<(String, Vec<u8>, Option<String>)>, SignzyError> {
    let mut out = Vec::new();
    while let Some(field) = mp.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_string();
        let ctype = field.content_type().map(str::to_owned);
        let bytes = field.bytes().await.map_err(multipart_error)?;
        out.push((name, bytes.to_vec(), ctype));
    }
    Ok(out)
}

async fn upload_multipart(
    State(ctx): State<Ctx>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Json<Value>, SignzyError> {
    let mp = mp.map_err(|_| {
        SignzyError::BadRequest("send the file as multipart/form-data with a `file` field".into())
    })?;
    let fields = multipart_fields(mp).await?;
    let text = |n: &str| {
        fields
            .iter()
            .find(|(k, _, _)| k == n)
            .map(|(_, v, _)| String::from_utf8_lossy(v).into_owned())
    };
    let ttl = text("ttl");
    let (_, bytes, ctype) = fields
        .iter()
        .find(|(k, _, _)| k == "file")
        .cloned()
        .ok_or_else(|| SignzyError::Validation("the `file` field is required".into()))?;
    store_upload(&ctx, bytes, ctype, ttl).await
}

async fn upload_form(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    req: Request,
) -> Result<Json<Value>, SignzyError> {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let fields: Vec<(String, String)> = if ctype.starts_with("multipart/form-data") {
        let mp = Multipart::from_request(req, &())
            .await
            .map_err(|_| SignzyError::BadRequest("the multipart body cannot be read".into()))?;
        multipart_fields(mp)
            .await?
            .into_iter()
            .map(|(k, v, _)| (k, String::from_utf8_lossy(&v).into_owned()))
            .collect()
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
    };
    let get = |n: &str| {
        fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.clone())
    };
    let b64 = get("base64string")
        .ok_or_else(|| SignzyError::Validation("the `base64string` field is required".into()))?;
    let bytes = decode_base64(&b64)?;
    store_upload(&ctx, bytes, get("mimetype"), get("ttl")).await
}

async fn upload_json(
    State(ctx): State<Ctx>,
    body: Result<SzJson, SignzyError>,
) -> Result<Json<Value>, SignzyError> {
    let m = object(body?.0)?;
    let b64 = m
        .get("base64String")
        .or_else(|| m.get("base64string"))
        .and_then(Value::as_str)
        .ok_or_else(|| SignzyError::Validation("`base64String` is required".into()))?;
    let bytes = decode_base64(b64)?;
    let text = |n: &str| m.get(n).and_then(Value::as_str).map(str::to_owned);
    store_upload(&ctx, bytes, text("mimetype"), text("ttl")).await
}

async fn download(
    State(ctx): State<Ctx>,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, SignzyError> {
    let id: u64 = id.parse().map_err(|_| SignzyError::FileNotFound)?;
    let (bytes, mimetype) = load_stored(&ctx, id, name)
        .await?
        .ok_or(SignzyError::FileNotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, mimetype),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_direct_urls_are_recognised() {
        let p = "http://127.0.0.1:8080";
        assert_eq!(
            own_file(p, "http://127.0.0.1:8080/api/files/12/download/ab.jpeg"),
            Some((12, "ab.jpeg".into()))
        );
        assert_eq!(
            own_file(p, "http://127.0.0.1:8081/api/files/12/download/ab.jpeg"),
            None
        );
        assert_eq!(
            own_file(p, "http://127.0.0.1:8080/other/12/download/ab.jpeg"),
            None
        );
    }

    #[test]
    fn tokens_and_ids_have_the_documented_shapes() {
        let t = random_string(64, ALNUM);
        assert_eq!(t.len(), 64);
        assert!(t.bytes().all(|b| b.is_ascii_alphanumeric()));
        let id = object_id();
        assert_eq!(id.len(), 24);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(iso_now().ends_with('Z'));
    }
}
