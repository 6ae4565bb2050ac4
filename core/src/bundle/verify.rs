//! Verification of a sealed bundle: signature, capture-log chain, and every item's bytes.
//! The one implementation used by the server and by `kancha verify` offline.

use super::log;
use super::manifest::{Manifest, ManifestItem, FORMAT, VERSION};
use super::sign;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Read;

/// Gives access to the bytes of each item (uploaded blobs on the server, zip entries offline).
pub trait ItemSource {
    /// A reader over the item's bytes, or `None` when they are not there.
    fn open(&self, item: &ManifestItem) -> Option<Box<dyn Read + '_>>;
}

/// What is wrong with a bundle, item by item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureCode {
    /// The manifest is not JSON of the expected shape.
    ManifestUnreadable,
    /// The manifest's format or version is not one this reader knows.
    UnsupportedVersion,
    /// The public key is malformed or does not match its key id.
    BadKey,
    /// The signature is malformed or does not match.
    BadSignature,
    /// The capture-log chain is broken.
    LogBroken,
    /// A log entry and the items disagree (missing, extra or re-ordered item).
    LogItemMismatch,
    /// An item's bytes are not available.
    ItemMissing,
    /// An item's bytes have another size.
    SizeMismatch,
    /// An item's bytes have another SHA-256.
    HashMismatch,
}

/// One failure, naming the item when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyFailure {
    /// The item concerned, if any.
    pub item_id: Option<String>,
    /// What failed.
    pub code: FailureCode,
    /// A sentence saying what failed and why.
    pub message: String,
}

/// Every reason a bundle was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("the bundle failed verification: {}", .failures.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("; "))]
pub struct Rejected {
    /// Each failure found.
    pub failures: Vec<VerifyFailure>,
}

/// A bundle that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The parsed manifest.
    pub manifest: Manifest,
    /// SHA-256 of the manifest bytes as received, hex.
    pub manifest_sha256: String,
}

fn fail(item_id: Option<&str>, code: FailureCode, message: String) -> VerifyFailure {
    VerifyFailure { item_id: item_id.map(str::to_string), code, message }
}

/// Verifies manifest bytes, their signature, the capture-log chain and every item's bytes.
pub fn verify(manifest_bytes: &[u8], signature: &[u8], source: &dyn ItemSource) -> Result<Verified, Rejected> {
    let reject = |f: VerifyFailure| Rejected { failures: vec![f] };
    let head: serde_json::Value = serde_json::from_slice(manifest_bytes)
        .map_err(|e| reject(fail(None, FailureCode::ManifestUnreadable, format!("the manifest is not JSON: {e}"))))?;
    let format = head.get("format").and_then(|v| v.as_str());
    let version = head.get("version").and_then(|v| v.as_u64());
    if format != Some(FORMAT) || version.is_none_or(|v| v == 0 || v > VERSION as u64) {
        return Err(reject(fail(
            None,
            FailureCode::UnsupportedVersion,
            format!("format {format:?} version {version:?} is not {FORMAT} version 1..={VERSION}"),
        )));
    }
    let manifest: Manifest = serde_json::from_value(head)
        .map_err(|e| reject(fail(None, FailureCode::ManifestUnreadable, format!("the manifest has the wrong shape: {e}"))))?;
    let key = sign::unb64(&manifest.signer.public_key)
        .ok_or_else(|| reject(fail(None, FailureCode::BadKey, "the public key is not base64".into())))?;
    if manifest.signer.alg != "ES256" || sign::key_id(&key) != manifest.signer.key_id {
        return Err(reject(fail(None, FailureCode::BadKey, "the key id does not match the public key, or alg is not ES256".into())));
    }
    sign::verify_signature(&key, manifest_bytes, signature)
        .map_err(|e| reject(fail(None, FailureCode::BadSignature, e.to_string())))?;

    let mut failures = Vec::new();
    let entries = &manifest.capture_log.entries;
    match log::check_chain(&manifest.case.id, entries) {
        Ok(head) if head != manifest.capture_log.head => failures.push(fail(
            None,
            FailureCode::LogBroken,
            "the capture log's head is not its last entry".into(),
        )),
        Ok(_) => {}
        Err(b) => failures.push(fail(None, FailureCode::LogBroken, b.to_string())),
    }
    for e in entries {
        match manifest.items.iter().find(|i| i.id == e.item_id) {
            None => failures.push(fail(
                Some(&e.item_id),
                FailureCode::LogItemMismatch,
                format!("log entry {} names item {} which is not in the bundle (deleted?)", e.seq, e.item_id),
            )),
            Some(i) if i.sha256 != e.sha256 || i.seq != e.seq => failures.push(fail(
                Some(&i.id),
                FailureCode::LogItemMismatch,
                format!("item {} does not match log entry {} (replaced or re-ordered?)", i.id, e.seq),
            )),
            Some(_) => {}
        }
    }
    for i in &manifest.items {
        if !entries.iter().any(|e| e.item_id == i.id) {
            failures.push(fail(
                Some(&i.id),
                FailureCode::LogItemMismatch,
                format!("item {} has no capture-log entry (inserted after capture?)", i.id),
            ));
        }
        match source.open(i) {
            None => failures.push(fail(Some(&i.id), FailureCode::ItemMissing, format!("item {} ({}) was not received", i.id, i.shot))),
            Some(reader) => match hash_stream(reader) {
                Err(e) => failures.push(fail(
                    Some(&i.id),
                    FailureCode::HashMismatch,
                    format!("item {} cannot be read back intact: {e}", i.id),
                )),
                Ok((size, _)) if size != i.size => failures.push(fail(
                    Some(&i.id),
                    FailureCode::SizeMismatch,
                    format!("item {} is {size} bytes, the manifest says {}", i.id, i.size),
                )),
                Ok((_, sha)) if sha != i.sha256 => failures.push(fail(
                    Some(&i.id),
                    FailureCode::HashMismatch,
                    format!("item {} hashes to {sha}, the manifest says {}", i.id, i.sha256),
                )),
                Ok(_) => {}
            },
        }
    }
    if !failures.is_empty() {
        return Err(Rejected { failures });
    }
    Ok(Verified { manifest, manifest_sha256: hex::encode(Sha256::digest(manifest_bytes)) })
}

fn hash_stream(mut r: Box<dyn Read + '_>) -> std::io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, hex::encode(hasher.finalize())))
}
