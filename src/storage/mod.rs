//! The persist file store behind Signzy's upload routes and the crops it hands out.
//!
//! Files live behind the small [`Backend`] trait: [`LocalDir`] keeps them in a directory
//! (`<data_dir>/files` by default); an S3-compatible backend can implement the same three
//! calls. Each file has an integer id (counting up) and a name of 64 hex digits holding
//! 244 random bits (two UUID v4), so its `directURL`
//! (`<public_url>/api/files/<id>/download/<name>.<ext>`) cannot be guessed. Files expire after their TTL ([`parse_ttl`]; 30 s by default, as Signzy
//! documents); an expired file answers 404 and is deleted when next asked for.

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// What is kept beside each file's bytes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    pub id: u64,
    pub mimetype: String,
    /// Unix time in milliseconds after which the file is gone; None: never.
    pub expires_at_ms: Option<u64>,
}

/// Where file bytes and their [`Meta`] are kept. `key` is `<id>-<name>.<ext>`, made of
/// `[0-9a-z.-]` only.
pub trait Backend: Send + Sync {
    fn put(&self, key: &str, bytes: &[u8], meta: &Meta) -> io::Result<()>;
    /// None when there is no such file.
    fn get(&self, key: &str) -> io::Result<Option<(Vec<u8>, Meta)>>;
    fn delete(&self, key: &str) -> io::Result<()>;
}

/// Files in a local directory: `<key>` holds the bytes, `<key>.meta.json` the metadata.
pub struct LocalDir {
    dir: PathBuf,
}

impl LocalDir {
    /// The directory is created when the first file is written.
    pub fn new(dir: PathBuf) -> io::Result<LocalDir> {
        Ok(LocalDir { dir })
    }
}

impl Backend for LocalDir {
    fn put(&self, key: &str, bytes: &[u8], meta: &Meta) -> io::Result<()> {
        let meta_json = serde_json::to_vec(meta).map_err(io::Error::other)?;
        std::fs::create_dir_all(&self.dir)?;
        // Bytes first, metadata last: a file is only visible once both are written.
        let tmp = self.dir.join(format!("{key}.tmp"));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, self.dir.join(key))?;
        std::fs::write(self.dir.join(format!("{key}.meta.json")), meta_json)
    }

    fn get(&self, key: &str) -> io::Result<Option<(Vec<u8>, Meta)>> {
        let meta = match std::fs::read(self.dir.join(format!("{key}.meta.json"))) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let meta: Meta = serde_json::from_slice(&meta).map_err(io::Error::other)?;
        match std::fs::read(self.dir.join(key)) {
            Ok(bytes) => Ok(Some((bytes, meta))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        for path in [
            self.dir.join(format!("{key}.meta.json")),
            self.dir.join(key),
        ] {
            match std::fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// A stored file, as the upload routes describe it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredFile {
    pub id: u64,
    /// The random part of the name (64 hex digits).
    pub name: String,
    pub ext: &'static str,
    pub mimetype: String,
    pub size: usize,
}

impl StoredFile {
    /// The path of its `directURL`, from `/api/...`.
    pub fn path(&self) -> String {
        format!("/api/files/{}/download/{}.{}", self.id, self.name, self.ext)
    }
}

/// The store: ids, names, TTLs and expiry over a backend.
pub struct Store {
    backend: Arc<dyn Backend>,
    next_id: AtomicU64,
    default_ttl: Duration,
}

/// The file extension for a MIME type the store accepts.
pub fn extension(mimetype: &str) -> Option<&'static str> {
    match mimetype.trim().to_ascii_lowercase().as_str() {
        "image/jpeg" | "image/jpg" => Some("jpeg"),
        "image/png" => Some("png"),
        "application/pdf" => Some("pdf"),
        _ => None,
    }
}

/// The MIME type of bytes, by content: an image the reader decodes
/// ([`ImageKind`](crate::vision::image_io::ImageKind)) or a PDF.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if let Some(kind) = crate::vision::image_io::ImageKind::sniff(bytes) {
        Some(kind.mime())
    } else if bytes.len() >= 5
        && bytes[..bytes.len().min(1024)]
            .windows(5)
            .any(|w| w == b"%PDF-")
    {
        Some("application/pdf")
    } else {
        None
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Store {
    /// A store over `backend`, with `default_ttl` for files uploaded without a valid TTL.
    /// Ids start from the time in milliseconds, so that they do not repeat across restarts.
    pub fn new(backend: Arc<dyn Backend>, default_ttl: Duration) -> Store {
        Store {
            backend,
            next_id: AtomicU64::new(now_ms() % 1_000_000_000),
            default_ttl,
        }
    }

    /// A store in a local directory.
    pub fn local(dir: PathBuf, default_ttl: Duration) -> io::Result<Store> {
        Ok(Store::new(Arc::new(LocalDir::new(dir)?), default_ttl))
    }

    pub fn default_ttl(&self) -> Duration {
        self.default_ttl
    }

    /// Saves bytes of a MIME type the store accepts (see [`extension`]); `ttl` None keeps
    /// the file for ever. Blocking (file I/O).
    pub fn save(
        &self,
        bytes: &[u8],
        mimetype: &str,
        ttl: Option<Duration>,
    ) -> io::Result<StoredFile> {
        let ext = extension(mimetype)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "unsupported MIME type"))?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let name = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let meta = Meta {
            id,
            mimetype: mimetype.trim().to_ascii_lowercase(),
            expires_at_ms: ttl.map(|t| now_ms().saturating_add(t.as_millis() as u64)),
        };
        let file = StoredFile {
            id,
            name,
            ext,
            mimetype: meta.mimetype.clone(),
            size: bytes.len(),
        };
        self.backend.put(&key(id, &file.name, ext), bytes, &meta)?;
        Ok(file)
    }

    /// The bytes and MIME type of file `id` named `file_name` (`<name>.<ext>`), None when
    /// there is no such file or it has expired. Blocking.
    pub fn load(&self, id: u64, file_name: &str) -> io::Result<Option<(Vec<u8>, String)>> {
        let Some((name, ext)) = file_name.rsplit_once('.') else {
            return Ok(None);
        };
        let valid_name = name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit());
        let ext = match ext {
            "jpeg" => "jpeg",
            "png" => "png",
            "pdf" => "pdf",
            _ => return Ok(None),
        };
        if !valid_name {
            return Ok(None);
        }
        let name = name.to_ascii_lowercase();
        let k = key(id, &name, ext);
        let Some((bytes, meta)) = self.backend.get(&k)? else {
            return Ok(None);
        };
        if meta.id != id {
            return Ok(None);
        }
        if meta.expires_at_ms.is_some_and(|t| now_ms() >= t) {
            let _ = self.backend.delete(&k);
            return Ok(None);
        }
        Ok(Some((bytes, meta.mimetype)))
    }
}

fn key(id: u64, name: &str, ext: &str) -> String {
    format!("{id}-{name}.{ext}")
}

/// A TTL as Signzy's persist service takes it: `2 mins`, `10 mins`, `30 mins`, `2 hrs`,
/// `12 hrs`, `24 hrs`, `7 days`, `15 days`, `1 month`, `3 month`, `6 month`, `1 year`,
/// `3 years` or `infinity` (and the same forms with other numbers, singular or plural
/// units, any case and spacing). `Some(None)` is infinity; None means not a TTL (the
/// caller then uses the default, as Signzy does).
pub fn parse_ttl(text: &str) -> Option<Option<Duration>> {
    let t = text.trim().to_ascii_lowercase();
    if t == "infinity" || t == "infinite" {
        return Some(None);
    }
    let split = t.find(|c: char| !c.is_ascii_digit())?;
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().ok().filter(|&n| n > 0)?;
    let secs: u64 = match unit.trim() {
        "sec" | "secs" | "second" | "seconds" | "s" => 1,
        "min" | "mins" | "minute" | "minutes" => 60,
        "hr" | "hrs" | "hour" | "hours" => 3600,
        "day" | "days" => 86_400,
        "week" | "weeks" => 7 * 86_400,
        "month" | "months" => 30 * 86_400,
        "year" | "years" => 365 * 86_400,
        _ => return None,
    };
    Some(Some(Duration::from_secs(n.checked_mul(secs)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_ttls_parse_and_others_fall_back() {
        let d = |s: u64| Some(Some(Duration::from_secs(s)));
        assert_eq!(parse_ttl("2 mins"), d(120));
        assert_eq!(parse_ttl("12 hrs"), d(12 * 3600));
        assert_eq!(parse_ttl("24 hrs"), d(24 * 3600));
        assert_eq!(parse_ttl("15 days"), d(15 * 86_400));
        assert_eq!(parse_ttl("3 month"), d(90 * 86_400));
        assert_eq!(parse_ttl("1 year"), d(365 * 86_400));
        assert_eq!(parse_ttl("3 years"), d(3 * 365 * 86_400));
        assert_eq!(parse_ttl("Infinity"), Some(None));
        assert_eq!(parse_ttl("soon"), None);
        assert_eq!(parse_ttl("0 mins"), None);
        assert_eq!(parse_ttl(""), None);
    }

    #[test]
    fn files_are_served_until_they_expire_and_names_must_match() {
        let dir = std::env::temp_dir().join(format!("pv-store-{}", uuid::Uuid::new_v4()));
        let store = Store::local(dir.clone(), Duration::from_secs(30)).unwrap();
        let f = store
            .save(
                b"\x89PNG\r\n\x1a\nxx",
                "image/png",
                Some(Duration::from_secs(60)),
            )
            .unwrap();
        assert_eq!(f.name.len(), 64);
        let file_name = format!("{}.{}", f.name, f.ext);
        let (bytes, mime) = store.load(f.id, &file_name).unwrap().unwrap();
        assert_eq!((bytes.len(), mime.as_str()), (10, "image/png"));
        assert!(store.load(f.id + 1, &file_name).unwrap().is_none());
        assert!(store.load(f.id, "../../etc/passwd").unwrap().is_none());
        let gone = store
            .save(b"x", "image/jpeg", Some(Duration::from_millis(1)))
            .unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert!(store
            .load(gone.id, &format!("{}.jpeg", gone.name))
            .unwrap()
            .is_none());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn content_decides_the_type() {
        assert_eq!(sniff(b"\xff\xd8\xff\xe0"), Some("image/jpeg"));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(b"GIF89a"), None);
    }
}
