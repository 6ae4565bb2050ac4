//! Checklist state: for one case, what is done, what is missing and what was rejected, and why.

use super::format::{Checklist, ItemSpec, Label, Scope};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whose side a vehicle or party is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The insurer's own customer (标的).
    #[default]
    Insured,
    /// Anyone else involved (三者).
    ThirdParty,
}

/// A vehicle as the checklist needs to know it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VehicleFacts {
    /// Number plate, when known (only for messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plate: Option<String>,
    /// Insured or third party.
    #[serde(default)]
    pub role: Role,
    /// Keys of the damaged parts to photograph (e.g. `front_bumper`); none means no damage shots.
    #[serde(default)]
    pub damaged_parts: Vec<String>,
}

/// A party (driver or owner) as the checklist needs to know it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyFacts {
    /// Insured or third party.
    #[serde(default)]
    pub role: Role,
    /// Index of the vehicle this party drove, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle: Option<usize>,
}

/// What the checklist needs to know about a case: its vehicles, parties and stated facts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFacts {
    /// Vehicles involved, insured first by convention.
    #[serde(default)]
    pub vehicles: Vec<VehicleFacts>,
    /// Parties; when empty, one party per vehicle with the vehicle's role is assumed.
    #[serde(default)]
    pub parties: Vec<PartyFacts>,
    /// Facts stated for the case (e.g. `"injury": false`).
    #[serde(default)]
    pub flags: BTreeMap<String, bool>,
}

impl CaseFacts {
    /// The parties, or one per vehicle when none are listed.
    pub fn effective_parties(&self) -> Vec<PartyFacts> {
        if !self.parties.is_empty() {
            return self.parties.clone();
        }
        self.vehicles
            .iter()
            .enumerate()
            .map(|(i, v)| PartyFacts { role: v.role, vehicle: Some(i) })
            .collect()
    }

    /// The value of a fact: stated, else derived (`multi_vehicle`), else `None`.
    pub fn flag(&self, key: &str) -> Option<bool> {
        if let Some(v) = self.flags.get(key) {
            return Some(*v);
        }
        // Derived so that no caller has to restate what the vehicle list already says.
        match key {
            "multi_vehicle" => Some(self.vehicles.len() >= 2),
            _ => None,
        }
    }
}

/// A captured photo or document as the checklist sees it, independent of how it is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapturedItem {
    /// The evidence item's id, for reporting.
    pub id: String,
    /// The checklist item key it was taken for (e.g. `vin_plate`).
    pub key: String,
    /// Index of the vehicle it shows, for vehicle-scoped items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle: Option<usize>,
    /// Index of the party it belongs to, for party-scoped items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<usize>,
    /// Damaged part key, for per-part items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
    /// True when the photo passed the quality and authenticity gates.
    pub passed: bool,
    /// Why it did not pass, in plain words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Label>,
}

/// Where a requirement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Enough passing captures.
    Done,
    /// Not enough passing captures, and none was rejected.
    Missing,
    /// Not enough passing captures, and at least one capture was rejected.
    Rejected,
}

/// A capture that did not count, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectedCapture {
    /// The evidence item's id.
    pub id: String,
    /// Why, in plain words.
    pub reasons: Vec<Label>,
}

/// One item required for one vehicle, party, part or for the case, with its progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Requirement {
    /// The checklist item key.
    pub key: String,
    /// The item's label.
    pub label: Label,
    /// Vehicle index, for vehicle and part scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vehicle: Option<usize>,
    /// Party index, for party scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<usize>,
    /// Damaged part key, for the part scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
    /// Passing captures needed.
    pub required: u32,
    /// Passing captures so far.
    pub passed: u32,
    /// Done, missing or rejected.
    pub status: Status,
    /// Captures for this requirement that did not count.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rejected: Vec<RejectedCapture>,
}

impl Requirement {
    /// A sentence for the person capturing: what is still needed, for whom, and why earlier tries failed.
    pub fn describe(&self) -> Label {
        let mut zh = String::new();
        let mut en = String::new();
        if let Some(v) = self.vehicle {
            zh.push_str(&format!("车辆{} ", v + 1));
            en.push_str(&format!("Vehicle {}: ", v + 1));
        }
        if let Some(p) = self.party {
            zh.push_str(&format!("当事人{} ", p + 1));
            en.push_str(&format!("Party {}: ", p + 1));
        }
        zh.push_str(&self.label.zh);
        en.push_str(&self.label.en);
        if let Some(part) = &self.part {
            zh.push_str(&format!("（{part}）"));
            en.push_str(&format!(" ({part})"));
        }
        let need = self.required.saturating_sub(self.passed);
        if need == 0 {
            zh.push_str("：已完成");
            en.push_str(": done");
            return Label { zh, en };
        }
        zh.push_str(&format!("：还需{need}张"));
        en.push_str(&format!(": {need} more needed"));
        let reasons: Vec<&Label> = self.rejected.iter().flat_map(|r| &r.reasons).collect();
        if !reasons.is_empty() {
            let z: Vec<&str> = reasons.iter().map(|r| r.zh.as_str()).collect();
            let e: Vec<&str> = reasons.iter().map(|r| r.en.as_str()).collect();
            zh.push_str(&format!("（未通过：{}）", z.join("；")));
            en.push_str(&format!(" (not accepted: {})", e.join("; ")));
        }
        Label { zh, en }
    }
}

/// Why a captured item matched no requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unmatched {
    /// No item with this key in the checklist (it may belong to another checklist).
    UnknownKey,
    /// The item is not required for this case (its conditions are false).
    NotRequired,
    /// The item is per vehicle, party or part, and the capture does not say which.
    ScopeMissing,
    /// The capture names a vehicle, party or part the case does not have, or one the scope excludes.
    ScopeNotInCase,
}

/// A captured item that counted toward nothing in this checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnmatchedCapture {
    /// The evidence item's id.
    pub id: String,
    /// Its key.
    pub key: String,
    /// Why it matched nothing.
    pub why: Unmatched,
}

/// A fact the case did not state, and the value the checklist assumed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssumedFact {
    /// The fact's key.
    pub key: String,
    /// The declared default that was used.
    pub value: bool,
}

/// Progress of one case against one checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChecklistState {
    /// The checklist's id.
    pub checklist: String,
    /// The checklist's edition.
    pub version: u32,
    /// Every requirement for this case, in checklist order.
    pub requirements: Vec<Requirement>,
    /// Facts the case did not state, with the value assumed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assumed_facts: Vec<AssumedFact>,
    /// Captures that counted toward nothing here.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmatched: Vec<UnmatchedCapture>,
}

impl ChecklistState {
    /// Computes the state of `case` against `list` from the captures so far.
    pub fn compute(list: &Checklist, case: &CaseFacts, captures: &[CapturedItem]) -> ChecklistState {
        let mut assumed = Vec::new();
        let mut facts = BTreeMap::new();
        for decl in &list.facts {
            let value = match case.flag(&decl.key) {
                Some(v) => v,
                None => {
                    assumed.push(AssumedFact { key: decl.key.clone(), value: decl.default });
                    decl.default
                }
            };
            facts.insert(decl.key.as_str(), value);
        }
        let applies = |item: &ItemSpec| {
            item.when.iter().all(|f| facts.get(f.as_str()).copied().unwrap_or(false))
                && !item.unless.iter().any(|f| facts.get(f.as_str()).copied().unwrap_or(false))
        };

        let mut requirements = Vec::new();
        for item in list.items.iter().filter(|i| applies(i)) {
            for slot in slots(item.scope, case) {
                requirements.push(Requirement {
                    key: item.key.clone(),
                    label: item.label.clone(),
                    vehicle: slot.vehicle,
                    party: slot.party,
                    part: slot.part,
                    required: u32::try_from(item.required).unwrap_or(u32::MAX),
                    passed: 0,
                    status: Status::Missing,
                    rejected: Vec::new(),
                });
            }
        }

        let mut unmatched = Vec::new();
        for cap in captures {
            let Some(item) = list.item(&cap.key) else {
                unmatched.push(miss(cap, Unmatched::UnknownKey));
                continue;
            };
            if !applies(item) {
                unmatched.push(miss(cap, Unmatched::NotRequired));
                continue;
            }
            let target = Slot::of(item.scope, cap);
            let Some(target) = target else {
                unmatched.push(miss(cap, Unmatched::ScopeMissing));
                continue;
            };
            let found = requirements.iter_mut().find(|r| {
                r.key == cap.key && r.vehicle == target.vehicle && r.party == target.party && r.part == target.part
            });
            let Some(req) = found else {
                unmatched.push(miss(cap, Unmatched::ScopeNotInCase));
                continue;
            };
            if cap.passed {
                req.passed += 1;
            } else {
                req.rejected.push(RejectedCapture { id: cap.id.clone(), reasons: cap.reasons.clone() });
            }
        }
        for req in &mut requirements {
            req.status = if req.passed >= req.required {
                Status::Done
            } else if req.rejected.is_empty() {
                Status::Missing
            } else {
                Status::Rejected
            };
        }
        ChecklistState {
            checklist: list.id.clone(),
            version: list.version,
            requirements,
            assumed_facts: assumed,
            unmatched,
        }
    }

    /// Requirements with this status.
    pub fn with_status(&self, status: Status) -> impl Iterator<Item = &Requirement> {
        self.requirements.iter().filter(move |r| r.status == status)
    }

    /// True when every requirement is done.
    pub fn complete(&self) -> bool {
        self.requirements.iter().all(|r| r.status == Status::Done)
    }
}

fn miss(cap: &CapturedItem, why: Unmatched) -> UnmatchedCapture {
    UnmatchedCapture { id: cap.id.clone(), key: cap.key.clone(), why }
}

/// One instance of a scope: a vehicle, a party, a damaged part, or the case itself.
#[derive(Debug, Clone, PartialEq, Default)]
struct Slot {
    vehicle: Option<usize>,
    party: Option<usize>,
    part: Option<String>,
}

impl Slot {
    /// The slot a capture claims for an item of this scope; `None` when it does not say.
    fn of(scope: Scope, cap: &CapturedItem) -> Option<Slot> {
        match scope {
            Scope::Case => Some(Slot::default()),
            Scope::EachVehicle | Scope::InsuredVehicle | Scope::OtherVehicles => {
                Some(Slot { vehicle: Some(cap.vehicle?), ..Slot::default() })
            }
            Scope::EachParty | Scope::InsuredParty => {
                Some(Slot { party: Some(cap.party?), ..Slot::default() })
            }
            Scope::EachDamagedPart => {
                Some(Slot { vehicle: Some(cap.vehicle?), part: Some(cap.part.clone()?), party: None })
            }
        }
    }
}

fn slots(scope: Scope, case: &CaseFacts) -> Vec<Slot> {
    let vehicle = |i: usize| Slot { vehicle: Some(i), ..Slot::default() };
    let party = |i: usize| Slot { party: Some(i), ..Slot::default() };
    let vehicles = case.vehicles.iter().enumerate();
    let parties = case.effective_parties();
    match scope {
        Scope::Case => vec![Slot::default()],
        Scope::EachVehicle => vehicles.map(|(i, _)| vehicle(i)).collect(),
        Scope::InsuredVehicle => {
            vehicles.filter(|(_, v)| v.role == Role::Insured).map(|(i, _)| vehicle(i)).collect()
        }
        Scope::OtherVehicles => {
            vehicles.filter(|(_, v)| v.role != Role::Insured).map(|(i, _)| vehicle(i)).collect()
        }
        Scope::EachParty => (0..parties.len()).map(party).collect(),
        Scope::InsuredParty => parties
            .iter()
            .enumerate()
            .filter(|(_, p)| p.role == Role::Insured)
            .map(|(i, _)| party(i))
            .collect(),
        Scope::EachDamagedPart => vehicles
            .flat_map(|(i, v)| {
                v.damaged_parts.iter().map(move |p| Slot {
                    vehicle: Some(i),
                    part: Some(p.clone()),
                    party: None,
                })
            })
            .collect(),
    }
}
