//! The zone policy document: one versioned JSON file per insurer branch holding the zone
//! polygons, the targets per zone, the geofence and accuracy rules, the ETA settings and the
//! other deadlines. Schema: `core/data/policies/policy.schema.json`.

use super::time::parse_utc_offset;
use crate::geo::{Coord, Datum, ZoneError, ZoneMap};
use chrono::FixedOffset;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::io::Read;
use std::path::Path;

/// The `format` every policy document declares.
pub const POLICY_FORMAT: &str = "kancha-zone-policy";
/// The newest document format version this build reads.
pub const POLICY_FORMAT_VERSION: u32 = 1;

/// Why a policy document was refused.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read (retry may help if the path is right).
    #[error("cannot read policy {path}: {source}")]
    Io { path: String, source: std::io::Error },
    /// The document is not valid JSON or has fields of the wrong shape.
    #[error("policy is not a valid document: {0}")]
    Json(String),
    /// The document says it is something else, or a newer format than this build knows.
    #[error("policy format {format:?} version {version} is not supported (this build reads {POLICY_FORMAT:?} up to {POLICY_FORMAT_VERSION})")]
    UnsupportedFormat { format: String, version: u32 },
    /// No zones are defined.
    #[error("policy defines no zones")]
    NoZones,
    /// The same zone is defined twice.
    #[error("zone {0:?} is defined twice")]
    DuplicateZone(String),
    /// The zone for points outside every polygon is not defined.
    #[error("outside_zone {0:?} is not one of the defined zones")]
    UnknownOutsideZone(String),
    /// A number that must be positive (or non-negative) is not.
    #[error("{field} must be {rule}, found {value}")]
    BadNumber { field: String, rule: &'static str, value: f64 },
    /// The time zone offset is not of the form +08:00.
    #[error("time_zone.utc_offset {0:?} is not an offset like +08:00")]
    BadTimeZone(String),
    /// The loss-assessment tiers are not in ascending order or lack an open-ended last tier.
    #[error("loss_assessment tiers: {0}")]
    BadTiers(String),
    /// The zone polygons are invalid.
    #[error(transparent)]
    Zones(#[from] ZoneError),
}

/// Target and priority of one zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneRule {
    /// Zone name used by the polygons' `zone` property.
    pub zone: String,
    /// A label for people (市内/城区, 郊区县, 外地).
    #[serde(default)]
    pub label: String,
    /// Which zone wins where polygons overlap: higher wins.
    pub priority: i64,
    /// Minutes from dispatch to arrival (or, out of town, to the delegated survey being arranged).
    pub arrival_minutes: u32,
}

/// The local time zone used for EXIF times without an offset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeZoneRule {
    /// IANA name, for people (`Asia/Shanghai`).
    pub name: String,
    /// The fixed offset applied (`+08:00`); China has no daylight saving time.
    pub utc_offset: String,
}

/// When a fix or photo counts as being at the scene.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeofenceRule {
    /// Radius around the scene in metres.
    pub radius_m: f64,
    /// Fixes with a worse (larger) accuracy radius are ignored and counted.
    pub max_accuracy_m: f64,
    /// Accuracy assumed for a photo's EXIF GPS position when it states none.
    pub photo_accuracy_m: f64,
    /// How far in the future (device time vs now) a fix may be before it is refused.
    pub future_tolerance_s: u32,
}

/// How the ETA and the early warning are computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EtaRule {
    /// Speed assumed when recent fixes do not give one.
    pub fallback_speed_kmh: f64,
    /// Below this recent speed (a traffic jam, a stop) the fallback speed is used instead.
    pub min_speed_kmh: f64,
    /// Fixes within this many minutes before the latest one give the recent speed.
    pub speed_window_minutes: u32,
    /// Road distance over straight-line distance.
    pub route_factor: f64,
    /// A case is at risk when the predicted arrival is later than the deadline minus this,
    /// or when this little time is left and the surveyor has not arrived.
    pub at_risk_margin_minutes: u32,
}

/// Where a deadline clock starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// When the accident happened.
    Accident,
    /// When the survey at the scene ended.
    SurveyEnd,
    /// When the vehicle was disassembled at the repair shop.
    Disassembly,
}

/// Which loss-assessment step a clock measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LossStep {
    /// The loss estimate (定损) is issued.
    Estimate,
    /// Parts and labour are fixed (确定配件和工时).
    PartsAndLabour,
}

/// One loss-assessment clock: a step due some hours after an anchor (0 = on the spot).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LossClock {
    /// The step measured.
    pub step: LossStep,
    /// Where the clock starts.
    pub from: Anchor,
    /// Hours allowed.
    pub hours: u32,
}

/// Loss-assessment clocks for estimates up to an amount.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LossTier {
    /// Upper bound in yuan, inclusive; `null` on the last, open-ended tier.
    pub up_to_yuan: Option<f64>,
    /// The tier applies only when liability is clear; otherwise the next tier applies.
    #[serde(default)]
    pub requires_clear_liability: bool,
    /// Clocks that run for a case in this tier.
    pub clocks: Vec<LossClock>,
}

/// The deadlines besides arrival.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineRules {
    /// Minutes from dispatch to the first contact with the customer.
    pub first_contact_minutes: u32,
    /// Hours from the accident to the report to the insurer.
    pub report_hours: u32,
    /// Hours from a theft to the report to the police.
    pub theft_police_hours: u32,
    /// Loss-assessment tiers in ascending amount.
    pub loss_assessment: Vec<LossTier>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    format: String,
    format_version: u32,
    id: String,
    revision: u32,
    name: String,
    datum: Datum,
    time_zone: TimeZoneRule,
    zones: Vec<ZoneRule>,
    outside_zone: String,
    geofence: GeofenceRule,
    eta: EtaRule,
    deadlines: DeadlineRules,
    areas: Value,
    #[serde(default)]
    provenance: Option<Value>,
}

/// A loaded, validated zone policy with its indexed zone map.
#[derive(Debug, Clone)]
pub struct ZonePolicy {
    /// Stable identifier of the policy (`default-30-60`).
    pub id: String,
    /// Revision of this policy's content; bump it on every change.
    pub revision: u32,
    /// Name for people.
    pub name: String,
    /// Local time zone for EXIF times without an offset.
    pub time_zone: TimeZoneRule,
    /// Zones with their targets and priorities.
    pub zones: Vec<ZoneRule>,
    /// Zone of a point outside every polygon.
    pub outside_zone: String,
    /// Geofence and fix rules.
    pub geofence: GeofenceRule,
    /// ETA and early-warning rules.
    pub eta: EtaRule,
    /// Other deadlines.
    pub deadlines: DeadlineRules,
    /// Where the polygons came from, when recorded.
    pub provenance: Option<Value>,
    offset: FixedOffset,
    map: ZoneMap,
}

/// The zone a point was classified into.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// Zone name.
    pub zone: String,
    /// The area's name, or `None` when the point is outside every polygon.
    pub area: Option<String>,
    /// Arrival target in minutes for that zone.
    pub arrival_minutes: u32,
}

impl ZonePolicy {
    /// Reads and validates a policy file.
    pub fn load(path: &Path) -> Result<Self, PolicyError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| PolicyError::Io { path: path.display().to_string(), source })?;
        Self::from_json(&text)
    }

    /// The policy shipped with Kancha (`core/data/policies/default-30-60.json`): 30 minutes in
    /// built-up areas, 60 outside.
    pub fn shipped_default() -> Result<Self, PolicyError> {
        // Embedded compressed by build.rs: the outlines are most of the library's data.
        static SHIPPED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/default-30-60.json.zlib"));
        let mut text = String::new();
        flate2::read::ZlibDecoder::new(SHIPPED)
            .read_to_string(&mut text)
            .map_err(|e| PolicyError::Json(format!("the shipped policy does not inflate: {e}")))?;
        Self::from_json(&text)
    }

    /// Parses and validates a policy document.
    pub fn from_json(text: &str) -> Result<Self, PolicyError> {
        // Check the format first so a newer document says so instead of failing on a field.
        let head: Value = serde_json::from_str(text).map_err(|e| PolicyError::Json(e.to_string()))?;
        let format = head.get("format").and_then(Value::as_str).unwrap_or("").to_string();
        let version = head.get("format_version").and_then(Value::as_u64).unwrap_or(0) as u32;
        if format != POLICY_FORMAT || version == 0 || version > POLICY_FORMAT_VERSION {
            return Err(PolicyError::UnsupportedFormat { format, version });
        }
        let doc: Document = serde_json::from_value(head).map_err(|e| PolicyError::Json(e.to_string()))?;
        let _ = (doc.format, doc.format_version);
        if doc.zones.is_empty() {
            return Err(PolicyError::NoZones);
        }
        for (i, z) in doc.zones.iter().enumerate() {
            if doc.zones[..i].iter().any(|o| o.zone == z.zone) {
                return Err(PolicyError::DuplicateZone(z.zone.clone()));
            }
            positive(&format!("zones[{}].arrival_minutes", z.zone), z.arrival_minutes as f64)?;
        }
        if !doc.zones.iter().any(|z| z.zone == doc.outside_zone) {
            return Err(PolicyError::UnknownOutsideZone(doc.outside_zone));
        }
        let g = &doc.geofence;
        positive("geofence.radius_m", g.radius_m)?;
        positive("geofence.max_accuracy_m", g.max_accuracy_m)?;
        non_negative("geofence.photo_accuracy_m", g.photo_accuracy_m)?;
        let e = &doc.eta;
        positive("eta.fallback_speed_kmh", e.fallback_speed_kmh)?;
        non_negative("eta.min_speed_kmh", e.min_speed_kmh)?;
        if !(e.route_factor.is_finite() && e.route_factor >= 1.0) {
            return Err(PolicyError::BadNumber { field: "eta.route_factor".into(), rule: "at least 1", value: e.route_factor });
        }
        positive("deadlines.first_contact_minutes", doc.deadlines.first_contact_minutes as f64)?;
        check_tiers(&doc.deadlines.loss_assessment)?;
        let offset = parse_utc_offset(&doc.time_zone.utc_offset)
            .ok_or_else(|| PolicyError::BadTimeZone(doc.time_zone.utc_offset.clone()))?;
        let priorities: Vec<(String, i64)> = doc.zones.iter().map(|z| (z.zone.clone(), z.priority)).collect();
        let map = ZoneMap::from_geojson(&doc.areas, doc.datum, &priorities)?;
        Ok(ZonePolicy {
            id: doc.id,
            revision: doc.revision,
            name: doc.name,
            time_zone: doc.time_zone,
            zones: doc.zones,
            outside_zone: doc.outside_zone,
            geofence: doc.geofence,
            eta: doc.eta,
            deadlines: doc.deadlines,
            provenance: doc.provenance,
            offset,
            map,
        })
    }

    /// The zone map (polygons and index).
    pub fn map(&self) -> &ZoneMap {
        &self.map
    }

    /// The local offset applied to EXIF times that carry none.
    pub fn local_offset(&self) -> FixedOffset {
        self.offset
    }

    /// The rule of a zone by name.
    pub fn zone(&self, name: &str) -> Option<&ZoneRule> {
        self.zones.iter().find(|z| z.zone == name)
    }

    /// The zone (and its target) of a point in any datum.
    pub fn classify(&self, point: &Coord) -> Classification {
        let hit = self.map.locate(point);
        let zone = hit.map(|h| h.zone).unwrap_or(&self.outside_zone);
        let rule = self.zone(zone).expect("every area's zone and the outside zone are validated");
        Classification { zone: zone.to_string(), area: hit.map(|h| h.name.to_string()), arrival_minutes: rule.arrival_minutes }
    }
}

fn positive(field: &str, value: f64) -> Result<(), PolicyError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(PolicyError::BadNumber { field: field.to_string(), rule: "a positive number", value })
    }
}

fn non_negative(field: &str, value: f64) -> Result<(), PolicyError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(PolicyError::BadNumber { field: field.to_string(), rule: "zero or more", value })
    }
}

fn check_tiers(tiers: &[LossTier]) -> Result<(), PolicyError> {
    let Some(last) = tiers.last() else {
        return Err(PolicyError::BadTiers("at least one tier is needed".into()));
    };
    if last.up_to_yuan.is_some() || last.requires_clear_liability {
        return Err(PolicyError::BadTiers("the last tier must be open-ended (up_to_yuan null) and unconditional".into()));
    }
    let mut prev = 0.0;
    for t in &tiers[..tiers.len() - 1] {
        match t.up_to_yuan {
            Some(v) if v.is_finite() && v >= prev => prev = v,
            other => return Err(PolicyError::BadTiers(format!("up_to_yuan {other:?} is not ascending"))),
        }
    }
    Ok(())
}
