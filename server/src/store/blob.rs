//! The bytes of uploads, addressed by upload id; nothing here knows about HTTP or records.

use crate::ids::UploadId;
use async_trait::async_trait;
use bytes::Bytes;
use std::pin::Pin;
use tokio::io::AsyncRead;

/// Appends the chunks of one request body to a blob; see [`BlobSink`].
pub type BlobWriter = Box<dyn BlobSink>;
/// A reader over a whole blob.
pub type BlobReader = Pin<Box<dyn AsyncRead + Send>>;

/// Why a blob operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// No blob with this id.
    #[error("blob {0} not found")]
    NotFound(UploadId),
    /// The backend failed (disk, network); a retry may help.
    #[error("blob storage failed: {0}")]
    Backend(#[from] std::io::Error),
}

/// Where a request body's chunks go, in order, starting at the offset given to [`BlobStore::append`].
///
/// Chunks are owned ([`Bytes`]) so a store can hand them to a disk thread or a network client
/// without copying them. Bytes written but not finished may or may not be stored: the record's
/// offset, advanced only after [`BlobSink::finish`], says what counts.
#[async_trait]
pub trait BlobSink: Send {
    /// Appends a chunk; may return before it is written (the store buffers and batches).
    async fn write(&mut self, chunk: Bytes) -> Result<(), BlobError>;
    /// Writes what is still buffered and returns once every byte written is durable (on disk).
    async fn finish(self: Box<Self>) -> Result<(), BlobError>;
}

/// Byte storage for uploads. Implementations: a local directory; later S3-compatible storage.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Creates an empty blob; replaces nothing (ids are fresh).
    async fn create(&self, id: &UploadId) -> Result<(), BlobError>;
    /// Opens a writer at `offset`: bytes already stored past `offset` are discarded first, so a
    /// write that was never acknowledged cannot leave stray bytes.
    async fn append(&self, id: &UploadId, offset: u64) -> Result<BlobWriter, BlobError>;
    /// Cuts the blob back to `len` bytes (a chunk that failed its checksum).
    async fn truncate(&self, id: &UploadId, len: u64) -> Result<(), BlobError>;
    /// Reads the whole blob.
    async fn read(&self, id: &UploadId) -> Result<BlobReader, BlobError>;
    /// Deletes the blob; deleting a missing blob is not an error.
    async fn delete(&self, id: &UploadId) -> Result<(), BlobError>;
    /// Every blob id present (used by tests and consistency checks).
    async fn list(&self) -> Result<Vec<UploadId>, BlobError>;
    /// Proves the backend is usable (readiness).
    async fn ping(&self) -> Result<(), BlobError>;
}
