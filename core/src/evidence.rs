//! The evidence item: one stored photo or scan with everything capture learned about it.

use crate::capture::{ExifSummary, QualityMetrics, QualityVerdict};
use crate::checks::Finding;
use crate::geo::Fix;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What kind of evidence an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// An original photo from the camera.
    Photo,
    /// A flattened document derived from a photo.
    Scan,
}

impl ItemKind {
    /// The lowercase name stored in records.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Photo => "photo",
            ItemKind::Scan => "scan",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "photo" => Some(ItemKind::Photo),
            "scan" => Some(ItemKind::Scan),
            _ => None,
        }
    }
}

/// One stored item of evidence in a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceItem {
    /// Item id (UUID).
    pub id: String,
    /// The case it belongs to.
    pub case_id: String,
    /// Position in the case's capture order, from 1.
    pub seq: u64,
    /// Photo or scan.
    pub kind: ItemKind,
    /// Shot or document key from the checklist (`front_45`, `driver_licence`, …).
    pub shot: String,
    /// SHA-256 of the stored bytes, lowercase hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Media type of the stored bytes.
    pub media_type: String,
    /// Stored frame width in pixels.
    pub width: u32,
    /// Stored frame height in pixels.
    pub height: u32,
    /// The device clock at capture (UTC).
    pub device_time: DateTime<Utc>,
    /// The device's location fix at capture.
    pub device_fix: Option<Fix>,
    /// EXIF summary.
    pub exif: ExifSummary,
    /// Quality measurements.
    pub quality: QualityMetrics,
    /// Quality verdict.
    pub verdict: QualityVerdict,
    /// 64-bit dHash as 16 hex digits.
    pub phash: String,
    /// Findings recorded at capture.
    pub findings: Vec<Finding>,
    /// SHA-256 of the JPEG thumbnail.
    pub thumbnail_sha256: String,
    /// For a scan, the photo it was derived from.
    pub derived_from: Option<String>,
    /// For a scan, how it was made: document type, corners used, confidence, verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<crate::scan::ScanRecord>,
    /// When the store committed the item (device clock, UTC).
    pub stored_at: DateTime<Utc>,
}
