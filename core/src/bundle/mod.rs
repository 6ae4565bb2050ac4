//! The evidence bundle: manifest, canonical bytes, capture log, signing, verification, export.

pub mod canonical;
pub mod export;
pub mod log;
pub mod manifest;
mod seal;
pub mod sign;
pub mod verify;

pub use manifest::{Manifest, ManifestItem};
pub use seal::{seal, SealFacts};
pub use sign::{Signer, SoftwareKey};
pub use verify::{verify, ItemSource, Rejected, Verified};

use crate::store::StoreError;

/// Why sealing or exporting a bundle failed.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The store failed or refused.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The signer failed.
    #[error(transparent)]
    Sign(#[from] sign::SignError),
    /// The stored capture log is broken.
    #[error(transparent)]
    LogBroken(#[from] log::ChainBreak),
    /// The stored items and the capture log disagree.
    #[error("the evidence is inconsistent: {0}")]
    Inconsistent(String),
    /// Writing or reading an exported bundle failed.
    #[error("bundle file: {0}")]
    Export(String),
}
