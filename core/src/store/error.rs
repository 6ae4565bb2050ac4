//! The store's error: what failed, on which file or record, and whether a retry can help.

use std::path::PathBuf;

/// Why a store operation failed. Nothing stored before is lost by any of these.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file-system operation failed.
    #[error("storage {op} failed on {path}: {message}")]
    Io { op: &'static str, path: PathBuf, message: String },
    /// SQLite refused or failed.
    #[error("database error: {0}")]
    Database(String),
    /// The database was written by a newer version of Kancha.
    #[error("the database has schema version {found}, newer than this version of Kancha supports ({supported}); update the app")]
    NewerSchema { found: i64, supported: i64 },
    /// Another process or SDK instance has the store open.
    #[error("the store at {0} is already open in another process or SDK instance")]
    InUse(PathBuf),
    /// No such record.
    #[error("{what} {id} does not exist")]
    NotFound { what: &'static str, id: String },
    /// The record would contradict one already stored.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Stored bytes no longer match their hash.
    #[error("stored blob {expected} is corrupt: its bytes now hash to {actual}")]
    Corrupt { expected: String, actual: String },
    /// A stored record cannot be read back.
    #[error("stored record {0} is unreadable: {1}")]
    BadRecord(String, String),
}

impl StoreError {
    /// True when retrying may succeed (I/O, a busy database); false for conflicts and missing records.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Io { .. } | StoreError::Database(_) | StoreError::InUse(_))
    }

    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, err: std::io::Error) -> Self {
        StoreError::Io { op, path: path.into(), message: err.to_string() }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}
