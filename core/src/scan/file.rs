//! Filing a scan as evidence: the scan of a stored photo becomes a new item in the same case,
//! with its own bytes and hash, linked to the untouched original it was made from.

use super::{scan_photo, Catalogue, DocType, Scan, ScanError, ScanRequest};
use crate::capture::{self, CaptureConfig, DeviceContext, ExifSummary, PhotoAnalysis, QualityReason, QualityVerdict};
use crate::evidence::{EvidenceItem, ItemKind};
use crate::store::{NewItem, Store, StoreError};
use image::DynamicImage;

/// Why a scan could not be filed.
#[derive(Debug, thiserror::Error)]
pub enum FileScanError {
    /// The scan itself could not be made.
    #[error(transparent)]
    Scan(#[from] ScanError),
    /// The store could not find the photo or could not write the scan.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The checklist key given is not one a scan of this document type may satisfy (a bank card
    /// filed as a driver licence would tick the wrong checklist item).
    #[error("a {doc_type} scan cannot be filed as {shot:?}; it may satisfy: {allowed}")]
    ShotNotForDocType {
        /// The shot reference given.
        shot: String,
        /// The scan's document type.
        doc_type: DocType,
        /// The checklist keys it may be filed under, comma-separated.
        allowed: String,
    },
    /// The item named is itself a scan; scans are made from original photos only.
    #[error("item {0} is a scan, not a photo: scan the original photo it came from")]
    NotAPhoto(String),
}

impl FileScanError {
    /// True when trying the same call again may succeed (a storage failure).
    pub fn is_retryable(&self) -> bool {
        matches!(self, FileScanError::Store(e) if e.is_retryable())
    }
}

/// A scan filed in a case.
#[derive(Debug, Clone)]
pub struct FiledScan {
    /// The stored scan item (the earlier one when the same scan was already filed).
    pub item: EvidenceItem,
    /// False when an identical scan was already in the case.
    pub created: bool,
    /// The scan, with its bytes.
    pub scan: Scan,
}

/// Scans the stored photo `photo_item_id` and files the result in the photo's case as a derived
/// item: own SHA-256, document type, corners used, verdict, and the link to the original.
/// `shot` is the checklist reference it is filed under (`key[/v<N>][/p<N>]`, e.g. `bank_details/p0`):
/// its key must be one the document type's `checklist_items` names (or the type's own name); by
/// default the first of them, e.g. `bank_details` for a bank card (per-vehicle or per-party
/// items also need the `/v<N>` or `/p<N>` to tick the checklist).
pub fn file_scan(
    store: &Store,
    photo_item_id: &str,
    shot: Option<&str>,
    req: &ScanRequest,
    device: &DeviceContext,
    cfg: &CaptureConfig,
) -> Result<FiledScan, FileScanError> {
    let profile = Catalogue::builtin().profile(req.doc_type);
    let shot = shot.unwrap_or_else(|| profile.default_checklist_item(req.doc_type));
    let key = shot.split('/').next().unwrap_or_default();
    if let Some(doc_type) = req.doc_type.filter(|_| !profile.may_satisfy(req.doc_type, key)) {
        let allowed = profile.checklist_items.iter().map(String::as_str).chain([doc_type.as_str()]).collect::<Vec<_>>().join(", ");
        return Err(FileScanError::ShotNotForDocType { shot: shot.to_string(), doc_type, allowed });
    }
    let original = store.item(photo_item_id)?;
    if original.kind != ItemKind::Photo {
        return Err(FileScanError::NotAPhoto(original.id));
    }
    // read_blob checks the bytes against their hash, so the scan starts from the true original.
    let bytes = store.read_blob(&original.sha256)?;
    let scan = scan_photo(&bytes, req)?;
    let analysis = analysis_of(&scan, cfg)?;
    let record = scan.record();
    let (item, created) = store.put_item(NewItem {
        case_id: &original.case_id,
        kind: ItemKind::Scan,
        shot,
        bytes: &scan.image,
        analysis: &analysis,
        findings: scan.verdict.findings.clone(),
        device,
        derived_from: Some(&original.id),
        scan: Some(&record),
    })?;
    Ok(FiledScan { item, created, scan })
}

/// What the store keeps for a scan's bytes: hash, size, thumbnail and a verdict that follows the
/// scan's own (a clean white page is not "too bright" the way a photo would be).
fn analysis_of(scan: &Scan, cfg: &CaptureConfig) -> Result<PhotoAnalysis, ScanError> {
    let page = image::load_from_memory(&scan.image).map_err(|e| ScanError::Encode(e.to_string()))?;
    let thumb = page.thumbnail(cfg.thumbnail_long_side, cfg.thumbnail_long_side).into_rgb8();
    let luma = DynamicImage::ImageRgb8(thumb.clone()).into_luma8();
    let mut thumbnail = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut thumbnail, 80)
        .encode_image(&thumb)
        .map_err(|e| ScanError::Encode(e.to_string()))?;
    let reasons = scan
        .verdict
        .findings
        .iter()
        .filter_map(|f| match f.code {
            crate::checks::FindingCode::ScanBlurred => Some(QualityReason::Blurred),
            crate::checks::FindingCode::ScanTooSmall => Some(QualityReason::TooSmall),
            _ => None,
        })
        .map(|code| capture::quality::ReasonText {
            code,
            message_en: code.message_en().to_string(),
            message_zh: code.message_zh().to_string(),
        })
        .collect();
    Ok(PhotoAnalysis {
        sha256: scan.sha256.clone(),
        size: scan.image.len() as u64,
        media_type: scan.media_type.clone(),
        width: scan.width,
        height: scan.height,
        // A scan is made by Kancha, not a camera: its time and place are its original's.
        exif: ExifSummary::default(),
        quality: capture::quality::measure(&luma, scan.width, scan.height),
        verdict: QualityVerdict { acceptable: scan.verdict.accepted, reasons },
        phash: format!("{:016x}", capture::phash::dhash(&luma)),
        findings: Vec::new(),
        thumbnail,
    })
}
