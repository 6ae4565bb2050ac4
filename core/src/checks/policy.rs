//! Thresholds and tolerances of the checks: a versioned file, with shipped defaults in `core/data/checks.json`.

use super::FindingCode;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The only policy format version this build reads.
pub const POLICY_FORMAT: u32 = 1;

/// Why a checks policy file was refused.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("cannot read checks policy {path}: {source}")]
    Io {
        /// The file asked for.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// Not valid JSON, a wrong type, a missing field or an unknown field.
    #[error("checks policy is not valid: {0}")]
    Parse(#[source] serde_json::Error),
    /// Written for a format version this build does not read.
    #[error("checks policy format {0} is not supported; this build reads format {POLICY_FORMAT}")]
    UnsupportedFormat(u32),
    /// A value outside its allowed range.
    #[error("checks policy field {field} = {value} is out of range: {expected}")]
    OutOfRange {
        /// The field's path, e.g. `scene.radius_m`.
        field: &'static str,
        /// The value found.
        value: f64,
        /// The allowed range, in words.
        expected: &'static str,
    },
}

/// Time-window tolerances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockPolicy {
    /// Seconds before the reported accident time a photo may still be taken.
    pub before_accident_tolerance_s: i64,
    /// Seconds after the present a capture time may lie.
    pub future_tolerance_s: i64,
    /// Seconds the EXIF, device and GPS clocks may disagree.
    pub disagreement_tolerance_s: i64,
}

/// Scene geofence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenePolicy {
    /// Geofence radius in metres.
    pub radius_m: f64,
    /// At most this much of a fix's accuracy radius is added to the geofence.
    pub max_accuracy_credit_m: f64,
    /// Metres EXIF GPS and the device fix may disagree.
    pub source_disagreement_m: f64,
}

/// Duplicate detection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DuplicatePolicy {
    /// Perceptual hashes at most this many bits apart are near-identical.
    pub max_hamming_distance: u32,
}

/// How findings bear on the checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewPolicy {
    /// Finding codes that stop a photo from counting toward its checklist item.
    pub rejecting: Vec<FindingCode>,
}

/// Self-service eligibility rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EligibilityPolicy {
    /// Most vehicles a self-service claim may involve.
    pub max_vehicles: u32,
    /// Largest estimated loss, in yuan.
    pub max_estimate_yuan: f64,
}

/// Every threshold the checks use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecksPolicy {
    /// File format version ([`POLICY_FORMAT`]).
    pub format: u32,
    /// The policy's own edition.
    pub version: u32,
    /// Time-window tolerances.
    pub clock: ClockPolicy,
    /// Scene geofence.
    pub scene: ScenePolicy,
    /// Duplicate detection.
    pub duplicates: DuplicatePolicy,
    /// Which findings reject a photo.
    pub review: ReviewPolicy,
    /// Self-service eligibility.
    pub self_service: EligibilityPolicy,
}

impl Default for ChecksPolicy {
    /// The shipped defaults (`core/data/checks.json`).
    fn default() -> Self {
        ChecksPolicy::from_json(include_str!("../../data/checks.json"))
            .expect("shipped checks policy is valid")
    }
}

impl ChecksPolicy {
    /// Reads and validates a policy file.
    pub fn from_path(path: &Path) -> Result<ChecksPolicy, PolicyError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| PolicyError::Io { path: path.to_path_buf(), source })?;
        ChecksPolicy::from_json(&text)
    }

    /// Parses and validates policy JSON.
    pub fn from_json(text: &str) -> Result<ChecksPolicy, PolicyError> {
        let policy: ChecksPolicy = serde_json::from_str(text).map_err(PolicyError::Parse)?;
        policy.validate()?;
        Ok(policy)
    }

    /// Checks every value is in range.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if self.format != POLICY_FORMAT {
            return Err(PolicyError::UnsupportedFormat(self.format));
        }
        let non_negative = "0 or more";
        let positive = "more than 0";
        let checks: [(&'static str, f64, bool, &'static str); 8] = [
            ("clock.before_accident_tolerance_s", self.clock.before_accident_tolerance_s as f64, self.clock.before_accident_tolerance_s >= 0, non_negative),
            ("clock.future_tolerance_s", self.clock.future_tolerance_s as f64, self.clock.future_tolerance_s >= 0, non_negative),
            ("clock.disagreement_tolerance_s", self.clock.disagreement_tolerance_s as f64, self.clock.disagreement_tolerance_s >= 0, non_negative),
            ("scene.radius_m", self.scene.radius_m, self.scene.radius_m > 0.0, positive),
            ("scene.max_accuracy_credit_m", self.scene.max_accuracy_credit_m, self.scene.max_accuracy_credit_m >= 0.0, non_negative),
            ("scene.source_disagreement_m", self.scene.source_disagreement_m, self.scene.source_disagreement_m > 0.0, positive),
            ("duplicates.max_hamming_distance", self.duplicates.max_hamming_distance as f64, self.duplicates.max_hamming_distance <= 64, "0 to 64"),
            ("self_service.max_estimate_yuan", self.self_service.max_estimate_yuan, self.self_service.max_estimate_yuan >= 0.0, non_negative),
        ];
        for (field, value, ok, expected) in checks {
            // `ok` is false for NaN too, so a NaN never slips through.
            if !ok {
                return Err(PolicyError::OutOfRange { field, value, expected });
            }
        }
        if self.self_service.max_vehicles < 1 {
            return Err(PolicyError::OutOfRange {
                field: "self_service.max_vehicles",
                value: 0.0,
                expected: "1 or more",
            });
        }
        Ok(())
    }
}
