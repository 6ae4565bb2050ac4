//! Schema migrations, keyed on `PRAGMA user_version`; a newer database is refused.

use super::StoreError;
use rusqlite::{Connection, TransactionBehavior};

/// Each entry upgrades the schema by one version; never edit a shipped entry, append a new one.
const MIGRATIONS: &[&str] = &[
    // v1: cases, evidence items, the capture log, the device key and the outbox.
    "CREATE TABLE cases (
        id TEXT PRIMARY KEY,
        report_no TEXT NOT NULL UNIQUE,
        record TEXT NOT NULL
    );
    CREATE TABLE items (
        id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        seq INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        thumbnail_sha256 TEXT NOT NULL,
        record TEXT NOT NULL,
        UNIQUE (case_id, sha256),
        UNIQUE (case_id, seq)
    );
    CREATE INDEX items_sha256 ON items(sha256);
    CREATE INDEX items_thumbnail ON items(thumbnail_sha256);
    CREATE TABLE capture_log (
        case_id TEXT NOT NULL REFERENCES cases(id),
        seq INTEGER NOT NULL,
        item_id TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        prev TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (case_id, seq)
    );
    CREATE TABLE device_key (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        secret BLOB NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE bundles (
        id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL UNIQUE REFERENCES cases(id),
        manifest BLOB NOT NULL,
        signature BLOB NOT NULL,
        state TEXT NOT NULL,
        receipt TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        sealed_at TEXT NOT NULL
    );
    CREATE TABLE uploads (
        bundle_id TEXT NOT NULL REFERENCES bundles(id),
        sha256 TEXT NOT NULL,
        url TEXT,
        done INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (bundle_id, sha256)
    );
    CREATE TABLE purged (
        sha256 TEXT PRIMARY KEY,
        purged_at TEXT NOT NULL
    );",
    // v2: the arrival monitor of each watched case, so the clock survives the app being killed.
    "CREATE TABLE arrival_monitors (
        case_id TEXT PRIMARY KEY REFERENCES cases(id),
        state TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );",
];

/// The schema version this build writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database to [`VERSION`] in one immediate transaction.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > VERSION {
        return Err(StoreError::NewerSchema { found, supported: VERSION });
    }
    for step in &MIGRATIONS[found as usize..] {
        tx.execute_batch(step)?;
    }
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()?;
    Ok(())
}
