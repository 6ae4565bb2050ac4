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
    /// The process dies (abort, no clean-up) half-way through writing a blob's temporary file.
    AbortMidBlobWrite,
    /// The process dies after the blobs are durable and before the item row commits.
    AbortAfterBlobs,
    /// The process dies inside the sealing transaction, after the bundle row is written and
    /// before the commit.
    AbortInSeal,
}

/// Ends the process on the spot, as a kill would: no destructor, no flush, no unwinding.
pub(crate) fn die() -> ! {
    std::process::abort()
}
