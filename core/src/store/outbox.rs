//! The outbox: sealed bundles waiting for delivery, their upload URLs, and receipts.

use super::{from_json, to_json, Store, StoreError};
use crate::case::{Case, CaseState};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

/// Where a sealed bundle is on its way to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BundleState {
    /// Sealed, waiting for the worker.
    Queued,
    /// The server verified it and answered with a receipt.
    Delivered,
    /// The server refused it for good (a person must look); kept, never deleted.
    Rejected,
}

impl BundleState {
    fn as_str(self) -> &'static str {
        match self {
            BundleState::Queued => "queued",
            BundleState::Delivered => "delivered",
            BundleState::Rejected => "rejected",
        }
    }

    fn parse(s: &str) -> BundleState {
        match s {
            "delivered" => BundleState::Delivered,
            "rejected" => BundleState::Rejected,
            _ => BundleState::Queued,
        }
    }
}

/// A sealed bundle in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// Bundle id.
    pub bundle_id: String,
    /// Case it seals.
    pub case_id: String,
    /// Canonical manifest bytes, exactly as signed.
    pub manifest: Vec<u8>,
    /// ES256 signature over `manifest`.
    pub signature: Vec<u8>,
    /// Delivery state.
    pub state: BundleState,
    /// The server's receipt (JSON), once delivered.
    pub receipt: Option<String>,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// The last delivery error, if any.
    pub last_error: Option<String>,
    /// When it was sealed.
    pub sealed_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, case_id, manifest, signature, state, receipt, attempts, last_error, sealed_at";

fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxEntry> {
    let sealed_at: String = r.get(8)?;
    Ok(OutboxEntry {
        bundle_id: r.get(0)?,
        case_id: r.get(1)?,
        manifest: r.get(2)?,
        signature: r.get(3)?,
        state: BundleState::parse(&r.get::<_, String>(4)?),
        receipt: r.get(5)?,
        attempts: r.get(6)?,
        last_error: r.get(7)?,
        sealed_at: DateTime::parse_from_rfc3339(&sealed_at).map(|t| t.with_timezone(&Utc)).unwrap_or_default(),
    })
}

impl Store {
    /// Queues a sealed bundle and marks its case sealed, in one transaction.
    ///
    /// Refused when the capture log moved on since the manifest was built (a capture raced the seal).
    pub fn enqueue_bundle(
        &self,
        bundle_id: &str,
        case_id: &str,
        log_head: &str,
        manifest: &[u8],
        signature: &[u8],
        sealed_at: DateTime<Utc>,
    ) -> Result<OutboxEntry, StoreError> {
        let conn = self.conn();
        let tx = conn.unchecked_transaction()?;
        let head: Option<String> = tx
            .query_row("SELECT hash FROM capture_log WHERE case_id = ?1 ORDER BY seq DESC LIMIT 1", [case_id], |r| r.get(0))
            .optional()?;
        if head.as_deref().unwrap_or(&crate::bundle::log::genesis(case_id)) != log_head {
            return Err(StoreError::Conflict(format!("case {case_id} changed while it was being sealed; seal again")));
        }
        tx.execute(
            "INSERT INTO bundles (id, case_id, manifest, signature, state, sealed_at) VALUES (?1, ?2, ?3, ?4, 'queued', ?5)",
            params![bundle_id, case_id, manifest, signature, sealed_at.to_rfc3339()],
        )?;
        let record: String = tx.query_row("SELECT record FROM cases WHERE id = ?1", [case_id], |r| r.get(0))?;
        let mut case: Case = from_json(case_id, &record)?;
        case.state = CaseState::Sealed;
        tx.execute("UPDATE cases SET record = ?2 WHERE id = ?1", params![case_id, to_json(&case)])?;
        let entry = tx.query_row(&format!("SELECT {COLUMNS} FROM bundles WHERE id = ?1"), [bundle_id], entry_from_row)?;
        if self.take_fault() == Some(super::FaultPoint::AbortInSeal) {
            super::faults::die();
        }
        tx.commit()?;
        Ok(entry)
    }

    /// The bundle sealing a case, if it is sealed.
    pub fn bundle_for_case(&self, case_id: &str) -> Result<Option<OutboxEntry>, StoreError> {
        Ok(self
            .conn()
            .query_row(&format!("SELECT {COLUMNS} FROM bundles WHERE case_id = ?1"), [case_id], entry_from_row)
            .optional()?)
    }

    /// One bundle by id.
    pub fn bundle(&self, bundle_id: &str) -> Result<OutboxEntry, StoreError> {
        self.conn()
            .query_row(&format!("SELECT {COLUMNS} FROM bundles WHERE id = ?1"), [bundle_id], entry_from_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound { what: "bundle", id: bundle_id.to_string() })
    }

    /// Bundles still to deliver, oldest first.
    pub fn pending_bundles(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare(&format!("SELECT {COLUMNS} FROM bundles WHERE state = 'queued' ORDER BY sealed_at, rowid"))?;
        let rows = stmt.query_map([], entry_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The persisted tus upload URL of one blob of a bundle, and whether it is complete.
    pub fn upload_state(&self, bundle_id: &str, sha256: &str) -> Result<(Option<String>, bool), StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT url, done FROM uploads WHERE bundle_id = ?1 AND sha256 = ?2",
                params![bundle_id, sha256],
                |r| Ok((r.get(0)?, r.get::<_, bool>(1)?)),
            )
            .optional()?
            .unwrap_or((None, false)))
    }

    /// Persists an upload URL the moment the server creates it, so a restart resumes it.
    pub fn set_upload_url(&self, bundle_id: &str, sha256: &str, url: Option<&str>) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO uploads (bundle_id, sha256, url, done) VALUES (?1, ?2, ?3, 0)
             ON CONFLICT (bundle_id, sha256) DO UPDATE SET url = excluded.url, done = 0",
            params![bundle_id, sha256, url],
        )?;
        Ok(())
    }

    /// Marks one blob of a bundle as completely uploaded.
    pub fn mark_upload_done(&self, bundle_id: &str, sha256: &str) -> Result<(), StoreError> {
        self.conn().execute("UPDATE uploads SET done = 1 WHERE bundle_id = ?1 AND sha256 = ?2", params![bundle_id, sha256])?;
        Ok(())
    }

    /// Records a failed delivery attempt.
    pub fn record_attempt(&self, bundle_id: &str, error: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE bundles SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
            params![bundle_id, error],
        )?;
        Ok(())
    }

    /// Records the server's final answer: a receipt (delivered) or a permanent refusal.
    pub fn finish_bundle(&self, bundle_id: &str, state: BundleState, answer: &str) -> Result<(), StoreError> {
        let conn = self.conn();
        let tx = conn.unchecked_transaction()?;
        let case_id: String = tx
            .query_row("SELECT case_id FROM bundles WHERE id = ?1", [bundle_id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::NotFound { what: "bundle", id: bundle_id.to_string() })?;
        let (receipt, error) = match state {
            BundleState::Delivered => (Some(answer), None),
            _ => (None, Some(answer)),
        };
        tx.execute(
            "UPDATE bundles SET state = ?2, receipt = COALESCE(?3, receipt), last_error = COALESCE(?4, last_error) WHERE id = ?1",
            params![bundle_id, state.as_str(), receipt, error],
        )?;
        if state == BundleState::Delivered {
            let record: String = tx.query_row("SELECT record FROM cases WHERE id = ?1", [&case_id], |r| r.get(0))?;
            let mut case: Case = from_json(&case_id, &record)?;
            case.state = CaseState::Delivered;
            tx.execute("UPDATE cases SET record = ?2 WHERE id = ?1", params![case_id, to_json(&case)])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes a delivered case's originals (retention), keeping records, thumbnails and the bundle.
    /// A blob another undelivered case still uses is kept.
    pub fn purge_originals(&self, case_id: &str) -> Result<usize, StoreError> {
        let conn = self.conn();
        let delivered: Option<String> = conn
            .query_row("SELECT state FROM bundles WHERE case_id = ?1", [case_id], |r| r.get(0))
            .optional()?;
        if delivered.as_deref() != Some("delivered") {
            return Err(StoreError::Conflict(format!("case {case_id} has no receipt yet; originals are kept")));
        }
        let mut stmt = conn.prepare(
            "SELECT DISTINCT i.sha256 FROM items i WHERE i.case_id = ?1 AND NOT EXISTS (
                SELECT 1 FROM items o LEFT JOIN bundles b ON b.case_id = o.case_id
                WHERE o.sha256 = i.sha256 AND o.case_id <> i.case_id AND COALESCE(b.state, '') <> 'delivered')",
        )?;
        let shas: Vec<String> = stmt.query_map([case_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
        let now = Utc::now().to_rfc3339();
        for sha in &shas {
            // Record first: a crash between the two leaves the blob on disk (purged again next
            // time), never a purged original that reconciliation would report as missing.
            conn.execute("INSERT OR IGNORE INTO purged (sha256, purged_at) VALUES (?1, ?2)", params![sha, now])?;
            self.blobs.remove(sha)?;
        }
        Ok(shas.len())
    }
}
