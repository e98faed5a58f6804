//! Fetching images by URL without becoming a proxy into the network we run in.
//!
//! - Only `http` and `https`; no user-info in the URL.
//! - The host is resolved here and the connection goes to the address that was checked,
//!   so a name cannot resolve to one address for the check and another for the connect.
//!   Loopback, private, link-local (cloud metadata included), shared, multicast,
//!   reserved and unspecified addresses are refused before any connection, unless the
//!   host name, or a CIDR holding the address, is listed in `fetch_allow`.
//! - At most [`FetchPolicy::max_redirects`] redirects, each one checked the same way.
//! - A connect time limit and a time limit for the whole fetch; the body is read as a
//!   stream and reading stops past [`FetchPolicy::max_bytes`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::{Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;

/// What a fetch may do.
#[derive(Clone, Debug)]
pub struct FetchPolicy {
    /// Host names and CIDRs (`10.0.0.0/8`, `127.0.0.1/32`, a bare address) that may be
    /// reached although their addresses are not public.
    pub allow: Vec<String>,
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    pub max_bytes: usize,
    pub max_redirects: u8,
}

impl FetchPolicy {
    /// The defaults: 2 MB, 3 redirects, 5 s to connect, 15 s in all.
    pub fn new(allow: Vec<String>) -> FetchPolicy {
        FetchPolicy {
            allow,
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(15),
            max_bytes: 2 * 1024 * 1024,
            max_redirects: 3,
        }
    }
}

/// Why a fetch failed. Messages name the URL's host at most, never its query.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("the URL is not valid: {0}")]
    BadUrl(String),
    #[error("the URL is refused: {0}")]
    Refused(String),
    #[error("cannot reach the URL's host: {0}")]
    Connect(String),
    #[error("the URL took too long to fetch")]
    Timeout,
    #[error("the file at the URL is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the URL answered HTTP {0}")]
    Status(u16),
    #[error("too many redirects (more than {0})")]
    TooManyRedirects(u8),
    #[error("the fetch failed: {0}")]
    Http(String),
}

/// Fetches `url` under `policy`, following redirects; returns the body.
pub async fn fetch(url: &str, policy: &FetchPolicy) -> Result<Vec<u8>, FetchError> {
    match tokio::time::timeout(policy.total_timeout, fetch_inner(url, policy)).await {
        Ok(r) => r,
        Err(_) => Err(FetchError::Timeout),
    }
}

async fn fetch_inner(url: &str, policy: &FetchPolicy) -> Result<Vec<u8>, FetchError> {
    let lower = url.trim().to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(FetchError::Refused(
            "only http and https URLs are fetched".into(),
        ));
    }
    let mut uri: Uri = url
        .trim()
        .parse()
        .map_err(|_| FetchError::BadUrl("cannot parse it".into()))?;
    let mut redirects = 0u8;
    loop {
        let target = Target::of(&uri)?;
        let addrs = resolve_checked(&target, policy).await?;
        match get_once(&uri, &target, &addrs, policy).await? {
            Hop::Body(b) => return Ok(b),
            Hop::Redirect(location) => {
                if redirects >= policy.max_redirects {
                    return Err(FetchError::TooManyRedirects(policy.max_redirects));
                }
                redirects += 1;
                uri = join(&uri, &location)?;
            }
        }
    }
}

/// The scheme, host and port of a URL that may be fetched.
#[derive(Debug)]
struct Target {
    https: bool,
    host: String,
    port: u16,
}

impl Target {
    fn of(uri: &Uri) -> Result<Target, FetchError> {
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => {
                return Err(FetchError::Refused(
                    "only http and https URLs are fetched".into(),
                ))
            }
        };
        let authority = uri
            .authority()
            .ok_or_else(|| FetchError::BadUrl("it has no host".into()))?;
        if authority.as_str().contains('@') {
            return Err(FetchError::Refused(
                "URLs with user names are not fetched".into(),
            ));
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        if host.is_empty() {
            return Err(FetchError::BadUrl("it has no host".into()));
        }
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        Ok(Target { https, host, port })
    }
}

/// Resolves the host; every address must be one that may be reached.
async fn resolve_checked(t: &Target, policy: &FetchPolicy) -> Result<Vec<SocketAddr>, FetchError> {
    let host_allowed = policy.allow.iter().any(|a| a.eq_ignore_ascii_case(&t.host));
    let addrs: Vec<IpAddr> = match t.host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => {
            if !t
                .host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            {
                return Err(FetchError::BadUrl("the host name is not valid".into()));
            }
            let lookup = tokio::net::lookup_host((t.host.as_str(), t.port));
            match tokio::time::timeout(policy.connect_timeout, lookup).await {
                Ok(Ok(it)) => it.map(|a| a.ip()).collect(),
                Ok(Err(_)) => {
                    return Err(FetchError::Connect("the host name does not resolve".into()))
                }
                Err(_) => return Err(FetchError::Timeout),
            }
        }
    };
    if addrs.is_empty() {
        return Err(FetchError::Connect("the host name does not resolve".into()));
    }
    // Every address must pass: a name that resolves to a public and a private address is
    // refused as a whole.
    for ip in &addrs {
        if !(host_allowed || is_public(*ip) || in_allowed_net(*ip, &policy.allow)) {
            return Err(FetchError::Refused(format!(
                "{} resolves to a non-public address",
                t.host
            )));
        }
    }
    Ok(addrs
        .into_iter()
        .map(|ip| SocketAddr::new(ip, t.port))
        .collect())
}

fn in_allowed_net(ip: IpAddr, allow: &[String]) -> bool {
    allow.iter().any(|entry| {
        let (net, bits) = match entry.split_once('/') {
            Some((n, b)) => match b.parse::<u8>() {
                Ok(b) => (n, Some(b)),
                Err(_) => return false,
            },
            None => (entry.as_str(), None),
        };
        let Ok(net) = net.trim().parse::<IpAddr>() else {
            return false;
        };
        match (canonical(ip), canonical(net)) {
            (IpAddr::V4(a), IpAddr::V4(n)) => {
                let bits = bits.unwrap_or(32).min(32);
                let mask = if bits == 0 {
                    0
                } else {
                    u32::MAX << (32 - bits)
                };
                u32::from(a) & mask == u32::from(n) & mask
            }
            (IpAddr::V6(a), IpAddr::V6(n)) => {
                let bits = bits.unwrap_or(128).min(128);
                let mask = if bits == 0 {
                    0
                } else {
                    u128::MAX << (128 - bits)
                };
                u128::from(a) & mask == u128::from(n) & mask
            }
            _ => false,
        }
    })
}

/// IPv4 addresses carried in IPv6 (mapped, NAT64) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            let s = v6.segments();
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let o = v6.octets();
                return IpAddr::V4(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
            }
            IpAddr::V6(v6)
        }
        v4 => v4,
    }
}

/// Whether an address is on the public internet (not loopback, private, link-local,
/// shared, multicast, documentation, reserved or unspecified).
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b))
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && (c == 0 || c == 2))
        || (a == 192 && b == 88 && c == 99)
        || (a == 192 && b == 168)
        || (a == 198 && (b == 18 || b == 19))
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || a >= 224)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    // 6to4 (2002::/16) reaches the IPv4 address in segments 1-2: judge that one (NAT64
    // and IPv4-mapped addresses are turned into theirs by `canonical`).
    if s[0] == 0x2002 {
        return is_public_v4(v4(s[1], s[2]));
    }
    !(ip.is_unspecified()
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) // local-use NAT64 (64:ff9b:1::/48)
        || (s[0] == 0x2001 && s[1] == 0) // Teredo: the IPv4 inside is obfuscated
        || ip.is_loopback()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] & 0xff00) == 0xff00 // multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || s[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible and other reserved
}

enum Hop {
    Body(Vec<u8>),
    Redirect(String),
}

async fn get_once(
    uri: &Uri,
    t: &Target,
    addrs: &[SocketAddr],
    policy: &FetchPolicy,
) -> Result<Hop, FetchError> {
    // The checked addresses in turn (a name may resolve to IPv6 and IPv4).
    let mut last = FetchError::Connect("no address".into());
    let mut stream = None;
    for addr in addrs {
        match tokio::time::timeout(policy.connect_timeout, tokio::net::TcpStream::connect(addr))
            .await
        {
            Ok(Ok(s)) => {
                stream = Some(s);
                break;
            }
            Ok(Err(e)) => last = FetchError::Connect(e.kind().to_string()),
            Err(_) => last = FetchError::Timeout,
        }
    }
    let Some(tcp) = stream else { return Err(last) };
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
    let host_header = match (t.https, t.port) {
        (false, 80) | (true, 443) => t.host.clone(),
        _ => format!("{}:{}", t.host, t.port),
    };
    let host_header = if t.host.contains(':') {
        format!("[{}]:{}", t.host, t.port)
    } else {
        host_header
    };
    let req = Request::get(path)
        .header(hyper::header::HOST, host_header)
        .header(hyper::header::USER_AGENT, "passport-vision")
        .header(
            hyper::header::ACCEPT,
            "image/jpeg, image/png, application/pdf, */*",
        )
        .body(http_body_util::Empty::<hyper::body::Bytes>::new())
        .map_err(|e| FetchError::BadUrl(e.to_string()))?;
    if t.https {
        let connector = tokio_rustls::TlsConnector::from(tls_config());
        let name = rustls::pki_types::ServerName::try_from(t.host.clone())
            .map_err(|_| FetchError::BadUrl("the host name is not valid".into()))?;
        let tls = match tokio::time::timeout(policy.connect_timeout, connector.connect(name, tcp))
            .await
        {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(FetchError::Connect(format!("TLS: {e}"))),
            Err(_) => return Err(FetchError::Timeout),
        };
        exchange(TokioIo::new(tls), req, policy).await
    } else {
        exchange(TokioIo::new(tcp), req, policy).await
    }
}

async fn exchange<IO>(
    io: IO,
    req: Request<http_body_util::Empty<hyper::body::Bytes>>,
    policy: &FetchPolicy,
) -> Result<Hop, FetchError>
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| FetchError::Http(e.to_string()))?;
    let conn = tokio::spawn(conn);
    let res = sender
        .send_request(req)
        .await
        .map_err(|e| FetchError::Http(e.to_string()))?;
    let status = res.status();
    let out = if status.is_redirection() {
        let location = res
            .headers()
            .get(hyper::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(FetchError::Status(status.as_u16()))?;
        Ok(Hop::Redirect(location.to_string()))
    } else if status != StatusCode::OK {
        Err(FetchError::Status(status.as_u16()))
    } else {
        let declared = res
            .headers()
            .get(hyper::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > policy.max_bytes as u64) {
            Err(FetchError::TooLarge(policy.max_bytes))
        } else {
            let mut body = res.into_body();
            let mut buf = Vec::new();
            loop {
                match body.frame().await {
                    None => break Ok(Hop::Body(buf)),
                    Some(Err(e)) => break Err(FetchError::Http(e.to_string())),
                    Some(Ok(frame)) => {
                        if let Some(data) = frame.data_ref() {
                            if buf.len() + data.len() > policy.max_bytes {
                                break Err(FetchError::TooLarge(policy.max_bytes));
                            }
                            buf.extend_from_slice(data);
                        }
                    }
                }
            }
        }
    };
    conn.abort();
    out
}

fn tls_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: std::sync::OnceLock<Arc<rustls::ClientConfig>> = std::sync::OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("ring supports the default TLS versions")
                .with_root_certificates(roots)
                .with_no_client_auth();
            Arc::new(config)
        })
        .clone()
}

/// Resolves a redirect's `Location` against the URL it came from.
fn join(base: &Uri, location: &str) -> Result<Uri, FetchError> {
    let location = location.trim();
    let bad = |_| FetchError::BadUrl("the redirect target cannot be parsed".into());
    if location.contains("://") {
        return location.parse().map_err(bad);
    }
    let scheme = base.scheme_str().unwrap_or("http");
    if let Some(rest) = location.strip_prefix("//") {
        return format!("{scheme}://{rest}").parse().map_err(bad);
    }
    let authority = base.authority().map_or("", |a| a.as_str());
    let path = if location.starts_with('/') {
        location.to_string()
    } else {
        let dir = base.path().rsplit_once('/').map_or("", |(d, _)| d);
        format!("{dir}/{location}")
    };
    format!("{scheme}://{authority}{path}").parse().map_err(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_link_local_and_metadata_addresses_are_not_public() {
        for a in [
            "127.0.0.1",
            "10.0.0.1",
            "172.20.1.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.100.100.200",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "64:ff9b::a00:1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::",
            "2002:c0a8:101::1",
            "2001:0:4136:e378::1",
            "64:ff9b:1::8.8.8.8",
        ] {
            assert!(!is_public(a.parse().unwrap()), "{a}");
        }
        for a in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "2002:808:808::1",
            "64:ff9b::808:808",
        ] {
            assert!(is_public(a.parse().unwrap()), "{a}");
        }
    }

    #[test]
    fn allow_entries_match_by_cidr() {
        let allow = vec!["10.1.0.0/16".to_string(), "127.0.0.1".to_string()];
        assert!(in_allowed_net("10.1.2.3".parse().unwrap(), &allow));
        assert!(!in_allowed_net("10.2.0.1".parse().unwrap(), &allow));
        assert!(in_allowed_net("127.0.0.1".parse().unwrap(), &allow));
        assert!(!in_allowed_net("127.0.0.2".parse().unwrap(), &allow));
    }

    #[test]
    fn redirect_targets_resolve_against_the_current_url() {
        let base: Uri = "http://a.example/x/y.jpg?q=1".parse().unwrap();
        assert_eq!(
            join(&base, "/z.png").unwrap().to_string(),
            "http://a.example/z.png"
        );
        assert_eq!(
            join(&base, "z.png").unwrap().to_string(),
            "http://a.example/x/z.png"
        );
        assert_eq!(
            join(&base, "//b.example/p").unwrap().to_string(),
            "http://b.example/p"
        );
        assert_eq!(
            join(&base, "https://c.example/").unwrap().to_string(),
            "https://c.example/"
        );
    }

    #[tokio::test]
    async fn refused_urls_fail_before_any_connection() {
        let p = FetchPolicy::new(vec![]);
        for url in [
            "http://127.0.0.1:9/x.jpg",
            "http://10.0.0.1/x.jpg",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/x",
            "file:///etc/passwd",
            "ftp://example.com/x",
            "http://user@example.com/x",
        ] {
            assert!(
                matches!(fetch(url, &p).await, Err(FetchError::Refused(_))),
                "{url}"
            );
        }
    }
}
