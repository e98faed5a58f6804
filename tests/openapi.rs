//! The OpenAPI document (`openapi/openapi.json`, served at `/openapi.json`) against the
//! router: every route the service serves is described, and nothing else.
//! `scripts/openapi_check.py` validates real answers against its schemas in CI.

mod common;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use passport_vision::startup::{self, ROUTES};
use tower::ServiceExt;

#[test]
fn every_route_is_in_the_document_and_every_path_is_a_route() {
    let doc: serde_json::Value = serde_json::from_str(passport_vision::server::OPENAPI).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths: BTreeSet<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let routes: BTreeSet<&str> = ROUTES.iter().copied().collect();
    assert_eq!(paths, routes);
}

/// A GET of `path` from the service built as `main` builds it.
async fn get(path: &str) -> axum::response::Response {
    let mut c = passport_vision::config::Config::default();
    c.storage.url = common::temp_storage_url("openapi");
    let app = startup::build_app(c, common::models()).await.unwrap();
    app.oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_document_is_served() {
    let res = get("/openapi.json").await;
    assert_eq!(res.status(), 200);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    let served: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(served["info"]["title"], "passport-vision");
}

#[tokio::test]
async fn the_docs_page_is_served_whole_and_loads_nothing_from_elsewhere() {
    let res = get("/docs").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"));
    let body = res.into_body().collect().await.unwrap().to_bytes();
    let page = String::from_utf8(body.to_vec()).unwrap();
    assert!(page.contains("fetch(\"/openapi.json\")"));
    // Offline: no script, style, font or image from another address.
    for outside in ["http://", "https://", "//cdn", "@import"] {
        assert!(!page.contains(outside), "the page refers to {outside}");
    }
}
