//! Signzy's flow as `main` builds the service (`startup::build_app`), driven with `oneshot`:
//! login, identity, the three upload routes, `faceExtraction` on a stored file, on a URL
//! served by a local test server and on a PDF (the same crop each time), the crop
//! downloaded, decoded and checked for a face; `autoRecognition`; and the errors: bad
//! logins and tokens, unknown items, wrong access tokens and types, malformed JSON, pages
//! without a face, SSRF attempts refused before any connection, expired files.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use base64::Engine;
use http_body_util::BodyExt;
use passport_vision::config::{Config, SignzyUser};
use passport_vision::startup;
use passport_vision::vision::face::FaceDetector;
use serde_json::{json, Value};
use tower::ServiceExt;

const PUBLIC: &str = "http://pv.test";

fn detector() -> &'static FaceDetector {
    static DET: OnceLock<FaceDetector> = OnceLock::new();
    DET.get_or_init(|| FaceDetector::load_embedded().unwrap())
}

fn config(allow: &[&str]) -> Config {
    let mut c = Config::default();
    c.server.public_url = PUBLIC.into();
    c.storage.url = common::temp_storage_url("signzy");
    c.server.fetch_allow = allow.iter().map(|s| s.to_string()).collect();
    c.signzy.users = vec![
        SignzyUser {
            username: "alice".into(),
            password: "alice-pw".into(),
        },
        SignzyUser {
            username: "bob".into(),
            password: "bob-pw".into(),
        },
    ];
    c
}

async fn app(allow: &[&str]) -> Router {
    startup::build_app(config(allow), common::models())
        .await
        .unwrap()
}

struct Answer {
    status: StatusCode,
    content_type: String,
    bytes: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }
}

async fn send(app: &Router, req: Request<Body>) -> Answer {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Answer {
        status,
        content_type,
        bytes,
    }
}

fn post_json(path: &str, body: &Value, token: Option<&str>) -> Request<Body> {
    let mut b = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, t);
    }
    b.body(Body::from(body.to_string())).unwrap()
}

fn portrait_jpeg() -> Vec<u8> {
    static JPEG: OnceLock<Vec<u8>> = OnceLock::new();
    JPEG.get_or_init(|| {
        let page = image::open(common::repo_path(
            "fixtures/pages/td3_passport_portrait.png",
        ))
        .unwrap()
        .to_rgb8();
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92)
            .encode_image(&page)
            .unwrap();
        out
    })
    .clone()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(common::repo_path(&format!("fixtures/pages/{name}"))).unwrap()
}

/// A one-page PDF whose content draws `jpeg` as an image XObject (DCTDecode).
fn pdf_with_jpeg(jpeg: &[u8]) -> Vec<u8> {
    let mut doc = pdf_doc(jpeg);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn pdf_doc(jpeg: &[u8]) -> lopdf::Document {
    use lopdf::content::{Content, Operation};
    use lopdf::{dictionary, Document, Object, Stream};
    let (w, h) = image::load_from_memory(jpeg)
        .unwrap()
        .to_rgb8()
        .dimensions();
    let (w, h) = (w as i64, h as i64);
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let img = Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => w, "Height" => h,
            "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8, "Filter" => "DCTDecode",
        },
        jpeg.to_vec(),
    );
    let img_id = doc.add_object(img);
    let content = Content {
        operations: vec![
            Operation::new("q", vec![]),
            Operation::new(
                "cm",
                vec![w.into(), 0.into(), 0.into(), h.into(), 0.into(), 0.into()],
            ),
            Operation::new("Do", vec!["Im0".into()]),
            Operation::new("Q", vec![]),
        ],
    };
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => img_id } },
        "MediaBox" => vec![0.into(), 0.into(), w.into(), h.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 },
        ),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    doc.trailer.set(
        "ID",
        vec![
            Object::string_literal(b"0123456789abcdef".to_vec()),
            Object::string_literal(b"0123456789abcdef".to_vec()),
        ],
    );
    doc
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn multipart(file: &[u8], filename: &str, mime: &str, ttl: Option<&str>) -> (String, Vec<u8>) {
    let boundary = "pvboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    if let Some(ttl) = ttl {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"ttl\"\r\n\r\n{ttl}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {mime}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn login(app: &Router, user: &str, pw: &str) -> Answer {
    send(
        app,
        post_json(
            "/api/v2/patrons/login",
            &json!({"username": user, "password": pw}),
            None,
        ),
    )
    .await
}

/// Logs in as alice and creates a passport identity; (token, patronId, itemId, accessToken).
async fn identity(app: &Router, images: Value) -> (String, String, String, String) {
    let l = login(app, "alice", "alice-pw").await.json();
    let token = l["id"].as_str().unwrap().to_string();
    let patron = l["userId"].as_str().unwrap().to_string();
    let body = json!({"type": "passport", "email": "a@example.com", "callbackUrl": "https://example.com/cb", "images": images});
    let a = send(
        app,
        post_json(
            &format!("/api/v2/patrons/{patron}/identities"),
            &body,
            Some(&token),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.json());
    let id = a.json();
    (
        token,
        patron,
        id["id"].as_str().unwrap().to_string(),
        id["accessToken"].as_str().unwrap().to_string(),
    )
}

async fn upload_json(app: &Router, bytes: &[u8], mime: &str, ttl: Option<&str>) -> Value {
    let mut body = json!({"base64String": b64(bytes), "mimetype": mime});
    if let Some(t) = ttl {
        body["ttl"] = json!(t);
    }
    let a = send(app, post_json("/api/base64", &body, None)).await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.json());
    a.json()
}

fn face_snoop(item: &str, access: &str, url: &str) -> Value {
    json!({"service": "Identity", "itemId": item, "accessToken": access, "task": "faceExtraction", "essentials": {"url": url}})
}

/// GETs a URL of this service through the router (its path).
async fn download(app: &Router, url: &str) -> Answer {
    let path = url.strip_prefix(PUBLIC).expect("a URL of this service");
    send(app, Request::get(path).body(Body::empty()).unwrap()).await
}

/// Runs faceExtraction on `url` and answers the crop's bytes, checking the envelope.
async fn extract(app: &Router, item: &str, access: &str, url: &str) -> Vec<u8> {
    let a = send(
        app,
        post_json("/api/v2/snoops", &face_snoop(item, access, url), None),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.json());
    let v = a.json();
    assert_eq!(v["service"], "Identity");
    assert_eq!(v["itemId"], item);
    assert_eq!(v["task"], "faceExtraction");
    assert_eq!(v["accessToken"], access);
    assert_eq!(v["essentials"]["url"], url);
    assert_eq!(v["id"].as_str().unwrap().len(), 24);
    assert_eq!(v["response"]["url"], url);
    assert!(v["response"]["id"].is_u64());
    let cropped = v["response"]["result"]["cropped"].as_str().unwrap();
    assert!(
        cropped.starts_with(&format!("{PUBLIC}/api/files/")),
        "{cropped}"
    );
    let d = download(app, cropped).await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.content_type, "image/jpeg");
    d.bytes
}

fn assert_holds_a_face(jpeg: &[u8]) {
    let crop = image::load_from_memory(jpeg).unwrap().to_rgb8();
    let aspect = crop.width() as f32 / crop.height() as f32;
    assert!((aspect - 35.0 / 45.0).abs() < 0.03, "aspect {aspect}");
    let faces = detector().detect(&crop).unwrap();
    assert!(!faces.is_empty(), "no face in the crop");
    // The face fills a passport photo's share of the crop.
    let f = faces[0];
    assert!(
        f.w > 0.3 * crop.width() as f32 && f.w < 0.9 * crop.width() as f32,
        "{f:?} in {}x{}",
        crop.width(),
        crop.height()
    );
}

/// A test HTTP server on 127.0.0.1: `/page.jpg`, `/doc.pdf`, `/redirect` (to
/// `/page.jpg` on 127.0.0.1 by address) and `/big`, counting the requests it gets.
struct TestServer {
    port: u16,
    hits: Arc<AtomicUsize>,
}

async fn test_server() -> TestServer {
    use axum::routing::get;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let jpeg = portrait_jpeg();
    let pdf = pdf_with_jpeg(&jpeg);
    let counter = hits.clone();
    let router = Router::new()
        .route(
            "/page.jpg",
            get(move || async move { ([(header::CONTENT_TYPE, "image/jpeg")], jpeg) }),
        )
        .route(
            "/doc.pdf",
            get(move || async move { ([(header::CONTENT_TYPE, "application/octet-stream")], pdf) }),
        )
        .route(
            "/redirect",
            get(move || async move {
                (
                    StatusCode::FOUND,
                    [(
                        header::LOCATION,
                        format!("http://127.0.0.1:{port}/page.jpg"),
                    )],
                )
            }),
        )
        .route("/big", get(|| async { vec![0xffu8; 3 * 1024 * 1024] }))
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    next.run(req).await
                }
            },
        ));
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    TestServer { port, hits }
}

#[tokio::test]
async fn the_whole_flow_crops_the_portrait_from_an_upload_a_url_and_a_pdf_alike() {
    let server = test_server().await;
    let app = app(&["localhost"]).await;
    let (_, _, item, access) = identity(&app, json!([])).await;
    let jpeg = portrait_jpeg();

    // Upload by JSON base64, then extract from the directURL (read from the store).
    let up = upload_json(&app, &jpeg, "image/jpeg", Some("10 mins")).await;
    assert_eq!(up["file"]["filetype"], "image/jpeg");
    assert_eq!(up["file"]["size"], jpeg.len());
    assert_eq!(up["file"]["protected"], false);
    let direct = up["file"]["directURL"].as_str().unwrap();
    let name = direct.rsplit('/').next().unwrap();
    assert!(name.len() >= 64 + 5, "{name}");
    let stored = download(&app, direct).await;
    assert_eq!(
        (stored.status, stored.content_type.as_str()),
        (StatusCode::OK, "image/jpeg")
    );
    assert_eq!(stored.bytes, jpeg);
    let from_store = extract(&app, &item, &access, direct).await;
    assert_holds_a_face(&from_store);

    // The same image by URL from a local server (allowed by name), and inside a PDF.
    let url = format!("http://localhost:{}/page.jpg", server.port);
    assert_eq!(extract(&app, &item, &access, &url).await, from_store);
    let pdf_url = format!("http://localhost:{}/doc.pdf", server.port);
    assert_eq!(extract(&app, &item, &access, &pdf_url).await, from_store);

    // The PDF uploaded through multipart, and the JPEG through the form route.
    let (ctype, body) = multipart(
        &pdf_with_jpeg(&jpeg),
        "scan.pdf",
        "application/pdf",
        Some("2 mins"),
    );
    let a = send(
        &app,
        Request::post("/api/files/upload")
            .header(header::CONTENT_TYPE, ctype)
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.json());
    assert_eq!(a.json()["file"]["filetype"], "application/pdf");
    let pdf_direct = a.json()["file"]["directURL"].as_str().unwrap().to_string();
    assert_eq!(extract(&app, &item, &access, &pdf_direct).await, from_store);

    let form = format!(
        "base64string={}&mimetype=image%2Fjpeg&ttl=2%20mins",
        b64(&jpeg)
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    );
    let a = send(
        &app,
        Request::post("/api/base64strings/upload")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.json());
    let form_direct = a.json()["file"]["directURL"].as_str().unwrap().to_string();
    assert_eq!(
        extract(&app, &item, &access, &form_direct).await,
        from_store
    );
}

#[tokio::test]
async fn login_logout_and_identities_follow_loopback() {
    let app = app(&[]).await;
    let bad = login(&app, "alice", "wrong").await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad.json()["error"]["code"], "LOGIN_FAILED");
    assert_eq!(bad.json()["error"]["statusCode"], 401);

    let l = login(&app, "alice", "alice-pw").await;
    assert_eq!(l.status, StatusCode::OK);
    let l = l.json();
    let token = l["id"].as_str().unwrap();
    assert_eq!(token.len(), 64);
    assert_eq!(l["ttl"], 1_209_600);
    assert!(l["created"].as_str().unwrap().ends_with('Z'));
    let patron = l["userId"].as_str().unwrap();
    assert_eq!(patron.len(), 24);

    let body = json!({"type": "passport", "email": "a@example.com", "callbackUrl": "https://example.com/cb", "images": ["https://example.com/a.jpg"]});
    let path = format!("/api/v2/patrons/{patron}/identities");
    let a = send(&app, post_json(&path, &body, Some(token))).await;
    assert_eq!(a.status, StatusCode::OK);
    let v = a.json();
    for key in ["type", "email", "callbackUrl", "images"] {
        assert_eq!(v[key], body[key], "{key}");
    }
    assert_eq!(v["autoRecognition"], json!([]));
    assert_eq!(v["verification"], json!([]));
    assert_eq!(v["forgeryCheck"], json!([]));
    assert_eq!(v["patronId"], patron);
    assert_eq!(v["id"].as_str().unwrap().len(), 24);
    assert!(!v["accessToken"].as_str().unwrap().is_empty());

    // The token as ?access_token= works too.
    let q = send(
        &app,
        post_json(&format!("{path}?access_token={token}"), &body, None),
    )
    .await;
    assert_eq!(q.status, StatusCode::OK);

    // Unknown type, no token, another patron's token.
    let wrong = send(
        &app,
        post_json(&path, &json!({"type": "library-card"}), Some(token)),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong.json()["error"]["message"], "wrong element in type");
    assert_eq!(
        send(&app, post_json(&path, &body, None)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let bob = login(&app, "bob", "bob-pw").await.json();
    let other = send(&app, post_json(&path, &body, bob["id"].as_str())).await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED);
    assert_eq!(other.json()["error"]["code"], "AUTHORIZATION_REQUIRED");

    // Malformed JSON.
    let req = Request::post("/api/v2/patrons/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"username\": \"alice\" \"password\"}"))
        .unwrap();
    let syntax = send(&app, req).await;
    assert_eq!(syntax.status, StatusCode::BAD_REQUEST);
    assert_eq!(syntax.json()["error"]["name"], "SyntaxError");

    // Logout: 204, then the token no longer works.
    let out = send(
        &app,
        Request::post(format!("/api/v2/patrons/logout?access_token={token}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(
        send(&app, post_json(&path, &body, Some(token)))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn snoops_refuse_unknown_items_wrong_tokens_and_other_tasks() {
    let app = app(&[]).await;
    let (_, _, item, access) = identity(&app, json!([])).await;
    let (_, _, _, other_access) = identity(&app, json!([])).await;
    let url = "https://example.com/x.jpg";

    let unknown = send(
        &app,
        post_json(
            "/api/v2/snoops",
            &face_snoop("0123456789abcdef01234567", &access, url),
            None,
        ),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.json()["error"]["code"], "MODEL_NOT_FOUND");

    let wrong = send(
        &app,
        post_json(
            "/api/v2/snoops",
            &face_snoop(&item, &other_access, url),
            None,
        ),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);

    let mut task = face_snoop(&item, &access, url);
    task["task"] = json!("verification");
    let t = send(&app, post_json("/api/v2/snoops", &task, None)).await;
    assert_eq!(t.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(t.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("verification"));

    let mut no_url = face_snoop(&item, &access, url);
    no_url["essentials"] = json!({});
    assert_eq!(
        send(&app, post_json("/api/v2/snoops", &no_url, None))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let req = Request::post("/api/v2/snoops")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let s = send(&app, req).await;
    assert_eq!(s.status, StatusCode::BAD_REQUEST);
    assert_eq!(s.json()["error"]["name"], "SyntaxError");
}

#[tokio::test]
async fn a_page_without_a_face_answers_422() {
    let app = app(&[]).await;
    let (_, _, item, access) = identity(&app, json!([])).await;
    for page in ["td3_passport.png", "blank_page.png"] {
        let up = upload_json(&app, &fixture(page), "image/png", None).await;
        let url = up["file"]["directURL"].as_str().unwrap();
        let a = send(
            &app,
            post_json("/api/v2/snoops", &face_snoop(&item, &access, url), None),
        )
        .await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{page}: {:?}",
            a.json()
        );
        assert_eq!(a.json()["error"]["code"], "NO_FACE_FOUND");
        let message = a.json()["error"]["message"].as_str().unwrap().to_string();
        let expected = if page == "blank_page.png" {
            "no passport page"
        } else {
            "no face"
        };
        assert!(message.starts_with(expected), "{page}: {message}");
    }
}

#[tokio::test]
async fn ssrf_attempts_are_refused_without_a_connection() {
    let server = test_server().await;
    let app = app(&["localhost"]).await;
    let (_, _, item, access) = identity(&app, json!([])).await;
    let port = server.port;
    for url in [
        format!("http://127.0.0.1:{port}/page.jpg"),
        "http://10.0.0.1/page.jpg".to_string(),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        format!("http://[::1]:{port}/page.jpg"),
        "file:///etc/passwd".to_string(),
        format!("http://localhost:{port}/redirect"),
    ] {
        let before = server.hits.load(Ordering::SeqCst);
        let a = send(
            &app,
            post_json("/api/v2/snoops", &face_snoop(&item, &access, &url), None),
        )
        .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{url}: {:?}", a.json());
        let after = server.hits.load(Ordering::SeqCst);
        // The redirect itself is fetched (allowed by name); its loopback target is not.
        let expected = if url.ends_with("/redirect") { 1 } else { 0 };
        assert_eq!(after - before, expected, "{url} reached the server");
    }
    // Too large: stops reading past 2 MB.
    let a = send(
        &app,
        post_json(
            "/api/v2/snoops",
            &face_snoop(&item, &access, &format!("http://localhost:{port}/big")),
            None,
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn uploads_refuse_other_types_and_expire() {
    let mut c = config(&[]);
    c.signzy.file_ttl_secs = 1;
    let app = startup::build_app(c, common::models()).await.unwrap();
    let a = send(
        &app,
        post_json(
            "/api/base64",
            &json!({"base64String": b64(b"GIF89a...."), "mimetype": "image/gif"}),
            None,
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let bad = send(
        &app,
        post_json(
            "/api/base64",
            &json!({"base64String": "***", "mimetype": "image/png"}),
            None,
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // An invalid ttl falls back to the default (1 s here): the file is gone after it.
    let up = upload_json(
        &app,
        &fixture("td1_card.png"),
        "image/png",
        Some("whenever"),
    )
    .await;
    let url = up["file"]["directURL"].as_str().unwrap().to_string();
    assert_eq!(download(&app, &url).await.status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(download(&app, &url).await.status, StatusCode::NOT_FOUND);
    // Names that are not the stored one.
    let wrong = url.replace("/download/", "/download/0");
    assert_eq!(download(&app, &wrong).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn auto_recognition_reads_the_identity_images() {
    let app = app(&[]).await;
    let up = upload_json(
        &app,
        &fixture("td3_passport_portrait.png"),
        "image/png",
        Some("10 mins"),
    )
    .await;
    let url = up["file"]["directURL"].as_str().unwrap().to_string();
    let (_, _, item, access) = identity(&app, json!([url])).await;
    let body = json!({"service": "Identity", "itemId": item, "accessToken": access, "task": "autoRecognition", "essentials": {}});
    let a = send(&app, post_json("/api/v2/snoops", &body, None)).await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.json());
    let v = a.json();
    let r = &v["response"]["result"];
    assert_eq!(v["response"]["files"], json!([url]));
    assert_eq!(v["response"]["instance"]["id"], item);
    assert_eq!(r["name"], "STELLA ORBITA");
    assert_eq!(r["passportNumber"], "XC5619260");
    assert_eq!(r["birthDate"], "19/11/1956");
    assert_eq!(r["expiryDate"], "01/01/2032");
    assert_eq!(r["sex"], "F");
    assert_eq!(r["country"][1], "UTO");
    assert_eq!(
        r["nationality"], "UTOPIAN",
        "a nationality word, as Signzy gives it"
    );
    assert_eq!(r["placeOfBirth"], "");
}

#[tokio::test]
async fn encrypted_and_broken_pdfs_are_refused_with_400() {
    let app = app(&[]).await;
    let (_, _, item, access) = identity(&app, json!([])).await;
    let mut pdf = pdf_with_jpeg(&portrait_jpeg());
    // Broken: cut in half.
    pdf.truncate(pdf.len() / 2);
    let up = upload_json(&app, &pdf, "application/pdf", None).await;
    let url = up["file"]["directURL"].as_str().unwrap();
    let a = send(
        &app,
        post_json("/api/v2/snoops", &face_snoop(&item, &access, url), None),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{:?}", a.json());
    // A PDF with no image.
    let empty = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF";
    let up = upload_json(&app, empty, "application/pdf", None).await;
    let url = up["file"]["directURL"].as_str().unwrap();
    let a = send(
        &app,
        post_json("/api/v2/snoops", &face_snoop(&item, &access, url), None),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{:?}", a.json());
    // Encrypted (RC4-128 with an empty user password, so it would open without one).
    let mut doc = pdf_doc(&portrait_jpeg());
    let state = lopdf::EncryptionState::try_from(lopdf::EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner",
        user_password: "",
        key_length: 128,
        permissions: lopdf::Permissions::all(),
    })
    .unwrap();
    doc.encrypt(&state).unwrap();
    let mut encrypted = Vec::new();
    doc.save_to(&mut encrypted).unwrap();
    let up = upload_json(&app, &encrypted, "application/pdf", None).await;
    let url = up["file"]["directURL"].as_str().unwrap();
    let a = send(
        &app,
        post_json("/api/v2/snoops", &face_snoop(&item, &access, url), None),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{:?}", a.json());
    assert!(a.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("encrypted"));
}

#[tokio::test]
async fn login_tokens_expire_after_their_ttl() {
    let mut c = config(&[]);
    c.signzy.token_ttl_secs = 1;
    let app = startup::build_app(c, common::models()).await.unwrap();
    let l = login(&app, "alice", "alice-pw").await.json();
    assert_eq!(l["ttl"], 1);
    let token = l["id"].as_str().unwrap();
    let path = format!(
        "/api/v2/patrons/{}/identities",
        l["userId"].as_str().unwrap()
    );
    let body = json!({"type": "passport", "images": []});
    assert_eq!(
        send(&app, post_json(&path, &body, Some(token)))
            .await
            .status,
        StatusCode::OK
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        send(&app, post_json(&path, &body, Some(token)))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_restart_keeps_sessions_identities_user_ids_and_files() {
    let c = config(&[]);
    let first = startup::build_app(c.clone(), common::models())
        .await
        .unwrap();
    let (token, patron, item, access) = identity(&first, json!([])).await;
    let up = upload_json(&first, &portrait_jpeg(), "image/jpeg", Some("10 mins")).await;
    let url = up["file"]["directURL"].as_str().unwrap().to_string();
    drop(first);
    // A new process over the same storage (here: the same directory).
    let app = startup::build_app(c, common::models()).await.unwrap();
    assert_eq!(
        login(&app, "alice", "alice-pw").await.json()["userId"],
        patron
    );
    let path = format!("/api/v2/patrons/{patron}/identities");
    let body = json!({"type": "passport"});
    assert_eq!(
        send(&app, post_json(&path, &body, Some(&token)))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(download(&app, &url).await.status, StatusCode::OK);
    assert_holds_a_face(&extract(&app, &item, &access, &url).await);
}

#[tokio::test]
async fn face_crops_outlive_the_upload_ttl_by_their_own_lifetime() {
    let mut c = config(&[]);
    c.signzy.file_ttl_secs = 1;
    let dir = c.storage.url.strip_prefix("file://").unwrap().to_string();
    let app = startup::build_app(c, common::models()).await.unwrap();
    let (_, _, item, access) = identity(&app, json!([])).await;
    let up = upload_json(&app, &portrait_jpeg(), "image/jpeg", None).await;
    let url = up["file"]["directURL"].as_str().unwrap().to_string();
    let a = send(
        &app,
        post_json("/api/v2/snoops", &face_snoop(&item, &access, &url), None),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.json());
    let cropped = a.json()["response"]["result"]["cropped"]
        .as_str()
        .unwrap()
        .to_string();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(download(&app, &url).await.status, StatusCode::NOT_FOUND);
    assert_eq!(download(&app, &cropped).await.status, StatusCode::OK);
    // The crop's stored expiry is the default crop_ttl (24 h) away: an hour from now it
    // still downloads. The object's frame: a 4-byte length, then its JSON header.
    let name = cropped
        .rsplit('/')
        .next()
        .unwrap()
        .split('.')
        .next()
        .unwrap();
    let frame = std::fs::read(std::path::Path::new(&dir).join("files").join(name)).unwrap();
    let len = u32::from_be_bytes(frame[..4].try_into().unwrap()) as usize;
    let header: Value = serde_json::from_slice(&frame[4..4 + len]).unwrap();
    let left_ms = header["expires_at_ms"].as_u64().unwrap() - passport_vision::clock::now_ms();
    assert!(left_ms > 23 * 3_600_000, "{left_ms} ms left");
}

#[tokio::test]
async fn signzy_answers_accept_item_id_spellings_form_logins_and_carry_utf8_json() {
    let app = app(&[]).await;
    let req = Request::post("/api/v2/patrons/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("username=alice&password=alice-pw"))
        .unwrap();
    let l = send(&app, req).await;
    assert_eq!(l.status, StatusCode::OK);
    assert_eq!(l.content_type, "application/json; charset=utf-8");
    let (_, _, item, access) = identity(&app, json!([])).await;
    let snoop = json!({"service": "Identity", "itemID": item, "accessToken": access,
        "task": "faceExtraction", "essentials": {}});
    let a = send(&app, post_json("/api/v2/snoops", &snoop, None)).await;
    // Found by `itemID`: the missing url is what is refused, not the item.
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", a.json());
    assert_eq!(a.content_type, "application/json; charset=utf-8");
    assert!(a.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("essentials.url"));
}

#[tokio::test]
async fn downloads_forbid_type_sniffing() {
    let app = app(&[]).await;
    let up = upload_json(&app, &fixture("td1_card.png"), "image/png", None).await;
    let path = up["file"]["directURL"]
        .as_str()
        .unwrap()
        .strip_prefix(PUBLIC)
        .unwrap()
        .to_string();
    let res = app
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()[header::CONTENT_TYPE], "image/png");
}

#[tokio::test]
async fn uploads_can_be_made_to_need_a_login_token() {
    let mut c = config(&[]);
    c.signzy.uploads_need_token = true;
    let app = startup::build_app(c, common::models()).await.unwrap();
    let body = json!({"base64String": b64(&fixture("td1_card.png")), "mimetype": "image/png"});
    let anonymous = send(&app, post_json("/api/base64", &body, None)).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let token = login(&app, "alice", "alice-pw").await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let signed = send(&app, post_json("/api/base64", &body, Some(&token))).await;
    assert_eq!(signed.status, StatusCode::OK, "{:?}", signed.json());
}

#[tokio::test]
async fn a_full_store_answers_507_before_storing_or_reading_anything() {
    let mut c = config(&[]);
    c.storage.max_bytes = 400_000;
    let app = startup::build_app(c, common::models()).await.unwrap();
    let (_, _, item, access) = identity(&app, json!([])).await;
    // The portrait page (about 240 kB) fits once; the second does not.
    let page = fixture("td3_passport_portrait.png");
    let first = upload_json(&app, &page, "image/png", Some("10 mins")).await;
    let body = json!({"base64String": b64(&page), "mimetype": "image/png"});
    let full = send(&app, post_json("/api/base64", &body, None)).await;
    assert_eq!(full.status, StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(full.json()["error"]["code"], "INSUFFICIENT_STORAGE");
    // faceExtraction cannot store its crop either, and says so before reading the page.
    let url = first["file"]["directURL"].as_str().unwrap();
    let a = send(
        &app,
        post_json("/api/v2/snoops", &face_snoop(&item, &access, url), None),
    )
    .await;
    assert_eq!(a.status, StatusCode::INSUFFICIENT_STORAGE, "{:?}", a.json());
}

#[tokio::test]
async fn logins_past_the_session_cap_end_the_oldest_session() {
    let mut c = config(&[]);
    c.signzy.max_sessions_per_user = 2;
    let app = startup::build_app(c, common::models()).await.unwrap();
    let mut tokens = Vec::new();
    let mut patron = String::new();
    for _ in 0..3 {
        let l = login(&app, "alice", "alice-pw").await.json();
        tokens.push(l["id"].as_str().unwrap().to_string());
        patron = l["userId"].as_str().unwrap().to_string();
    }
    let path = format!("/api/v2/patrons/{patron}/identities");
    let body = json!({"type": "passport"});
    let status = |t: &str| {
        let req = post_json(&path, &body, Some(t));
        let app = app.clone();
        async move { send(&app, req).await.status }
    };
    assert_eq!(
        status(&tokens[0]).await,
        StatusCode::UNAUTHORIZED,
        "the oldest ended"
    );
    assert_eq!(status(&tokens[1]).await, StatusCode::OK);
    assert_eq!(status(&tokens[2]).await, StatusCode::OK);
}
