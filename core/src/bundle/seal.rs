//! Sealing a case: the manifest is built from the store, signed, and queued in the outbox.

use super::log;
use super::manifest::{CaptureLog, CaseFacts, ClockFacts, DeviceFacts, Manifest, ManifestItem, SignerFacts, FORMAT, VERSION};
use super::sign::{self, Signer};
use super::BundleError;
use crate::store::{OutboxEntry, Store};
use chrono::{Duration, Utc};
use serde_json::Value;

/// What the app tells the SDK when it seals a case.
#[derive(Debug, Clone, Default)]
pub struct SealFacts {
    /// Device and app facts.
    pub device: DeviceFacts,
    /// Clock correction in use.
    pub clock: ClockFacts,
    /// The arrival record (from `sla`), if tracked.
    pub arrival: Option<Value>,
    /// The checklist state, if a checklist applies.
    pub checklist: Option<Value>,
}

/// Seals a case: checks the store's evidence, signs the manifest and queues it. Sealing twice
/// returns the bundle of the first seal.
pub fn seal(store: &Store, case_id: &str, signer: &dyn Signer, facts: SealFacts) -> Result<OutboxEntry, BundleError> {
    if let Some(existing) = store.bundle_for_case(case_id)? {
        return Ok(existing);
    }
    let case = store.case(case_id)?;
    let items = store.items(case_id)?;
    let entries = store.capture_log(case_id)?;
    let head = log::check_chain(case_id, &entries)?;
    if entries.len() != items.len()
        || entries.iter().zip(&items).any(|(e, i)| e.item_id != i.id || e.sha256 != i.sha256 || e.seq != i.seq)
    {
        return Err(BundleError::Inconsistent(format!(
            "case {case_id}: the capture log ({} entries) and the stored items ({}) disagree",
            entries.len(),
            items.len()
        )));
    }
    // Refuse to seal bytes that changed on disk since capture: read_blob re-hashes each original.
    for item in &items {
        store.read_blob(&item.sha256)?;
    }
    let public_key = signer.public_key()?;
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        bundle_id: uuid::Uuid::new_v4().to_string(),
        sealed_at: Utc::now() + Duration::milliseconds(facts.clock.offset_ms),
        case: CaseFacts::from(&case),
        arrival: facts.arrival,
        checklist: facts.checklist,
        device: DeviceFacts { sdk_version: env!("CARGO_PKG_VERSION").into(), ..facts.device },
        clock: facts.clock,
        items: items.iter().map(ManifestItem::from).collect(),
        capture_log: CaptureLog { head: head.clone(), entries },
        signer: SignerFacts { alg: "ES256".into(), key_id: sign::key_id(&public_key), public_key: sign::b64(&public_key) },
    };
    let bytes = manifest.canonical_bytes();
    let signature = signer.sign(&bytes)?;
    // A platform signer that returns a bad signature is caught here, not on the server.
    sign::verify_signature(&public_key, &bytes, &signature)?;
    Ok(store.enqueue_bundle(&manifest.bundle_id, case_id, &head, &bytes, &signature, manifest.sealed_at)?)
}
