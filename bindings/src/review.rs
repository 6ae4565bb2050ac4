//! Checklist state and authenticity findings for a case: what is still missing, and why a photo
//! does not count, as the capture screen shows it live.

use crate::types::FindingInfo;
use kancha_core::checklist::{Builtin, CaseFacts, Checklist, ChecklistState, Role, Status, VehicleFacts};
use kancha_core::checks::review::ReviewReport;
use kancha_core::geo::{distance, transform, Coord, Datum};
use std::collections::HashMap;

/// Which shipped checklist applies to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ChecklistKind {
    /// Surveyor at a two-vehicle accident (双车事故现场查勘).
    SurveyorTwoVehicle,
    /// Customer self-service claim, single vehicle, minor damage (单车自助理赔).
    SelfServiceSingleVehicle,
    /// Documents to collect (单证).
    Documents,
}

impl From<ChecklistKind> for Checklist {
    fn from(k: ChecklistKind) -> Self {
        Checklist::builtin(match k {
            ChecklistKind::SurveyorTwoVehicle => Builtin::SurveyorTwoVehicle,
            ChecklistKind::SelfServiceSingleVehicle => Builtin::SelfServiceSingleVehicle,
            ChecklistKind::Documents => Builtin::Documents,
        })
    }
}

/// A vehicle in the case, as the checklist needs it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VehicleInput {
    /// True for the insured vehicle, false for a third party's.
    pub insured: bool,
    /// Keys of the damaged parts to photograph (`front_bumper`, …).
    pub damaged_parts: Vec<String>,
}

/// What the checklist must know about the case.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReviewInput {
    /// The checklist to follow.
    pub checklist: ChecklistKind,
    /// The vehicles, insured first. Shots name one as `key/v<N>` (`front_45_with_plate/v0`).
    pub vehicles: Vec<VehicleInput>,
    /// Stated facts (`injury`, `object_hit`, …); unstated ones take the checklist's default.
    pub flags: HashMap<String, bool>,
    /// VINs typed or read for the vehicles (checked for length and check digit).
    pub vins: Vec<String>,
}

impl ReviewInput {
    pub(crate) fn facts(&self) -> CaseFacts {
        CaseFacts {
            vehicles: self
                .vehicles
                .iter()
                .map(|v| VehicleFacts {
                    plate: None,
                    role: if v.insured { Role::Insured } else { Role::ThirdParty },
                    damaged_parts: v.damaged_parts.clone(),
                })
                .collect(),
            parties: Vec::new(),
            flags: self.flags.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        }
    }
}

/// Where one requirement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RequirementStatus {
    /// Enough accepted captures.
    Done,
    /// Still needed; nothing was rejected.
    Missing,
    /// Still needed; at least one capture was rejected (see the description).
    Rejected,
}

/// One line of the live checklist.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RequirementInfo {
    /// Checklist key; capture with this shot name (plus `/v<N>`, `/p<N>`, `/<part>` when scoped).
    pub shot: String,
    /// What to show, in Chinese: what is needed, for whom, and why earlier tries failed.
    pub text_zh: String,
    /// The same in English.
    pub text_en: String,
    /// Accepted captures needed.
    pub required: u32,
    /// Accepted captures so far.
    pub passed: u32,
    /// Done, missing or rejected.
    pub status: RequirementStatus,
}

/// Progress of the case against its checklist.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChecklistInfo {
    /// Checklist id.
    pub id: String,
    /// Checklist edition.
    pub version: u32,
    /// True when every requirement is done.
    pub complete: bool,
    /// Every requirement, in checklist order.
    pub requirements: Vec<RequirementInfo>,
}

/// A finding about one item.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ItemFindingInfo {
    /// The item.
    pub item_id: String,
    /// What was found.
    pub finding: FindingInfo,
}

/// The live review of a case: checklist progress and every finding.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CaseReviewInfo {
    /// The checklist state.
    pub checklist: ChecklistInfo,
    /// Findings about the case as a whole (VIN, eligibility, accident time).
    pub case_findings: Vec<FindingInfo>,
    /// Findings about single items (time, place, duplicates, reuse from other cases).
    pub item_findings: Vec<ItemFindingInfo>,
}

fn shot_of(r: &kancha_core::checklist::Requirement) -> String {
    let mut s = r.key.clone();
    if let Some(v) = r.vehicle {
        s.push_str(&format!("/v{v}"));
    }
    if let Some(p) = r.party {
        s.push_str(&format!("/p{p}"));
    }
    if let Some(part) = &r.part {
        s.push('/');
        s.push_str(part);
    }
    s
}

impl From<ChecklistState> for ChecklistInfo {
    fn from(s: ChecklistState) -> Self {
        let requirements: Vec<RequirementInfo> = s
            .requirements
            .iter()
            .map(|r| {
                let text = r.describe();
                RequirementInfo {
                    shot: shot_of(r),
                    text_zh: text.zh,
                    text_en: text.en,
                    required: r.required,
                    passed: r.passed,
                    status: match r.status {
                        Status::Done => RequirementStatus::Done,
                        Status::Missing => RequirementStatus::Missing,
                        Status::Rejected => RequirementStatus::Rejected,
                    },
                }
            })
            .collect();
        ChecklistInfo {
            complete: requirements.iter().all(|r| r.status == RequirementStatus::Done),
            id: s.checklist,
            version: s.version,
            requirements,
        }
    }
}

impl From<ReviewReport> for CaseReviewInfo {
    fn from(r: ReviewReport) -> Self {
        CaseReviewInfo {
            checklist: r.checklists.into_iter().next().map(ChecklistInfo::from).unwrap_or(ChecklistInfo {
                id: String::new(),
                version: 0,
                complete: false,
                requirements: Vec::new(),
            }),
            case_findings: r.case_findings.into_iter().map(FindingInfo::from).collect(),
            item_findings: r
                .item_findings
                .into_iter()
                .map(|f| ItemFindingInfo { item_id: f.item, finding: f.finding.into() })
                .collect(),
        }
    }
}

/// Metres between two coordinates of any datums: both are brought to WGS-84 first.
pub(crate) fn metres(a: &Coord, b: &Coord) -> Result<f64, String> {
    let (la, oa) = transform::convert(a.lat(), a.lon(), a.datum(), Datum::Wgs84);
    let (lb, ob) = transform::convert(b.lat(), b.lon(), b.datum(), Datum::Wgs84);
    Ok(distance::geodesic_m(la, oa, lb, ob))
}

