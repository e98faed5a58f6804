//! Hostile input on every route, as one table: broken and wrong bodies, bombs, traversal,
//! SSRF forms, token misuse, unknown paths and methods, oversized headers. Each case
//! asserts the status and the error body's shape for its API (never a 500, never another
//! API's shape), and after each one a valid request to the same API still succeeds.

mod common;

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{header, Method, Request};
use axum::Router;
use base64::Engine;
use http_body_util::BodyExt;
use passport_vision::config::{Config, SignzyUser};
use passport_vision::startup;
use serde_json::{json, Value};
use tower::ServiceExt;

const KEY: &str = "hostile-key";
const PUBLIC: &str = "http://pv.test";

/// The error body each API answers with.
#[derive(Clone, Copy, Debug)]
enum Shape {
    /// LoopBack `{"error": {name, status, statusCode, message, code}}` with this code.
    Signzy(&'static str),
    /// Kredibel `{"errors": {errorId, errorType}, "message"}` with this errorType.
    Kredibel(&'static str),
    /// Kredibel's `{"message"}` only (401, 404, 405, 431).
    KredibelMessage,
    /// Kredibel's field validation: `{"errors": {field: [...]}, "message": "Input payload
    /// validation failed."}`.
    KredibelValidation,
    /// `/v1/read`'s `{"error": {"type", "message"}}` with this type.
    Native(&'static str),
    /// `/v1/read`'s report with `error.type` this.
    NativeReport(&'static str),
}

struct Case {
    name: String,
    req: Request<Body>,
    status: u16,
    shape: Shape,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn fixture(name: &str) -> Vec<u8> {
    static CACHE: OnceLock<std::collections::HashMap<String, Vec<u8>>> = OnceLock::new();
    let all = CACHE.get_or_init(|| {
        ["td1_card.png", "td3_passport.png", "blank_page.png"]
            .iter()
            .map(|n| {
                let p = common::repo_path(&format!("fixtures/pages/{n}"));
                (n.to_string(), std::fs::read(p).unwrap())
            })
            .collect()
    });
    all[name].clone()
}

fn json_req(method: Method, uri: &str, body: impl Into<Body>, auth: Option<&str>) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(a) = auth {
        b = b.header(header::AUTHORIZATION, a);
    }
    b.body(body.into()).unwrap()
}

fn kredibel(body: impl Into<Body>) -> Request<Body> {
    json_req(
        Method::POST,
        "/v1/ocr/id/passport",
        body,
        Some(&format!("Bearer {KEY}")),
    )
}

fn kredibel_image(bytes: &[u8], extra: Value) -> Request<Body> {
    let mut body = json!({"image": b64(bytes)});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    kredibel(body.to_string())
}

fn native(uri: &str, auth: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut b = Request::post(uri).header(header::CONTENT_TYPE, "application/octet-stream");
    if let Some(a) = auth {
        b = b.header(header::AUTHORIZATION, a);
    }
    b.body(body.into()).unwrap()
}

fn with_huge_header(mut req: Request<Body>) -> Request<Body> {
    req.headers_mut()
        .insert("x-padding", "a".repeat(40 * 1024).parse().unwrap());
    req
}

/// A PNG header claiming 100000 x 100000 pixels: a decompression bomb's.
fn png_bomb() -> Vec<u8> {
    common::png_header(100_000, 100_000)
}

fn multipart(field: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "hostileBoundary42";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"x.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// What the Signzy cases need: a token, its patron, an identity and a stored file.
struct Session {
    token: String,
    patron: String,
    item: String,
    access: String,
    file_url: String,
}

async fn send(app: &Router, req: Request<Body>) -> (u16, Value) {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn login(app: &Router) -> (String, String) {
    let body = json!({"username": "alice", "password": "alice-pw"}).to_string();
    let (status, v) = send(
        app,
        json_req(Method::POST, "/api/v2/patrons/login", body, None),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    (
        v["id"].as_str().unwrap().to_string(),
        v["userId"].as_str().unwrap().to_string(),
    )
}

async fn session(app: &Router) -> Session {
    let (token, patron) = login(app).await;
    let body = json!({"type": "passport", "images": []}).to_string();
    let path = format!("/api/v2/patrons/{patron}/identities");
    let (_, id) = send(app, json_req(Method::POST, &path, body, Some(&token))).await;
    let up = json!({"base64String": b64(&fixture("blank_page.png")), "mimetype": "image/png", "ttl": "1 hr"});
    let (_, file) = send(
        app,
        json_req(Method::POST, "/api/base64", up.to_string(), None),
    )
    .await;
    Session {
        token,
        patron,
        item: id["id"].as_str().unwrap().to_string(),
        access: id["accessToken"].as_str().unwrap().to_string(),
        file_url: file["file"]["directURL"].as_str().unwrap().to_string(),
    }
}

fn kredibel_cases() -> Vec<Case> {
    let k = |name: &str, req: Request<Body>, status: u16, shape: Shape| Case {
        name: format!("kredibel: {name}"),
        req,
        status,
        shape,
    };
    let p = "/v1/ocr/id/passport";
    let body = || json!({"image": b64(&fixture("td1_card.png"))}).to_string();
    let mut truncated_png = fixture("td1_card.png");
    truncated_png.truncate(300);
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    vec![
        k(
            "no key",
            json_req(Method::POST, p, body(), None),
            401,
            Shape::KredibelMessage,
        ),
        k(
            "a wrong key",
            json_req(Method::POST, p, body(), Some("Bearer nope")),
            401,
            Shape::KredibelMessage,
        ),
        k(
            "a wrong key in the query",
            json_req(Method::POST, &format!("{p}?key=nope"), body(), None),
            401,
            Shape::KredibelMessage,
        ),
        k(
            "basic auth",
            json_req(Method::POST, p, body(), Some("Basic YTpi")),
            401,
            Shape::KredibelMessage,
        ),
        k(
            "a wrong key in the body",
            json_req(
                Method::POST,
                p,
                json!({"image": "AAAA", "key": "nope"}).to_string(),
                None,
            ),
            401,
            Shape::KredibelMessage,
        ),
        k(
            "malformed JSON",
            kredibel("{\"image\": "),
            400,
            Shape::KredibelValidation,
        ),
        k(
            "an empty body",
            kredibel(""),
            400,
            Shape::KredibelValidation,
        ),
        k(
            "a JSON array",
            kredibel("[1, 2]"),
            400,
            Shape::KredibelValidation,
        ),
        k(
            "JSON nested 5000 deep",
            kredibel(deep),
            400,
            Shape::KredibelValidation,
        ),
        k(
            "image as a number",
            kredibel(json!({"image": 12}).to_string()),
            400,
            Shape::KredibelValidation,
        ),
        k(
            "image null",
            kredibel(json!({"image": null}).to_string()),
            400,
            Shape::KredibelValidation,
        ),
        k("no image", kredibel("{}"), 400, Shape::KredibelValidation),
        k(
            "cardDetect not a boolean",
            kredibel(json!({"image": "AAAA", "cardDetect": "maybe"}).to_string()),
            400,
            Shape::KredibelValidation,
        ),
        k(
            "flipImage a list",
            kredibel(json!({"image": "AAAA", "flipImage": [true]}).to_string()),
            400,
            Shape::KredibelValidation,
        ),
        k(
            "broken base64",
            kredibel(json!({"image": "***"}).to_string()),
            400,
            Shape::Kredibel("invalid_base64_encoding"),
        ),
        k(
            "base64 of text",
            kredibel_image(b"hello, world", json!({})),
            400,
            Shape::Kredibel("invalid_image"),
        ),
        k(
            "a truncated PNG",
            kredibel_image(&truncated_png, json!({})),
            400,
            Shape::Kredibel("invalid_image"),
        ),
        k(
            "a truncated JPEG",
            kredibel_image(&[0xff, 0xd8, 0xff, 0xe0, 0, 16, b'J', b'F'], json!({})),
            400,
            Shape::Kredibel("invalid_image"),
        ),
        k(
            "a GIF",
            kredibel_image(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", json!({})),
            400,
            Shape::Kredibel("invalid_image"),
        ),
        k(
            "a PDF",
            kredibel_image(b"%PDF-1.7\n1 0 obj<<>>endobj", json!({})),
            400,
            Shape::Kredibel("invalid_image"),
        ),
        k(
            "a PNG bomb header",
            kredibel_image(&png_bomb(), json!({})),
            413,
            Shape::Kredibel("image_too_large"),
        ),
        k(
            "a body of 30 MB",
            kredibel(vec![b' '; 30 << 20]),
            413,
            Shape::Kredibel("image_too_large"),
        ),
        k(
            "a blank page",
            kredibel_image(&fixture("blank_page.png"), json!({})),
            422,
            Shape::Kredibel("text_not_found"),
        ),
        k(
            "a blank page without card detection passing",
            kredibel_image(&fixture("blank_page.png"), json!({"passCardDetect": false})),
            422,
            Shape::Kredibel("card_not_found"),
        ),
        k(
            "GET",
            json_req(Method::GET, p, "", Some(&format!("Bearer {KEY}"))),
            405,
            Shape::KredibelMessage,
        ),
        k(
            "PUT",
            json_req(Method::PUT, p, body(), Some(&format!("Bearer {KEY}"))),
            405,
            Shape::KredibelMessage,
        ),
        k(
            "an unknown path",
            json_req(
                Method::POST,
                "/v1/ocr/id/ktp",
                body(),
                Some(&format!("Bearer {KEY}")),
            ),
            404,
            Shape::KredibelMessage,
        ),
        k(
            "40 kB of headers",
            with_huge_header(kredibel(body())),
            431,
            Shape::KredibelMessage,
        ),
    ]
}

fn signzy_cases(s: &Session) -> Vec<Case> {
    let z = |name: &str, req: Request<Body>, status: u16, code: &'static str| Case {
        name: format!("signzy: {name}"),
        req,
        status,
        shape: Shape::Signzy(code),
    };
    let post = |uri: &str, body: Value, auth: Option<&str>| {
        json_req(Method::POST, uri, body.to_string(), auth)
    };
    let ids = format!("/api/v2/patrons/{}/identities", s.patron);
    let tok = Some(s.token.as_str());
    let snoop = |url: &str| {
        post(
            "/api/v2/snoops",
            json!({"service": "Identity", "itemId": s.item, "accessToken": s.access,
                "task": "faceExtraction", "essentials": {"url": url}}),
            None,
        )
    };
    let snoop_with = |change: Value| {
        let mut v = json!({"service": "Identity", "itemId": s.item, "accessToken": s.access,
            "task": "faceExtraction", "essentials": {"url": "https://example.com/x.jpg"}});
        v.as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        post("/api/v2/snoops", v, None)
    };
    let path_of = |url: &str| url.strip_prefix(PUBLIC).unwrap().to_string();
    let (mp_type, mp_body) = multipart("other", b"abc");
    let upload_mp = Request::post("/api/files/upload")
        .header(header::CONTENT_TYPE, mp_type)
        .body(Body::from(mp_body))
        .unwrap();
    let long_url = format!("https://example.com/{}", "a".repeat(3000));
    vec![
        z(
            "a wrong password",
            post(
                "/api/v2/patrons/login",
                json!({"username": "alice", "password": "x"}),
                None,
            ),
            401,
            "LOGIN_FAILED",
        ),
        z(
            "an unknown user",
            post(
                "/api/v2/patrons/login",
                json!({"username": "mallory", "password": "x"}),
                None,
            ),
            401,
            "LOGIN_FAILED",
        ),
        z(
            "malformed JSON at login",
            json_req(Method::POST, "/api/v2/patrons/login", "{\"username\"", None),
            400,
            "INVALID_JSON",
        ),
        z(
            "an empty login body",
            json_req(Method::POST, "/api/v2/patrons/login", "", None),
            400,
            "INVALID_JSON",
        ),
        z(
            "a username that is a number",
            post(
                "/api/v2/patrons/login",
                json!({"username": 7, "password": "x"}),
                None,
            ),
            422,
            "VALIDATION_ERROR",
        ),
        z(
            "a 500-byte username",
            post(
                "/api/v2/patrons/login",
                json!({"username": "u".repeat(500), "password": "x"}),
                None,
            ),
            401,
            "LOGIN_FAILED",
        ),
        z(
            "an identity without a token",
            post(&ids, json!({"type": "passport"}), None),
            401,
            "AUTHORIZATION_REQUIRED",
        ),
        z(
            "a token that is a path",
            post(&ids, json!({"type": "passport"}), Some("../../sessions/x")),
            401,
            "AUTHORIZATION_REQUIRED",
        ),
        z(
            "an unknown token",
            post(&ids, json!({"type": "passport"}), Some(&"A".repeat(64))),
            401,
            "AUTHORIZATION_REQUIRED",
        ),
        z(
            "another patron's path",
            post(
                "/api/v2/patrons/0123456789abcdef01234567/identities",
                json!({"type": "passport"}),
                tok,
            ),
            401,
            "AUTHORIZATION_REQUIRED",
        ),
        z(
            "an unknown identity type",
            post(&ids, json!({"type": "library-card"}), tok),
            400,
            "INVALID_PARAM",
        ),
        z(
            "images that are not a list",
            post(&ids, json!({"type": "passport", "images": "x"}), tok),
            422,
            "VALIDATION_ERROR",
        ),
        z(
            "17 images",
            post(
                &ids,
                json!({"type": "passport", "images": vec!["https://example.com/a.jpg"; 17]}),
                tok,
            ),
            422,
            "VALIDATION_ERROR",
        ),
        z(
            "a 3000-character image URL",
            post(&ids, json!({"type": "passport", "images": [long_url]}), tok),
            422,
            "VALIDATION_ERROR",
        ),
        z(
            "an email that is a number",
            post(&ids, json!({"type": "passport", "email": 5}), tok),
            422,
            "VALIDATION_ERROR",
        ),
        z(
            "an identity body that is a list",
            json_req(Method::POST, &ids, "[]", tok),
            422,
            "VALIDATION_ERROR",
        ),
        z(
            "malformed JSON in a snoop",
            json_req(Method::POST, "/api/v2/snoops", "{not json", None),
            400,
            "INVALID_JSON",
        ),
        z(
            "a snoop without itemId",
            snoop_with(json!({"itemId": null})),
            422,
            "VALIDATION_ERROR",
        ),
        z(
            "an unknown itemId",
            snoop_with(json!({"itemId": "0123456789abcdef01234567"})),
            404,
            "MODEL_NOT_FOUND",
        ),
        z(
            "an itemId that is a path",
            snoop_with(json!({"itemId": "../../patrons/x"})),
            404,
            "MODEL_NOT_FOUND",
        ),
        z(
            "another identity's accessToken",
            snoop_with(json!({"accessToken": "x".repeat(33)})),
            401,
            "AUTHORIZATION_REQUIRED",
        ),
        z(
            "another service",
            snoop_with(json!({"service": "Bank"})),
            422,
            "VALIDATION_ERROR",
        ),
        z(
            "an unknown task",
            snoop_with(json!({"task": "mindReading"})),
            422,
            "UNSUPPORTED_TASK",
        ),
        z(
            "faceExtraction without url",
            snoop_with(json!({"essentials": {}})),
            422,
            "VALIDATION_ERROR",
        ),
        z(
            "essentials that are a string",
            snoop_with(json!({"essentials": "x"})),
            422,
            "VALIDATION_ERROR",
        ),
        z(
            "a file:// URL",
            snoop("file:///etc/passwd"),
            400,
            "INVALID_PARAM",
        ),
        z(
            "a loopback URL",
            snoop("http://127.0.0.1:1/x.jpg"),
            400,
            "INVALID_PARAM",
        ),
        z(
            "a cloud metadata URL",
            snoop("http://169.254.169.254/latest/meta-data/"),
            400,
            "INVALID_PARAM",
        ),
        z(
            "an IPv4-mapped loopback URL",
            snoop("http://[::ffff:127.0.0.1]/x.jpg"),
            400,
            "INVALID_PARAM",
        ),
        z(
            "a 6to4 loopback URL",
            snoop("http://[2002:7f00:1::1]/x.jpg"),
            400,
            "INVALID_PARAM",
        ),
        z(
            "a decimal loopback URL",
            snoop("http://2130706433/x.jpg"),
            400,
            "INVALID_PARAM",
        ),
        z(
            "a host that does not resolve",
            snoop("http://passport-vision.invalid/x.jpg"),
            400,
            "INVALID_PARAM",
        ),
        z(
            "an own file URL with the wrong id",
            snoop(&s.file_url.replace("/api/files/", "/api/files/9")),
            400,
            "INVALID_PARAM",
        ),
        z(
            "a page without a face",
            snoop(&s.file_url),
            422,
            "NO_FACE_FOUND",
        ),
        z(
            "broken base64 upload",
            post(
                "/api/base64",
                json!({"base64String": "***", "mimetype": "image/png"}),
                None,
            ),
            400,
            "INVALID_PARAM",
        ),
        z(
            "a GIF upload",
            post(
                "/api/base64",
                json!({"base64String": b64(b"GIF89a...."), "mimetype": "image/gif"}),
                None,
            ),
            400,
            "INVALID_PARAM",
        ),
        z(
            "an empty upload",
            post("/api/base64", json!({"base64String": ""}), None),
            400,
            "INVALID_PARAM",
        ),
        z(
            "an upload without base64String",
            post("/api/base64", json!({"mimetype": "image/png"}), None),
            422,
            "VALIDATION_ERROR",
        ),
        z(
            "a multipart upload without file",
            upload_mp,
            422,
            "VALIDATION_ERROR",
        ),
        z(
            "a file upload that is not multipart",
            json_req(Method::POST, "/api/files/upload", "{}", None),
            400,
            "INVALID_PARAM",
        ),
        z(
            "a form upload without base64string",
            Request::post("/api/base64strings/upload")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("mimetype=image%2Fpng"))
                .unwrap(),
            422,
            "VALIDATION_ERROR",
        ),
        z(
            "an upload of 30 MB",
            json_req(Method::POST, "/api/base64", vec![b' '; 30 << 20], None),
            413,
            "PAYLOAD_TOO_LARGE",
        ),
        z(
            "an unknown file id",
            Request::get(path_of(&s.file_url).replace("/api/files/", "/api/files/1"))
                .body(Body::empty())
                .unwrap(),
            404,
            "FILE_NOT_FOUND",
        ),
        z(
            "a file name that is a path",
            Request::get("/api/files/1/download/..%2F..%2Fetc%2Fpasswd")
                .body(Body::empty())
                .unwrap(),
            404,
            "FILE_NOT_FOUND",
        ),
        z(
            "a file id that is not a number",
            Request::get("/api/files/abc/download/x.png")
                .body(Body::empty())
                .unwrap(),
            404,
            "FILE_NOT_FOUND",
        ),
        z(
            "GET on snoops",
            Request::get("/api/v2/snoops").body(Body::empty()).unwrap(),
            405,
            "METHOD_NOT_ALLOWED",
        ),
        z(
            "DELETE on login",
            Request::delete("/api/v2/patrons/login")
                .body(Body::empty())
                .unwrap(),
            405,
            "METHOD_NOT_ALLOWED",
        ),
        z(
            "POST on a download",
            Request::post(path_of(&s.file_url))
                .body(Body::empty())
                .unwrap(),
            405,
            "METHOD_NOT_ALLOWED",
        ),
        z(
            "an unknown path",
            Request::get("/api/v3/everything")
                .body(Body::empty())
                .unwrap(),
            404,
            "ROUTE_NOT_FOUND",
        ),
        z(
            "40 kB of headers",
            with_huge_header(post("/api/v2/patrons/login", json!({}), None)),
            431,
            "HEADERS_TOO_LARGE",
        ),
        z(
            "a logout without token",
            Request::post("/api/v2/patrons/logout")
                .body(Body::empty())
                .unwrap(),
            401,
            "AUTHORIZATION_REQUIRED",
        ),
    ]
}

fn native_cases() -> Vec<Case> {
    let n = |name: &str, req: Request<Body>, status: u16, shape: Shape| Case {
        name: format!("native: {name}"),
        req,
        status,
        shape,
    };
    let key = format!("Bearer {KEY}");
    let (mp_type, mp_body) = multipart("other", b"abc");
    vec![
        n(
            "no key",
            native("/v1/read", None, fixture("td1_card.png")),
            401,
            Shape::Native("unauthorized"),
        ),
        n(
            "no key and 25 MB",
            native("/v1/read", None, vec![0u8; 25 << 20]),
            401,
            Shape::Native("unauthorized"),
        ),
        n(
            "a wrong key",
            native("/v1/read?key=nope", None, fixture("td1_card.png")),
            401,
            Shape::Native("unauthorized"),
        ),
        n(
            "a bad flag",
            native("/v1/read?flip=maybe", Some(&key), fixture("td1_card.png")),
            400,
            Shape::Native("bad_request"),
        ),
        n(
            "text",
            native("/v1/read", Some(&key), "hello"),
            400,
            Shape::NativeReport("unsupported_image"),
        ),
        n(
            "a PNG bomb header",
            native("/v1/read", Some(&key), png_bomb()),
            413,
            Shape::NativeReport("image_too_large"),
        ),
        n(
            "a body of 25 MB",
            native("/v1/read", Some(&key), vec![0u8; 25 << 20]),
            413,
            Shape::Native("payload_too_large"),
        ),
        n(
            "multipart without file",
            Request::post("/v1/read")
                .header(header::AUTHORIZATION, &key)
                .header(header::CONTENT_TYPE, mp_type)
                .body(Body::from(mp_body))
                .unwrap(),
            400,
            Shape::Native("bad_request"),
        ),
        n(
            "GET",
            Request::get("/v1/read").body(Body::empty()).unwrap(),
            405,
            Shape::Native("method_not_allowed"),
        ),
        n(
            "an unknown path",
            Request::post("/v1/nothing").body(Body::empty()).unwrap(),
            404,
            Shape::Native("not_found"),
        ),
        n(
            "40 kB of headers",
            with_huge_header(native("/v1/read", Some(&key), "x")),
            431,
            Shape::Native("headers_too_large"),
        ),
    ]
}

fn check_shape(name: &str, shape: Shape, status: u16, v: &Value) {
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        k.sort();
        k
    };
    match shape {
        Shape::Signzy(code) => {
            let e = &v["error"];
            assert_eq!(keys(v), ["error"], "{name}: {v}");
            assert_eq!(
                keys(e),
                ["code", "message", "name", "status", "statusCode"],
                "{name}: {v}"
            );
            assert_eq!(e["statusCode"], status, "{name}: {v}");
            assert_eq!(e["code"], code, "{name}: {v}");
        }
        Shape::Kredibel(error_type) => {
            assert_eq!(keys(v), ["errors", "message"], "{name}: {v}");
            assert_eq!(v["errors"]["errorType"], error_type, "{name}: {v}");
            assert!(
                uuid::Uuid::parse_str(v["errors"]["errorId"].as_str().unwrap_or("")).is_ok(),
                "{name}: {v}"
            );
        }
        Shape::KredibelMessage => {
            assert_eq!(keys(v), ["message"], "{name}: {v}");
        }
        Shape::KredibelValidation => {
            assert_eq!(keys(v), ["errors", "message"], "{name}: {v}");
            assert_eq!(
                v["message"], "Input payload validation failed.",
                "{name}: {v}"
            );
        }
        Shape::Native(kind) => {
            assert_eq!(keys(v), ["error"], "{name}: {v}");
            assert_eq!(v["error"]["type"], kind, "{name}: {v}");
        }
        Shape::NativeReport(kind) => {
            assert!(
                v["mrz"].is_null() && v.get("document").is_some(),
                "{name}: {v}"
            );
            assert_eq!(v["error"]["type"], kind, "{name}: {v}");
        }
    }
    if let Some(m) = v.pointer("/error/message").or(v.get("message")) {
        assert!(
            m.as_str().is_some_and(|m| !m.is_empty()),
            "{name}: an empty message: {v}"
        );
    }
}

/// A valid request to the API of `shape` succeeds.
async fn still_works(app: &Router, shape: Shape, name: &str) {
    let (status, v) = match shape {
        Shape::Signzy(_) => {
            let body = json!({"username": "alice", "password": "alice-pw"}).to_string();
            send(
                app,
                json_req(Method::POST, "/api/v2/patrons/login", body, None),
            )
            .await
        }
        Shape::Kredibel(_) | Shape::KredibelMessage | Shape::KredibelValidation => {
            send(app, kredibel_image(&fixture("td3_passport.png"), json!({}))).await
        }
        Shape::Native(_) | Shape::NativeReport(_) => {
            let key = format!("Bearer {KEY}");
            send(app, native("/v1/read", Some(&key), fixture("td1_card.png"))).await
        }
    };
    assert_eq!(status, 200, "after {name}, a valid request fails: {v}");
}

async fn app() -> Router {
    let mut c = Config::default();
    c.server.public_url = PUBLIC.into();
    c.storage.url = common::temp_storage_url("hostile");
    c.kredibel.api_keys = vec![KEY.into()];
    c.signzy.users = vec![SignzyUser {
        username: "alice".into(),
        password: "alice-pw".into(),
    }];
    startup::build_app(c, common::models()).await.unwrap()
}

#[tokio::test]
async fn every_hostile_request_gets_its_api_error_shape_and_the_service_goes_on() {
    let app = app().await;
    let s = session(&app).await;
    let mut cases = kredibel_cases();
    cases.extend(signzy_cases(&s));
    cases.extend(native_cases());
    assert!(cases.len() >= 80, "{} cases", cases.len());
    for case in cases {
        let (status, v) = send(&app, case.req).await;
        assert_eq!(status, case.status, "{}: {v}", case.name);
        check_shape(&case.name, case.shape, status, &v);
        still_works(&app, case.shape, &case.name).await;
    }
}
