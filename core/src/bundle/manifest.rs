//! The evidence-bundle manifest, version 1 (schema: `core/data/bundle-manifest.v1.schema.json`).
//!
//! Readers of version 1 ignore fields they do not know (writers may add fields within a
//! version); a manifest with a higher `version` is refused. The signature covers the manifest's
//! bytes as received, so added fields are signed too.

use super::log::LogEntry;
use crate::capture::{ExifSummary, QualityMetrics, QualityVerdict};
use crate::case::Case;
use crate::checks::Finding;
use crate::evidence::{EvidenceItem, ItemKind};
use crate::geo::{Coord, Fix};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The value of `format` in every manifest.
pub const FORMAT: &str = "kancha.bundle";
/// The manifest version this build writes and reads.
pub const VERSION: u32 = 1;

/// A sealed case: what was captured, where, when and by which device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `kancha.bundle`.
    pub format: String,
    /// Manifest version (1).
    pub version: u32,
    /// Bundle id (UUID), chosen by the device when sealing.
    pub bundle_id: String,
    /// When the bundle was sealed (device clock corrected by `clock.offset_ms`).
    pub sealed_at: DateTime<Utc>,
    /// The case facts.
    pub case: CaseFacts,
    /// The arrival record, as the SLA module reports it (absent until arrival is tracked).
    #[serde(default)]
    pub arrival: Option<Value>,
    /// The checklist state at sealing (absent when no checklist applies).
    #[serde(default)]
    pub checklist: Option<Value>,
    /// The device and app that captured the evidence.
    pub device: DeviceFacts,
    /// The clock correction used for device times.
    pub clock: ClockFacts,
    /// Every item, in capture order.
    pub items: Vec<ManifestItem>,
    /// The capture log, whose chain ties the items together.
    pub capture_log: CaptureLog,
    /// The key that signed the manifest.
    pub signer: SignerFacts,
}

/// The facts of the case being sealed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseFacts {
    /// Case id.
    pub id: String,
    /// Report number (报案号).
    pub report_no: String,
    /// Policy number.
    pub policy_no: Option<String>,
    /// Number plate.
    pub plate: Option<String>,
    /// Accident time.
    pub accident_at: Option<DateTime<Utc>>,
    /// Scene with its datum.
    pub scene: Option<Coord>,
    /// Dispatch time.
    pub dispatched_at: Option<DateTime<Utc>>,
}

impl From<&Case> for CaseFacts {
    fn from(c: &Case) -> Self {
        CaseFacts {
            id: c.id.clone(),
            report_no: c.report_no.clone(),
            policy_no: c.policy_no.clone(),
            plate: c.plate.clone(),
            accident_at: c.accident_at,
            scene: c.scene,
            dispatched_at: c.dispatched_at,
        }
    }
}

/// The device and app that captured the evidence.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeviceFacts {
    /// A stable, non-personal device id chosen by the app.
    pub device_id: String,
    /// Device model.
    pub model: Option<String>,
    /// Operating system and version.
    pub os: Option<String>,
    /// Host app name and version.
    pub app: Option<String>,
    /// Kancha SDK version.
    pub sdk_version: String,
}

/// The clock correction used for device times.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClockFacts {
    /// Server time minus device time, in milliseconds, at the last sync (0 when never synced).
    pub offset_ms: i64,
    /// When the offset was learned.
    pub synced_at: Option<DateTime<Utc>>,
}

/// One item as the manifest records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestItem {
    /// Item id.
    pub id: String,
    /// Capture order, from 1.
    pub seq: u64,
    /// Photo or scan.
    pub kind: ItemKind,
    /// Shot or document key.
    pub shot: String,
    /// SHA-256 of the bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Media type.
    pub media_type: String,
    /// Path of the bytes inside an exported bundle.
    pub file: String,
    /// Frame width.
    pub width: u32,
    /// Frame height.
    pub height: u32,
    /// Device clock at capture.
    pub device_time: DateTime<Utc>,
    /// Device fix at capture, with its datum.
    pub device_fix: Option<Fix>,
    /// EXIF summary.
    pub exif: ExifSummary,
    /// Quality measurements.
    pub quality: QualityMetrics,
    /// Quality verdict.
    pub verdict: QualityVerdict,
    /// Perceptual hash.
    pub phash: String,
    /// Findings.
    pub findings: Vec<Finding>,
    /// For a scan, the photo it was derived from.
    pub derived_from: Option<String>,
}

impl From<&EvidenceItem> for ManifestItem {
    fn from(i: &EvidenceItem) -> Self {
        let ext = if i.media_type == "image/png" { "png" } else { "jpg" };
        ManifestItem {
            id: i.id.clone(),
            seq: i.seq,
            kind: i.kind,
            shot: i.shot.clone(),
            sha256: i.sha256.clone(),
            size: i.size,
            media_type: i.media_type.clone(),
            file: format!("items/{:04}-{}.{ext}", i.seq, &i.sha256[..16]),
            width: i.width,
            height: i.height,
            device_time: i.device_time,
            device_fix: i.device_fix.clone(),
            exif: i.exif.clone(),
            quality: i.quality.clone(),
            verdict: i.verdict.clone(),
            phash: i.phash.clone(),
            findings: i.findings.clone(),
            derived_from: i.derived_from.clone(),
        }
    }
}

/// The capture log as sealed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaptureLog {
    /// Hash of the last entry (the genesis hash when empty).
    pub head: String,
    /// Every entry, in order.
    pub entries: Vec<LogEntry>,
}

/// The signing key, as the manifest names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignerFacts {
    /// Always `ES256`.
    pub alg: String,
    /// SEC1 uncompressed P-256 public key, base64.
    pub public_key: String,
    /// SHA-256 of the public key bytes, hex.
    pub key_id: String,
}

impl Manifest {
    /// The canonical bytes that are signed and hashed.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        super::canonical::to_bytes(&serde_json::to_value(self).expect("manifests serialize"))
    }
}
