//! The platform signer: Android Keystore or the Secure Enclave, implemented by the app.

use crate::error::ForeignError;
use kancha_core::bundle::sign::{SignError, Signer};
use std::sync::Arc;

/// A P-256 key held by the platform (hardware-backed when possible) that signs bundle manifests.
#[uniffi::export(with_foreign)]
pub trait PlatformSigner: Send + Sync {
    /// The public key as an uncompressed SEC1 point (65 bytes starting 0x04).
    fn public_key(&self) -> Result<Vec<u8>, ForeignError>;
    /// An ECDSA P-256 / SHA-256 signature over `message` (DER, as keystores return it, or raw r‖s).
    fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, ForeignError>;
}

/// Adapts the app's signer to the core's trait.
pub(crate) struct ForeignSigner(pub Arc<dyn PlatformSigner>);

impl Signer for ForeignSigner {
    fn public_key(&self) -> Result<Vec<u8>, SignError> {
        Ok(self.0.public_key()?)
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        Ok(self.0.sign(message.to_vec())?)
    }
}
