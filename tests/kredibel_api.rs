//! The HTTP API as `main` builds it (`startup::build_app`), driven with `oneshot`: the Kredibel
//! endpoint's every field, default, key placement, error type and status; the native
//! `/v1/read`; health checks, request ids, the busy pool and the time limit. With
//! `../shared` present, every real image goes through the Kredibel endpoint too.

mod common;

use std::io::Cursor;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use base64::Engine;
use http_body_util::BodyExt;
use image::{imageops, DynamicImage, ImageFormat};
use passport_vision::config::Config;
use passport_vision::startup;
use passport_vision::vision::{ReadOptions, Reader};
use serde_json::{json, Value};
use tower::ServiceExt;

const KEY: &str = "test-key";
const PATH: &str = "/v1/ocr/id/passport";
const TD3_LINES: [&str; 2] = [
    "P<UTOQUINTERO<<ALMA<LUZ<<<<<<<<<<<<<<<<<<<<<",
    "XK42719037UTO8709158F3306024<<<<<<<<<<<<<<04",
];

fn reader() -> Arc<Reader> {
    static READER: OnceLock<Arc<Reader>> = OnceLock::new();
    READER.get_or_init(|| common::models().reader).clone()
}

fn config() -> Config {
    let mut c = Config::default();
    c.kredibel.api_keys = vec![KEY.into(), "second-key".into()];
    c.storage.url = common::temp_storage_url("kredibel");
    c
}

async fn app() -> Router {
    startup::build_app(config(), common::models())
        .await
        .unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(common::repo_path(&format!("fixtures/pages/{name}"))).unwrap()
}

fn png(img: &DynamicImage) -> Vec<u8> {
    let mut buf = Cursor::new(Vec::new());
    img.write_to(&mut buf, ImageFormat::Png).unwrap();
    buf.into_inner()
}

/// The passport page transformed: "rot90" is turned 90 degrees counterclockwise.
fn passport(variant: &str) -> Vec<u8> {
    let page = image::load_from_memory(&fixture("td3_passport.png")).unwrap();
    match variant {
        "upright" => fixture("td3_passport.png"),
        "rot90" => png(&DynamicImage::ImageRgba8(imageops::rotate270(&page))),
        "rot180" => png(&DynamicImage::ImageRgba8(imageops::rotate180(&page))),
        "mirrored" => png(&DynamicImage::ImageRgba8(imageops::flip_horizontal(&page))),
        other => panic!("no variant {other}"),
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

async fn send(app: Router, req: Request<Body>) -> Answer {
    let res = app.oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("{status}: not JSON: {}", String::from_utf8_lossy(&bytes)));
    Answer {
        status,
        headers,
        body,
    }
}

fn kredibel_request(body: impl Into<Body>, auth: Option<&str>, uri: &str) -> Request<Body> {
    let mut b = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
    if let Some(key) = auth {
        b = b.header(header::AUTHORIZATION, format!("Bearer {key}"));
    }
    b.body(body.into()).unwrap()
}

/// Posts `body` with the test key as a Bearer header.
async fn post(app: Router, body: Value) -> Answer {
    send(app, kredibel_request(body.to_string(), Some(KEY), PATH)).await
}

async fn post_image(bytes: &[u8], options: Value) -> Answer {
    let mut body = json!({"image": b64(bytes)});
    body.as_object_mut()
        .unwrap()
        .extend(options.as_object().unwrap().clone());
    post(app().await, body).await
}

fn assert_error(a: &Answer, status: StatusCode, error_type: &str) {
    assert_eq!(a.status, status, "{}", a.body);
    assert_eq!(a.body["errors"]["errorType"], error_type, "{}", a.body);
    let id = a.body["errors"]["errorId"].as_str().expect("errorId");
    uuid::Uuid::parse_str(id).expect("errorId is a UUID");
    assert!(a.body["message"].as_str().is_some_and(|m| !m.is_empty()));
    let keys: Vec<&String> = a.body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["errors", "message"]);
    assert_eq!(a.body["errors"].as_object().unwrap().len(), 2);
}

fn assert_validation(a: &Answer, field: &str, message: &str) {
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    assert_eq!(a.body["message"], "Input payload validation failed.");
    assert_eq!(a.body["errors"][field], json!([message]), "{}", a.body);
}

fn tilt(a: &Answer) -> f32 {
    a.body["data"]["information"]["tilt"].as_f64().unwrap() as f32
}

#[tokio::test]
async fn kredibel_reads_the_passport_fixture_into_every_vendor_field() {
    let a = post_image(&fixture("td3_passport.png"), json!({})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["message"], "Passport OCR succeeded.");
    let data = &a.body["data"];
    uuid::Uuid::parse_str(data["id"].as_str().unwrap()).expect("data.id is a UUID");
    assert_eq!(
        data["result"],
        json!({
            "identityId": "XK4271903",
            "indicator": "P",
            "country": "Utopia",
            "countryCode": "UTO",
            "fullName": "QUINTERO ALMA LUZ",
            "nationality": "Utopia",
            "nationalityCode": "UTO",
            "birthDate": "15-09-87",
            "sex": "female",
            "personalNumber": "",
            "expirationDate": "02-06-33",
            "surname": "QUINTERO",
            "givenNames": "ALMA LUZ",
            "birthDateIso": "1987-09-15",
            "expirationDateIso": "2033-06-02"
        })
    );
    let info = &data["information"];
    assert!(common::angle_diff(tilt(&a), 0.0) <= 3.0, "{info}");
    assert_eq!(info["cardDetected"], true);
    assert_eq!(info["mirrored"], false);
    let quad = info["quad"].as_array().expect("quad");
    assert_eq!(quad.len(), 4);
    assert!(quad.iter().all(|p| p.as_array().unwrap().len() == 2));
    let mrz = &data["mrz"];
    assert_eq!(mrz["format"], "TD3");
    assert_eq!(mrz["lines"], json!(TD3_LINES));
    assert_eq!(mrz["valid"], true);
    let confidence = mrz["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&confidence));
    assert!(mrz["repairs"].is_array());
    let checks = mrz["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 5);
    assert!(checks.iter().all(|c| c["ok"] == true));
    let mut keys: Vec<&String> = data.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["id", "information", "mrz", "result"]);
}

#[tokio::test]
async fn kredibel_accepts_the_key_as_bearer_header_query_or_body_field() {
    let image = b64(&fixture("td3_passport.png"));
    let header = send(
        app().await,
        kredibel_request(
            json!({"image": image}).to_string(),
            Some("second-key"),
            PATH,
        ),
    )
    .await;
    assert_eq!(header.status, StatusCode::OK);
    let query = send(
        app().await,
        kredibel_request(
            json!({"image": image}).to_string(),
            None,
            &format!("{PATH}?key={KEY}"),
        ),
    )
    .await;
    assert_eq!(query.status, StatusCode::OK);
    let body = send(
        app().await,
        kredibel_request(json!({"image": image, "key": KEY}).to_string(), None, PATH),
    )
    .await;
    assert_eq!(body.status, StatusCode::OK);
    assert_eq!(body.body["data"]["result"]["identityId"], "XK4271903");
}

#[tokio::test]
async fn kredibel_returns_401_without_key() {
    let a = send(
        app().await,
        kredibel_request(json!({"image": "AAAA"}).to_string(), None, PATH),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.body.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["message"]
    );
    // Nor can an unauthenticated caller learn anything from a malformed body.
    let bad = send(app().await, kredibel_request("{not json", None, PATH)).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn kredibel_returns_401_for_a_wrong_key_in_any_place() {
    let body = json!({"image": "AAAA"}).to_string();
    for req in [
        kredibel_request(body.clone(), Some("wrong"), PATH),
        kredibel_request(body.clone(), None, &format!("{PATH}?key=wrong")),
        kredibel_request(
            json!({"image": "AAAA", "key": "wrong"}).to_string(),
            None,
            PATH,
        ),
        // The header is looked at first: a right key in the body does not rescue it.
        kredibel_request(
            json!({"image": "AAAA", "key": KEY}).to_string(),
            Some("wrong"),
            PATH,
        ),
    ] {
        let a = send(app().await, req).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert!(a.body["message"].is_string());
        assert!(a.body.get("errors").is_none());
    }
}

#[tokio::test]
async fn kredibel_with_no_configured_keys_refuses_every_request() {
    let mut c = config();
    c.kredibel.api_keys.clear();
    let a = send(
        startup::build_app(c, common::models()).await.unwrap(),
        kredibel_request(
            json!({"image": "AAAA", "key": ""}).to_string(),
            Some(KEY),
            PATH,
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn kredibel_reports_unknown_fields_in_the_validation_shape() {
    let a = post(
        app().await,
        json!({"image": "AAAA", "imageUrl": "x", "cardDetection": true}),
    )
    .await;
    assert_eq!(
        a.body,
        json!({
            "errors": {"imageUrl": ["Unknown field."], "cardDetection": ["Unknown field."]},
            "message": "Input payload validation failed."
        })
    );
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn kredibel_rejects_malformed_json_and_wrong_types_with_400() {
    let malformed = send(
        app().await,
        kredibel_request("{\"image\": ", Some(KEY), PATH),
    )
    .await;
    assert_validation(&malformed, "json", "Invalid JSON body.");
    let empty = send(app().await, kredibel_request("", Some(KEY), PATH)).await;
    assert_validation(&empty, "json", "Invalid JSON body.");
    assert_validation(
        &post(app().await, json!([1, 2])).await,
        "_schema",
        "Invalid input type.",
    );
    assert_validation(
        &post(app().await, json!({})).await,
        "image",
        "Missing data for required field.",
    );
    assert_validation(
        &post(app().await, json!({"image": 12})).await,
        "image",
        "Not a valid string.",
    );
    assert_validation(
        &post(app().await, json!({"image": null})).await,
        "image",
        "Field may not be null.",
    );
    for field in [
        "cardDetect",
        "passCardDetect",
        "flipImage",
        "checkFlipImage",
    ] {
        let a = post(app().await, json!({"image": "AAAA", field: "maybe"})).await;
        assert_validation(&a, field, "Not a valid boolean.");
        let a = post(app().await, json!({"image": "AAAA", field: [true]})).await;
        assert_validation(&a, field, "Not a valid boolean.");
    }
}

#[tokio::test]
async fn kredibel_returns_invalid_base64_encoding_with_400() {
    for image in ["@@@@not base64@@@@", "QUJD*", "data:image/png;base64", "A"] {
        let a = post(app().await, json!({"image": image})).await;
        assert_error(&a, StatusCode::BAD_REQUEST, "invalid_base64_encoding");
    }
}

#[tokio::test]
async fn kredibel_accepts_a_data_prefix_line_breaks_and_url_safe_base64() {
    let bytes = fixture("td3_passport.png");
    let standard = b64(&bytes);
    let wrapped = standard
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n");
    let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
    for image in [format!("data:image/png;base64,{wrapped}"), url_safe] {
        let a = post(app().await, json!({"image": image})).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert_eq!(a.body["data"]["result"]["identityId"], "XK4271903");
    }
}

#[tokio::test]
async fn kredibel_refuses_images_over_2_mb_with_413() {
    // A PNG signature and 2 MiB of padding: over the limit by one byte once decoded.
    let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
    big.resize(2 * 1024 * 1024 + 1, 0);
    let a = post(app().await, json!({"image": b64(&big)})).await;
    assert_error(&a, StatusCode::PAYLOAD_TOO_LARGE, "image_too_large");
    // A body past the body limit is refused in the same shape before it is parsed.
    let huge = format!("{{\"image\": \"{}\"}}", "A".repeat(4 * 1024 * 1024));
    let a = send(app().await, kredibel_request(huge, Some(KEY), PATH)).await;
    assert_error(&a, StatusCode::PAYLOAD_TOO_LARGE, "image_too_large");
}

#[tokio::test]
async fn kredibel_refuses_images_of_formats_it_does_not_read_or_that_do_not_decode() {
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!";
    assert_error(
        &post_image(gif, json!({})).await,
        StatusCode::BAD_REQUEST,
        "invalid_image",
    );
    let png = fixture("td3_passport.png");
    assert_error(
        &post_image(&png[..200], json!({})).await,
        StatusCode::BAD_REQUEST,
        "invalid_image",
    );
    let jpeg_head = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'];
    assert_error(
        &post_image(&jpeg_head, json!({})).await,
        StatusCode::BAD_REQUEST,
        "invalid_image",
    );
}

#[tokio::test]
async fn kredibel_reads_bmp_tiff_and_webp_pages_by_their_content() {
    let page = image::load_from_memory(&fixture("td3_passport.png")).unwrap();
    // Uncompressed, the whole page is over the vendor's 2 MB (413, as it should be).
    let page = DynamicImage::ImageRgb8(
        page.resize(800, 800, imageops::FilterType::Triangle)
            .to_rgb8(),
    );
    let want = post_image(&png(&page), json!({})).await.body["data"]["mrz"]["lines"].clone();
    assert!(want.is_array());
    for format in [ImageFormat::Bmp, ImageFormat::Tiff, ImageFormat::WebP] {
        let mut buf = Cursor::new(Vec::new());
        page.write_to(&mut buf, format).unwrap();
        let a = post_image(&buf.into_inner(), json!({})).await;
        assert_eq!(a.status, StatusCode::OK, "{format:?}: {}", a.body);
        assert_eq!(a.body["data"]["mrz"]["lines"], want, "{format:?}");
    }
}

#[tokio::test]
async fn kredibel_refuses_images_with_more_pixels_than_the_limit_with_413() {
    let mut c = config();
    c.server.max_pixels = 10_000;
    let body = json!({"image": b64(&fixture("td3_passport.png"))});
    let a = send(
        startup::build_app(c, common::models()).await.unwrap(),
        kredibel_request(body.to_string(), Some(KEY), PATH),
    )
    .await;
    assert_error(&a, StatusCode::PAYLOAD_TOO_LARGE, "image_too_large");
}

#[tokio::test]
async fn kredibel_reads_pages_turned_90_and_180_degrees_and_reports_the_tilt() {
    for (variant, expected) in [("rot90", 90.0), ("rot180", 180.0)] {
        let a = post_image(&passport(variant), json!({})).await;
        assert_eq!(a.status, StatusCode::OK, "{variant}: {}", a.body);
        assert_eq!(
            a.body["data"]["mrz"]["lines"],
            json!(TD3_LINES),
            "{variant}"
        );
        let t = tilt(&a);
        assert!(
            common::angle_diff(t, expected) <= 5.0,
            "{variant}: tilt {t}"
        );
        assert_eq!(a.body["data"]["information"]["mirrored"], false);
    }
}

#[tokio::test]
async fn kredibel_reads_a_mirrored_page_only_when_asked() {
    let mirrored = passport("mirrored");
    // checkFlipImage defaults to false: mirrored readings are not tried.
    let plain = post_image(&mirrored, json!({})).await;
    assert_eq!(
        plain.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        plain.body
    );
    for options in [json!({"checkFlipImage": true}), json!({"flipImage": true})] {
        let a = post_image(&mirrored, options.clone()).await;
        assert_eq!(a.status, StatusCode::OK, "{options}: {}", a.body);
        assert_eq!(a.body["data"]["mrz"]["lines"], json!(TD3_LINES));
        assert_eq!(a.body["data"]["information"]["mirrored"], true, "{options}");
    }
}

#[tokio::test]
async fn kredibel_flip_image_mirrors_an_upright_page_before_reading() {
    let upright = passport("upright");
    let flipped = post_image(&upright, json!({"flipImage": true})).await;
    assert_eq!(
        flipped.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        flipped.body
    );
    // Asked to check as well, it finds the page was not mirrored after all.
    let checked = post_image(&upright, json!({"flipImage": true, "checkFlipImage": true})).await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    assert_eq!(checked.body["data"]["information"]["mirrored"], false);
}

#[tokio::test]
async fn kredibel_without_card_detect_reads_only_pages_lying_level() {
    let level = post_image(&passport("upright"), json!({"cardDetect": false})).await;
    assert_eq!(level.status, StatusCode::OK, "{}", level.body);
    let upside_down = post_image(&passport("rot180"), json!({"cardDetect": false})).await;
    assert_eq!(upside_down.status, StatusCode::OK, "{}", upside_down.body);
    let turned = passport("rot90");
    assert_error(
        &post_image(&turned, json!({"cardDetect": false})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "text_not_found",
    );
    assert_error(
        &post_image(
            &turned,
            json!({"cardDetect": false, "passCardDetect": false}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "card_not_found",
    );
}

#[tokio::test]
async fn kredibel_answers_text_not_found_for_a_blank_page_and_card_not_found_when_asked() {
    let blank = fixture("blank_page.png");
    assert_error(
        &post_image(&blank, json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "text_not_found",
    );
    assert_error(
        &post_image(&blank, json!({"passCardDetect": false})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "card_not_found",
    );
}

#[tokio::test]
async fn kredibel_answers_invalid_document_type_for_an_id_card() {
    assert_error(
        &post_image(&fixture("td1_card.png"), json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_document_type",
    );
}

#[tokio::test]
async fn kredibel_answers_503_with_retry_after_when_every_reader_is_busy() {
    let mut c = config();
    c.server.pool_size = 1;
    c.server.queue_wait_ms = 20;
    let state = startup::state(c, common::models()).await.unwrap();
    let _held = state.pool.acquire().await.unwrap();
    let body = json!({"image": b64(&fixture("td3_passport.png"))});
    let a = send(
        startup::app(state.clone()),
        kredibel_request(body.to_string(), Some(KEY), PATH),
    )
    .await;
    assert_error(&a, StatusCode::SERVICE_UNAVAILABLE, "server_busy");
    assert_eq!(a.headers[header::RETRY_AFTER], "1");
    let native = send(
        startup::app(state),
        native_request(fixture("td3_passport.png")),
    )
    .await;
    assert_eq!(native.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(native.body["error"]["type"], "server_busy");
    assert!(native.headers.contains_key(header::RETRY_AFTER));
}

#[tokio::test]
async fn kredibel_answers_504_in_its_error_shape_when_the_time_limit_passes() {
    let mut c = config();
    c.server.pool_size = 1;
    c.server.queue_wait_ms = 10_000;
    c.server.request_timeout_ms = 50;
    let state = startup::state(c, common::models()).await.unwrap();
    let _held = state.pool.acquire().await.unwrap();
    let body = json!({"image": b64(&fixture("td3_passport.png"))});
    let a = send(
        startup::app(state.clone()),
        kredibel_request(body.to_string(), Some(KEY), PATH),
    )
    .await;
    assert_error(&a, StatusCode::GATEWAY_TIMEOUT, "timeout");
    let native = send(
        startup::app(state),
        native_request(fixture("td3_passport.png")),
    )
    .await;
    assert_eq!(native.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(native.body["error"]["type"], "timeout");
}

#[tokio::test]
async fn kredibel_answers_405_to_other_methods_and_unknown_paths_get_404() {
    let get = send(app().await, Request::get(PATH).body(Body::empty()).unwrap()).await;
    assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(get.body["message"].is_string());
    let missing = send(
        app().await,
        Request::get("/v1/ocr/id/nothing")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body["message"].is_string());
}

#[tokio::test]
async fn kredibel_never_answers_500_to_whatever_the_caller_sends() {
    let png = fixture("td3_passport.png");
    let mut bodies: Vec<String> = vec![
        "null".into(),
        "\"image\"".into(),
        "{\"image\": \"\"}".into(),
        "{\"image\": \"é\"}".into(),
        "{\"image\": {\"nested\": [1, {}]}}".into(),
        "[".repeat(10_000),
        "{\"image\": \"AAAA\", \"cardDetect\": 2}".into(),
        "\u{feff}{\"image\": \"AAAA\"}".into(),
    ];
    // Truncated and corrupted PNGs.
    for cut in [8, 16, 33, 100, 1000, png.len() / 2, png.len() - 1] {
        bodies.push(json!({"image": b64(&png[..cut])}).to_string());
    }
    let mut corrupt = png.clone();
    for i in (100..corrupt.len()).step_by(97) {
        corrupt[i] ^= 0x5A;
    }
    bodies.push(json!({"image": b64(&corrupt)}).to_string());
    // A PNG header claiming 100000 x 100000 pixels.
    let mut huge = png[..16].to_vec();
    huge.extend_from_slice(&100_000u32.to_be_bytes());
    huge.extend_from_slice(&100_000u32.to_be_bytes());
    huge.extend_from_slice(&png[24..40]);
    bodies.push(json!({"image": b64(&huge)}).to_string());
    for body in bodies {
        let a = send(app().await, kredibel_request(body.clone(), Some(KEY), PATH)).await;
        let shown: String = body.chars().take(60).collect();
        assert!(
            !a.status.is_server_error(),
            "{shown}: {} {}",
            a.status,
            a.body
        );
    }
}

#[tokio::test]
async fn every_answer_echoes_a_request_id_or_gets_a_new_one() {
    let given = send(
        app().await,
        Request::get("/healthz")
            .header("x-request-id", "abc-123")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(given.headers["x-request-id"], "abc-123");
    let made = send(app().await, kredibel_request("{}", None, PATH)).await;
    let id = made.headers["x-request-id"].to_str().unwrap();
    uuid::Uuid::parse_str(id).expect("a generated id is a UUID");
    // An id that is not a plain token is replaced.
    let odd = send(
        app().await,
        Request::get("/healthz")
            .header("x-request-id", "has spaces; and more")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_ne!(odd.headers["x-request-id"], "has spaces; and more");
}

#[tokio::test]
async fn healthz_and_readyz_answer_without_a_key() {
    let health = send(
        app().await,
        Request::get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(
        (health.status, &health.body),
        (StatusCode::OK, &json!({"status": "ok"}))
    );
    let state = startup::state(config(), common::models()).await.unwrap();
    let ready = send(
        startup::app(state.clone()),
        Request::get("/readyz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["status"], "ready");
    assert!(ready.body["pool"]["size"].as_u64().unwrap() >= 1);
    state.set_ready(false);
    let draining = send(
        startup::app(state),
        Request::get("/readyz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(draining.status, StatusCode::SERVICE_UNAVAILABLE);
}

// ---- POST /v1/read -------------------------------------------------------------------

fn native_request(bytes: Vec<u8>) -> Request<Body> {
    Request::post("/v1/read")
        .header(header::AUTHORIZATION, format!("Bearer {KEY}"))
        .header(header::CONTENT_TYPE, "image/png")
        .body(Body::from(bytes))
        .unwrap()
}

fn multipart_request(part_name: &str, filename: &str, bytes: &[u8]) -> Request<Body> {
    let boundary = "pvboundary7MA4YWxk";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{part_name}\"; filename=\"{filename}\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Request::post(format!("/v1/read?key={KEY}"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn native_read_answers_the_read_json_report_for_raw_bytes() {
    let a = send(app().await, native_request(fixture("td3_passport.png"))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["file"], "upload");
    assert_eq!(a.body["mrz"]["lines"], json!(TD3_LINES));
    assert_eq!(a.body["fields"]["document_number"], "XK4271903");
    assert_eq!(a.body["document"]["detected"], true);
    assert!(a.body["error"].is_null());
    assert!(a.body["elapsed_ms"].as_f64().unwrap() > 0.0);
    // The same object as `read --json`, bar the file name and timing.
    let direct = passport_vision::report::FileReport::new(
        "upload".into(),
        reader().read_bytes(&fixture("td3_passport.png"), &ReadOptions::default()),
        0.0,
    );
    let mut want: Value = serde_json::from_str(&serde_json::to_string(&direct).unwrap()).unwrap();
    let mut got = a.body.clone();
    for v in [&mut want, &mut got] {
        v.as_object_mut().unwrap().remove("elapsed_ms");
    }
    assert_eq!(got, want);
}

#[tokio::test]
async fn native_read_takes_a_multipart_file_part_and_reports_its_name() {
    let a = send(
        app().await,
        multipart_request("file", "scan.png", &fixture("td3_passport.png")),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["file"], "scan.png");
    assert_eq!(a.body["mrz"]["format"], "TD3");
    let none = send(app().await, multipart_request("other", "x.png", b"abc")).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert_eq!(none.body["error"]["type"], "bad_request");
}

#[tokio::test]
async fn native_read_needs_the_kredibel_key() {
    let req = Request::post("/v1/read")
        .body(Body::from(fixture("td3_passport.png")))
        .unwrap();
    let a = send(app().await, req).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.body["error"]["type"], "unauthorized");
}

#[tokio::test]
async fn native_read_reports_pages_without_an_mrz_and_refuses_non_images() {
    let blank = send(app().await, native_request(fixture("blank_page.png"))).await;
    assert_eq!(blank.status, StatusCode::OK);
    assert!(blank.body["mrz"].is_null());
    assert_eq!(blank.body["error"]["type"], "text_not_found");
    let text = send(app().await, native_request(b"hello".to_vec())).await;
    assert_eq!(text.status, StatusCode::BAD_REQUEST);
    assert_eq!(text.body["error"]["type"], "unsupported_image");
    let bad_flag = Request::post(format!("/v1/read?key={KEY}&flip=perhaps"))
        .body(Body::from(fixture("td3_passport.png")))
        .unwrap();
    assert_eq!(
        send(app().await, bad_flag).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn native_read_options_come_from_the_query() {
    let req = Request::post(format!("/v1/read?key={KEY}&check_mirror=false"))
        .body(Body::from(passport("mirrored")))
        .unwrap();
    let a = send(app().await, req).await;
    assert_eq!(a.status, StatusCode::OK);
    // Without mirrored readings, whatever is read is not the page's MRZ.
    assert_ne!(a.body["mrz"]["lines"], json!(TD3_LINES));
    assert_ne!(a.body["document"]["mirrored"], true);
    let req = Request::post(format!("/v1/read?key={KEY}&flip=true"))
        .body(Body::from(passport("mirrored")))
        .unwrap();
    let a = send(app().await, req).await;
    assert_eq!(a.body["mrz"]["lines"], json!(TD3_LINES));
    assert_eq!(a.body["document"]["mirrored"], true);
}

// ---- Real images (../shared) ---------------------------------------------------------

/// The MRZ date `YYMMDD` as `dd-mm-yy`.
fn ddmmyy(yymmdd: &str) -> String {
    format!("{}-{}-{}", &yymmdd[4..6], &yymmdd[2..4], &yymmdd[0..2])
}

#[tokio::test]
async fn kredibel_matches_the_ground_truth_on_every_real_passport_read_exactly() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let gt_path = shared.join("data/mrz-vectors/image-ground-truth.json");
    let (root, records) = passport_vision::cli::load_ground_truth(&gt_path).unwrap();
    // The options the endpoint uses by default.
    let opts = ReadOptions {
        check_mirror: false,
        ..ReadOptions::default()
    };
    let (mut passports, mut exact) = (0, 0);
    for r in &records {
        let bytes = std::fs::read(root.join(&r.file)).unwrap();
        let a = post_image(&bytes, json!({})).await;
        assert!(
            !a.status.is_server_error(),
            "{}: {} {}",
            r.file,
            a.status,
            a.body
        );
        if r.document_type != "TD3" {
            continue;
        }
        passports += 1;
        let lines = reader()
            .read_bytes(&bytes, &opts)
            .ok()
            .and_then(|reading| reading.mrz)
            .map(|m| m.lines);
        if lines.as_ref() != Some(&r.mrz_lines) {
            eprintln!("not read exactly, not compared: {}", r.file);
            continue;
        }
        exact += 1;
        assert_eq!(a.status, StatusCode::OK, "{}: {}", r.file, a.body);
        let res = &a.body["data"]["result"];
        let line2 = &r.mrz_lines[1];
        assert_eq!(
            res["identityId"],
            line2[0..9].replace('<', ""),
            "{}",
            r.file
        );
        assert_eq!(res["birthDate"], ddmmyy(&line2[13..19]), "{}", r.file);
        assert_eq!(res["expirationDate"], ddmmyy(&line2[21..27]), "{}", r.file);
    }
    eprintln!("{exact} of {passports} real TD3 passports read exactly and compared");
    assert!(
        passports > 0 && exact * 2 >= passports,
        "only {exact} of {passports} real passports were read exactly"
    );
}

#[tokio::test]
async fn native_read_says_whether_the_portrait_was_found_on_the_page_or_the_whole_image() {
    let page = image::load_from_memory(&fixture("td3_passport_portrait.png"))
        .unwrap()
        .to_rgb8();
    let a = send(app().await, native_request(png(&page.clone().into()))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["face"]["found_on"], "page", "{}", a.body["face"]);
    // The MRZ painted over: no page to go by, and the portrait is still found.
    let mut covered = page;
    let h = covered.height();
    for (_, y, p) in covered.enumerate_pixels_mut() {
        if y > h * 3 / 4 {
            *p = image::Rgb([235, 232, 225]);
        }
    }
    let a = send(app().await, native_request(png(&covered.into()))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(a.body["mrz"].is_null(), "{}", a.body["mrz"]);
    assert_eq!(a.body["face"]["found_on"], "image", "{}", a.body["face"]);
}

/// The passport fixture pasted at (300, 250) into a 1600 x 1200 scene of one colour.
fn passport_on(background: [u8; 3]) -> Vec<u8> {
    let page = image::load_from_memory(&fixture("td3_passport.png"))
        .unwrap()
        .to_rgb8();
    let mut scene = image::RgbImage::from_pixel(1600, 1200, image::Rgb(background));
    imageops::replace(&mut scene, &page, 300, 250);
    png(&DynamicImage::ImageRgb8(scene))
}

#[tokio::test]
async fn kredibel_card_detected_means_the_page_edges_were_found() {
    // On a dark desk: the page's own edges give the quad.
    let a = post_image(&passport_on([70, 60, 50]), json!({"passCardDetect": false})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let info = &a.body["data"]["information"];
    assert_eq!(info["cardDetected"], true, "{info}");
    let want = [
        [300.0, 250.0],
        [1299.0, 250.0],
        [1299.0, 953.0],
        [300.0, 953.0],
    ];
    let diagonal = (999.0f64 * 999.0 + 703.0 * 703.0).sqrt();
    for (got, want) in info["quad"].as_array().unwrap().iter().zip(want) {
        let (x, y) = (got[0].as_f64().unwrap(), got[1].as_f64().unwrap());
        let off = ((x - want[0]).powi(2) + (y - want[1]).powi(2)).sqrt();
        assert!(off < 0.03 * diagonal, "corner {got} for {want:?}");
    }
    // On paper of its own colour no edge sets the page off, and it does not fill the
    // frame: the MRZ is read, but no card is detected, and `passCardDetect: false`
    // refuses it.
    let pale = passport_on([224, 220, 210]);
    let a = post_image(&pale, json!({})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["data"]["information"]["cardDetected"], false);
    assert_error(
        &post_image(&pale, json!({"passCardDetect": false})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "card_not_found",
    );
}
