//! A real `passport-vision serve` process for tests that need one (replicas, memory), and
//! plain HTTP/1.1 to it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// What every replica answers as its base URL, as behind a load balancer.
pub const PUBLIC: &str = "http://pv.test";

/// One `passport-vision serve` process, killed when dropped.
pub struct Replica {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the service on a free port over `storage`, with `env` added, and waits until it
/// serves (it logs its address once storage is checked and the listener bound).
pub fn start_replica(storage: &str, env: &[(String, String)]) -> Replica {
    let mut child = Command::new(env!("CARGO_BIN_EXE_passport-vision"))
        .arg("serve")
        .env("PV_LISTEN", "127.0.0.1:0")
        .env("PV_PUBLIC_URL", PUBLIC)
        .env("PV_STORAGE_URL", storage)
        .env("PV_SIGNZY_USERS", "alice:alice-pw")
        .env("RUST_LOG", "info")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the service binary starts");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if !sent {
                if let Some(rest) = line.split("listen=").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap_or_default();
                    let _ = tx.send(addr.parse::<SocketAddr>().ok());
                    sent = true;
                }
            }
        }
        let _ = tx.send(None);
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .ok()
        .flatten()
        .expect("the replica logs its address within a minute");
    Replica { child, addr }
}

pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// One HTTP/1.1 request with `Connection: close`; the whole answer.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Reply {
        status,
        body: raw[split + 4..].to_vec(),
    }
}

pub fn post_json(addr: SocketAddr, path: &str, body: &Value, token: Option<&str>) -> Reply {
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(t) = token {
        headers.push(("Authorization", t));
    }
    http(addr, "POST", path, &headers, body.to_string().as_bytes())
}
