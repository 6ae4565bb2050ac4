//! Storage behind two narrow traits: [`MetaStore`] for records, [`BlobStore`] for bytes.
//!
//! The HTTP layer sees only these traits. The embedded default is SQLite ([`sqlite`]) plus a
//! local directory ([`dir`]); PostgreSQL or S3-compatible stores are further implementations.

pub mod blob;
pub mod dir;
pub mod meta;
pub mod sqlite;

pub use blob::{BlobError, BlobStore};
pub use meta::{MetaError, MetaStore};

use std::path::Path;
use std::sync::Arc;

/// The two stores a server runs on.
#[derive(Clone)]
pub struct Stores {
    /// Records: tokens, cases, uploads.
    pub meta: Arc<dyn MetaStore>,
    /// Bytes of uploads.
    pub blobs: Arc<dyn BlobStore>,
}

/// Opens (creating on first start) the embedded default: `kancha.sqlite3` and `blobs/` in `data_dir`.
pub fn open_embedded(data_dir: &Path) -> anyhow::Result<Stores> {
    use anyhow::Context;
    std::fs::create_dir_all(data_dir).with_context(|| format!("creating data directory {}", data_dir.display()))?;
    let meta = sqlite::SqliteMetaStore::open(&data_dir.join("kancha.sqlite3"))
        .with_context(|| format!("opening the record store in {}", data_dir.display()))?;
    let blobs = dir::DirBlobStore::open(&data_dir.join("blobs"))
        .with_context(|| format!("opening the blob directory in {}", data_dir.display()))?;
    Ok(Stores { meta: Arc::new(meta), blobs: Arc::new(blobs) })
}
