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
    start_with(|_| {}).await
}

/// The service on 127.0.0.1:0 with the test's changes to the configuration.
async fn start_with(change: impl FnOnce(&mut Config)) -> Running {
    let mut config = Config::default();
    config.kredibel.api_keys = vec![KEY.into()];
    config.server.shutdown_drain_ms = 0;
    change(&mut config);
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

/// A Kredibel read of the TD3 fixture page with the test's key.
async fn kredibel_read_of_the_fixture(addr: SocketAddr) -> Reply {
    let png = std::fs::read(common::repo_path("fixtures/pages/td3_passport.png")).unwrap();
    let body = json!({"image": base64::engine::general_purpose::STANDARD.encode(png)}).to_string();
    let auth = format!("Authorization: Bearer {KEY}");
    http(
        addr,
        "POST",
        "/v1/ocr/id/passport",
        &["Content-Type: application/json", &auth],
        &body,
    )
    .await
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
    let r = kredibel_read_of_the_fixture(s.addr).await;
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

/// Opens `n` connections that send `prefix` (nothing, or half a request head) and then
/// stay silent.
fn silent_connections(addr: SocketAddr, n: usize, prefix: &str) -> Vec<TcpStream> {
    (0..n)
        .map(|_| {
            let mut c = TcpStream::connect(addr).unwrap();
            c.write_all(prefix.as_bytes()).unwrap();
            c
        })
        .collect()
}

/// A GET of /healthz on a fresh connection, given up after `limit` (a hang guard: the
/// answer comes at once when the service keeps room for it).
async fn healthz_within(addr: SocketAddr, limit: std::time::Duration) -> u16 {
    tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(limit)).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut raw = String::new();
        match s.read_to_string(&mut raw) {
            Ok(_) => raw
                .split(' ')
                .nth(1)
                .and_then(|c| c.parse().ok())
                .unwrap_or(0),
            Err(_) => 0,
        }
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn idle_and_half_open_connections_past_the_cap_do_not_stop_health_checks() {
    let s = start_with(|c| c.server.max_connections = 50).await;
    let addr = s.addr;
    let held = tokio::task::spawn_blocking(move || {
        let mut all = silent_connections(addr, 150, "");
        all.extend(silent_connections(
            addr,
            150,
            "GET /healthz HTTP/1.1\r\nHost: ",
        ));
        all
    })
    .await
    .unwrap();
    for _ in 0..3 {
        assert_eq!(
            healthz_within(s.addr, std::time::Duration::from_secs(5)).await,
            200
        );
    }
    drop(held);
    s.stop.send(()).unwrap();
    s.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_connection_that_sends_no_whole_head_is_closed_after_the_header_timeout() {
    let s = start_with(|c| c.server.header_timeout_ms = 300).await;
    let addr = s.addr;
    let closed = tokio::task::spawn_blocking(move || {
        ["", "GET / HTTP/1.1\r\n"].map(|prefix| {
            let mut c = silent_connections(addr, 1, prefix).remove(0);
            // A hang guard well past the timeout; the server closes first.
            c.set_read_timeout(Some(std::time::Duration::from_secs(10)))
                .unwrap();
            let mut buf = Vec::new();
            c.read_to_end(&mut buf).is_ok()
        })
    })
    .await
    .unwrap();
    assert_eq!(closed, [true, true], "both closed by the server");
    s.stop.send(()).unwrap();
    s.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn shutdown_answers_503_on_readyz_while_draining_and_ends_with_half_open_connections() {
    let s = start_with(|c| {
        c.server.shutdown_drain_ms = 400;
        c.server.shutdown_grace_ms = 300;
    })
    .await;
    let addr = s.addr;
    let held = tokio::task::spawn_blocking(move || {
        silent_connections(addr, 20, "POST /v1/read HTTP/1.1\r\nContent-Length: 10\r\n")
    })
    .await
    .unwrap();
    s.stop.send(()).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let r = http(s.addr, "GET", "/readyz", &[], "").await;
    assert_eq!(r.status, 503, "{}", r.body);
    // The task ends (drain, then the grace period) although the connections stay open.
    let ended = tokio::time::timeout(std::time::Duration::from_secs(10), s.task).await;
    assert!(
        ended.is_ok(),
        "serve did not return with half-open connections"
    );
    drop(held);
}

#[tokio::test]
async fn cors_answers_only_the_configured_origins() {
    let s = start_with(|c| c.server.cors_origins = vec!["https://app.example".into()]).await;
    let preflight = |origin: &str| {
        [
            format!("Origin: {origin}"),
            "Access-Control-Request-Method: POST".into(),
            "Access-Control-Request-Headers: authorization, content-type".into(),
        ]
    };
    let h = preflight("https://app.example");
    let refs: Vec<&str> = h.iter().map(String::as_str).collect();
    let r = http(s.addr, "OPTIONS", "/v1/ocr/id/passport", &refs, "").await;
    assert!(
        r.head
            .contains("access-control-allow-origin: https://app.example"),
        "{}",
        r.head
    );
    let h = preflight("https://evil.example");
    let refs: Vec<&str> = h.iter().map(String::as_str).collect();
    let r = http(s.addr, "OPTIONS", "/v1/ocr/id/passport", &refs, "").await;
    assert!(
        !r.head.contains("access-control-allow-origin"),
        "{}",
        r.head
    );
    s.stop.send(()).unwrap();
    s.task.await.unwrap().unwrap();

    // By default, no CORS headers at all.
    let s = start().await;
    let h = preflight("https://app.example");
    let refs: Vec<&str> = h.iter().map(String::as_str).collect();
    let r = http(s.addr, "GET", "/healthz", &refs, "").await;
    assert!(
        !r.head.contains("access-control-allow-origin"),
        "{}",
        r.head
    );
    s.stop.send(()).unwrap();
    s.task.await.unwrap().unwrap();
}

/// The samples of a Prometheus text exposition, checking every line's syntax.
fn prometheus_samples(text: &str) -> Vec<(String, f64)> {
    let mut samples = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(comment) = line.strip_prefix('#') {
            let words: Vec<&str> = comment.split_whitespace().collect();
            assert!(
                matches!(words.first(), Some(&"TYPE") | Some(&"HELP")),
                "{line}"
            );
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("a value");
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("not a number: {line}")),
        };
        let name = series.split('{').next().unwrap();
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "{line}"
        );
        if series.contains('{') {
            assert!(series.ends_with('}'), "{line}");
        }
        samples.push((series.to_string(), value));
    }
    samples
}

fn sample(samples: &[(String, f64)], name: &str, labels: &[&str]) -> f64 {
    samples
        .iter()
        .filter(|(s, _)| s.starts_with(name) && labels.iter().all(|l| s.contains(l)))
        .map(|(_, v)| v)
        .sum()
}

#[tokio::test]
async fn metrics_scrape_as_prometheus_text_and_move_with_traffic() {
    let s = start().await;
    let scrape = || async {
        let r = http(s.addr, "GET", "/metrics", &[], "").await;
        assert_eq!(r.status, 200);
        assert!(
            r.head.contains("content-type: text/plain; version=0.0.4"),
            "{}",
            r.head
        );
        prometheus_samples(&r.body)
    };
    let before = scrape().await;
    let r = kredibel_read_of_the_fixture(s.addr).await;
    assert_eq!(r.status, 200);
    let after = scrape().await;
    let requests = ["route=\"/v1/ocr/id/passport\"", "status=\"200\""];
    assert!(
        sample(&after, "pv_http_requests_total", &requests)
            >= sample(&before, "pv_http_requests_total", &requests) + 1.0
    );
    let reads = ["api=\"kredibel\"", "outcome=\"read\"", "format=\"TD3\""];
    assert!(sample(&after, "pv_reads_total", &reads) >= 1.0);
    assert!(
        sample(
            &after,
            "pv_vision_stage_seconds_count",
            &["stage=\"detect\""]
        ) >= 1.0
    );
    assert!(sample(&after, "pv_pool_size", &[]) >= 1.0);
    // Labels never carry a caller's path.
    http(s.addr, "GET", "/made/up/path-12345", &[], "").await;
    let labels = scrape().await;
    assert!(labels.iter().all(|(s, _)| !s.contains("path-12345")));
    s.stop.send(()).unwrap();
    s.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn every_route_of_the_metric_labels_is_served() {
    let s = start().await;
    for route in passport_vision::startup::ROUTES {
        let path = route
            .replace("{patron_id}", "0123456789abcdef01234567")
            .replace("{id}", "1")
            .replace("{name}", "x.png");
        let get = http(s.addr, "GET", &path, &[], "").await;
        let post = http(s.addr, "POST", &path, &[], "").await;
        let served = |r: &Reply| {
            r.status != 404
                || !(r.body.contains("ROUTE_NOT_FOUND")
                    || r.body.contains("not_found\"")
                    || r.body.contains("was not found on the server"))
        };
        assert!(
            served(&get) || served(&post),
            "{route}: {} {}",
            get.status,
            get.body
        );
    }
    s.stop.send(()).unwrap();
    s.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn bodies_past_the_in_flight_budget_get_503_in_the_vendor_shape_until_one_is_answered() {
    let s = start_with(|c| c.server.max_body_bytes_in_flight = 64 * 1024).await;
    // A Kredibel request announcing 60 kB that sends only its head: its claim is held
    // while its body is awaited.
    let mut slow = TcpStream::connect(s.addr).unwrap();
    slow.write_all(
        format!(
            "POST /v1/ocr/id/passport?key={KEY} HTTP/1.1\r\nHost: x\r\n\
             Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n{{\"image\":"
        )
        .as_bytes(),
    )
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let body = json!({"username": "x", "password": "y".repeat(10_000)}).to_string();
    let refused = http(s.addr, "POST", "/api/v2/patrons/login", &[], &body).await;
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert!(refused.head.contains("retry-after: 1"), "{}", refused.head);
    let v: Value = serde_json::from_str(&refused.body).unwrap();
    assert_eq!(v["error"]["code"], "SERVER_BUSY", "{v}");
    let kredibel = http(s.addr, "POST", "/v1/ocr/id/passport", &[], &body).await;
    assert_eq!(kredibel.status, 503);
    let v: Value = serde_json::from_str(&kredibel.body).unwrap();
    assert_eq!(v["errors"]["errorType"], "server_busy", "{v}");
    // Requests without a body pass, and once the slow request is gone the budget is back.
    assert_eq!(http(s.addr, "GET", "/healthz", &[], "").await.status, 200);
    drop(slow);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let later = http(s.addr, "POST", "/api/v2/patrons/login", &[], &body).await;
    assert_eq!(later.status, 401, "{}", later.body);
    s.stop.send(()).unwrap();
    s.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn keys_past_their_rate_get_429_with_retry_after_in_each_apis_shape() {
    let s = start_with(|c| {
        c.kredibel.api_keys = vec![KEY.into(), "other-key".into()];
        c.signzy.users = vec![passport_vision::config::SignzyUser {
            username: "alice".into(),
            password: "alice-pw".into(),
        }];
        c.server.rate_limit_per_minute = 1;
        c.server.rate_limit_burst = 2;
    })
    .await;
    let kredibel = |key: &'static str| {
        let addr = s.addr;
        async move {
            http(
                addr,
                "POST",
                "/v1/ocr/id/passport",
                &[&format!("Authorization: Bearer {key}")],
                "{\"image\": \"AAAA\"}",
            )
            .await
        }
    };
    // Two requests of the burst (refused as images, but counted), then 429.
    for _ in 0..2 {
        assert_eq!(kredibel(KEY).await.status, 400);
    }
    let limited = kredibel(KEY).await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(limited.head.contains("retry-after: "), "{}", limited.head);
    let v: Value = serde_json::from_str(&limited.body).unwrap();
    assert_eq!(v["errors"]["errorType"], "rate_limited", "{v}");
    // The same key on /v1/read shares the count; another key has its own.
    let native = http(s.addr, "POST", &format!("/v1/read?key={KEY}"), &[], "x").await;
    assert_eq!(native.status, 429);
    let v: Value = serde_json::from_str(&native.body).unwrap();
    assert_eq!(v["error"]["type"], "rate_limited", "{v}");
    assert_eq!(kredibel("other-key").await.status, 400);
    // A Signzy account: two logins, then 429 in Signzy's shape.
    let login = json!({"username": "alice", "password": "alice-pw"}).to_string();
    for _ in 0..2 {
        let ok = http(s.addr, "POST", "/api/v2/patrons/login", &[], &login).await;
        assert_eq!(ok.status, 200, "{}", ok.body);
    }
    let limited = http(s.addr, "POST", "/api/v2/patrons/login", &[], &login).await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(limited.head.contains("retry-after: "), "{}", limited.head);
    let v: Value = serde_json::from_str(&limited.body).unwrap();
    assert_eq!(v["error"]["code"], "RATE_LIMITED", "{v}");
    s.stop.send(()).unwrap();
    s.task.await.unwrap().unwrap();
}
