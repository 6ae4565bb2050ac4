//! One writer per upload: an in-process lock per upload id, released when the guard drops.
//!
//! A scale-out deployment with several server instances needs this lock in a shared place
//! (e.g. a PostgreSQL advisory lock); the embedded default runs one instance.

use crate::ids::UploadId;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// The set of uploads being written.
#[derive(Clone, Default)]
pub struct UploadLocks {
    held: Arc<Mutex<HashSet<UploadId>>>,
}

/// Holds an upload's lock until dropped.
pub struct UploadGuard {
    held: Arc<Mutex<HashSet<UploadId>>>,
    id: UploadId,
}

impl UploadLocks {
    /// Takes the lock, or `None` if another request holds it.
    pub fn try_lock(&self, id: &UploadId) -> Option<UploadGuard> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        held.insert(id.clone()).then(|| UploadGuard { held: self.held.clone(), id: id.clone() })
    }
}

impl Drop for UploadGuard {
    fn drop(&mut self) {
        self.held.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_writer_is_refused_until_the_first_is_done() {
        let locks = UploadLocks::default();
        let id = UploadId::parse("u1").unwrap();
        let first = locks.try_lock(&id).expect("free");
        assert!(locks.try_lock(&id).is_none());
        drop(first);
        assert!(locks.try_lock(&id).is_some());
    }
}
