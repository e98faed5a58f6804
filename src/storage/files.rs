//! Persisted files (Signzy's persist service and the face crops it hands out) over
//! [`Storage`].
//!
//! Each file has a numeric id and a name of 64 hex digits holding 244 random bits (two UUID
//! v4), so its `directURL` (`<public_url>/api/files/<id>/download/<name>.<ext>`) cannot be
//! guessed. Ids are random below 2^53 (exact in JavaScript numbers), not counted, so that
//! replicas never hand out the same one; the name is the storage key, and a download must
//! name the matching id and extension too. A file expires after its TTL ([`parse_ttl`]).

use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::{Key, Kind, Storage, StorageError, Write};

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

/// What a file's object holds: its description, then its bytes.
#[derive(Serialize, Deserialize)]
struct FileHeader {
    id: u64,
    mimetype: String,
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

/// Saves bytes of a MIME type the store accepts (see [`extension`]) for `ttl` (None: for
/// ever).
pub async fn save(
    storage: &Storage,
    bytes: &[u8],
    mimetype: &str,
    ttl: Option<Duration>,
) -> Result<StoredFile, StorageError> {
    let ext = extension(mimetype).ok_or_else(|| StorageError::Corrupt {
        store: storage.url().to_string(),
        message: format!("files of type {mimetype} are not kept"),
    })?;
    let id = crate::ids::random_u53();
    let name = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let header = FileHeader {
        id,
        mimetype: mimetype.trim().to_ascii_lowercase(),
    };
    let mut body = serde_json::to_vec(&header).expect("a file header serialises");
    body.push(b'\n');
    body.extend_from_slice(bytes);
    let key = Key::new(Kind::Files, &name).expect("hex names are valid keys");
    let expires = ttl.map(crate::clock::ms_from_now);
    storage.put(&key, &body, expires, Write::Overwrite).await?;
    Ok(StoredFile {
        id,
        name,
        ext,
        mimetype: header.mimetype,
        size: bytes.len(),
    })
}

/// The bytes and MIME type of file `id` named `file_name` (`<name>.<ext>`), None when
/// there is no such file, the id or extension does not match, or it has expired.
pub async fn load(
    storage: &Storage,
    id: u64,
    file_name: &str,
) -> Result<Option<(Bytes, String)>, StorageError> {
    let Some((name, ext)) = file_name.rsplit_once('.') else {
        return Ok(None);
    };
    if name.len() != 64 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let Some(key) = Key::new(Kind::Files, &name.to_ascii_lowercase()) else {
        return Ok(None);
    };
    let Some(body) = storage.get(&key).await? else {
        return Ok(None);
    };
    let split = body.iter().position(|&b| b == b'\n').unwrap_or(body.len());
    let header: FileHeader =
        serde_json::from_slice(&body[..split]).map_err(|e| StorageError::Corrupt {
            store: storage.url().to_string(),
            message: format!("files/{name}: {e}"),
        })?;
    if header.id != id || extension(&header.mimetype) != Some(ext) {
        return Ok(None);
    }
    Ok(Some((
        body.slice((split + 1).min(body.len())..),
        header.mimetype,
    )))
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

    #[tokio::test]
    async fn files_are_served_until_they_expire_and_names_must_match() {
        let dir = std::env::temp_dir().join(format!("pv-files-{}", uuid::Uuid::new_v4()));
        let storage = Storage::open(&format!("file://{}", dir.display())).unwrap();
        let png = b"\x89PNG\r\n\x1a\nxx";
        let f = save(&storage, png, "image/png", Some(Duration::from_secs(60)))
            .await
            .unwrap();
        assert_eq!(f.name.len(), 64);
        assert!(f.id > 0 && f.id < 1 << 53);
        let file_name = format!("{}.{}", f.name, f.ext);
        let (bytes, mime) = load(&storage, f.id, &file_name).await.unwrap().unwrap();
        assert_eq!((&bytes[..], mime.as_str()), (&png[..], "image/png"));
        assert!(load(&storage, f.id + 1, &file_name)
            .await
            .unwrap()
            .is_none());
        let wrong_ext = format!("{}.jpeg", f.name);
        assert!(load(&storage, f.id, &wrong_ext).await.unwrap().is_none());
        assert!(load(&storage, f.id, "../../etc/passwd")
            .await
            .unwrap()
            .is_none());
        let gone = save(&storage, b"x", "image/jpeg", Some(Duration::from_millis(1)))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        let gone_name = format!("{}.jpeg", gone.name);
        assert!(load(&storage, gone.id, &gone_name).await.unwrap().is_none());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn content_decides_the_type() {
        assert_eq!(sniff(b"\xff\xd8\xff\xe0"), Some("image/jpeg"));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(b"GIF89a"), None);
    }
}
