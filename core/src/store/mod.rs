//! The on-device store: SQLite records and a content-addressed blob directory.
//!
//! Writes follow one order — blob to a temporary file, flush, rename, flush the directory,
//! then commit the row — so a crash leaves at worst a blob without a row, which
//! [`Reconciliation`] reports on the next open; never a row without its bytes.

mod arrival;
mod blobs;
mod error;
mod outbox;
pub mod faults;
mod schema;

pub use error::StoreError;
pub use faults::FaultPoint;
pub use outbox::{BundleState, OutboxEntry};
pub use schema::VERSION as SCHEMA_VERSION;

use crate::capture::{DeviceContext, PhotoAnalysis};
use crate::bundle::log::{self, LogEntry};
use crate::bundle::sign::SoftwareKey;
use crate::case::{Case, CaseState, NewCase};
use crate::checks::Finding;
use crate::evidence::{EvidenceItem, ItemKind};
use blobs::BlobDir;
use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What the store found inconsistent when it was opened. Nothing is dropped silently.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// Blobs on disk that no record refers to (a crash between blob and row).
    pub orphan_blobs: Vec<String>,
    /// Items whose original or thumbnail is missing on disk: `(item id, missing sha256)`.
    pub missing_blobs: Vec<(String, String)>,
    /// Temporary files of interrupted writes, removed (they never held a complete blob).
    pub removed_temporaries: usize,
}

impl Reconciliation {
    /// True when records and blobs agree.
    pub fn is_clean(&self) -> bool {
        self.orphan_blobs.is_empty() && self.missing_blobs.is_empty()
    }
}

/// A new item for [`Store::put_item`].
pub struct NewItem<'a> {
    /// Case the item belongs to.
    pub case_id: &'a str,
    /// Photo or scan.
    pub kind: ItemKind,
    /// Shot or document key.
    pub shot: &'a str,
    /// The original bytes, stored as they are.
    pub bytes: &'a [u8],
    /// What capture learned from the bytes.
    pub analysis: &'a PhotoAnalysis,
    /// Every finding to record with the item.
    pub findings: Vec<Finding>,
    /// Device clock and fix at capture.
    pub device: &'a DeviceContext,
    /// For a scan, the photo it was made from.
    pub derived_from: Option<&'a str>,
    /// For a scan, how it was made.
    pub scan: Option<&'a crate::scan::ScanRecord>,
}

/// The device's durable store of cases and evidence.
pub struct Store {
    root: PathBuf,
    conn: Mutex<Connection>,
    blobs: BlobDir,
    reconciliation: Reconciliation,
    fault: Mutex<Option<FaultPoint>>,
    // Held for the store's lifetime: a second instance on the same directory is refused.
    _lock: File,
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, migrating and reconciling it.
    pub fn open(dir: impl AsRef<Path>) -> Result<Store, StoreError> {
        let root = dir.as_ref().to_path_buf();
        fs::create_dir_all(&root).map_err(|e| StoreError::io("create directory", &root, e))?;
        let lock_path = root.join("kancha.lock");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| StoreError::io("open", &lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(StoreError::InUse(root)),
            Err(fs::TryLockError::Error(e)) => return Err(StoreError::io("lock", &lock_path, e)),
        }
        let mut conn = Connection::open(root.join("kancha.db"))?;
        // WAL keeps readers off the writer's back; FULL sync makes a committed capture survive power loss.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        schema::migrate(&mut conn)?;
        let blobs = BlobDir::open(root.join("blobs"))?;
        let mut store = Store {
            root,
            conn: Mutex::new(conn),
            blobs,
            reconciliation: Reconciliation::default(),
            fault: Mutex::new(None),
            _lock: lock,
        };
        store.reconciliation = store.reconcile()?;
        Ok(store)
    }

    /// The directory the store lives in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// What the last open found inconsistent.
    pub fn reconciliation(&self) -> &Reconciliation {
        &self.reconciliation
    }

    /// Makes the next write fail at `point` (tests only).
    #[cfg(feature = "faults")]
    pub fn inject_fault(&self, point: FaultPoint) {
        *self.fault.lock().expect("fault lock") = Some(point);
    }

    fn take_fault(&self) -> Option<FaultPoint> {
        self.fault.lock().expect("fault lock").take()
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll back).
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Compares records and blobs, removes temporaries, and reports the rest.
    pub fn reconcile(&self) -> Result<Reconciliation, StoreError> {
        let conn = self.conn();
        let removed_temporaries = self.blobs.clear_temporaries()?;
        let on_disk = self.blobs.list()?;
        let mut referenced = BTreeSet::new();
        let mut missing_blobs = Vec::new();
        let purged: BTreeSet<String> = {
            let mut stmt = conn.prepare("SELECT sha256 FROM purged")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut stmt = conn.prepare("SELECT id, sha256, thumbnail_sha256 FROM items ORDER BY case_id, seq")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
        for row in rows {
            let (id, sha, thumb) = row?;
            for s in [sha, thumb] {
                if !on_disk.contains(&s) && !purged.contains(&s) {
                    missing_blobs.push((id.clone(), s.clone()));
                }
                referenced.insert(s);
            }
        }
        let orphan_blobs = on_disk.difference(&referenced).cloned().collect();
        Ok(Reconciliation { orphan_blobs, missing_blobs, removed_temporaries })
    }

    /// Stores a new case; a report number already stored is a conflict.
    pub fn create_case(&self, new: NewCase) -> Result<Case, StoreError> {
        if new.report_no.trim().is_empty() {
            return Err(StoreError::Conflict("a case needs a report number".into()));
        }
        let case = Case {
            id: new.id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            report_no: new.report_no,
            policy_no: new.policy_no,
            plate: new.plate,
            accident_at: new.accident_at,
            scene: new.scene,
            dispatched_at: new.dispatched_at,
            state: CaseState::Dispatched,
            created_at: Utc::now(),
        };
        let conn = self.conn();
        let exists: Option<String> = conn
            .query_row("SELECT id FROM cases WHERE id = ?1 OR report_no = ?2", params![case.id, case.report_no], |r| r.get(0))
            .optional()?;
        if let Some(id) = exists {
            return Err(StoreError::Conflict(format!("case {id} already has this id or report number")));
        }
        conn.execute(
            "INSERT INTO cases (id, report_no, record) VALUES (?1, ?2, ?3)",
            params![case.id, case.report_no, to_json(&case)],
        )?;
        Ok(case)
    }

    /// One case by id.
    pub fn case(&self, id: &str) -> Result<Case, StoreError> {
        let record: Option<String> = self
            .conn()
            .query_row("SELECT record FROM cases WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        let record = record.ok_or_else(|| StoreError::NotFound { what: "case", id: id.to_string() })?;
        from_json(id, &record)
    }

    /// Every case, oldest first.
    pub fn cases(&self) -> Result<Vec<Case>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, record FROM cases ORDER BY rowid")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        rows.map(|r| {
            let (id, rec) = r?;
            from_json(&id, &rec)
        })
        .collect()
    }

    /// Moves a case to a new lifecycle state.
    pub fn set_case_state(&self, id: &str, state: CaseState) -> Result<Case, StoreError> {
        let mut case = self.case(id)?;
        case.state = state;
        self.conn().execute("UPDATE cases SET record = ?2 WHERE id = ?1", params![id, to_json(&case)])?;
        Ok(case)
    }

    /// Stores an item durably; returns the existing item (and `false`) when the case already has these bytes.
    pub fn put_item(&self, new: NewItem<'_>) -> Result<(EvidenceItem, bool), StoreError> {
        let a = new.analysis;
        // One writer at a time: the blob writes, the row and any clean-up happen under one lock,
        // so a clean-up can never remove a blob another capture has just referenced.
        let conn = self.conn();
        let state: Option<String> = conn
            .query_row("SELECT json_extract(record, '$.state') FROM cases WHERE id = ?1", [new.case_id], |r| r.get(0))
            .optional()?;
        match state.as_deref() {
            None => return Err(StoreError::NotFound { what: "case", id: new.case_id.to_string() }),
            Some("sealed") | Some("delivered") => {
                return Err(StoreError::Conflict(format!("case {} is sealed; no more evidence can be added", new.case_id)))
            }
            Some(_) => {}
        }
        let fault = self.take_fault();
        let existing: Option<(String, String)> = conn
            .query_row(
                "SELECT id, record FROM items WHERE case_id = ?1 AND sha256 = ?2",
                params![new.case_id, a.sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((id, record)) = existing {
            let item: EvidenceItem = from_json(&id, &record)?;
            // Capturing the same bytes again heals an item whose blob went missing.
            self.blobs.put(&a.sha256, new.bytes, fault)?;
            self.blobs.put(&item.thumbnail_sha256, &a.thumbnail, None)?;
            return Ok((item, false));
        }
        let thumb_sha = hex::encode(Sha256::digest(&a.thumbnail));
        let fresh: Vec<&str> = [a.sha256.as_str(), thumb_sha.as_str()]
            .into_iter()
            .filter(|s| !self.blobs.contains(s))
            .collect();
        let result = self
            .blobs
            .put(&a.sha256, new.bytes, fault)
            .and_then(|()| self.blobs.put(&thumb_sha, &a.thumbnail, None))
            .and_then(|()| match fault {
                Some(FaultPoint::CrashAfterBlobs) => {
                    Err(StoreError::io("commit", self.root.join("kancha.db"), std::io::Error::other("injected crash")))
                }
                Some(FaultPoint::RowInsert) => Err(StoreError::Database("injected fault on insert".into())),
                _ => insert_item(&conn, &new, &thumb_sha),
            });
        match result {
            Ok(item) => Ok((item, true)),
            Err(e) => {
                if fault != Some(FaultPoint::CrashAfterBlobs) {
                    for sha in fresh {
                        if !is_referenced(&conn, sha)? {
                            self.blobs.remove(sha)?;
                        }
                    }
                }
                Err(e)
            }
        }
    }

    /// One item by id.
    pub fn item(&self, id: &str) -> Result<EvidenceItem, StoreError> {
        let record: Option<String> =
            self.conn().query_row("SELECT record FROM items WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        let record = record.ok_or_else(|| StoreError::NotFound { what: "item", id: id.to_string() })?;
        from_json(id, &record)
    }

    /// A case's items in capture order.
    pub fn items(&self, case_id: &str) -> Result<Vec<EvidenceItem>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, record FROM items WHERE case_id = ?1 ORDER BY seq")?;
        let rows = stmt.query_map([case_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        rows.map(|r| {
            let (id, rec) = r?;
            from_json(&id, &rec)
        })
        .collect()
    }

    /// The bytes of a blob, checked against their hash.
    pub fn read_blob(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
            return Err(StoreError::NotFound { what: "blob", id: sha256.to_string() });
        }
        self.blobs.read(sha256)
    }

    /// A case's capture log, in order.
    pub fn capture_log(&self, case_id: &str) -> Result<Vec<LogEntry>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT seq, item_id, sha256, prev, hash FROM capture_log WHERE case_id = ?1 ORDER BY seq")?;
        let rows = stmt.query_map([case_id], log_entry_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The device's software signing key, made and stored on first use.
    pub fn device_key(&self) -> Result<SoftwareKey, StoreError> {
        let conn = self.conn();
        let secret: Option<Vec<u8>> =
            conn.query_row("SELECT secret FROM device_key WHERE id = 1", [], |r| r.get(0)).optional()?;
        if let Some(secret) = secret {
            return SoftwareKey::from_secret(&secret).map_err(|e| StoreError::BadRecord("device_key".into(), e.to_string()));
        }
        let key = SoftwareKey::generate();
        conn.execute(
            "INSERT INTO device_key (id, secret, created_at) VALUES (1, ?1, ?2)",
            params![key.secret(), Utc::now().to_rfc3339()],
        )?;
        Ok(key)
    }

    /// Where a blob lives on disk (for streaming uploads).
    pub fn blob_path(&self, sha256: &str) -> PathBuf {
        self.blobs.path(sha256)
    }
}

fn insert_item(conn: &Connection, new: &NewItem<'_>, thumb_sha: &str) -> Result<EvidenceItem, StoreError> {
    let a = new.analysis;
    let seq: u64 = conn.query_row(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM items WHERE case_id = ?1",
        [new.case_id],
        |r| r.get(0),
    )?;
    let item = EvidenceItem {
        id: uuid::Uuid::new_v4().to_string(),
        case_id: new.case_id.to_string(),
        seq,
        kind: new.kind,
        shot: new.shot.to_string(),
        sha256: a.sha256.clone(),
        size: a.size,
        media_type: a.media_type.clone(),
        width: a.width,
        height: a.height,
        device_time: new.device.clock,
        device_fix: new.device.fix.clone(),
        exif: a.exif.clone(),
        quality: a.quality.clone(),
        verdict: a.verdict.clone(),
        phash: a.phash.clone(),
        findings: new.findings.clone(),
        thumbnail_sha256: thumb_sha.to_string(),
        derived_from: new.derived_from.map(str::to_string),
        scan: new.scan.cloned(),
        stored_at: Utc::now(),
    };
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "INSERT INTO items (id, case_id, seq, sha256, thumbnail_sha256, record) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![item.id, item.case_id, item.seq, item.sha256, item.thumbnail_sha256, to_json(&item)],
    )?;
    // The log entry commits with the item: one cannot exist without the other.
    let prev = last_log_entry(&tx, &item.case_id)?;
    let entry = log::next_entry(&item.case_id, prev.as_ref(), &item.id, &item.sha256);
    tx.execute(
        "INSERT INTO capture_log (case_id, seq, item_id, sha256, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![item.case_id, entry.seq, entry.item_id, entry.sha256, entry.prev, entry.hash],
    )?;
    tx.commit()?;
    Ok(item)
}

fn last_log_entry(conn: &Connection, case_id: &str) -> Result<Option<LogEntry>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT seq, item_id, sha256, prev, hash FROM capture_log WHERE case_id = ?1 ORDER BY seq DESC LIMIT 1",
            [case_id],
            log_entry_from_row,
        )
        .optional()?)
}

fn log_entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LogEntry> {
    Ok(LogEntry { seq: r.get(0)?, item_id: r.get(1)?, sha256: r.get(2)?, prev: r.get(3)?, hash: r.get(4)? })
}

fn is_referenced(conn: &Connection, sha: &str) -> Result<bool, StoreError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM items WHERE sha256 = ?1 OR thumbnail_sha256 = ?1 LIMIT 1",
            [sha],
            |_| Ok(true),
        )
        .optional()?
        .unwrap_or(false))
}

fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("records serialize")
}

fn from_json<T: serde::de::DeserializeOwned>(id: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::BadRecord(id.to_string(), e.to_string()))
}
