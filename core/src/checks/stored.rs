//! From stored evidence to review input: the adapter between the store's records and the checks.

use super::clock::CaptureClocks;
use super::distance::{LocationSource, PhotoLocation};
use super::duplicates::Fingerprint;
use super::review::{CaseReview, ItemEvidence};
use crate::capture::QualityReason;
use crate::case::Case;
use crate::checklist::{CaseFacts, Rejection, ShotRef};
use crate::evidence::EvidenceItem;
use crate::store::{Store, StoreError};

/// The review input for one stored item. A shot that is not a valid [`ShotRef`] keeps its whole
/// text as the key, so the checklist reports it as unmatched instead of losing it.
pub fn item_evidence(item: &EvidenceItem) -> ItemEvidence {
    let shot = ShotRef::parse(&item.shot).unwrap_or(ShotRef {
        key: item.shot.clone(),
        vehicle: None,
        party: None,
        part: None,
    });
    let mut locations = Vec::new();
    if let Some(gps) = &item.exif.gps {
        locations.push(PhotoLocation {
            source: LocationSource::ExifGps,
            coord: gps.position,
            accuracy_m: gps.h_positioning_error_m,
            mock: false,
        });
    }
    if let Some(fix) = &item.device_fix {
        locations.push(PhotoLocation {
            source: LocationSource::DeviceFix,
            coord: fix.coord,
            accuracy_m: fix.accuracy_m,
            mock: fix.mock,
        });
    }
    let quality = item
        .verdict
        .reasons
        .iter()
        .map(|r| match r.code {
            QualityReason::Blurred => Rejection::Blurred,
            QualityReason::TooDark => Rejection::TooDark,
            QualityReason::TooBright => Rejection::TooBright,
            QualityReason::TooSmall => Rejection::TooSmall { width: item.width, height: item.height },
        })
        .collect();
    ItemEvidence {
        id: item.id.clone(),
        key: shot.key,
        vehicle: shot.vehicle,
        party: shot.party,
        part: shot.part,
        clocks: CaptureClocks {
            exif: item.exif.captured_at.map(|t| t.to_utc()),
            device: Some(item.device_time),
            gps: item.exif.gps_time,
        },
        locations,
        sha256: item.sha256.clone(),
        // A stored hash that is not 16 hex digits is treated as absent: exact duplicates still count.
        phash: u64::from_str_radix(&item.phash, 16).ok(),
        quality,
        findings: item.findings.clone(),
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
