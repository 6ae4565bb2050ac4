//! The content-addressed blob directory: `blobs/<first two hex digits>/<sha256>`.
//!
//! A blob is written to a temporary file, flushed, renamed into place and its directory
//! flushed, so that after a crash a blob is either whole under its name or absent.

use super::faults::FaultPoint;
use super::StoreError;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The blob directory of a store.
#[derive(Debug)]
pub struct BlobDir {
    root: PathBuf,
    tmp: PathBuf,
}

impl BlobDir {
    /// Opens (creating if needed) the blob directory under `root`.
    pub fn open(root: PathBuf) -> Result<Self, StoreError> {
        let tmp = root.join(".tmp");
        fs::create_dir_all(&tmp).map_err(|e| StoreError::io("create directory", &tmp, e))?;
        Ok(BlobDir { root, tmp })
    }

    /// Path of the blob with this hash.
    pub fn path(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2]).join(sha256)
    }

    /// True when the blob is present.
    pub fn contains(&self, sha256: &str) -> bool {
        self.path(sha256).is_file()
    }

    /// Writes `bytes` under `sha256` durably; a blob already present is left as it is.
    pub fn put(&self, sha256: &str, bytes: &[u8], fault: Option<FaultPoint>) -> Result<(), StoreError> {
        let dest = self.path(sha256);
        if dest.is_file() {
            return Ok(());
        }
        let shard = dest.parent().expect("blob path has a shard directory");
        if !shard.is_dir() {
            fs::create_dir_all(shard).map_err(|e| StoreError::io("create directory", shard, e))?;
            sync_dir(&self.root)?;
        }
        let tmp = self.tmp.join(format!("{sha256}.{}", uuid::Uuid::new_v4()));
        let written = write_synced(&tmp, bytes, fault).and_then(|()| {
            if fault == Some(FaultPoint::BlobRename) {
                return Err(injected("rename", &tmp));
            }
            fs::rename(&tmp, &dest).map_err(|e| StoreError::io("rename", &dest, e))
        });
        if let Err(e) = written {
            // The temporary file never had a name anyone reads; remove it so nothing is left over.
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        sync_dir(shard)
    }

    /// Reads a blob and checks that its bytes still hash to its name.
    pub fn read(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        let path = self.path(sha256);
        let bytes = fs::read(&path).map_err(|e| StoreError::io("read", &path, e))?;
        let actual = hex::encode(Sha256::digest(&bytes));
        if actual != sha256 {
            return Err(StoreError::Corrupt { expected: sha256.to_string(), actual });
        }
        Ok(bytes)
    }

    /// Removes a blob (used only when no record refers to it).
    pub fn remove(&self, sha256: &str) -> Result<(), StoreError> {
        let path = self.path(sha256);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StoreError::io("remove", &path, e)),
        }
    }

    /// Every blob name present on disk.
    pub fn list(&self) -> Result<BTreeSet<String>, StoreError> {
        let mut out = BTreeSet::new();
        for shard in read_dir(&self.root)? {
            let name = shard.file_name().to_string_lossy().into_owned();
            if name.len() != 2 || !shard.path().is_dir() {
                continue;
            }
            for blob in read_dir(&shard.path())? {
                let blob_name = blob.file_name().to_string_lossy().into_owned();
                if blob_name.len() == 64 && blob_name.starts_with(&name) {
                    out.insert(blob_name);
                }
            }
        }
        Ok(out)
    }

    /// Deletes temporary files left by interrupted writes and says how many there were.
    pub fn clear_temporaries(&self) -> Result<usize, StoreError> {
        let mut n = 0;
        for entry in read_dir(&self.tmp)? {
            fs::remove_file(entry.path()).map_err(|e| StoreError::io("remove", entry.path(), e))?;
            n += 1;
        }
        Ok(n)
    }
}

fn write_synced(path: &Path, bytes: &[u8], fault: Option<FaultPoint>) -> Result<(), StoreError> {
    let mut f = File::create(path).map_err(|e| StoreError::io("create", path, e))?;
    if fault == Some(FaultPoint::BlobWrite) {
        let _ = f.write_all(&bytes[..bytes.len() / 2]);
        return Err(injected("write", path));
    }
    if fault == Some(FaultPoint::AbortMidBlobWrite) {
        // Half the bytes reach the disk, then the process dies with the file still open.
        let _ = f.write_all(&bytes[..bytes.len() / 2]);
        let _ = f.sync_all();
        super::faults::die();
    }
    f.write_all(bytes).map_err(|e| StoreError::io("write", path, e))?;
    if fault == Some(FaultPoint::BlobSync) {
        return Err(injected("fsync", path));
    }
    f.sync_all().map_err(|e| StoreError::io("fsync", path, e))
}

/// Flushes a directory so a rename inside it survives a power cut.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| StoreError::io("fsync directory", dir, e))
}

fn read_dir(dir: &Path) -> Result<Vec<fs::DirEntry>, StoreError> {
    fs::read_dir(dir)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| StoreError::io("list directory", dir, e))
}

fn injected(op: &'static str, path: &Path) -> StoreError {
    StoreError::io(op, path, std::io::Error::other("injected fault"))
}
