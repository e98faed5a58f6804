//! The service's logs as an operator collects them: `PV_LOG_FORMAT=json` gives one JSON
//! object a line, the request's id on its lines; keys and MRZ text never appear.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn json_logs_carry_the_request_id_and_never_the_key_or_the_mrz() {
    let storage = common::temp_storage_url("logs");
    let mut child = Command::new(env!("CARGO_BIN_EXE_passport-vision"))
        .arg("serve")
        .env("PV_LISTEN", "127.0.0.1:0")
        .env("PV_STORAGE_URL", &storage)
        .env("PV_KREDIBEL_API_KEYS", "secret-log-key")
        .env("PV_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    let addr = loop {
        let line = lines.next().expect("the service logs").unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).expect("each line is JSON");
        seen.push(line);
        if let Some(listen) = v["fields"]["listen"].as_str() {
            break listen.to_string();
        }
    };
    let png = std::fs::read(common::repo_path("fixtures/pages/td3_passport.png")).unwrap();
    let mut s = TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let head = format!(
        "POST /v1/read?key=secret-log-key HTTP/1.1\r\nHost: x\r\nX-Request-Id: trace-77\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        png.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&png).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.contains("QUINTERO"), "the read worked");
    let answered = loop {
        let line = lines.next().expect("the request is logged").unwrap();
        seen.push(line.clone());
        let v: serde_json::Value = serde_json::from_str(&line).expect("each line is JSON");
        if v["fields"]["message"] == "answered" {
            break v;
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(answered["span"]["request_id"], "trace-77", "{answered}");
    assert_eq!(answered["span"]["path"], "/v1/read");
    assert_eq!(answered["fields"]["status"], 200);
    let all = seen.join("\n");
    for secret in ["secret-log-key", "QUINTERO", "XK4271903"] {
        assert!(!all.contains(secret), "the logs hold {secret}");
    }
}
