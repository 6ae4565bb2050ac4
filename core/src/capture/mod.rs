//! Photo intake: EXIF, hashes, thumbnail, quality metrics. Originals are never re-encoded.

mod exif;
mod jpeg;
pub mod phash;
pub mod quality;
mod thumbnail;

pub use self::exif::{parse_exif_datetime, ExifSummary, GpsSummary, TimeSource};
pub use self::jpeg::{layout, JpegLayout, LayoutError};
pub use self::quality::{QualityMetrics, QualityReason, QualityRules, QualityVerdict};
pub use self::thumbnail::orient;

use crate::checks::{self, Finding};
use crate::evidence::{EvidenceItem, ItemKind};
use crate::geo::Fix;
use crate::store::{NewItem, Store, StoreError};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Limits and rules for capture, loaded from a versioned settings file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureConfig {
    /// Settings format version (1).
    pub version: u32,
    /// Largest photo accepted, in bytes.
    pub max_bytes: u64,
    /// Largest frame (width × height) accepted, checked before decoding.
    pub max_pixels: u64,
    /// Long side of the thumbnail in pixels.
    pub thumbnail_long_side: u32,
    /// Zone assumed for EXIF local times without an offset tag, in minutes east of UTC.
    pub assumed_utc_offset_minutes: i32,
    /// Quality rules for the verdict.
    pub quality: QualityRules,
}

/// The shipped default settings (`core/data/capture.v1.json`).
const DEFAULT_CONFIG: &str = include_str!("../../data/capture.v1.json");

impl Default for CaptureConfig {
    fn default() -> Self {
        Self::from_json(DEFAULT_CONFIG).expect("shipped capture settings are valid")
    }
}

impl CaptureConfig {
    /// Parses and validates a settings document.
    pub fn from_json(text: &str) -> Result<Self, CaptureError> {
        let mut doc: serde_json::Value =
            serde_json::from_str(text).map_err(|e| CaptureError::Config(e.to_string()))?;
        // `$schema` points editors at the JSON Schema; it is not a setting.
        if let Some(obj) = doc.as_object_mut() {
            obj.remove("$schema");
        }
        let cfg: CaptureConfig = serde_json::from_value(doc).map_err(|e| CaptureError::Config(e.to_string()))?;
        if cfg.version != 1 {
            return Err(CaptureError::Config(format!("unsupported settings version {}", cfg.version)));
        }
        if FixedOffset::east_opt(cfg.assumed_utc_offset_minutes * 60).is_none() {
            return Err(CaptureError::Config("assumed_utc_offset_minutes is out of range".into()));
        }
        Ok(cfg)
    }

    fn assumed_offset(&self) -> FixedOffset {
        FixedOffset::east_opt(self.assumed_utc_offset_minutes * 60).expect("validated on load")
    }
}

/// Why a photo was refused. Nothing is stored when capture fails.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// Zero bytes.
    #[error("the photo is empty (0 bytes)")]
    Empty,
    /// Over the configured size limit.
    #[error("the photo is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { size: u64, limit: u64 },
    /// Not a JPEG at all.
    #[error("the file is not a JPEG photo")]
    NotJpeg,
    /// The file ends before the image does.
    #[error("the JPEG is truncated: {0}")]
    Truncated(String),
    /// The header is not a JPEG we can read.
    #[error("the JPEG is malformed: {0}")]
    Malformed(String),
    /// The frame declares more pixels than allowed; refused before allocating.
    #[error("the photo declares {width}x{height} pixels, over the limit of {limit} pixels")]
    TooManyPixels { width: u32, height: u32, limit: u64 },
    /// The image data cannot be decoded.
    #[error("the image data cannot be decoded: {0}")]
    Decode(String),
    /// Settings are invalid.
    #[error("invalid capture settings: {0}")]
    Config(String),
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CaptureError {
    /// A stable snake_case code for machines (CLI JSON, FFI).
    pub fn code(&self) -> &'static str {
        match self {
            CaptureError::Empty => "empty",
            CaptureError::TooLarge { .. } => "too_large",
            CaptureError::NotJpeg => "not_jpeg",
            CaptureError::Truncated(_) => "truncated",
            CaptureError::Malformed(_) => "malformed",
            CaptureError::TooManyPixels { .. } => "too_many_pixels",
            CaptureError::Decode(_) => "undecodable",
            CaptureError::Config(_) => "invalid_config",
            CaptureError::Store(_) => "storage",
        }
    }

    /// True when retrying the same call may succeed (a storage failure), false for bad input.
    pub fn is_retryable(&self) -> bool {
        matches!(self, CaptureError::Store(e) if e.is_retryable())
    }
}

/// Everything capture learns from the bytes of one photo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoAnalysis {
    /// SHA-256 of the original bytes, lowercase hex.
    pub sha256: String,
    /// Size of the original in bytes.
    pub size: u64,
    /// Always `image/jpeg` for photos.
    pub media_type: String,
    /// Stored frame width in pixels.
    pub width: u32,
    /// Stored frame height in pixels.
    pub height: u32,
    /// EXIF summary.
    pub exif: ExifSummary,
    /// Quality measurements.
    pub quality: QualityMetrics,
    /// Whether the photo counts, and why not.
    pub verdict: QualityVerdict,
    /// 64-bit dHash as 16 hex digits.
    pub phash: String,
    /// Findings from the bytes alone.
    pub findings: Vec<Finding>,
    /// The thumbnail, JPEG-encoded.
    #[serde(skip)]
    pub thumbnail: Vec<u8>,
}

/// Analyses photo bytes without storing anything.
pub fn analyze(bytes: &[u8], cfg: &CaptureConfig) -> Result<PhotoAnalysis, CaptureError> {
    if bytes.is_empty() {
        return Err(CaptureError::Empty);
    }
    let size = bytes.len() as u64;
    if size > cfg.max_bytes {
        return Err(CaptureError::TooLarge { size, limit: cfg.max_bytes });
    }
    let layout = jpeg::layout(bytes).map_err(|e| match e {
        LayoutError::NotJpeg => CaptureError::NotJpeg,
        LayoutError::TruncatedHeader => CaptureError::Truncated(e.to_string()),
        other => CaptureError::Malformed(other.to_string()),
    })?;
    if layout.width as u64 * layout.height as u64 > cfg.max_pixels {
        return Err(CaptureError::TooManyPixels {
            width: layout.width,
            height: layout.height,
            limit: cfg.max_pixels,
        });
    }
    if !layout.complete {
        return Err(CaptureError::Truncated("the image data ends before the end-of-image marker".into()));
    }
    let (exif, mut findings) =
        exif::summarize(layout.exif.clone().map(|r| &bytes[r]), cfg.assumed_offset());
    // Hash on a second thread while this one decodes: the two together cost about the slower one.
    let (sha256, thumb) = std::thread::scope(|s| {
        let hasher = s.spawn(|| hex::encode(Sha256::digest(bytes)));
        let thumb = thumbnail::thumbnail(bytes, cfg.thumbnail_long_side, exif.orientation);
        (hasher.join().expect("hashing does not panic"), thumb)
    });
    let thumb = thumb.map_err(|e| CaptureError::Decode(e.0))?;
    let (width, height) = (layout.width, layout.height);
    let (disp_w, disp_h) =
        if matches!(exif.orientation, Some(5..=8)) { (height, width) } else { (width, height) };
    let luma = thumbnail::luma(&thumb);
    let metrics = quality::measure(&luma, disp_w, disp_h);
    let verdict = quality::judge(&metrics, &cfg.quality);
    findings.extend(checks::edits::check(&exif, width, height));
    Ok(PhotoAnalysis {
        sha256,
        size,
        media_type: "image/jpeg".into(),
        width,
        height,
        exif,
        quality: metrics,
        verdict,
        phash: format!("{:016x}", phash::dhash(&luma)),
        findings,
        thumbnail: thumbnail::encode(&thumb),
    })
}

/// What the device knew at the moment of capture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceContext {
    /// The device clock when the shutter fired (UTC).
    pub clock: DateTime<Utc>,
    /// The last location fix, when there is one.
    pub fix: Option<Fix>,
}

/// The result of capturing a photo into a case.
#[derive(Debug, Clone, PartialEq)]
pub struct Captured {
    /// The stored item (the earlier one when these bytes were already in the case).
    pub item: EvidenceItem,
    /// False when the same bytes were already captured into this case.
    pub created: bool,
}

/// Analyses a photo and stores it durably in a case; the same bytes twice give one item.
pub fn capture_photo(
    store: &Store,
    case_id: &str,
    shot: &str,
    bytes: &[u8],
    device: &DeviceContext,
    cfg: &CaptureConfig,
) -> Result<Captured, CaptureError> {
    // Refuse unknown cases before spending time on the bytes.
    store.case(case_id)?;
    let analysis = analyze(bytes, cfg)?;
    let mut findings = analysis.findings.clone();
    findings.extend(checks::device::check_fix(device.fix.as_ref()));
    let (item, created) = store.put_item(NewItem {
        case_id,
        kind: ItemKind::Photo,
        shot,
        bytes,
        analysis: &analysis,
        findings,
        device,
        derived_from: None,
        scan: None,
    })?;
    Ok(Captured { item, created })
}
