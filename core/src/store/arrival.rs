//! Saved arrival monitors: one JSON state per watched case, replaced on every change.

use super::{Store, StoreError};
use chrono::Utc;
use rusqlite::{params, OptionalExtension};

impl Store {
    /// Saves the arrival monitor state (JSON) of a case, replacing the previous one.
    pub fn save_arrival_monitor(&self, case_id: &str, state: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO arrival_monitors (case_id, state, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (case_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            params![case_id, state, Utc::now().to_rfc3339()],
        )?;
        Ok(())
    }

    /// The saved arrival monitor state of a case, if it is watched.
    pub fn arrival_monitor(&self, case_id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT state FROM arrival_monitors WHERE case_id = ?1", [case_id], |r| r.get(0))
            .optional()?)
    }

    /// Ids of every case with a saved arrival monitor.
    pub fn watched_cases(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT case_id FROM arrival_monitors ORDER BY case_id")?;
        let ids = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
        Ok(ids)
    }
}
