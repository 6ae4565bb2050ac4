//! The one public error enum and the single place where core errors are mapped onto it.
//!
//! Messages say what went wrong and whether a retry can help; they never carry personal data
//! (no paths, plates, report numbers or coordinates).

use kancha_core::bundle::sign::SignError;
use kancha_core::bundle::BundleError;
use kancha_core::capture::CaptureError;
use kancha_core::geo::GeoError;
use kancha_core::scan::file::FileScanError;
use kancha_core::sla::watch::WatchError;
use kancha_core::sync::SyncError;
use kancha_core::store::StoreError;

/// Every error an SDK call can throw (Kotlin `KanchaException.*`, Swift `KanchaError`).
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum KanchaError {
    /// The SDK was closed; open a new instance.
    #[error("the SDK is closed; open a new KanchaSdk instance")]
    Closed,
    /// Another SDK instance or process holds the data directory.
    #[error("the data directory is already open in another SDK instance or process; close it first (retry after it is closed)")]
    AlreadyOpen,
    /// The data directory cannot be created, read or written.
    #[error("the data directory is not usable: {reason}; pass a private, writable app directory")]
    DataDirUnusable { reason: String },
    /// Reading or writing local storage failed; retrying may help.
    #[error("local storage failed: {reason}; retrying may help, and nothing stored before is lost")]
    Storage { reason: String },
    /// The database was written by a newer SDK.
    #[error("the local database was written by a newer SDK version; update the app")]
    NewerDatabase,
    /// No case with that id on this device.
    #[error("no case with id {id} on this device")]
    CaseNotFound { id: String },
    /// No record with that id on this device.
    #[error("no {what} with id {id} on this device")]
    NotFound { what: String, id: String },
    /// An argument is invalid; fix the call.
    #[error("invalid argument: {reason}")]
    InvalidArgument { reason: String },
    /// The photo was refused (not stored); take or pick another one.
    #[error("the photo was refused and not stored: {reason}")]
    PhotoRefused { reason: String },
    /// The request contradicts what is stored (for example a capture into a sealed case).
    #[error("conflict: {reason}")]
    Conflict { reason: String },
    /// The platform signer failed or returned a bad key or signature.
    #[error("signing failed: {reason}")]
    Signer { reason: String },
    /// Stored evidence no longer matches its record; the case needs a person to look.
    #[error("stored evidence is inconsistent: {reason}; do not delete the app data, contact support")]
    EvidenceDamaged { reason: String },
    /// The scan could not be made or is unreadable; photograph the document again.
    #[error("the document could not be scanned: {reason}")]
    ScanFailed { reason: String },
    /// The case has no arrival clock yet, or lacks what one needs.
    #[error("arrival clock: {reason}")]
    Arrival { reason: String },
    /// Writing an exported bundle file failed.
    #[error("exporting the bundle failed: {reason}")]
    Export { reason: String },
    /// A bug in the SDK; please report it.
    #[error("internal SDK error: {reason}")]
    Internal { reason: String },
}

/// An error a foreign implementation (listener, platform signer) reports back to the SDK.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum ForeignError {
    /// The app's code failed; `reason` is its message.
    #[error("the app callback failed: {reason}")]
    Failed { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for ForeignError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        // An exception the app did not declare (a RuntimeException in Kotlin): still an error, not a crash.
        ForeignError::Failed { reason: e.reason }
    }
}

/// The OS error message of an I/O failure, without the path (paths may hold user names).
fn io_reason(op: &str, message: &str) -> String {
    format!("{op} failed ({message})")
}

impl From<StoreError> for KanchaError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::InUse(_) => KanchaError::AlreadyOpen,
            StoreError::Io { op, message, .. } => KanchaError::Storage { reason: io_reason(op, &message) },
            StoreError::Database(m) => KanchaError::Storage { reason: format!("database: {m}") },
            StoreError::NewerSchema { .. } => KanchaError::NewerDatabase,
            StoreError::NotFound { what: "case", id } => KanchaError::CaseNotFound { id },
            StoreError::NotFound { what, id } => KanchaError::NotFound { what: what.into(), id },
            StoreError::Conflict(m) => KanchaError::Conflict { reason: m },
            e @ (StoreError::Corrupt { .. } | StoreError::BadRecord(..)) => {
                KanchaError::EvidenceDamaged { reason: e.to_string() }
            }
        }
    }
}

impl From<CaptureError> for KanchaError {
    fn from(e: CaptureError) -> Self {
        match e {
            CaptureError::Store(s) => s.into(),
            CaptureError::Config(m) => KanchaError::InvalidArgument { reason: format!("capture settings: {m}") },
            other => KanchaError::PhotoRefused { reason: format!("{other} [{}]", other.code()) },
        }
    }
}

impl From<SignError> for KanchaError {
    fn from(e: SignError) -> Self {
        KanchaError::Signer { reason: e.to_string() }
    }
}

impl From<BundleError> for KanchaError {
    fn from(e: BundleError) -> Self {
        match e {
            BundleError::Store(s) => s.into(),
            BundleError::Sign(s) => s.into(),
            e @ (BundleError::LogBroken(_) | BundleError::Inconsistent(_)) => {
                KanchaError::EvidenceDamaged { reason: e.to_string() }
            }
            BundleError::Export(m) => KanchaError::Export { reason: m },
        }
    }
}

impl From<GeoError> for KanchaError {
    fn from(e: GeoError) -> Self {
        KanchaError::InvalidArgument { reason: e.to_string() }
    }
}

impl From<ForeignError> for SignError {
    fn from(e: ForeignError) -> Self {
        SignError::Signer(e.to_string())
    }
}

impl From<WatchError> for KanchaError {
    fn from(e: WatchError) -> Self {
        match e {
            WatchError::Store(s) => s.into(),
            // Arrival messages name times and zones, never places or people.
            e @ (WatchError::Sla(_) | WatchError::NotDispatched { .. } | WatchError::NotWatched(_)) => {
                KanchaError::Arrival { reason: e.to_string() }
            }
            e @ WatchError::BadState { .. } => KanchaError::EvidenceDamaged { reason: e.to_string() },
        }
    }
}

impl From<FileScanError> for KanchaError {
    fn from(e: FileScanError) -> Self {
        match e {
            FileScanError::Store(s) => s.into(),
            FileScanError::Scan(s) => KanchaError::ScanFailed { reason: s.to_string() },
            e @ (FileScanError::NotAPhoto(_) | FileScanError::ShotNotForDocType { .. }) => {
                KanchaError::InvalidArgument { reason: e.to_string() }
            }
        }
    }
}

impl From<SyncError> for KanchaError {
    fn from(e: SyncError) -> Self {
        KanchaError::InvalidArgument { reason: format!("sync settings: {e}") }
    }
}

/// Opening is special: an I/O failure there means the directory itself is unusable.
pub(crate) fn open_error(e: StoreError) -> KanchaError {
    match e {
        StoreError::Io { op, message, .. } => KanchaError::DataDirUnusable { reason: io_reason(op, &message) },
        other => other.into(),
    }
}
