//! Records and enums the apps see, converted to and from kancha-core's types.

use crate::error::KanchaError;
use chrono::{DateTime, Utc};
use kancha_core::case::{Case, CaseState, NewCase};
use kancha_core::checks::{Finding, Severity};
use kancha_core::evidence::EvidenceItem;
use kancha_core::geo::{Coord, Datum, Fix};
use kancha_core::store::{BundleState, OutboxEntry};
use std::time::SystemTime;

/// The datum a coordinate is expressed in: phone GNSS gives WGS-84, Amap/Tencent GCJ-02, Baidu BD-09.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum GeoDatum {
    /// GNSS and EXIF GPS.
    Wgs84,
    /// Amap (高德), Tencent and most dispatch systems.
    Gcj02,
    /// Baidu maps.
    Bd09,
}

impl From<GeoDatum> for Datum {
    fn from(d: GeoDatum) -> Self {
        match d {
            GeoDatum::Wgs84 => Datum::Wgs84,
            GeoDatum::Gcj02 => Datum::Gcj02,
            GeoDatum::Bd09 => Datum::Bd09,
        }
    }
}

impl From<Datum> for GeoDatum {
    fn from(d: Datum) -> Self {
        match d {
            Datum::Wgs84 => GeoDatum::Wgs84,
            Datum::Gcj02 => GeoDatum::Gcj02,
            Datum::Bd09 => GeoDatum::Bd09,
        }
    }
}

/// A latitude/longitude in degrees with its datum.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct GeoPoint {
    /// Latitude, north positive.
    pub lat: f64,
    /// Longitude, east positive.
    pub lon: f64,
    /// The datum the numbers are in.
    pub datum: GeoDatum,
}

impl TryFrom<GeoPoint> for Coord {
    type Error = KanchaError;
    fn try_from(p: GeoPoint) -> Result<Self, KanchaError> {
        Ok(Coord::new(p.lat, p.lon, p.datum.into())?)
    }
}

impl From<Coord> for GeoPoint {
    fn from(c: Coord) -> Self {
        GeoPoint { lat: c.lat(), lon: c.lon(), datum: c.datum().into() }
    }
}

/// A location fix from the platform's location provider.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DeviceFix {
    /// Where, with the datum the provider uses (WGS-84 for raw GNSS).
    pub point: GeoPoint,
    /// Horizontal accuracy radius in metres, when known.
    pub accuracy_m: Option<f64>,
    /// When the fix was taken.
    pub at: SystemTime,
    /// True when the platform flags the fix as coming from a mock provider.
    pub mock: bool,
}

impl TryFrom<DeviceFix> for Fix {
    type Error = KanchaError;
    fn try_from(f: DeviceFix) -> Result<Self, KanchaError> {
        if let Some(a) = f.accuracy_m {
            if !a.is_finite() || a < 0.0 {
                return Err(KanchaError::InvalidArgument { reason: "fix accuracy must be a finite number of metres ≥ 0".into() });
            }
        }
        Ok(Fix { coord: f.point.try_into()?, accuracy_m: f.accuracy_m, at: f.at.into(), mock: f.mock })
    }
}

/// Where a case is in its life on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CaseStatus {
    /// Received (or created) and nobody has arrived yet.
    Dispatched,
    /// At the scene, capturing.
    OnScene,
    /// Sealed into a bundle; no more captures.
    Sealed,
    /// The server verified the bundle.
    Delivered,
}

impl From<CaseState> for CaseStatus {
    fn from(s: CaseState) -> Self {
        match s {
            CaseState::Dispatched => CaseStatus::Dispatched,
            CaseState::OnScene => CaseStatus::OnScene,
            CaseState::Sealed => CaseStatus::Sealed,
            CaseState::Delivered => CaseStatus::Delivered,
        }
    }
}

/// A case as the device knows it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CaseInfo {
    /// Case id.
    pub id: String,
    /// The insurer's report number (报案号).
    pub report_no: String,
    /// Policy number.
    pub policy_no: Option<String>,
    /// Number plate of the insured vehicle.
    pub plate: Option<String>,
    /// When the accident happened.
    pub accident_at: Option<SystemTime>,
    /// The scene with its datum.
    pub scene: Option<GeoPoint>,
    /// When the dispatch was received.
    pub dispatched_at: Option<SystemTime>,
    /// Lifecycle state.
    pub status: CaseStatus,
    /// When the case was stored on this device.
    pub created_at: SystemTime,
}

pub(crate) fn sys(t: DateTime<Utc>) -> SystemTime {
    t.into()
}

impl From<Case> for CaseInfo {
    fn from(c: Case) -> Self {
        CaseInfo {
            id: c.id,
            report_no: c.report_no,
            policy_no: c.policy_no,
            plate: c.plate,
            accident_at: c.accident_at.map(sys),
            scene: c.scene.map(GeoPoint::from),
            dispatched_at: c.dispatched_at.map(sys),
            status: c.state.into(),
            created_at: sys(c.created_at),
        }
    }
}

/// What the app knows when it opens a case: a self-service claim, or a dispatched case it received.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewCaseInput {
    /// Case id from the server; the SDK makes a UUID when absent (self-service).
    pub id: Option<String>,
    /// The insurer's report number (报案号).
    pub report_no: String,
    /// Policy number.
    pub policy_no: Option<String>,
    /// Number plate.
    pub plate: Option<String>,
    /// When the accident happened.
    pub accident_at: Option<SystemTime>,
    /// The scene with its datum.
    pub scene: Option<GeoPoint>,
    /// When the dispatch was received (absent for self-service).
    pub dispatched_at: Option<SystemTime>,
}

impl TryFrom<NewCaseInput> for NewCase {
    type Error = KanchaError;
    fn try_from(n: NewCaseInput) -> Result<Self, KanchaError> {
        if n.report_no.trim().is_empty() {
            return Err(KanchaError::InvalidArgument { reason: "report_no must not be empty".into() });
        }
        Ok(NewCase {
            id: n.id,
            report_no: n.report_no,
            policy_no: n.policy_no,
            plate: n.plate,
            accident_at: n.accident_at.map(Into::into),
            scene: n.scene.map(Coord::try_from).transpose()?,
            dispatched_at: n.dispatched_at.map(Into::into),
        })
    }
}

/// How much a finding should weigh with the reviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum FindingSeverity {
    /// Worth knowing.
    Info,
    /// A reviewer should look.
    Warning,
    /// The evidence cannot be trusted as it is.
    Critical,
}

impl From<Severity> for FindingSeverity {
    fn from(s: Severity) -> Self {
        match s {
            Severity::Info => FindingSeverity::Info,
            Severity::Warning => FindingSeverity::Warning,
            Severity::Critical => FindingSeverity::Critical,
        }
    }
}

/// One authenticity finding: a stable code, a severity, a sentence and the facts as JSON.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FindingInfo {
    /// Stable snake_case code (`exif_missing`, `mock_location`, …).
    pub code: String,
    /// How much it weighs.
    pub severity: FindingSeverity,
    /// A sentence a reviewer understands.
    pub message: String,
    /// The numbers behind it, as a JSON object.
    pub facts_json: String,
}

impl From<Finding> for FindingInfo {
    fn from(f: Finding) -> Self {
        FindingInfo {
            code: snake(&f.code),
            severity: f.severity.into(),
            message: f.message,
            facts_json: serde_json::Value::Object(f.facts).to_string(),
        }
    }
}

/// The serde name of a snake_case enum value.
pub(crate) fn snake<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Why a photo does not count, in words for the person holding the phone.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VerdictReason {
    /// Stable code (`blurred`, `too_dark`, `too_bright`, `too_small`).
    pub code: String,
    /// English message.
    pub message_en: String,
    /// Chinese message.
    pub message_zh: String,
}

/// A stored photo with its verdict and findings.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ItemInfo {
    /// Item id.
    pub id: String,
    /// Case it belongs to.
    pub case_id: String,
    /// Capture order in the case, from 1.
    pub seq: u64,
    /// `photo`, or `scan` for a flattened document page made from a photo.
    pub kind: String,
    /// Shot key (`front_45`, `vin`, …), or the document key for a scan.
    pub shot: String,
    /// For a scan: the id of the original photo it was made from.
    pub derived_from: Option<String>,
    /// SHA-256 of the original, lowercase hex (the server checks the same).
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Pixel width as stored.
    pub width: u32,
    /// Pixel height as stored.
    pub height: u32,
    /// True when the photo counts for the checklist.
    pub accepted: bool,
    /// Why it does not count (empty when accepted).
    pub reasons: Vec<VerdictReason>,
    /// Authenticity findings recorded at capture.
    pub findings: Vec<FindingInfo>,
    /// When the photo was stored (device clock).
    pub stored_at: SystemTime,
}

impl From<EvidenceItem> for ItemInfo {
    fn from(i: EvidenceItem) -> Self {
        ItemInfo {
            id: i.id,
            case_id: i.case_id,
            seq: i.seq,
            kind: snake(&i.kind),
            shot: i.shot,
            derived_from: i.derived_from,
            sha256: i.sha256,
            size: i.size,
            width: i.width,
            height: i.height,
            accepted: i.verdict.acceptable,
            reasons: i
                .verdict
                .reasons
                .into_iter()
                .map(|r| VerdictReason { code: snake(&r.code), message_en: r.message_en, message_zh: r.message_zh })
                .collect(),
            findings: i.findings.into_iter().map(FindingInfo::from).collect(),
            stored_at: sys(i.stored_at),
        }
    }
}

/// The result of a capture.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CapturedPhoto {
    /// The stored item (the earlier one when the same bytes were captured before).
    pub item: ItemInfo,
    /// False when these exact bytes were already in the case.
    pub created: bool,
}

/// Where a sealed bundle is on its way to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DeliveryState {
    /// Waiting for upload.
    Queued,
    /// Verified by the server; a receipt exists.
    Delivered,
    /// Refused by the server; kept for a person to look at.
    Rejected,
}

/// A sealed, signed evidence bundle in the outbox.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SealedBundle {
    /// Bundle id.
    pub bundle_id: String,
    /// The case it seals.
    pub case_id: String,
    /// When it was sealed.
    pub sealed_at: SystemTime,
    /// Delivery state.
    pub state: DeliveryState,
    /// The server's receipt (JSON) once delivered.
    pub receipt_json: Option<String>,
    /// Size of the signed manifest in bytes.
    pub manifest_size: u64,
}

impl From<OutboxEntry> for SealedBundle {
    fn from(e: OutboxEntry) -> Self {
        SealedBundle {
            bundle_id: e.bundle_id,
            case_id: e.case_id,
            sealed_at: sys(e.sealed_at),
            state: match e.state {
                BundleState::Queued => DeliveryState::Queued,
                BundleState::Delivered => DeliveryState::Delivered,
                BundleState::Rejected => DeliveryState::Rejected,
            },
            receipt_json: e.receipt,
            manifest_size: e.manifest.len() as u64,
        }
    }
}
