//! The capture log: each capture's entry carries the hash of the one before, so a deleted,
//! inserted or re-ordered item breaks the chain.

use super::canonical;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One entry of a case's capture log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Position in the case, from 1.
    pub seq: u64,
    /// The item captured.
    pub item_id: String,
    /// SHA-256 of the item's bytes.
    pub sha256: String,
    /// Hash of the previous entry (the genesis hash for the first).
    pub prev: String,
    /// Hash of this entry: SHA-256 of the canonical JSON of `{case_id, seq, item_id, sha256, prev}`.
    pub hash: String,
}

/// The hash the first entry of a case points back to.
pub fn genesis(case_id: &str) -> String {
    hex::encode(Sha256::digest(format!("kancha-capture-log-v1:{case_id}")))
}

/// The hash of an entry's content.
pub fn entry_hash(case_id: &str, seq: u64, item_id: &str, sha256: &str, prev: &str) -> String {
    let body = serde_json::json!({
        "case_id": case_id, "seq": seq, "item_id": item_id, "sha256": sha256, "prev": prev,
    });
    hex::encode(Sha256::digest(canonical::to_bytes(&body)))
}

/// Makes the next entry after `prev` (None for the first).
pub fn next_entry(case_id: &str, prev: Option<&LogEntry>, item_id: &str, sha256: &str) -> LogEntry {
    let (seq, prev_hash) = match prev {
        Some(p) => (p.seq + 1, p.hash.clone()),
        None => (1, genesis(case_id)),
    };
    LogEntry {
        seq,
        item_id: item_id.to_string(),
        sha256: sha256.to_string(),
        hash: entry_hash(case_id, seq, item_id, sha256, &prev_hash),
        prev: prev_hash,
    }
}

/// Where and how a chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("capture log breaks at entry {seq}: {why}")]
pub struct ChainBreak {
    /// The first entry that does not follow.
    pub seq: u64,
    /// What is wrong with it.
    pub why: String,
}

/// Checks that the entries form one unbroken chain from the genesis and returns its head.
pub fn check_chain(case_id: &str, entries: &[LogEntry]) -> Result<String, ChainBreak> {
    let mut prev = genesis(case_id);
    for (i, e) in entries.iter().enumerate() {
        let want_seq = i as u64 + 1;
        if e.seq != want_seq {
            return Err(ChainBreak { seq: e.seq, why: format!("expected sequence number {want_seq}") });
        }
        if e.prev != prev {
            return Err(ChainBreak { seq: e.seq, why: "does not point to the previous entry".into() });
        }
        if entry_hash(case_id, e.seq, &e.item_id, &e.sha256, &e.prev) != e.hash {
            return Err(ChainBreak { seq: e.seq, why: "its hash does not match its content".into() });
        }
        prev = e.hash.clone();
    }
    Ok(prev)
}
