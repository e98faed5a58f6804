//! Stateless replicas over shared storage, as the README's "Scale out" runs them: two
//! service processes (the real binary) over one storage URL. Log in on one, create the
//! identity and run faceExtraction on the other, download the crop from the first; then
//! restart both and the token, the identity, the `userId` and the files still work.
//!
//! Runs over a shared local directory, and over S3 served by moto (`moto_server`, from
//! PyPI's `moto[server]`, which `.ci/run` installs). Without moto on the machine the S3 run
//! skips with a message, except under CI, where it must run.

mod common;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::service::{http, post_json, start_replica, PUBLIC};

use base64::Engine;
use serde_json::json;

fn path_of(url: &str) -> &str {
    url.strip_prefix(PUBLIC).expect("a URL of the service")
}

/// The flow across two replicas, then across a restart of both. `env` configures the
/// storage's client (the S3 endpoint and keys).
fn two_replicas_share_everything(storage: &str, env: &[(String, String)]) {
    let page = std::fs::read(common::repo_path(
        "fixtures/pages/td3_passport_portrait.png",
    ))
    .unwrap();
    let (a, b) = (start_replica(storage, env), start_replica(storage, env));

    // Log in on A; create the identity and upload the page on B.
    let login = json!({"username": "alice", "password": "alice-pw"});
    let l = post_json(a.addr, "/api/v2/patrons/login", &login, None).json();
    let token = l["id"].as_str().expect("a token").to_string();
    let user_id = l["userId"].as_str().unwrap().to_string();
    let identity = post_json(
        b.addr,
        &format!("/api/v2/patrons/{user_id}/identities"),
        &json!({"type": "passport", "images": []}),
        Some(&token),
    );
    assert_eq!(identity.status, 200, "{:?}", identity.json());
    let identity = identity.json();
    let (item, access) = (
        identity["id"].as_str().unwrap().to_string(),
        identity["accessToken"].as_str().unwrap().to_string(),
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(&page);
    let up = post_json(
        b.addr,
        "/api/base64",
        &json!({"base64String": b64, "mimetype": "image/png", "ttl": "10 mins"}),
        None,
    )
    .json();
    let page_url = up["file"]["directURL"].as_str().unwrap().to_string();

    // faceExtraction on B; the crop downloads from A.
    let snoop = json!({"service": "Identity", "itemId": item, "accessToken": access,
        "task": "faceExtraction", "essentials": {"url": page_url}});
    let face = post_json(b.addr, "/api/v2/snoops", &snoop, None);
    assert_eq!(face.status, 200, "{:?}", face.json());
    let cropped = face.json()["response"]["result"]["cropped"]
        .as_str()
        .unwrap()
        .to_string();
    let crop = http(a.addr, "GET", path_of(&cropped), &[], b"");
    assert_eq!(crop.status, 200);
    assert!(
        image::load_from_memory(&crop.body).is_ok(),
        "the crop is an image"
    );

    // Restart both: the token, the identity, the userId and the files still work.
    drop((a, b));
    let (a, b) = (start_replica(storage, env), start_replica(storage, env));
    let again = post_json(b.addr, "/api/v2/patrons/login", &login, None).json();
    assert_eq!(
        again["userId"],
        user_id.as_str(),
        "the userId survives a restart"
    );
    let still = post_json(
        a.addr,
        &format!("/api/v2/patrons/{user_id}/identities"),
        &json!({"type": "passport"}),
        Some(&token),
    );
    assert_eq!(still.status, 200, "the token survives a restart");
    let face = post_json(a.addr, "/api/v2/snoops", &snoop, None);
    assert_eq!(
        face.status,
        200,
        "the identity and the upload survive: {:?}",
        face.json()
    );
    assert_eq!(http(b.addr, "GET", path_of(&cropped), &[], b"").status, 200);
    let logout = http(
        a.addr,
        "POST",
        &format!("/api/v2/patrons/logout?access_token={token}"),
        &[],
        b"",
    );
    assert_eq!(logout.status, 204);
    let gone = post_json(
        b.addr,
        &format!("/api/v2/patrons/{user_id}/identities"),
        &json!({"type": "passport"}),
        Some(&token),
    );
    assert_eq!(
        gone.status, 401,
        "a logout on one replica holds on the other"
    );
}

#[test]
fn two_replicas_over_one_directory_share_sessions_identities_and_files() {
    two_replicas_share_everything(&common::temp_storage_url("replicas"), &[]);
}

/// A moto S3 server on a free port of 127.0.0.1, stopped when dropped.
struct Moto {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `moto_server`, or None when it is not installed (an error under CI).
fn start_moto() -> Option<Moto> {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = match Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must run the S3 tests: moto_server does not start ({e})"
            );
            eprintln!("skipping: moto_server not found (pip install 'moto[server]') ({e})");
            return None;
        }
    };
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let moto = Moto { child, addr };
    let start = Instant::now();
    while TcpStream::connect(addr).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "moto did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(moto)
}

/// The `AWS_*` settings of a local S3 server, and a fresh bucket on it.
fn s3_env(moto: &Moto) -> (String, Vec<(String, String)>) {
    let bucket = format!("pv-{}", uuid::Uuid::new_v4().simple());
    let made = http(moto.addr, "PUT", &format!("/{bucket}"), &[], b"");
    assert_eq!(made.status, 200, "{}", String::from_utf8_lossy(&made.body));
    let env = [
        ("AWS_ENDPOINT", format!("http://{}", moto.addr)),
        ("AWS_ALLOW_HTTP", "true".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
    ];
    (
        format!("s3://{bucket}/pv"),
        env.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
    )
}

#[test]
fn two_replicas_over_s3_share_sessions_identities_and_files() {
    let Some(moto) = start_moto() else { return };
    let (url, env) = s3_env(&moto);
    two_replicas_share_everything(&url, &env);
}

#[test]
fn storage_over_s3_keeps_expires_creates_once_and_sweeps() {
    use passport_vision::storage::{Key, Kind, Storage, Write};
    let Some(moto) = start_moto() else { return };
    let (url, env) = s3_env(&moto);
    for (k, v) in &env {
        // Only this test binary's process reads them, and every test sets the same values.
        unsafe { std::env::set_var(k, v) };
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let s = Storage::open(&url).unwrap();
        s.check().await.unwrap();
        let k = Key::new(Kind::Patrons, "alice").unwrap();
        assert!(s.put(&k, b"one", None, Write::CreateOnly).await.unwrap());
        assert!(!s.put(&k, b"two", None, Write::CreateOnly).await.unwrap());
        assert_eq!(s.get(&k).await.unwrap().as_deref(), Some(&b"one"[..]));
        let now = passport_vision::clock::now_ms();
        let old = Key::new(Kind::Files, "old").unwrap();
        let live = Key::new(Kind::Files, "live").unwrap();
        s.put(&old, b"o", Some(now - 120_000), Write::Overwrite)
            .await
            .unwrap();
        s.put(&live, b"l", Some(now + 3_600_000), Write::Overwrite)
            .await
            .unwrap();
        assert_eq!(
            s.get(&old).await.unwrap(),
            None,
            "expired objects read as absent"
        );
        s.put(&old, b"o", Some(now - 120_000), Write::Overwrite)
            .await
            .unwrap();
        assert_eq!(s.sweep(now).await.unwrap(), 1);
        assert_eq!(s.get(&live).await.unwrap().as_deref(), Some(&b"l"[..]));
        assert_eq!(s.sweep(now + 3_660_000).await.unwrap(), 1);
    });
}
