//! [`BlobStore`] on a local directory: one file per upload, named by its validated id.

use super::blob::{BlobError, BlobReader, BlobStore, BlobWriter};
use crate::ids::UploadId;
use async_trait::async_trait;
use std::future::Future;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncSeekExt, AsyncWrite, BufWriter};

/// Write buffer per upload: large enough that the disk sees few, large writes.
const WRITE_BUFFER: usize = 1 << 20;

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
        let (path, dir) = (self.path(id), self.uploads.clone());
        tokio::task::spawn_blocking(move || {
            std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
            // The new name must survive a power loss too, or a recorded upload loses its file.
            std::fs::File::open(dir)?.sync_all()
        })
        .await
        .map_err(std::io::Error::other)??;
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
        let for_sync = file.try_clone().await?.into_std().await;
        Ok(Box::pin(DurableWriter { inner: BufWriter::with_capacity(WRITE_BUFFER, file), for_sync: Some(for_sync), syncing: None }))
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

/// A buffered file writer whose shutdown returns only once the bytes are on disk (fdatasync),
/// as [`BlobWriter`] promises: the offset recorded after it never runs ahead of the disk.
struct DurableWriter {
    inner: BufWriter<tokio::fs::File>,
    for_sync: Option<std::fs::File>,
    syncing: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl AsyncWrite for DurableWriter {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if self.syncing.is_none() {
            ready!(Pin::new(&mut self.inner).poll_shutdown(cx))?;
            let Some(file) = self.for_sync.take() else { return Poll::Ready(Ok(())) };
            self.syncing = Some(tokio::task::spawn_blocking(move || file.sync_data()));
        }
        let syncing = self.syncing.as_mut().expect("set above");
        let done = ready!(Pin::new(syncing).poll(cx)).map_err(std::io::Error::other).and_then(|r| r);
        self.syncing = None;
        Poll::Ready(done)
    }
}
