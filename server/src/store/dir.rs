//! [`BlobStore`] on a local directory: one file per upload, named by its validated id.

use super::blob::{BlobError, BlobReader, BlobStore, BlobWriter};
use crate::ids::UploadId;
use async_trait::async_trait;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncSeekExt, BufWriter};

/// Blobs as files under `root/uploads/`.
pub struct DirBlobStore {
    uploads: PathBuf,
}

impl DirBlobStore {
    /// Opens the directory, creating it on first start.
    pub fn open(root: &Path) -> std::io::Result<Self> {
        let uploads = root.join("uploads");
        std::fs::create_dir_all(&uploads)?;
        Ok(Self { uploads })
    }

    // Ids are validated to `[A-Za-z0-9_-]`, so the join cannot leave the directory.
    fn path(&self, id: &UploadId) -> PathBuf {
        self.uploads.join(id.as_str())
    }

    fn not_found(id: &UploadId, e: std::io::Error) -> BlobError {
        if e.kind() == ErrorKind::NotFound {
            BlobError::NotFound(id.clone())
        } else {
            BlobError::Backend(e)
        }
    }
}

#[async_trait]
impl BlobStore for DirBlobStore {
    async fn create(&self, id: &UploadId) -> Result<(), BlobError> {
        tokio::fs::OpenOptions::new().write(true).create_new(true).open(self.path(id)).await?;
        Ok(())
    }

    async fn append(&self, id: &UploadId, offset: u64) -> Result<BlobWriter, BlobError> {
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .open(self.path(id))
            .await
            .map_err(|e| Self::not_found(id, e))?;
        file.set_len(offset).await?;
        file.seek(std::io::SeekFrom::Start(offset)).await?;
        Ok(Box::pin(BufWriter::with_capacity(256 * 1024, file)))
    }

    async fn truncate(&self, id: &UploadId, len: u64) -> Result<(), BlobError> {
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .open(self.path(id))
            .await
            .map_err(|e| Self::not_found(id, e))?;
        file.set_len(len).await?;
        file.sync_all().await?;
        Ok(())
    }

    async fn read(&self, id: &UploadId) -> Result<BlobReader, BlobError> {
        let file = tokio::fs::File::open(self.path(id)).await.map_err(|e| Self::not_found(id, e))?;
        Ok(Box::pin(file))
    }

    async fn delete(&self, id: &UploadId) -> Result<(), BlobError> {
        match tokio::fs::remove_file(self.path(id)).await {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    async fn list(&self) -> Result<Vec<UploadId>, BlobError> {
        let mut out = Vec::new();
        let mut dir = tokio::fs::read_dir(&self.uploads).await?;
        while let Some(entry) = dir.next_entry().await? {
            if let Some(id) = entry.file_name().to_str().and_then(|n| UploadId::parse(n).ok()) {
                out.push(id);
            }
        }
        out.sort();
        Ok(out)
    }

    async fn ping(&self) -> Result<(), BlobError> {
        tokio::fs::metadata(&self.uploads).await?;
        Ok(())
    }
}
