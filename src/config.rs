//! Service configuration: `config/default.toml` (compiled in), optionally overlaid by the
//! file named in `PV_CONFIG`, then by `PV_*` environment variables.
//!
//! Secrets (API keys, passwords) never appear in `Debug` output or in logs.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The shipped configuration, compiled into the binary.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// The development Kredibel key that `config/default.toml` ships with.
pub const DEV_KREDIBEL_API_KEY: &str = "pv-dev-kredibel-key";
/// The development Signzy account that `config/default.toml` ships with.
pub const DEV_SIGNZY_USER: (&str, &str) = ("pv-dev", "pv-dev-password");

/// Everything the service reads at start.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub kredibel: KredibelConfig,
    pub signzy: SignzyConfig,
    pub storage: StorageConfig,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// `PV_LISTEN`.
    pub listen: SocketAddr,
    /// `PV_PUBLIC_URL`; empty means `http://<listen>`. See [`Config::public_url`].
    pub public_url: String,
    /// `PV_FETCH_ALLOW`: hosts or CIDRs URL fetching may reach despite the private-address ban.
    pub fetch_allow: Vec<String>,
    /// `PV_POOL_SIZE`: images read at once; 0 means one per core. See [`Config::pool_size`].
    pub pool_size: usize,
    /// `PV_QUEUE_WAIT_MS`: how long a request waits for a reader before a 503.
    pub queue_wait_ms: u64,
    /// `PV_MAX_QUEUE`: requests waiting for a reader at most; past it, 503 at once.
    pub max_queue: usize,
    /// `PV_MAX_BODY_BYTES_IN_FLIGHT`: request bodies held at once, bytes, over all
    /// requests (by `Content-Length`; a body without one counts as the largest allowed);
    /// past it, 503 at once.
    pub max_body_bytes_in_flight: usize,
    /// `PV_RATE_LIMIT_PER_MINUTE`: requests a minute per API key or Signzy account; 0
    /// (the default) turns rate limiting off.
    pub rate_limit_per_minute: u32,
    /// `PV_RATE_LIMIT_BURST`: requests a key may make at once before the rate applies.
    pub rate_limit_burst: u32,
    /// `PV_REQUEST_TIMEOUT_MS`: time limit of one request.
    pub request_timeout_ms: u64,
    /// `PV_MAX_PIXELS`: images with more pixels are refused before decoding.
    pub max_pixels: u64,
    /// `PV_MAX_UPLOAD_BYTES`: the largest body `POST /v1/read` accepts.
    pub max_upload_bytes: usize,
    /// `PV_HEADER_TIMEOUT_MS`: a connection must send a whole request head within this,
    /// when it opens and between keep-alive requests (the idle timeout too).
    pub header_timeout_ms: u64,
    /// `PV_MAX_CONNECTIONS`: open connections at most; at the cap a new one closes the
    /// oldest without a request in flight. Keep it below `ulimit -n`.
    pub max_connections: usize,
    /// `PV_SHUTDOWN_DRAIN_MS`: after SIGTERM, how long `/readyz` answers 503 while the
    /// listener still serves, so a load balancer stops sending.
    pub shutdown_drain_ms: u64,
    /// `PV_SHUTDOWN_GRACE_MS`: then, how long requests in flight have to finish.
    pub shutdown_grace_ms: u64,
    /// `PV_CORS_ORIGINS`: origins browsers may call the API from (`*`: any); none by
    /// default.
    pub cors_origins: Vec<String>,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KredibelConfig {
    /// `PV_KREDIBEL_API_KEYS`.
    pub api_keys: Vec<String>,
    /// `PV_KREDIBEL_MAX_IMAGE_BYTES`: the largest decoded image (Kredibel's "2 MB").
    pub max_image_bytes: usize,
    /// `PV_KREDIBEL_SUCCESS_MESSAGE`.
    pub success_message: String,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignzyConfig {
    /// `PV_SIGNZY_USERS`, written `username:password`.
    #[serde(deserialize_with = "de_users")]
    pub users: Vec<SignzyUser>,
    /// `PV_SIGNZY_TOKEN_TTL_SECS`: lifetime of a login token (Signzy's 14 days).
    pub token_ttl_secs: u64,
    /// `PV_SIGNZY_FILE_TTL_SECS`: lifetime of an uploaded file sent without a valid `ttl`
    /// (Signzy's persist default, 30 s).
    pub file_ttl_secs: u64,
    /// `PV_SIGNZY_CROP_TTL_SECS`: lifetime of a face crop (24 h by default, so a crop URL
    /// handed to a queue or a callback still downloads).
    pub crop_ttl_secs: u64,
    /// `PV_SIGNZY_IDENTITY_TTL_SECS`: how long an identity (its `itemId` and
    /// `accessToken`) is kept after it is created.
    pub identity_ttl_secs: u64,
    /// `PV_SIGNZY_MAX_FILE_TTL_SECS`: the longest an upload is kept, whatever its `ttl`
    /// says (`infinity` included).
    pub max_file_ttl_secs: u64,
    /// `PV_SIGNZY_UPLOADS_NEED_TOKEN`: uploads need a login token (open by default, as
    /// Signzy's persist service is).
    pub uploads_need_token: bool,
    /// `PV_SIGNZY_MAX_SESSIONS_PER_USER`: live login sessions per account at most; a
    /// login past it ends that account's oldest session.
    pub max_sessions_per_user: usize,
}

/// Where files, identities, patrons and sessions are kept (the `storage` module).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// `PV_STORAGE_URL`: `file://DIRECTORY` or `s3://BUCKET/PREFIX`.
    pub url: String,
    /// `PV_STORAGE_MAX_BYTES`: bytes of files kept at most (uploads and crops); past it a
    /// new file is refused (Signzy 507). 0: no limit.
    pub max_bytes: u64,
}

/// One account of the Signzy-compatible API.
#[derive(Clone, PartialEq, Eq)]
pub struct SignzyUser {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for SignzyUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignzyUser({}, <redacted>)", self.username)
    }
}

impl fmt::Debug for KredibelConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KredibelConfig")
            .field(
                "api_keys",
                &format_args!("<{} redacted>", self.api_keys.len()),
            )
            .field("max_image_bytes", &self.max_image_bytes)
            .field("success_message", &self.success_message)
            .finish()
    }
}

impl fmt::Debug for SignzyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignzyConfig")
            .field("users", &self.users)
            .field("token_ttl_secs", &self.token_ttl_secs)
            .field("file_ttl_secs", &self.file_ttl_secs)
            .field("crop_ttl_secs", &self.crop_ttl_secs)
            .field("identity_ttl_secs", &self.identity_ttl_secs)
            .field("max_file_ttl_secs", &self.max_file_ttl_secs)
            .field("uploads_need_token", &self.uploads_need_token)
            .field("max_sessions_per_user", &self.max_sessions_per_user)
            .finish()
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("server", &self.server)
            .field("kredibel", &self.kredibel)
            .field("signzy", &self.signzy)
            .field("storage", &self.storage)
            .finish()
    }
}

/// A configuration that cannot be used; the message names the setting, never a secret.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {message}")]
    Read { path: String, message: String },
    #[error("invalid configuration in {source_name}: {message}")]
    Parse {
        source_name: String,
        message: String,
    },
    #[error("invalid value of {var}: {message}")]
    Env { var: &'static str, message: String },
    #[error("invalid setting {key}: {message}")]
    Invalid { key: &'static str, message: String },
}

impl Default for Config {
    /// The shipped defaults, without any file or environment override.
    fn default() -> Self {
        Config::from_sources(None, |_| None).expect("config/default.toml is valid")
    }
}

impl Config {
    /// Loads the configuration the service runs with: the shipped defaults, the file in
    /// `PV_CONFIG` if set, then the `PV_*` environment variables.
    pub fn load() -> Result<Config, ConfigError> {
        let file = match std::env::var_os("PV_CONFIG") {
            Some(path) if !path.is_empty() => {
                let path = PathBuf::from(path);
                let text = read_file(&path)?;
                Some((path.display().to_string(), text))
            }
            _ => None,
        };
        Config::from_sources(
            file.as_ref()
                .map(|(name, text)| (name.as_str(), text.as_str())),
            |name| std::env::var(name).ok(),
        )
    }

    /// Builds a configuration from the shipped defaults, an optional overlay file (a name
    /// for messages and its TOML text) and an environment lookup.
    pub fn from_sources(
        overlay: Option<(&str, &str)>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut table = parse_table("config/default.toml", DEFAULT_TOML)?;
        let mut source_name = "config/default.toml".to_string();
        if let Some((name, text)) = overlay {
            merge(&mut table, parse_table(name, text)?);
            source_name = name.to_string();
        }
        let mut config: Config =
            toml::Value::Table(table)
                .try_into()
                .map_err(|e: toml::de::Error| ConfigError::Parse {
                    source_name,
                    message: e.message().to_string(),
                })?;
        config.apply_env(env)?;
        config.validate()?;
        Ok(config)
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parsed<T: std::str::FromStr>(var: &'static str, v: &str) -> Result<T, ConfigError>
        where
            T::Err: fmt::Display,
        {
            v.trim().parse().map_err(|e: T::Err| ConfigError::Env {
                var,
                message: e.to_string(),
            })
        }
        let s = &mut self.server;
        if let Some(v) = env("PV_LISTEN") {
            s.listen = parsed("PV_LISTEN", &v)?;
        }
        if let Some(v) = env("PV_PUBLIC_URL") {
            s.public_url = v.trim().to_string();
        }
        if let Some(v) = env("PV_FETCH_ALLOW") {
            s.fetch_allow = split_list(&v);
        }
        if let Some(v) = env("PV_POOL_SIZE") {
            s.pool_size = parsed("PV_POOL_SIZE", &v)?;
        }
        if let Some(v) = env("PV_MAX_QUEUE") {
            s.max_queue = parsed("PV_MAX_QUEUE", &v)?;
        }
        if let Some(v) = env("PV_RATE_LIMIT_PER_MINUTE") {
            s.rate_limit_per_minute = parsed("PV_RATE_LIMIT_PER_MINUTE", &v)?;
        }
        if let Some(v) = env("PV_RATE_LIMIT_BURST") {
            s.rate_limit_burst = parsed("PV_RATE_LIMIT_BURST", &v)?;
        }
        if let Some(v) = env("PV_MAX_BODY_BYTES_IN_FLIGHT") {
            s.max_body_bytes_in_flight = parsed("PV_MAX_BODY_BYTES_IN_FLIGHT", &v)?;
        }
        if let Some(v) = env("PV_QUEUE_WAIT_MS") {
            s.queue_wait_ms = parsed("PV_QUEUE_WAIT_MS", &v)?;
        }
        if let Some(v) = env("PV_REQUEST_TIMEOUT_MS") {
            s.request_timeout_ms = parsed("PV_REQUEST_TIMEOUT_MS", &v)?;
        }
        if let Some(v) = env("PV_MAX_PIXELS") {
            s.max_pixels = parsed("PV_MAX_PIXELS", &v)?;
        }
        if let Some(v) = env("PV_MAX_UPLOAD_BYTES") {
            s.max_upload_bytes = parsed("PV_MAX_UPLOAD_BYTES", &v)?;
        }
        if let Some(v) = env("PV_HEADER_TIMEOUT_MS") {
            s.header_timeout_ms = parsed("PV_HEADER_TIMEOUT_MS", &v)?;
        }
        if let Some(v) = env("PV_MAX_CONNECTIONS") {
            s.max_connections = parsed("PV_MAX_CONNECTIONS", &v)?;
        }
        if let Some(v) = env("PV_SHUTDOWN_DRAIN_MS") {
            s.shutdown_drain_ms = parsed("PV_SHUTDOWN_DRAIN_MS", &v)?;
        }
        if let Some(v) = env("PV_CORS_ORIGINS") {
            s.cors_origins = split_list(&v);
        }
        if let Some(v) = env("PV_SHUTDOWN_GRACE_MS") {
            s.shutdown_grace_ms = parsed("PV_SHUTDOWN_GRACE_MS", &v)?;
        }
        let k = &mut self.kredibel;
        if let Some(v) = env("PV_KREDIBEL_API_KEYS") {
            k.api_keys = split_list(&v);
        }
        if let Some(v) = env("PV_KREDIBEL_MAX_IMAGE_BYTES") {
            k.max_image_bytes = parsed("PV_KREDIBEL_MAX_IMAGE_BYTES", &v)?;
        }
        if let Some(v) = env("PV_KREDIBEL_SUCCESS_MESSAGE") {
            k.success_message = v;
        }
        if let Some(v) = env("PV_SIGNZY_TOKEN_TTL_SECS") {
            self.signzy.token_ttl_secs = parsed("PV_SIGNZY_TOKEN_TTL_SECS", &v)?;
        }
        if let Some(v) = env("PV_SIGNZY_FILE_TTL_SECS") {
            self.signzy.file_ttl_secs = parsed("PV_SIGNZY_FILE_TTL_SECS", &v)?;
        }
        if let Some(v) = env("PV_SIGNZY_CROP_TTL_SECS") {
            self.signzy.crop_ttl_secs = parsed("PV_SIGNZY_CROP_TTL_SECS", &v)?;
        }
        if let Some(v) = env("PV_SIGNZY_IDENTITY_TTL_SECS") {
            self.signzy.identity_ttl_secs = parsed("PV_SIGNZY_IDENTITY_TTL_SECS", &v)?;
        }
        if let Some(v) = env("PV_STORAGE_URL") {
            self.storage.url = v.trim().to_string();
        }
        if let Some(v) = env("PV_STORAGE_MAX_BYTES") {
            self.storage.max_bytes = parsed("PV_STORAGE_MAX_BYTES", &v)?;
        }
        if let Some(v) = env("PV_SIGNZY_MAX_FILE_TTL_SECS") {
            self.signzy.max_file_ttl_secs = parsed("PV_SIGNZY_MAX_FILE_TTL_SECS", &v)?;
        }
        if let Some(v) = env("PV_SIGNZY_MAX_SESSIONS_PER_USER") {
            self.signzy.max_sessions_per_user = parsed("PV_SIGNZY_MAX_SESSIONS_PER_USER", &v)?;
        }
        if let Some(v) = env("PV_SIGNZY_UPLOADS_NEED_TOKEN") {
            self.signzy.uploads_need_token = parsed("PV_SIGNZY_UPLOADS_NEED_TOKEN", &v)?;
        }
        if let Some(v) = env("PV_SIGNZY_USERS") {
            self.signzy.users = split_list(&v)
                .iter()
                .enumerate()
                .map(|(i, entry)| parse_user(entry, i))
                .collect::<Result<_, _>>()
                .map_err(|message| ConfigError::Env {
                    var: "PV_SIGNZY_USERS",
                    message,
                })?;
        }
        Ok(())
    }

    fn validate(&mut self) -> Result<(), ConfigError> {
        let invalid = |key, message: &str| ConfigError::Invalid {
            key,
            message: message.to_string(),
        };
        let url = self.server.public_url.trim_end_matches('/').to_string();
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return Err(invalid(
                "server.public_url",
                "must start with http:// or https://",
            ));
        }
        self.server.public_url = url;
        if self.server.request_timeout_ms == 0 {
            return Err(invalid("server.request_timeout_ms", "must be at least 1"));
        }
        if self.server.header_timeout_ms == 0 {
            return Err(invalid("server.header_timeout_ms", "must be at least 1"));
        }
        if self.server.max_connections == 0 {
            return Err(invalid("server.max_connections", "must be at least 1"));
        }
        if self.server.max_pixels == 0 {
            return Err(invalid("server.max_pixels", "must be at least 1"));
        }
        if self.kredibel.max_image_bytes == 0 {
            return Err(invalid("kredibel.max_image_bytes", "must be at least 1"));
        }
        let store = &self.storage.url;
        if !(store.starts_with("file://") && store.len() > 7
            || store.starts_with("s3://") && store.len() > 5)
        {
            return Err(invalid(
                "storage.url",
                "must be file://DIRECTORY or s3://BUCKET/PREFIX",
            ));
        }
        if self.signzy.users.iter().any(|u| u.username.is_empty()) {
            return Err(invalid("signzy.users", "a username is empty"));
        }
        self.kredibel.api_keys.retain(|k| !k.is_empty());
        Ok(())
    }

    /// The base of every URL the service hands out, without a trailing `/`.
    pub fn public_url(&self) -> String {
        if self.server.public_url.is_empty() {
            format!("http://{}", self.server.listen)
        } else {
            self.server.public_url.clone()
        }
    }

    /// Images read at once: `server.pool_size`, or the number of cores when it is 0.
    pub fn pool_size(&self) -> usize {
        match self.server.pool_size {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }

    /// The development credentials this configuration accepts, one description each (no
    /// secret in them). The service logs a warning for each at start.
    pub fn dev_credentials(&self) -> Vec<&'static str> {
        let mut found = Vec::new();
        if self
            .kredibel
            .api_keys
            .iter()
            .any(|k| k == DEV_KREDIBEL_API_KEY)
        {
            found.push("kredibel.api_keys holds the development key from config/default.toml; set PV_KREDIBEL_API_KEYS");
        }
        if self
            .signzy
            .users
            .iter()
            .any(|u| (u.username.as_str(), u.password.as_str()) == DEV_SIGNZY_USER)
        {
            found.push("signzy.users holds the development account from config/default.toml; set PV_SIGNZY_USERS");
        }
        found
    }
}

fn read_file(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

fn parse_table(name: &str, text: &str) -> Result<toml::Table, ConfigError> {
    text.parse::<toml::Table>().map_err(|e| ConfigError::Parse {
        source_name: name.to_string(),
        message: e.message().to_string(),
    })
}

/// Overlays `top` on `base`: tables merge key by key, anything else is replaced.
fn merge(base: &mut toml::Table, top: toml::Table) {
    for (key, value) in top {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(t)) => merge(b, t),
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

/// A comma-separated list, items trimmed, empty items dropped.
fn split_list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// `username:password` (split at the first `:`); the error names the entry by position,
/// never by content.
fn parse_user(entry: &str, index: usize) -> Result<SignzyUser, String> {
    match entry.split_once(':') {
        Some((user, pass)) if !user.is_empty() && !pass.is_empty() => Ok(SignzyUser {
            username: user.to_string(),
            password: pass.to_string(),
        }),
        _ => Err(format!(
            "entry {} is not username:password with both parts non-empty",
            index + 1
        )),
    }
}

fn de_users<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<SignzyUser>, D::Error> {
    let entries = Vec::<String>::deserialize(d)?;
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| parse_user(e, i))
        .collect::<Result<_, _>>()
        .map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with_env(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_sources(None, move |k| map.get(k).cloned())
    }

    #[test]
    fn shipped_defaults_listen_on_localhost_8080_with_dev_credentials() {
        let c = Config::default();
        assert_eq!(c.server.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.public_url(), "http://127.0.0.1:8080");
        assert_eq!(c.kredibel.api_keys, vec![DEV_KREDIBEL_API_KEY.to_string()]);
        assert_eq!(c.kredibel.max_image_bytes, 2 * 1024 * 1024);
        assert_eq!(c.dev_credentials().len(), 2);
        assert!(c.pool_size() >= 1);
    }

    #[test]
    fn environment_variables_override_the_file() {
        let c = with_env(&[
            ("PV_LISTEN", "0.0.0.0:9000"),
            ("PV_PUBLIC_URL", "https://vision.example.com/"),
            ("PV_KREDIBEL_API_KEYS", " k1 , k2,,"),
            ("PV_SIGNZY_USERS", "alice:secret:with:colons,bob:pw"),
            ("PV_STORAGE_URL", " s3://bucket/pv "),
            ("PV_SIGNZY_CROP_TTL_SECS", "7"),
            ("PV_FETCH_ALLOW", "10.0.0.0/8, files.internal"),
            ("PV_POOL_SIZE", "3"),
            ("PV_QUEUE_WAIT_MS", "10"),
            ("PV_REQUEST_TIMEOUT_MS", "500"),
            ("PV_MAX_PIXELS", "1000"),
            ("PV_MAX_UPLOAD_BYTES", "2000"),
            ("PV_KREDIBEL_MAX_IMAGE_BYTES", "3000"),
            ("PV_KREDIBEL_SUCCESS_MESSAGE", "ok"),
        ])
        .unwrap();
        assert_eq!(c.server.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(c.public_url(), "https://vision.example.com");
        assert_eq!(c.kredibel.api_keys, vec!["k1", "k2"]);
        assert_eq!(
            c.signzy.users,
            vec![
                SignzyUser {
                    username: "alice".into(),
                    password: "secret:with:colons".into()
                },
                SignzyUser {
                    username: "bob".into(),
                    password: "pw".into()
                },
            ]
        );
        assert_eq!(c.storage.url, "s3://bucket/pv");
        assert_eq!(c.signzy.crop_ttl_secs, 7);
        assert_eq!(c.server.fetch_allow, vec!["10.0.0.0/8", "files.internal"]);
        assert_eq!(c.pool_size(), 3);
        assert_eq!(c.server.queue_wait_ms, 10);
        assert_eq!(c.server.request_timeout_ms, 500);
        assert_eq!(c.server.max_pixels, 1000);
        assert_eq!(c.server.max_upload_bytes, 2000);
        assert_eq!(c.kredibel.max_image_bytes, 3000);
        assert_eq!(c.kredibel.success_message, "ok");
        assert!(c.dev_credentials().is_empty());
    }

    #[test]
    fn an_overlay_file_replaces_only_what_it_sets() {
        let c = Config::from_sources(
            Some(("test.toml", "[server]\nlisten = \"127.0.0.1:1\"\n")),
            |_| None,
        )
        .unwrap();
        assert_eq!(c.server.listen.to_string(), "127.0.0.1:1");
        assert_eq!(c.kredibel.max_image_bytes, 2 * 1024 * 1024);
    }

    #[test]
    fn unknown_settings_and_bad_values_are_refused_without_secrets() {
        let typo = Config::from_sources(Some(("t.toml", "[server]\nlisen = \"x\"\n")), |_| None);
        assert!(typo.unwrap_err().to_string().contains("lisen"));
        assert!(with_env(&[("PV_LISTEN", "nowhere")]).is_err());
        assert!(with_env(&[("PV_POOL_SIZE", "-1")]).is_err());
        assert!(with_env(&[("PV_PUBLIC_URL", "ftp://x")]).is_err());
        assert!(with_env(&[("PV_STORAGE_URL", "/var/lib/pv")]).is_err());
        let err = with_env(&[("PV_SIGNZY_USERS", "ok:pw,hunter2")]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("PV_SIGNZY_USERS") && text.contains("entry 2"));
        assert!(!text.contains("hunter2"));
    }

    #[test]
    fn debug_output_hides_keys_and_passwords() {
        let text = format!("{:?}", Config::default());
        assert!(!text.contains(DEV_KREDIBEL_API_KEY));
        assert!(!text.contains(DEV_SIGNZY_USER.1));
    }
}
