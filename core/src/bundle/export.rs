//! A sealed bundle as one file: a zip (stored, not recompressed) with `manifest.json`,
//! `manifest.sig` and the originals under `items/`, which `unzip` opens and `kancha verify` checks.

use super::manifest::{Manifest, ManifestItem};
use super::verify::ItemSource;
use super::BundleError;
use crate::store::Store;
use std::cell::RefCell;
use std::fs::File;
use std::io::{Cursor, Read, Write};
use std::path::Path;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// Name of the manifest entry.
pub const MANIFEST_ENTRY: &str = "manifest.json";
/// Name of the signature entry (DER ECDSA signature).
pub const SIGNATURE_ENTRY: &str = "manifest.sig";

/// Writes the bundle `bundle_id` from the store to `out` (via a temporary file and a rename).
pub fn export(store: &Store, bundle_id: &str, out: &Path) -> Result<(), BundleError> {
    let entry = store.bundle(bundle_id)?;
    let manifest: Manifest =
        serde_json::from_slice(&entry.manifest).map_err(|e| BundleError::Inconsistent(format!("stored manifest: {e}")))?;
    let tmp = out.with_extension("partial");
    let result = (|| -> Result<(), BundleError> {
        let file = File::create(&tmp).map_err(|e| BundleError::Export(format!("{}: {e}", tmp.display())))?;
        let mut zip = ZipWriter::new(file);
        let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Stored).large_file(false);
        let zip_err = |e: zip::result::ZipError| BundleError::Export(e.to_string());
        let io_err = |e: std::io::Error| BundleError::Export(e.to_string());
        zip.start_file(MANIFEST_ENTRY, opts).map_err(zip_err)?;
        zip.write_all(&entry.manifest).map_err(io_err)?;
        zip.start_file(SIGNATURE_ENTRY, opts).map_err(zip_err)?;
        zip.write_all(&entry.signature).map_err(io_err)?;
        for item in &manifest.items {
            let bytes = store.read_blob(&item.sha256)?;
            zip.start_file(item.file.as_str(), opts).map_err(zip_err)?;
            zip.write_all(&bytes).map_err(io_err)?;
        }
        let file = zip.finish().map_err(zip_err)?;
        file.sync_all().map_err(io_err)?;
        std::fs::rename(&tmp, out).map_err(io_err)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// An exported bundle opened for verification.
pub struct ExportedBundle {
    /// Manifest bytes as stored in the file.
    pub manifest: Vec<u8>,
    /// Signature bytes.
    pub signature: Vec<u8>,
    archive: RefCell<ZipArchive<File>>,
}

/// Opens an exported bundle file.
pub fn open(path: &Path) -> Result<ExportedBundle, BundleError> {
    let file = File::open(path).map_err(|e| BundleError::Export(format!("{}: {e}", path.display())))?;
    let mut archive = ZipArchive::new(file).map_err(|e| BundleError::Export(format!("not a bundle zip: {e}")))?;
    let mut read = |name: &str| -> Result<Vec<u8>, BundleError> {
        let mut entry = archive.by_name(name).map_err(|_| BundleError::Export(format!("the bundle has no {name}")))?;
        let mut buf = Vec::new();
        entry.read_to_end(&mut buf).map_err(|e| BundleError::Export(e.to_string()))?;
        Ok(buf)
    };
    let manifest = read(MANIFEST_ENTRY)?;
    let signature = read(SIGNATURE_ENTRY)?;
    Ok(ExportedBundle { manifest, signature, archive: RefCell::new(archive) })
}

impl ItemSource for ExportedBundle {
    fn open(&self, item: &ManifestItem) -> Option<Box<dyn Read + '_>> {
        let mut archive = self.archive.borrow_mut();
        let mut entry = archive.by_name(&item.file).ok()?;
        // Read no more than one byte past the declared size: a lying entry cannot exhaust memory.
        let mut buf = Vec::new();
        match entry.by_ref().take(item.size + 1).read_to_end(&mut buf) {
            Ok(_) => Some(Box::new(Cursor::new(buf))),
            // A CRC failure means the bytes in the file changed: say so rather than "missing".
            Err(e) => Some(Box::new(Unreadable(Some(e)))),
        }
    }
}

/// A reader that fails with the error met while reading an entry.
struct Unreadable(Option<std::io::Error>);

impl Read for Unreadable {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Err(self.0.take().unwrap_or_else(|| std::io::Error::other("unreadable entry")))
    }
}
