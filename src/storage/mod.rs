//! Where the service keeps what must outlive a request: persisted files and face crops,
//! identities, patrons and login sessions.
//!
//! One setting chooses the place, `storage.url` (`PV_STORAGE_URL`):
//! - `file://PATH`: a local directory (relative paths from the working directory; the
//!   default is `file://data`), so `cargo run --release` needs nothing else;
//! - `s3://BUCKET/PREFIX`: S3-compatible object storage, configured by the standard `AWS_*`
//!   variables (`AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//!   `AWS_ALLOW_HTTP=true` for a local server). Replicas over one bucket share everything,
//!   so any of them can answer any request.
//!
//! Both are [`object_store`] backends behind one async API. Every object is a [`Key`] (a
//! kind and one path segment) holding a small frame: a JSON header with its expiry, then the
//! body. Expiry is enforced on every read (an expired object reads as absent and is deleted)
//! and by [`Storage::sweep`], which finds expired objects through markers named by the
//! 10-second slot they expire in (`expiry/<slot>/<kind>.<name>`), so it lists only what is
//! due and never reads the objects themselves. Lookups are always by key.
//!
//! Files count against a byte quota ([`Storage::with_quota`]): each replica knows the
//! bytes under `files/` from its last sweep plus what it stored since, and refuses a file
//! that would pass the quota before writing anything.

pub mod files;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Why storage failed. Messages name the store, never object contents.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("invalid storage.url `{url}`: {message}")]
    Url { url: String, message: String },
    #[error("storage `{store}` failed: {source}")]
    Backend {
        store: String,
        #[source]
        source: object_store::Error,
    },
    #[error("storage `{store}` holds an unreadable object: {message}")]
    Corrupt { store: String, message: String },
    /// Storing would pass `storage.max_bytes`; nothing was written.
    #[error("storage is full: {used} of {quota} bytes in use")]
    Full { used: u64, quota: u64 },
}

/// The kinds of object kept, each under its own prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Persisted uploads and face crops.
    Files,
    Identities,
    Patrons,
    Sessions,
}

impl Kind {
    const ALL: [Kind; 4] = [Kind::Files, Kind::Identities, Kind::Patrons, Kind::Sessions];

    fn prefix(self) -> &'static str {
        match self {
            Kind::Files => "files",
            Kind::Identities => "identities",
            Kind::Patrons => "patrons",
            Kind::Sessions => "sessions",
        }
    }
}

/// The address of one object: a kind and a name of 1 to 128 characters of `[A-Za-z0-9_-]`
/// (tokens, ids and hex names), so that a caller's text never becomes a path of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    kind: Kind,
    name: String,
}

impl Key {
    /// None when `name` is not a valid object name (a malformed token or id: the caller
    /// treats it as not found).
    pub fn new(kind: Kind, name: &str) -> Option<Key> {
        let ok = (1..=128).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        ok.then(|| Key {
            kind,
            name: name.to_string(),
        })
    }

    fn path(&self, root: &Path) -> Path {
        root.clone()
            .join(self.kind.prefix())
            .join(self.name.as_str())
    }

    fn marker(&self, root: &Path, slot: u64) -> Path {
        root.clone()
            .join(EXPIRY)
            .join(format!("{slot:012}"))
            .join(format!("{}.{}", self.kind.prefix(), self.name))
    }
}

const EXPIRY: &str = "expiry";

/// What each object's frame records beside its body.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Header {
    /// Unix time in milliseconds from which the object is gone; None: never.
    expires_at_ms: Option<u64>,
}

/// How a write treats an object that exists already.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Write {
    /// Replace it.
    Overwrite,
    /// Keep it and report that it existed (for values that must be made once, as a
    /// patron's `userId`, even when two replicas race).
    CreateOnly,
}

/// The storage of one service (cheap to clone).
#[derive(Clone, Debug)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    root: Path,
    /// The URL, for messages (it never holds credentials: those come from `AWS_*`).
    url: String,
    /// Bytes `files/` may hold; None: no limit.
    quota: Option<u64>,
    /// Bytes under `files/`, as of the last sweep plus what was stored since.
    used: Arc<AtomicU64>,
    /// Files under `files/`, counted the same way.
    files: Arc<AtomicU64>,
}

impl Storage {
    /// Opens the storage at `url` (see the module documentation). Local directories are
    /// created; nothing is written. Call [`Storage::check`] to know it works.
    pub fn open(url: &str) -> Result<Storage, StorageError> {
        let bad = |message: &str| StorageError::Url {
            url: url.to_string(),
            message: message.to_string(),
        };
        let backend = |source| StorageError::Backend {
            store: url.to_string(),
            source,
        };
        let url_trimmed = url.trim();
        let (store, root): (Arc<dyn ObjectStore>, Path) =
            if let Some(dir) = url_trimmed.strip_prefix("file://") {
                if dir.is_empty() {
                    return Err(bad("a file:// URL needs a directory"));
                }
                std::fs::create_dir_all(dir)
                    .map_err(|e| bad(&format!("cannot create the directory: {e}")))?;
                let fs = LocalFileSystem::new_with_prefix(dir)
                    .map_err(backend)?
                    .with_automatic_cleanup(true);
                (Arc::new(fs), Path::default())
            } else if let Some(rest) = url_trimmed.strip_prefix("s3://") {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                if bucket.is_empty() {
                    return Err(bad("an s3:// URL needs a bucket"));
                }
                // object_store's HTTP client takes the process's default TLS crypto; ring is
                // the one this crate builds with (installing twice is harmless).
                let _ = rustls::crypto::ring::default_provider().install_default();
                let s3 = object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .build()
                    .map_err(backend)?;
                let root = Path::parse(prefix.trim_matches('/'))
                    .map_err(|e| bad(&format!("the prefix is not a valid path: {e}")))?;
                (Arc::new(s3), root)
            } else {
                return Err(bad("use file://DIRECTORY or s3://BUCKET/PREFIX"));
            };
        Ok(Storage {
            store,
            root,
            url: url_trimmed.to_string(),
            quota: None,
            used: Arc::default(),
            files: Arc::default(),
        })
    }

    /// The same storage with at most `max_bytes` of files (0: no limit). Call
    /// [`Storage::measure`] (startup does) to learn what is there already.
    pub fn with_quota(mut self, max_bytes: u64) -> Storage {
        self.quota = (max_bytes > 0).then_some(max_bytes);
        self
    }

    /// Bytes under `files/` now, by listing them (startup and each sweep).
    pub async fn measure(&self) -> Result<u64, StorageError> {
        let prefix = self.root.clone().join(Kind::Files.prefix());
        let listed = self
            .store
            .list_with_delimiter(Some(&prefix))
            .await
            .map_err(|e| self.backend(e))?;
        let bytes = listed.objects.iter().map(|o| o.size).sum();
        self.used.store(bytes, Ordering::SeqCst);
        self.files
            .store(listed.objects.len() as u64, Ordering::SeqCst);
        Ok(bytes)
    }

    /// Files and bytes under `files/`: as of the last measure plus what was stored since.
    pub fn usage(&self) -> (u64, u64) {
        (
            self.files.load(Ordering::SeqCst),
            self.used.load(Ordering::SeqCst),
        )
    }

    /// Refuses a file of `len` bytes that would pass the quota.
    pub fn make_room(&self, len: u64) -> Result<(), StorageError> {
        let used = self.used.load(Ordering::SeqCst);
        match self.quota {
            Some(quota) if used.saturating_add(len) > quota => {
                Err(StorageError::Full { used, quota })
            }
            _ => Ok(()),
        }
    }

    /// The URL it was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Writes, reads back and deletes a probe object: startup calls it so that storage
    /// that cannot be written fails the start, not the first upload.
    pub async fn check(&self) -> Result<(), StorageError> {
        let probe = self
            .root
            .clone()
            .join("probe")
            .join(uuid::Uuid::new_v4().simple().to_string());
        let body = Bytes::from_static(b"passport-vision storage check");
        self.store
            .put(&probe, body.clone().into())
            .await
            .map_err(|e| self.backend(e))?;
        let read = self
            .store
            .get(&probe)
            .await
            .map_err(|e| self.backend(e))?
            .bytes()
            .await
            .map_err(|e| self.backend(e))?;
        self.store
            .delete(&probe)
            .await
            .map_err(|e| self.backend(e))?;
        if read != body {
            return Err(StorageError::Corrupt {
                store: self.url.clone(),
                message: "the probe object read back differently".into(),
            });
        }
        Ok(())
    }

    fn backend(&self, source: object_store::Error) -> StorageError {
        StorageError::Backend {
            store: self.url.clone(),
            source,
        }
    }

    fn corrupt(&self, key: &Key, message: impl std::fmt::Display) -> StorageError {
        StorageError::Corrupt {
            store: self.url.clone(),
            message: format!("{}/{}: {message}", key.kind.prefix(), key.name),
        }
    }

    /// Stores `body` at `key`, gone from `expires_at_ms` (Unix milliseconds; None: kept
    /// for ever). With [`Write::CreateOnly`], answers false and leaves the object when one
    /// is there already.
    pub async fn put(
        &self,
        key: &Key,
        body: &[u8],
        expires_at_ms: Option<u64>,
        mode: Write,
    ) -> Result<bool, StorageError> {
        if key.kind == Kind::Files {
            self.make_room(body.len() as u64)?;
        }
        let header =
            serde_json::to_vec(&Header { expires_at_ms }).map_err(|e| self.corrupt(key, e))?;
        let mut frame = Vec::with_capacity(4 + header.len() + body.len());
        frame.extend_from_slice(&(header.len() as u32).to_be_bytes());
        frame.extend_from_slice(&header);
        frame.extend_from_slice(body);
        let frame_len = frame.len();
        let opts = PutOptions {
            mode: match mode {
                Write::Overwrite => PutMode::Overwrite,
                Write::CreateOnly => PutMode::Create,
            },
            ..PutOptions::default()
        };
        // The marker first: an object is never stored without the marker that lets the
        // sweep find it (a marker whose object never came is deleted by the sweep).
        if let Some(at) = expires_at_ms {
            self.store
                .put(&key.marker(&self.root, slot_of(at)), PutPayload::new())
                .await
                .map_err(|e| self.backend(e))?;
        }
        match self
            .store
            .put_opts(&key.path(&self.root), PutPayload::from(frame), opts)
            .await
        {
            Ok(_) => {
                if key.kind == Kind::Files {
                    self.used.fetch_add(frame_len as u64, Ordering::SeqCst);
                    self.files.fetch_add(1, Ordering::SeqCst);
                }
                Ok(true)
            }
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(e) => Err(self.backend(e)),
        }
    }

    /// The body at `key`, None when there is none or it has expired (an expired object is
    /// deleted on the way).
    pub async fn get(&self, key: &Key) -> Result<Option<Bytes>, StorageError> {
        let path = key.path(&self.root);
        let frame = match self.store.get(&path).await {
            Ok(r) => r.bytes().await.map_err(|e| self.backend(e))?,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.backend(e)),
        };
        let (header, body) = self.unframe(key, frame)?;
        if header
            .expires_at_ms
            .is_some_and(|t| crate::clock::now_ms() >= t)
        {
            self.delete(key).await?;
            return Ok(None);
        }
        Ok(Some(body))
    }

    fn unframe(&self, key: &Key, frame: Bytes) -> Result<(Header, Bytes), StorageError> {
        let len = frame
            .get(..4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or_else(|| self.corrupt(key, "shorter than its frame"))?;
        let header = frame
            .get(4..4 + len)
            .ok_or_else(|| self.corrupt(key, "shorter than its header"))?;
        let header: Header = serde_json::from_slice(header).map_err(|e| self.corrupt(key, e))?;
        Ok((header, frame.slice(4 + len..)))
    }

    /// Deletes the object at `key`; deleting what is not there is not an error.
    pub async fn delete(&self, key: &Key) -> Result<(), StorageError> {
        match self.store.delete(&key.path(&self.root)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.backend(e)),
        }
    }

    /// [`Storage::put`] of a value as JSON.
    pub async fn put_json<T: Serialize>(
        &self,
        key: &Key,
        value: &T,
        expires_at_ms: Option<u64>,
        mode: Write,
    ) -> Result<bool, StorageError> {
        let body = serde_json::to_vec(value).map_err(|e| self.corrupt(key, e))?;
        self.put(key, &body, expires_at_ms, mode).await
    }

    /// [`Storage::get`] of a JSON value.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        key: &Key,
    ) -> Result<Option<T>, StorageError> {
        match self.get(key).await? {
            Some(body) => serde_json::from_slice(&body)
                .map(Some)
                .map_err(|e| self.corrupt(key, e)),
            None => Ok(None),
        }
    }

    /// Deletes every object whose expiry slot ended by `now_ms`, with its marker, and
    /// measures the files left; answers how many objects went. Objects expiring within
    /// the current slot wait for the next sweep (reads already refuse them).
    pub async fn sweep(&self, now_ms: u64) -> Result<usize, StorageError> {
        let expiry = self.root.clone().join(EXPIRY);
        let slots = self
            .store
            .list_with_delimiter(Some(&expiry))
            .await
            .map_err(|e| self.backend(e))?;
        let due = slot_of(now_ms);
        let mut deleted = 0;
        for dir in slots.common_prefixes {
            let slot = dir.filename().and_then(|m| m.parse::<u64>().ok());
            if slot.is_none_or(|m| m >= due) {
                continue;
            }
            let markers = self
                .store
                .list_with_delimiter(Some(&dir))
                .await
                .map_err(|e| self.backend(e))?;
            for marker in markers.objects {
                let key = marker.location.filename().and_then(|f| {
                    let (prefix, name) = f.split_once('.')?;
                    let kind = Kind::ALL.into_iter().find(|k| k.prefix() == prefix)?;
                    Key::new(kind, name)
                });
                if let Some(key) = key {
                    self.delete(&key).await?;
                    deleted += 1;
                }
                match self.store.delete(&marker.location).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(self.backend(e)),
                }
            }
        }
        self.measure().await?;
        Ok(deleted)
    }
}

/// Width of an expiry slot, in milliseconds: with a sweep every 15 s, an expired object
/// is gone from storage within 25 s.
const SLOT_MS: u64 = 10_000;

/// The slot (since the Unix epoch) that `ms` falls in, rounded up: the first slot at whose
/// start the object has expired.
fn slot_of(ms: u64) -> u64 {
    ms.div_ceil(SLOT_MS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::now_ms;

    fn temp_storage() -> (Storage, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("pv-storage-{}", uuid::Uuid::new_v4()));
        let s = Storage::open(&format!("file://{}", dir.display())).unwrap();
        (s, dir)
    }

    #[test]
    fn keys_refuse_anything_that_could_become_a_path() {
        assert!(Key::new(Kind::Sessions, "abcXYZ09_-").is_some());
        for bad in ["", "../x", "a/b", "a.b", "a b", &"x".repeat(129)] {
            assert!(Key::new(Kind::Sessions, bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn urls_other_than_file_and_s3_are_refused() {
        for bad in ["", "data", "http://x", "file://", "s3://"] {
            assert!(
                matches!(Storage::open(bad), Err(StorageError::Url { .. })),
                "{bad}"
            );
        }
    }

    #[tokio::test]
    async fn objects_round_trip_expire_on_read_and_create_only_keeps_the_first() {
        let (s, dir) = temp_storage();
        s.check().await.unwrap();
        let k = Key::new(Kind::Patrons, "alice").unwrap();
        assert!(s.put(&k, b"one", None, Write::CreateOnly).await.unwrap());
        assert!(!s.put(&k, b"two", None, Write::CreateOnly).await.unwrap());
        assert_eq!(s.get(&k).await.unwrap().as_deref(), Some(&b"one"[..]));
        let gone = Key::new(Kind::Sessions, "t1").unwrap();
        s.put(&gone, b"x", Some(now_ms() - 1), Write::Overwrite)
            .await
            .unwrap();
        assert_eq!(s.get(&gone).await.unwrap(), None);
        assert_eq!(
            s.get(&Key::new(Kind::Files, "none").unwrap())
                .await
                .unwrap(),
            None
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn the_sweep_deletes_what_expired_in_past_slots_only() {
        let (s, dir) = temp_storage();
        let now = now_ms();
        let old = Key::new(Kind::Files, "old").unwrap();
        let live = Key::new(Kind::Files, "live").unwrap();
        let forever = Key::new(Kind::Identities, "forever").unwrap();
        s.put(&old, b"o", Some(now - 120_000), Write::Overwrite)
            .await
            .unwrap();
        s.put(&live, b"l", Some(now + 3_600_000), Write::Overwrite)
            .await
            .unwrap();
        s.put(&forever, b"f", None, Write::Overwrite).await.unwrap();
        assert_eq!(s.sweep(now).await.unwrap(), 1);
        assert!(!dir.join("files/old").exists());
        assert!(dir.join("files/live").exists());
        assert_eq!(s.get(&forever).await.unwrap().as_deref(), Some(&b"f"[..]));
        // An hour and a slot later the other one goes too.
        assert_eq!(s.sweep(now + 3_660_000).await.unwrap(), 1);
        assert!(!dir.join("files/live").exists());
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[cfg(test)]
mod quota_tests {
    use super::*;

    #[tokio::test]
    async fn files_past_the_quota_are_refused_before_anything_is_written() {
        let dir = std::env::temp_dir().join(format!("pv-quota-{}", uuid::Uuid::new_v4()));
        let s = Storage::open(&format!("file://{}", dir.display()))
            .unwrap()
            .with_quota(100);
        let a = Key::new(Kind::Files, "a").unwrap();
        s.put(&a, &[0; 60], None, Write::Overwrite).await.unwrap();
        let b = Key::new(Kind::Files, "b").unwrap();
        let full = s.put(&b, &[0; 60], None, Write::Overwrite).await;
        assert!(matches!(full, Err(StorageError::Full { .. })), "{full:?}");
        assert_eq!(s.get(&b).await.unwrap(), None);
        // Sessions do not count.
        let t = Key::new(Kind::Sessions, "t").unwrap();
        s.put(&t, &[0; 60], None, Write::Overwrite).await.unwrap();
        s.delete(&a).await.unwrap();
        assert!(s.measure().await.unwrap() < 10);
        s.put(&b, &[0; 60], None, Write::Overwrite).await.unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }
}
