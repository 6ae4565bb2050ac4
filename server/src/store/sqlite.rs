//! [`MetaStore`] on an embedded SQLite file (WAL, one connection, work off the async threads).

use super::meta::{BundleRecord, CaseFilter, CaseRecord, MetaError, MetaStore, Role, TokenRecord, UploadRecord};
use crate::ids::{CaseId, PersonId, UploadId};
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Schema migrations, applied in order; `PRAGMA user_version` counts those applied.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    person TEXT,
    case_id TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
);
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    zone TEXT NOT NULL,
    target_minutes INTEGER NOT NULL,
    surveyor TEXT,
    dispatched_at INTEGER,
    arrived_at INTEGER,
    required_documents TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX cases_surveyor ON cases(surveyor);
CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    case_id TEXT,
    kind TEXT,
    length INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    metadata TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    completed_at INTEGER
);
CREATE INDEX uploads_case ON uploads(case_id);
"#, r#"
CREATE TABLE bundles (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    manifest BLOB NOT NULL,
    signature BLOB NOT NULL,
    receipt_id TEXT NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX bundles_case ON bundles(case_id);
CREATE TABLE bundle_items (
    bundle_id TEXT NOT NULL REFERENCES bundles(id),
    item_id TEXT NOT NULL,
    upload_id TEXT NOT NULL,
    PRIMARY KEY (bundle_id, item_id)
);
"#];

/// Records in one SQLite file.
pub struct SqliteMetaStore {
    conn: Arc<Mutex<Connection>>,
}

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// SQLite refused.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// The file was written by a newer kancha.
    #[error("database schema version {0} is newer than this kancha understands ({1})")]
    TooNew(i64, usize),
}

impl SqliteMetaStore {
    /// Opens the database, creating and migrating it as needed.
    pub fn open(path: &Path) -> Result<Self, OpenError> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version as usize > MIGRATIONS.len() {
            return Err(OpenError::TooNew(version, MIGRATIONS.len()));
        }
        for sql in &MIGRATIONS[version as usize..] {
            tx.execute_batch(sql)?;
        }
        tx.pragma_update(None, "user_version", MIGRATIONS.len() as i64)?;
        tx.commit()?;
        Ok(Self { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs `f` on the connection on a blocking thread.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, MetaError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| MetaError::Backend(e.to_string()))?
        .map_err(|e| MetaError::Backend(e.to_string()))
    }
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn time(v: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(v).single().unwrap_or_default()
}

fn opt_time(v: Option<i64>) -> Option<DateTime<Utc>> {
    v.map(time)
}

/// A stored text that no longer parses as an id is a corrupt database, not a client error.
fn bad(col: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, Box::new(e))
}

fn opt_id<T>(row: &Row, col: usize, parse: fn(&str) -> Result<T, crate::ids::IdError>) -> rusqlite::Result<Option<T>> {
    row.get::<_, Option<String>>(col)?.map(|s| parse(&s).map_err(|e| bad(col, e))).transpose()
}

fn token_row(row: &Row) -> rusqlite::Result<TokenRecord> {
    let role: String = row.get(2)?;
    Ok(TokenRecord {
        id: row.get(0)?,
        hash: row.get(1)?,
        role: Role::parse(&role).ok_or_else(|| bad(2, crate::ids::IdError::Character))?,
        person: opt_id(row, 3, PersonId::parse)?,
        case_id: opt_id(row, 4, CaseId::parse)?,
        created_at: time(row.get(5)?),
        expires_at: opt_time(row.get(6)?),
    })
}

const UPLOAD_COLS: &str = "id, owner, case_id, kind, length, offset, metadata, created_at, expires_at, completed_at";

fn upload_row(row: &Row) -> rusqlite::Result<UploadRecord> {
    let id: String = row.get(0)?;
    Ok(UploadRecord {
        id: UploadId::parse(&id).map_err(|e| bad(0, e))?,
        owner: row.get(1)?,
        case_id: opt_id(row, 2, CaseId::parse)?,
        kind: row.get(3)?,
        length: row.get::<_, i64>(4)? as u64,
        offset: row.get::<_, i64>(5)? as u64,
        metadata: row.get(6)?,
        created_at: time(row.get(7)?),
        expires_at: time(row.get(8)?),
        completed_at: opt_time(row.get(9)?),
    })
}

const CASE_COLS: &str =
    "id, zone, target_minutes, surveyor, dispatched_at, arrived_at, required_documents, note, created_at";

fn case_row(row: &Row) -> rusqlite::Result<CaseRecord> {
    let id: String = row.get(0)?;
    let docs: String = row.get(6)?;
    Ok(CaseRecord {
        id: CaseId::parse(&id).map_err(|e| bad(0, e))?,
        zone: row.get(1)?,
        target_minutes: row.get(2)?,
        surveyor: opt_id(row, 3, PersonId::parse)?,
        dispatched_at: opt_time(row.get(4)?),
        arrived_at: opt_time(row.get(5)?),
        required_documents: serde_json::from_str(&docs).map_err(|e| bad(6, e))?,
        note: row.get(7)?,
        created_at: time(row.get(8)?),
    })
}

fn read_bundle(c: &Connection, id: &str) -> rusqlite::Result<Option<BundleRecord>> {
    let Some(mut b) = c
        .query_row(
            "SELECT id, case_id, manifest_sha256, manifest, signature, receipt_id, received_at FROM bundles WHERE id = ?1",
            [id],
            |r| {
                let case: String = r.get(1)?;
                Ok(BundleRecord {
                    bundle_id: r.get(0)?,
                    case_id: CaseId::parse(&case).map_err(|e| bad(1, e))?,
                    manifest_sha256: r.get(2)?,
                    manifest: r.get(3)?,
                    signature: r.get(4)?,
                    items: Vec::new(),
                    receipt_id: r.get(5)?,
                    received_at: time(r.get(6)?),
                })
            },
        )
        .optional()?
    else {
        return Ok(None);
    };
    let mut st = c.prepare("SELECT item_id, upload_id FROM bundle_items WHERE bundle_id = ?1 ORDER BY item_id")?;
    b.items = st
        .query_map([id], |r| {
            let upload: String = r.get(1)?;
            Ok((r.get::<_, String>(0)?, UploadId::parse(&upload).map_err(|e| bad(1, e))?))
        })?
        .collect::<Result<_, _>>()?;
    Ok(Some(b))
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation)
}

/// Runs an INSERT; `Ok(false)` when a row with the same key exists.
fn insert_new(c: &Connection, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<bool> {
    match c.execute(sql, params) {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Runs an UPDATE of one case and reads the case back in the same transaction (`None`: no such case).
fn update_case(c: &mut Connection, key: &str, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<Option<CaseRecord>> {
    let tx = c.transaction()?;
    let case = if tx.execute(sql, params)? == 0 {
        None
    } else {
        Some(tx.query_row(&format!("SELECT {CASE_COLS} FROM cases WHERE id = ?1"), [key], case_row)?)
    };
    tx.commit()?;
    Ok(case)
}

#[async_trait]
impl MetaStore for SqliteMetaStore {
    async fn put_token(&self, t: TokenRecord) -> Result<(), MetaError> {
        self.run(move |c| {
            c.execute(
                "INSERT INTO tokens (id, hash, role, person, case_id, created_at, expires_at) VALUES (?1,?2,?3,?4,?5,?6,?7)",
                params![
                    t.id,
                    t.hash,
                    t.role.as_str(),
                    t.person.as_ref().map(|p| p.as_str().to_owned()),
                    t.case_id.as_ref().map(|p| p.as_str().to_owned()),
                    ms(t.created_at),
                    t.expires_at.map(ms)
                ],
            )
            .map(|_| ())
        })
        .await
    }

    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, MetaError> {
        let hash = hash.to_owned();
        self.run(move |c| {
            c.query_row(
                "SELECT id, hash, role, person, case_id, created_at, expires_at FROM tokens WHERE hash = ?1",
                [hash],
                token_row,
            )
            .optional()
        })
        .await
    }

    async fn create_upload(&self, u: UploadRecord) -> Result<(), MetaError> {
        let id = u.id.to_string();
        let res = self
            .run(move |c| {
                insert_new(
                    c,
                    &format!("INSERT INTO uploads ({UPLOAD_COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"),
                    params![
                        u.id.as_str(),
                        u.owner,
                        u.case_id.as_ref().map(|c| c.as_str().to_owned()),
                        u.kind,
                        u.length as i64,
                        u.offset as i64,
                        u.metadata,
                        ms(u.created_at),
                        ms(u.expires_at),
                        u.completed_at.map(ms)
                    ],
                )
            })
            .await?;
        if res { Ok(()) } else { Err(MetaError::Conflict(format!("upload {id}"))) }
    }

    async fn upload(&self, id: &UploadId) -> Result<Option<UploadRecord>, MetaError> {
        let id = id.to_string();
        self.run(move |c| {
            c.query_row(&format!("SELECT {UPLOAD_COLS} FROM uploads WHERE id = ?1"), [id], upload_row).optional()
        })
        .await
    }

    async fn set_upload_offset(
        &self,
        id: &UploadId,
        offset: u64,
        completed_at: Option<DateTime<Utc>>,
    ) -> Result<(), MetaError> {
        let key = id.to_string();
        let n = self
            .run(move |c| {
                c.execute(
                    "UPDATE uploads SET offset = ?2, completed_at = ?3 WHERE id = ?1",
                    params![key, offset as i64, completed_at.map(ms)],
                )
            })
            .await?;
        if n == 0 { Err(MetaError::NotFound(format!("upload {id}"))) } else { Ok(()) }
    }

    async fn delete_upload(&self, id: &UploadId) -> Result<bool, MetaError> {
        let id = id.to_string();
        self.run(move |c| c.execute("DELETE FROM uploads WHERE id = ?1", [id]).map(|n| n > 0)).await
    }

    async fn expired_uploads(&self, now: DateTime<Utc>) -> Result<Vec<UploadId>, MetaError> {
        self.run(move |c| {
            let mut st = c.prepare("SELECT id FROM uploads WHERE completed_at IS NULL AND expires_at < ?1")?;
            let ids = st.query_map([ms(now)], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
            Ok(ids.iter().filter_map(|s| UploadId::parse(s).ok()).collect())
        })
        .await
    }

    async fn case_uploads(&self, case_id: &CaseId) -> Result<Vec<UploadRecord>, MetaError> {
        let case_id = case_id.to_string();
        self.run(move |c| {
            let mut st =
                c.prepare(&format!("SELECT {UPLOAD_COLS} FROM uploads WHERE case_id = ?1 ORDER BY created_at, id"))?;
            let rows = st.query_map([case_id], upload_row)?.collect();
            rows
        })
        .await
    }

    async fn upload_ids(&self) -> Result<Vec<UploadId>, MetaError> {
        self.run(move |c| {
            let mut st = c.prepare("SELECT id FROM uploads ORDER BY id")?;
            let ids = st.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
            Ok(ids.iter().filter_map(|s| UploadId::parse(s).ok()).collect())
        })
        .await
    }

    async fn create_case(&self, k: CaseRecord) -> Result<(), MetaError> {
        let id = k.id.to_string();
        let docs = serde_json::to_string(&k.required_documents).map_err(|e| MetaError::Backend(e.to_string()))?;
        let inserted = self
            .run(move |c| {
                insert_new(
                    c,
                    &format!("INSERT INTO cases ({CASE_COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)"),
                    params![
                        k.id.as_str(),
                        k.zone,
                        k.target_minutes,
                        k.surveyor.as_ref().map(|p| p.as_str().to_owned()),
                        k.dispatched_at.map(ms),
                        k.arrived_at.map(ms),
                        docs,
                        k.note,
                        ms(k.created_at)
                    ],
                )
            })
            .await?;
        if inserted { Ok(()) } else { Err(MetaError::Conflict(format!("case {id}"))) }
    }

    async fn case(&self, id: &CaseId) -> Result<Option<CaseRecord>, MetaError> {
        let id = id.to_string();
        self.run(move |c| {
            c.query_row(&format!("SELECT {CASE_COLS} FROM cases WHERE id = ?1"), [id], case_row).optional()
        })
        .await
    }

    async fn assign_case(
        &self,
        id: &CaseId,
        surveyor: &PersonId,
        dispatched_at: DateTime<Utc>,
    ) -> Result<CaseRecord, MetaError> {
        let (key, who) = (id.to_string(), surveyor.to_string());
        self.run(move |c| {
            let sql = "UPDATE cases SET surveyor = ?2, dispatched_at = ?3, arrived_at = NULL WHERE id = ?1";
            update_case(c, &key, sql, params![key, who, ms(dispatched_at)])
        })
        .await?
        .ok_or_else(|| MetaError::NotFound(format!("case {id}")))
    }

    async fn record_arrival(&self, id: &CaseId, arrived_at: DateTime<Utc>) -> Result<CaseRecord, MetaError> {
        let key = id.to_string();
        self.run(move |c| update_case(c, &key, "UPDATE cases SET arrived_at = ?2 WHERE id = ?1", params![key, ms(arrived_at)]))
        .await?
        .ok_or_else(|| MetaError::NotFound(format!("case {id}")))
    }

    async fn cases(&self, filter: CaseFilter) -> Result<Vec<CaseRecord>, MetaError> {
        self.run(move |c| {
            let sql = format!(
                "SELECT {CASE_COLS} FROM cases WHERE (?1 IS NULL OR surveyor = ?1) ORDER BY created_at DESC, id"
            );
            let mut st = c.prepare(&sql)?;
            let rows = st.query_map([filter.surveyor.map(String::from)], case_row)?.collect();
            rows
        })
        .await
    }

    async fn put_bundle(&self, b: BundleRecord) -> Result<BundleRecord, MetaError> {
        self.run(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            if let Some(existing) = read_bundle(&tx, &b.bundle_id)? {
                return Ok(existing);
            }
            tx.execute(
                "INSERT INTO bundles (id, case_id, manifest_sha256, manifest, signature, receipt_id, received_at) VALUES (?1,?2,?3,?4,?5,?6,?7)",
                params![b.bundle_id, b.case_id.as_str(), b.manifest_sha256, b.manifest, b.signature, b.receipt_id, ms(b.received_at)],
            )?;
            for (item, upload) in &b.items {
                tx.execute(
                    "INSERT INTO bundle_items (bundle_id, item_id, upload_id) VALUES (?1,?2,?3)",
                    params![b.bundle_id, item, upload.as_str()],
                )?;
            }
            tx.commit()?;
            Ok(b)
        })
        .await
    }

    async fn case_bundles(&self, case_id: &CaseId) -> Result<Vec<BundleRecord>, MetaError> {
        let case_id = case_id.to_string();
        self.run(move |c| {
            let ids: Vec<String> = {
                let mut st = c.prepare("SELECT id FROM bundles WHERE case_id = ?1 ORDER BY received_at, id")?;
                let rows = st.query_map([case_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
                rows
            };
            let mut out = Vec::new();
            for id in ids {
                out.extend(read_bundle(c, &id)?);
            }
            Ok(out)
        })
        .await
    }

    async fn ping(&self) -> Result<(), MetaError> {
        self.run(|c| c.query_row("SELECT 1", [], |_| Ok(()))).await
    }
}
