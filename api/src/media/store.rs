//! Where photo bytes live: a content-addressed blob store behind a trait.
//!
//! Blobs are named by the hex SHA-256 of their bytes, so storing the same photo twice costs
//! nothing, a name can never point at other content, and the database only keeps the hash.
//! [`FsStore`] keeps them on the local file system; an S3-compatible store can implement
//! [`BlobStore`] later without the callers changing.

use std::fmt;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// A boxed future, so that [`BlobStore`] stays usable as `dyn BlobStore`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Content-addressed storage of blobs.
pub trait BlobStore: Send + Sync + fmt::Debug {
    /// Stores `bytes` under their content hash (hex SHA-256), idempotently; returns the hash.
    fn put(&self, bytes: Vec<u8>) -> BoxFuture<'_, io::Result<String>>;

    /// The bytes stored under `hash`, or `None` if there are none.
    ///
    /// `hash` must be 64 lowercase hex characters, else the error is
    /// [`io::ErrorKind::InvalidInput`].
    fn get(&self, hash: &str) -> BoxFuture<'_, io::Result<Option<Vec<u8>>>>;

    /// Removes the bytes stored under `hash`; removing what is absent is not an error.
    ///
    /// `hash` is validated as for [`BlobStore::get`].
    fn delete(&self, hash: &str) -> BoxFuture<'_, io::Result<()>>;
}

/// Blobs as files: `<root>/<first 2 hex digits>/<64 hex digits>`.
///
/// The two-digit fan-out keeps directories small (256 of them, each holding 1/256 of the
/// blobs), which file systems and backup tools handle better than one huge directory.
#[derive(Debug, Clone)]
pub struct FsStore {
    root: PathBuf,
}

impl FsStore {
    /// A store rooted at `root`, which is created (with its parents) if missing.
    ///
    /// Synchronous on purpose: it runs once, at start-up, before anything is served.
    pub fn new(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(Self { root })
    }

    /// The directory the blobs live under.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path of a blob; `hash` must already be validated.
    fn path_of(&self, hash: &str) -> PathBuf {
        self.root.join(hash.get(..2).unwrap_or_default()).join(hash)
    }

    /// The path of the blob named `hash`, after checking that `hash` is a hash: 64 lowercase
    /// hex digits cannot contain a separator, a dot or a drive letter, so the path can never
    /// leave the root, whatever the caller passes.
    fn checked_path(&self, hash: &str) -> io::Result<PathBuf> {
        if is_hash(hash) {
            Ok(self.path_of(hash))
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a blob name is 64 lowercase hex digits",
            ))
        }
    }
}

impl BlobStore for FsStore {
    fn put(&self, bytes: Vec<u8>) -> BoxFuture<'_, io::Result<String>> {
        Box::pin(async move {
            // Hashing 10 MiB takes tens of milliseconds: off the async workers, so other
            // requests are not held up meanwhile.
            let (bytes, hash) = tokio::task::spawn_blocking(move || {
                let hash = hex::encode(Sha256::digest(&bytes));
                (bytes, hash)
            })
            .await
            .map_err(io::Error::other)?;

            let path = self.path_of(&hash);
            // Same name, same content: if it is there, it is complete (see below), and
            // there is nothing to do.
            if tokio::fs::try_exists(&path).await? {
                return Ok(hash);
            }
            let dir = path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| self.root.clone());
            tokio::fs::create_dir_all(&dir).await?;

            // Write to a temporary name in the same directory (so the rename below stays on one
            // file system and is atomic), flush it to disk, then rename: after a crash the
            // final name holds either nothing or the whole blob, never a part of it.
            let temporary = dir.join(temporary_name(&hash));
            if let Err(error) = write_durably(&temporary, &bytes).await {
                let _ = tokio::fs::remove_file(&temporary).await;
                return Err(error);
            }
            // Two concurrent puts of the same bytes both get here; each rename replaces the
            // name with identical content, so either order is fine.
            if let Err(error) = tokio::fs::rename(&temporary, &path).await {
                let _ = tokio::fs::remove_file(&temporary).await;
                return Err(error);
            }
            sync_dir(&dir).await?;
            Ok(hash)
        })
    }

    fn get(&self, hash: &str) -> BoxFuture<'_, io::Result<Option<Vec<u8>>>> {
        // Validated before the future is built: the future may not borrow `hash`.
        let path = match self.checked_path(hash) {
            Ok(path) => path,
            Err(error) => return Box::pin(std::future::ready(Err(error))),
        };
        Box::pin(async move {
            match tokio::fs::read(&path).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(error) => Err(error),
            }
        })
    }

    fn delete(&self, hash: &str) -> BoxFuture<'_, io::Result<()>> {
        let path = match self.checked_path(hash) {
            Ok(path) => path,
            Err(error) => return Box::pin(std::future::ready(Err(error))),
        };
        Box::pin(async move {
            // The shard directory stays even if now empty: removing it could race with a
            // put that has just created it and is about to write into it.
            match tokio::fs::remove_file(&path).await {
                Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
                _ => Ok(()),
            }
        })
    }
}

/// Exactly 64 lowercase hex digits, the form `put` returns.
fn is_hash(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A name no other writer uses: process id, a per-process counter and the time. It starts
/// with a dot and ends in `.tmp`, so it can never be taken for a blob, and leftovers of a
/// crash are easy to find and delete.
fn temporary_name(hash: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.subsec_nanos())
        .unwrap_or_default();
    format!(".{hash}.{}.{count}.{nanos}.tmp", std::process::id())
}

async fn write_durably(path: &Path, bytes: &[u8]) -> io::Result<()> {
    // `create_new`: never write into a file someone else has open under the same name.
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .await?;
    file.write_all(bytes).await?;
    // Without this, a crash shortly after the rename can leave the final name pointing at an
    // empty or partial file on file systems that delay writing data (ext4, XFS).
    file.sync_all().await
}

/// Makes the rename itself durable, so a blob `put` reported stored is still there after a
/// crash (the database may already hold its hash). Directories cannot be opened this way on
/// Windows, where the rename is journaled by NTFS anyway.
async fn sync_dir(dir: &Path) -> io::Result<()> {
    if cfg!(unix) {
        tokio::fs::File::open(dir).await?.sync_all().await
    } else {
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[tokio::test]
    async fn put_get_delete_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsStore::new(dir.path().join("blobs")).unwrap();
        let bytes = b"a photo, or close enough".to_vec();

        let hash = store.put(bytes.clone()).await.unwrap();
        assert_eq!(hash, hex::encode(Sha256::digest(&bytes)));
        let on_disk = dir.path().join("blobs").join(&hash[..2]).join(&hash);
        assert_eq!(std::fs::read(&on_disk).unwrap(), bytes);
        assert_eq!(store.get(&hash).await.unwrap(), Some(bytes));

        store.delete(&hash).await.unwrap();
        assert_eq!(store.get(&hash).await.unwrap(), None);
        assert!(!on_disk.exists());
        // Deleting what is not there is fine.
        store.delete(&hash).await.unwrap();
    }

    #[tokio::test]
    async fn put_is_idempotent_and_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsStore::new(dir.path()).unwrap();
        let first = store.put(b"same".to_vec()).await.unwrap();
        let second = store.put(b"same".to_vec()).await.unwrap();
        assert_eq!(first, second);
        let other = store.put(b"different".to_vec()).await.unwrap();
        assert_ne!(first, other);

        let shard = dir.path().join(&first[..2]);
        let names: Vec<_> = std::fs::read_dir(&shard)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(names.contains(&first));
        assert!(
            names.iter().all(|name| !name.ends_with(".tmp")),
            "{names:?}"
        );
    }

    #[tokio::test]
    async fn concurrent_puts_of_the_same_bytes_agree() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(FsStore::new(dir.path()).unwrap());
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.put(vec![7; 100_000]).await })
            })
            .collect();
        let mut hashes = Vec::new();
        for task in tasks {
            hashes.push(task.await.unwrap().unwrap());
        }
        assert!(hashes.windows(2).all(|pair| pair[0] == pair[1]));
        assert_eq!(store.get(&hashes[0]).await.unwrap(), Some(vec![7; 100_000]));
    }

    #[tokio::test]
    async fn empty_blob_has_the_known_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsStore::new(dir.path()).unwrap();
        assert_eq!(store.put(Vec::new()).await.unwrap(), EMPTY_SHA256);
        assert_eq!(store.get(EMPTY_SHA256).await.unwrap(), Some(Vec::new()));
    }

    #[tokio::test]
    async fn bad_hashes_are_rejected_before_touching_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsStore::new(dir.path().join("blobs")).unwrap();
        std::fs::write(dir.path().join("secret"), b"not yours").unwrap();
        let bad = [
            "../etc/passwd".to_owned(),
            "../secret".to_owned(),
            EMPTY_SHA256.to_uppercase(),
            EMPTY_SHA256[..63].to_owned(),
            format!("{EMPTY_SHA256}0"),
            format!("..{}", &EMPTY_SHA256[2..]),
            format!("{}/{}", &EMPTY_SHA256[..2], &EMPTY_SHA256[3..]),
            String::new(),
        ];
        for hash in &bad {
            let got = store.get(hash).await.unwrap_err();
            assert_eq!(got.kind(), io::ErrorKind::InvalidInput, "{hash}");
            let deleted = store.delete(hash).await.unwrap_err();
            assert_eq!(deleted.kind(), io::ErrorKind::InvalidInput, "{hash}");
        }
        assert!(dir.path().join("secret").exists());
    }

    #[tokio::test]
    async fn usable_as_a_trait_object() {
        let dir = tempfile::tempdir().unwrap();
        let store: std::sync::Arc<dyn BlobStore> =
            std::sync::Arc::new(FsStore::new(dir.path()).unwrap());
        let hash = store.put(b"dyn".to_vec()).await.unwrap();
        assert_eq!(store.get(&hash).await.unwrap(), Some(b"dyn".to_vec()));
        assert!(format!("{store:?}").contains("FsStore"));
    }
}
