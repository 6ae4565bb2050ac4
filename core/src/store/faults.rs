//! Points where tests can make the store fail, to prove that failures lose nothing.

/// A place in the write path where an injected failure strikes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultPoint {
    /// Half-way through writing a blob's temporary file.
    BlobWrite,
    /// When the temporary file is flushed to disk.
    BlobSync,
    /// When the temporary file is renamed into place.
    BlobRename,
    /// When the item row is inserted, after the blobs are in place.
    RowInsert,
    /// As if the process died after the blobs were durable and before the row was committed:
    /// nothing is cleaned up.
    CrashAfterBlobs,
}
