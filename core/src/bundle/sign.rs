//! ES256 (ECDSA P-256 with SHA-256) signing: a trait the host app can back with its hardware
//! keystore, a software key as the default, and the one verification function.

use base64::Engine;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// Why signing or verifying failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The platform keystore or the key itself failed.
    #[error("the signer failed: {0}")]
    Signer(String),
    /// The public key is not a P-256 point.
    #[error("the public key is not a valid P-256 key")]
    BadPublicKey,
    /// The signature is not DER or raw r‖s ECDSA.
    #[error("the signature is not an ECDSA P-256 signature")]
    BadSignature,
    /// The signature does not match the bytes and key.
    #[error("the signature does not match the manifest and the public key")]
    Mismatch,
}

/// Something that signs manifests with a P-256 key: Android Keystore, Secure Enclave, or software.
pub trait Signer: Send + Sync {
    /// The public key as an uncompressed SEC1 point (65 bytes, starting 0x04).
    fn public_key(&self) -> Result<Vec<u8>, SignError>;
    /// An ECDSA P-256 / SHA-256 signature over `message`, DER-encoded (as keystores return it).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError>;
}

/// A P-256 key held in software (kept in the device store) — the default signer.
pub struct SoftwareKey {
    key: SigningKey,
}

impl SoftwareKey {
    /// A new random key.
    pub fn generate() -> Self {
        SoftwareKey { key: SigningKey::random(&mut rand_core::OsRng) }
    }

    /// The key from its 32 secret bytes.
    pub fn from_secret(bytes: &[u8]) -> Result<Self, SignError> {
        SigningKey::from_slice(bytes).map(|key| SoftwareKey { key }).map_err(|_| SignError::Signer("stored key is invalid".into()))
    }

    /// The 32 secret bytes, for storing.
    pub fn secret(&self) -> Vec<u8> {
        self.key.to_bytes().to_vec()
    }
}

impl Signer for SoftwareKey {
    fn public_key(&self) -> Result<Vec<u8>, SignError> {
        Ok(VerifyingKey::from(&self.key).to_encoded_point(false).as_bytes().to_vec())
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let sig: Signature = self.key.sign(message);
        Ok(sig.to_der().as_bytes().to_vec())
    }
}

/// The key id: SHA-256 of the SEC1 public key, lowercase hex.
pub fn key_id(public_key: &[u8]) -> String {
    hex::encode(Sha256::digest(public_key))
}

/// Base64 (standard, padded) as used for keys in manifests.
pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes standard base64.
pub fn unb64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// Verifies an ES256 signature (DER or raw 64-byte r‖s) over `message`.
pub fn verify_signature(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), SignError> {
    let vk = VerifyingKey::from_sec1_bytes(public_key).map_err(|_| SignError::BadPublicKey)?;
    let sig = if signature.len() == 64 {
        Signature::from_slice(signature)
    } else {
        Signature::from_der(signature)
    }
    .map_err(|_| SignError::BadSignature)?;
    vk.verify(message, &sig).map_err(|_| SignError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_a_changed_byte_does_not() {
        let key = SoftwareKey::generate();
        let pk = key.public_key().unwrap();
        assert_eq!(pk.len(), 65);
        let sig = key.sign(b"manifest bytes").unwrap();
        verify_signature(&pk, b"manifest bytes", &sig).unwrap();
        assert_eq!(verify_signature(&pk, b"manifest bytez", &sig), Err(SignError::Mismatch));
        let other = SoftwareKey::generate().public_key().unwrap();
        assert_eq!(verify_signature(&other, b"manifest bytes", &sig), Err(SignError::Mismatch));
        assert_eq!(verify_signature(&pk, b"manifest bytes", b"junk"), Err(SignError::BadSignature));
        let restored = SoftwareKey::from_secret(&key.secret()).unwrap();
        assert_eq!(restored.public_key().unwrap(), pk);
    }
}
