//! From stored evidence to review input: the adapter between the store's records and the checks.

use super::clock::CaptureClocks;
use super::distance::{LocationSource, PhotoLocation};
use super::duplicates::Fingerprint;
use super::review::{CaseReview, ItemEvidence};
use super::Finding;
use crate::capture::{ExifSummary, PhotoAnalysis, QualityReason, QualityVerdict};
use crate::geo::Fix;
use chrono::{DateTime, Utc};
use crate::case::Case;
use crate::checklist::{CaseFacts, Rejection, ShotRef};
use crate::evidence::EvidenceItem;
use crate::store::{Store, StoreError};

/// The review input for one stored item. A shot that is not a valid [`ShotRef`] keeps its whole
/// text as the key, so the checklist reports it as unmatched instead of losing it.
pub fn item_evidence(item: &EvidenceItem) -> ItemEvidence {
    build(Parts {
        id: &item.id,
        shot: &item.shot,
        exif: &item.exif,
        verdict: &item.verdict,
        size: (item.width, item.height),
        sha256: &item.sha256,
        phash: &item.phash,
        device_time: Some(item.device_time),
        device_fix: item.device_fix.as_ref(),
        findings: item.findings.clone(),
    })
}

/// The review input for a photo analysed but not stored (`kancha inspect --case`); `findings`
/// should hold what capture would record (the analysis' own plus the device-fix findings).
pub fn analysis_evidence(
    id: &str,
    shot: &str,
    analysis: &PhotoAnalysis,
    device_time: Option<DateTime<Utc>>,
    device_fix: Option<&Fix>,
    findings: Vec<Finding>,
) -> ItemEvidence {
    build(Parts {
        id,
        shot,
        exif: &analysis.exif,
        verdict: &analysis.verdict,
        size: (analysis.width, analysis.height),
        sha256: &analysis.sha256,
        phash: &analysis.phash,
        device_time,
        device_fix,
        findings,
    })
}

struct Parts<'a> {
    id: &'a str,
    shot: &'a str,
    exif: &'a ExifSummary,
    verdict: &'a QualityVerdict,
    size: (u32, u32),
    sha256: &'a str,
    phash: &'a str,
    device_time: Option<DateTime<Utc>>,
    device_fix: Option<&'a Fix>,
    findings: Vec<Finding>,
}

fn build(p: Parts<'_>) -> ItemEvidence {
    let shot = ShotRef::parse(p.shot).unwrap_or(ShotRef {
        key: p.shot.to_string(),
        vehicle: None,
        party: None,
        part: None,
    });
    let mut locations = Vec::new();
    if let Some(gps) = &p.exif.gps {
        locations.push(PhotoLocation {
            source: LocationSource::ExifGps,
            coord: gps.position,
            accuracy_m: gps.h_positioning_error_m,
            mock: false,
        });
    }
    if let Some(fix) = p.device_fix {
        locations.push(PhotoLocation {
            source: LocationSource::DeviceFix,
            coord: fix.coord,
            accuracy_m: fix.accuracy_m,
            mock: fix.mock,
        });
    }
    let quality = p
        .verdict
        .reasons
        .iter()
        .map(|r| match r.code {
            QualityReason::Blurred => Rejection::Blurred,
            QualityReason::TooDark => Rejection::TooDark,
            QualityReason::TooBright => Rejection::TooBright,
            QualityReason::TooSmall => Rejection::TooSmall { width: p.size.0, height: p.size.1 },
        })
        .collect();
    ItemEvidence {
        id: p.id.to_string(),
        key: shot.key,
        vehicle: shot.vehicle,
        party: shot.party,
        part: shot.part,
        clocks: CaptureClocks {
            exif: p.exif.captured_at.map(|t| t.to_utc()),
            device: p.device_time,
            gps: p.exif.gps_time,
        },
        locations,
        sha256: p.sha256.to_string(),
        // A stored hash that is not 16 hex digits is treated as absent: exact duplicates still count.
        phash: u64::from_str_radix(p.phash, 16).ok(),
        quality,
        findings: p.findings,
    }
}

/// The review input for a stored case, given what the checklist must know about it.
pub fn case_review(case: &Case, facts: CaseFacts, items: &[EvidenceItem]) -> CaseReview {
    CaseReview {
        case_id: case.id.clone(),
        accident_at: case.accident_at,
        scene: case.scene,
        facts,
        vins: Vec::new(),
        self_service: None,
        items: items.iter().map(item_evidence).collect(),
    }
}

/// Fingerprints of every item of every other case in the store, for reuse detection.
pub fn earlier_fingerprints(store: &Store, except_case: &str) -> Result<Vec<Fingerprint>, StoreError> {
    let mut out = Vec::new();
    for case in store.cases()? {
        if case.id == except_case {
            continue;
        }
        for item in store.items(&case.id)? {
            out.push(Fingerprint {
                phash: u64::from_str_radix(&item.phash, 16).ok(),
                item: item.id,
                case: case.id.clone(),
                sha256: item.sha256,
            });
        }
    }
    Ok(out)
}
