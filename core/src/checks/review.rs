//! A case review: runs every check on every item and the case, and feeds the verdicts into the checklists.
//!
//! Input records are plain data, independent of how the store keeps evidence, so the phone,
//! the server and `kancha inspect` build them from their own types.

use super::clock::{accident_time_missing, check_capture_time, CaptureClocks};
use super::distance::{check_scene_distance, PhotoLocation};
use super::duplicates::{find_duplicates, Fingerprint, ItemFinding};
use super::eligibility::{check_self_service, SelfServiceClaim};
use super::vin::check_vin;
use super::{ChecksPolicy, Finding, FindingCode};
use crate::checklist::{CapturedItem, CaseFacts, Checklist, ChecklistState, ItemKind, Label, Rejection};
use crate::geo::Coord;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt::Display;

/// One captured photo or document with everything the checks need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemEvidence {
    /// The evidence item's id.
    pub id: String,
    /// The checklist item key it was taken for.
    pub key: String,
    /// Vehicle index, for vehicle-scoped items.
    #[serde(default)]
    pub vehicle: Option<usize>,
    /// Party index, for party-scoped items.
    #[serde(default)]
    pub party: Option<usize>,
    /// Damaged part key, for per-part items.
    #[serde(default)]
    pub part: Option<String>,
    /// Capture times from each clock.
    #[serde(default)]
    pub clocks: CaptureClocks,
    /// Locations from EXIF GPS and the device.
    #[serde(default)]
    pub locations: Vec<PhotoLocation>,
    /// SHA-256 of the original bytes, hex.
    pub sha256: String,
    /// 64-bit perceptual hash, when computed.
    #[serde(default)]
    pub phash: Option<u64>,
    /// Quality problems capture found (blurred, too dark, too small); each rejects the photo.
    #[serde(default)]
    pub quality: Vec<Rejection>,
    /// Findings capture already made (EXIF missing or edited…), reported as they are.
    #[serde(default)]
    pub findings: Vec<Finding>,
}

/// A case with its evidence, ready for review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseReview {
    /// The case's id.
    pub case_id: String,
    /// Reported accident time; its absence is itself a finding.
    pub accident_at: Option<DateTime<Utc>>,
    /// The scene location with its datum, when known.
    pub scene: Option<Coord>,
    /// Vehicles, parties and stated facts.
    pub facts: CaseFacts,
    /// VINs typed or read for the case's vehicles.
    #[serde(default)]
    pub vins: Vec<String>,
    /// Present for a self-service claim: what the customer said.
    #[serde(default)]
    pub self_service: Option<SelfServiceClaim>,
    /// The case's items, in capture order.
    pub items: Vec<ItemEvidence>,
}

/// What a review found: case findings, item findings, and each checklist's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewReport {
    /// Findings about the case as a whole.
    pub case_findings: Vec<Finding>,
    /// Findings about single items.
    pub item_findings: Vec<ItemFinding>,
    /// Progress against each checklist given.
    pub checklists: Vec<ChecklistState>,
}

impl ReviewReport {
    /// The findings about one item.
    pub fn findings_for<'a>(&'a self, item: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.item_findings.iter().filter(move |f| f.item == item).map(|f| &f.finding)
    }
}

/// The plain words for a finding that rejects a photo.
pub fn rejection_words(finding: &Finding) -> Label {
    let num = |k: &str| finding.facts.get(k).and_then(|v| v.as_f64());
    let rejection = match finding.code {
        FindingCode::CaptureTimeMissing => Some(Rejection::NoTime),
        FindingCode::CapturedBeforeAccident => num("seconds_before_accident")
            .map(|s| Rejection::BeforeAccident { minutes: (s / 60.0).round() as i64 }),
        FindingCode::CapturedInFuture => Some(Rejection::InTheFuture),
        FindingCode::FarFromScene => num("distance_m").map(|metres| Rejection::FarFromScene { metres }),
        FindingCode::LocationMissing => Some(Rejection::NoLocation),
        FindingCode::MockLocation => Some(Rejection::MockLocation),
        FindingCode::DuplicateInCase | FindingCode::SimilarInCase => {
            Some(Rejection::Duplicate { other_case: false })
        }
        FindingCode::ReusedFromEarlierCase | FindingCode::SimilarToEarlierCase => {
            Some(Rejection::Duplicate { other_case: true })
        }
        _ => None,
    };
    // Codes without a dedicated sentence still get one: the finding's own, under a generic Chinese one.
    rejection.map(|r| r.words()).unwrap_or_else(|| Label::new("未通过真实性检查", finding.message.clone()))
}

/// Reviews a case: checks each item, then computes each checklist's state from the verdicts.
///
/// `earlier` holds fingerprints of earlier cases on the device; `distance` gives metres between
/// two coordinates of any datums (`kancha_core::geo`), and may refuse a pair with an error.
pub fn review<E: Display>(
    case: &CaseReview,
    checklists: &[Checklist],
    earlier: &[Fingerprint],
    now: DateTime<Utc>,
    policy: &ChecksPolicy,
    distance: impl Fn(&Coord, &Coord) -> Result<f64, E>,
) -> ReviewReport {
    let mut case_findings = Vec::new();
    if case.accident_at.is_none() {
        case_findings.push(accident_time_missing());
    }
    for vin in &case.vins {
        case_findings.extend(check_vin(vin));
    }
    if let Some(claim) = &case.self_service {
        case_findings.extend(check_self_service(claim, &policy.self_service).iter().map(|r| r.finding()));
    }

    let mut item_findings: Vec<ItemFinding> = Vec::new();
    for item in &case.items {
        let mut found = item.findings.clone();
        found.extend(
            check_capture_time(&item.clocks, case.accident_at, now, &policy.clock)
                .into_iter()
                // Said once for the case, not once per photo.
                .filter(|f| f.code != FindingCode::AccidentTimeMissing),
        );
        // A document may be photographed away from the scene (bank details at home): place checks are for photos.
        let is_document = checklists
            .iter()
            .filter_map(|l| l.item(&item.key))
            .any(|spec| spec.kind == ItemKind::Document);
        if !is_document {
            if let Some(scene) = &case.scene {
                // Capture already reports a mock device fix; say it once.
                let mock_known = found.iter().any(|f| f.code == FindingCode::MockLocation);
                found.extend(
                    check_scene_distance(&item.locations, scene, &distance, &policy.scene)
                        .into_iter()
                        .filter(|f| !(mock_known && f.code == FindingCode::MockLocation)),
                );
            }
        }
        item_findings.extend(found.into_iter().map(|finding| ItemFinding { item: item.id.clone(), finding }));
    }
    if case.scene.is_none() {
        case_findings.push(Finding::new(
            FindingCode::LocationMissing,
            super::Severity::Warning,
            "the case has no scene location, so no photo can be checked against it",
        ));
    }
    let prints: Vec<Fingerprint> = case
        .items
        .iter()
        .map(|i| Fingerprint {
            item: i.id.clone(),
            case: case.case_id.clone(),
            sha256: i.sha256.clone(),
            phash: i.phash,
        })
        .collect();
    item_findings.extend(find_duplicates(&prints, earlier, &policy.duplicates));

    let captured: Vec<CapturedItem> = case
        .items
        .iter()
        .map(|item| {
            let mut reasons: Vec<Label> = item.quality.iter().map(Rejection::words).collect();
            reasons.extend(
                item_findings
                    .iter()
                    .filter(|f| f.item == item.id && policy.review.rejecting.contains(&f.finding.code))
                    .map(|f| rejection_words(&f.finding)),
            );
            reasons.dedup();
            CapturedItem {
                id: item.id.clone(),
                key: item.key.clone(),
                vehicle: item.vehicle,
                party: item.party,
                part: item.part.clone(),
                passed: reasons.is_empty(),
                reasons,
            }
        })
        .collect();
    let checklists = checklists.iter().map(|l| ChecklistState::compute(l, &case.facts, &captured)).collect();
    ReviewReport { case_findings, item_findings, checklists }
}
