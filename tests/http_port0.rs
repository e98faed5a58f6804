//! The service over real HTTP on 127.0.0.1:0, as `serve` runs it: raw HTTP/1.1 requests
//! from a plain TCP client.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use base64::Engine;
use passport_vision::config::Config;
use passport_vision::startup;
use serde_json::{json, Value};
use tokio::sync::oneshot;

const KEY: &str = "port0-key";

struct Running {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

async fn start() -> Running {
    let mut config = Config::default();
    config.kredibel.api_keys = vec![KEY.into()];
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    config.storage.url = common::temp_storage_url("port0");
    let state = startup::state(config, common::models()).await.unwrap();
    let task = tokio::spawn(startup::serve_listener(listener, state, async {
        let _ = stopped.await;
    }));
    Running { addr, stop, task }
}

struct Reply {
    status: u16,
    head: String,
    body: String,
}

/// Sends one request with `Connection: close` and reads the whole answer.
async fn http(addr: SocketAddr, method: &str, path: &str, headers: &[&str], body: &str) -> Reply {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for h in headers {
        req.push_str(h);
        req.push_str("\r\n");
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(req.as_bytes()).unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").expect("a head and a body");
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        Reply {
            status,
            head: head.to_ascii_lowercase(),
            body: body.to_string(),
        }
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn serves_health_checks_and_echoes_the_request_id_over_real_http() {
    let s = start().await;
    let r = http(s.addr, "GET", "/healthz", &["X-Request-Id: trace-42"], "").await;
    assert_eq!(r.status, 200);
    assert!(r.head.contains("x-request-id: trace-42"), "{}", r.head);
    assert_eq!(
        serde_json::from_str::<Value>(&r.body).unwrap(),
        json!({"status": "ok"})
    );
    let r = http(s.addr, "GET", "/readyz", &[], "").await;
    assert_eq!(r.status, 200);
    assert!(r.head.contains("x-request-id: "));
    s.stop.send(()).unwrap();
    s.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn serves_a_kredibel_read_over_real_http_with_fields_in_the_vendor_order() {
    let s = start().await;
    let png = std::fs::read(common::repo_path("fixtures/pages/td3_passport.png")).unwrap();
    let body = json!({"image": base64::engine::general_purpose::STANDARD.encode(png)}).to_string();
    let auth = format!("Authorization: Bearer {KEY}");
    let r = http(
        s.addr,
        "POST",
        "/v1/ocr/id/passport",
        &["Content-Type: application/json", &auth],
        &body,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.head.contains("content-type: application/json"));
    let v: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["data"]["result"]["identityId"], "XK4271903");
    // On the wire the fields come in the vendor's documented order.
    let order = [
        "\"message\"",
        "\"data\"",
        "\"id\"",
        "\"result\"",
        "\"identityId\"",
        "\"indicator\"",
        "\"country\"",
        "\"countryCode\"",
        "\"fullName\"",
        "\"nationality\"",
        "\"nationalityCode\"",
        "\"birthDate\"",
        "\"sex\"",
        "\"personalNumber\"",
        "\"expirationDate\"",
        "\"information\"",
        "\"tilt\"",
        "\"cardDetected\"",
    ];
    let positions: Vec<usize> = order.iter().map(|k| r.body.find(k).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{}", r.body);
    s.stop.send(()).unwrap();
    s.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn refuses_a_missing_key_and_bad_json_over_real_http() {
    let s = start().await;
    let r = http(
        s.addr,
        "POST",
        "/v1/ocr/id/passport",
        &[],
        "{\"image\": \"AAAA\"}",
    )
    .await;
    assert_eq!(r.status, 401);
    assert!(serde_json::from_str::<Value>(&r.body).unwrap()["message"].is_string());
    let r = http(
        s.addr,
        "POST",
        &format!("/v1/ocr/id/passport?key={KEY}"),
        &["Content-Type: application/json"],
        "{\"image\": tru",
    )
    .await;
    assert_eq!(r.status, 400);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["message"], "Input payload validation failed.");
    s.stop.send(()).unwrap();
    s.task.await.unwrap().unwrap();
}
