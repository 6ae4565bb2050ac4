//! Bearer tokens: random secrets handed out once, stored only as their SHA-256.

use sha2::{Digest, Sha256};

/// Prefix that makes a Kancha token recognisable in logs and secret scanners.
pub const TOKEN_PREFIX: &str = "kct_";

/// `n` random bytes as lowercase hex, from the operating system's generator.
pub fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).expect("the operating system's random generator is available");
    hex::encode(buf)
}

/// A new token secret (256 bits).
pub fn new_secret() -> String {
    format!("{TOKEN_PREFIX}{}", random_hex(32))
}

/// What the store keeps instead of the secret. A fast hash suffices: the secret has 256 random bits.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}
