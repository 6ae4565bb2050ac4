//! The sync error: what failed on the wire or on disk, and what a retry would have to do.

use std::path::PathBuf;
use std::time::Duration;

/// What the uploader does after an error; the error itself decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// Ask the server for its offset (HEAD) and resume from there.
    ReHead,
    /// Send the same chunk again.
    ResendChunk,
    /// The upload is gone on the server: create a new one and start from zero.
    CreateAnew,
    /// Wait (backoff or Retry-After), then re-HEAD and resume.
    Wait,
    /// Retrying cannot help; give the error to the caller.
    Never,
}

/// Why an upload failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The endpoint or an upload URL is not a usable http(s) URL.
    #[error("bad URL {url:?}: {reason}")]
    BadUrl { url: String, reason: String },
    /// The caller passed something the protocol cannot carry (metadata key, chunk size, hash).
    #[error("bad upload request: {0}")]
    BadRequest(String),
    /// The server answered 409: our offset is not its offset.
    #[error("offset mismatch at {url}: the server's offset differs from {sent}")]
    OffsetMismatch { url: String, sent: u64 },
    /// The server answered 460: the chunk's checksum did not match what it received.
    #[error("checksum mismatch for the chunk at offset {offset} of {url}")]
    ChecksumMismatch { url: String, offset: u64 },
    /// The server no longer knows the upload (404 or 410).
    #[error("upload {url} is gone on the server (HTTP {status})")]
    UploadGone { url: String, status: u16 },
    /// The upload at a resume URL belongs to a file of another size.
    #[error("upload {url} has length {remote}, but the file has {local} bytes")]
    LengthMismatch { url: String, remote: u64, local: u64 },
    /// The file is larger than the server accepts (413, or above Tus-Max-Size).
    #[error("{size} bytes is too large for the server (limit {limit:?})")]
    TooLarge { size: u64, limit: Option<u64> },
    /// The server refused our credentials (401 or 403).
    #[error("the server refused the credentials (HTTP {status})")]
    Unauthorized { status: u16 },
    /// A server-side failure, overload or busy upload (5xx, 429, 423), perhaps with a Retry-After.
    #[error("server error HTTP {status} on {method} {url}")]
    Server { method: &'static str, url: String, status: u16, retry_after: Option<Duration> },
    /// Any other refusal by the server; retrying the same request will not help.
    #[error("the server refused {method} {url} with HTTP {status}: {body}")]
    Rejected { method: &'static str, url: String, status: u16, body: String },
    /// The server does not speak tus 1.0 or broke the protocol.
    #[error("tus protocol error: {0}")]
    Protocol(String),
    /// Connecting, sending or receiving failed (refused, reset, timeout).
    #[error("network error on {method} {url}: {message}")]
    Network { method: &'static str, url: String, message: String },
    /// Reading the local file failed.
    #[error("cannot read {path}: {message}")]
    LocalIo { path: PathBuf, message: String },
    /// The local file is not the one described: other size or other SHA-256. Nothing was completed.
    #[error("local file {path} does not match its record: {reason}")]
    LocalMismatch { path: PathBuf, reason: String },
    /// The caller cancelled the upload.
    #[error("upload cancelled")]
    Cancelled,
    /// The caller's callback refused to go on (it could not store the upload URL).
    #[error("upload aborted by the caller: {0}")]
    Aborted(String),
    /// Retries ran out (attempts or deadline); the last error is attached.
    #[error("gave up after {attempts} attempts: {last}")]
    GaveUp { attempts: u32, last: Box<SyncError> },
}

impl SyncError {
    /// What a retry would have to do; `Recovery::Never` when none can help.
    pub fn recovery(&self) -> Recovery {
        match self {
            SyncError::OffsetMismatch { .. } => Recovery::ReHead,
            SyncError::ChecksumMismatch { .. } => Recovery::ResendChunk,
            SyncError::UploadGone { .. } | SyncError::LengthMismatch { .. } => Recovery::CreateAnew,
            SyncError::Server { .. } | SyncError::Network { .. } => Recovery::Wait,
            SyncError::BadUrl { .. }
            | SyncError::BadRequest(_)
            | SyncError::TooLarge { .. }
            | SyncError::Unauthorized { .. }
            | SyncError::Rejected { .. }
            | SyncError::Protocol(_)
            | SyncError::LocalIo { .. }
            | SyncError::LocalMismatch { .. }
            | SyncError::Cancelled
            | SyncError::Aborted(_)
            | SyncError::GaveUp { .. } => Recovery::Never,
        }
    }

    /// True when a later attempt may succeed.
    pub fn is_retryable(&self) -> bool {
        self.recovery() != Recovery::Never
    }

    /// The delay the server asked for, if it sent Retry-After.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SyncError::Server { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
