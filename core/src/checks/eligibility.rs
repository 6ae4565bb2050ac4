//! Self-service eligibility: may the customer settle this claim alone, and if not, why not?

use super::policy::EligibilityPolicy;
use super::{Finding, FindingCode, Severity};
use crate::checklist::{CaseFacts, Label};
use serde::{Deserialize, Serialize};

/// What the customer told the app about the accident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelfServiceClaim {
    /// Vehicles involved.
    pub vehicles: u32,
    /// Someone was injured.
    pub injury: bool,
    /// Property of someone else was damaged.
    pub third_party_property: bool,
    /// The vehicle can still be driven.
    pub drivable: bool,
    /// Estimated loss in yuan, once known.
    pub estimate_yuan: Option<f64>,
}

impl SelfServiceClaim {
    /// The claim as a case's facts state it (`injury`, `third_party_property`, `drivable` flags;
    /// an unstated injury or property damage counts as present, an unstated drivable as not).
    pub fn from_case(case: &CaseFacts, estimate_yuan: Option<f64>) -> SelfServiceClaim {
        SelfServiceClaim {
            vehicles: u32::try_from(case.vehicles.len()).unwrap_or(u32::MAX),
            // Unknown answers fail safe: the customer is sent to a surveyor, not waved through.
            injury: case.flag("injury").unwrap_or(true),
            third_party_property: case.flag("third_party_property").unwrap_or(true),
            drivable: case.flag("drivable").unwrap_or(false),
            estimate_yuan,
        }
    }
}

/// One reason a claim is not eligible for self-service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum Ineligible {
    /// More vehicles than allowed.
    TooManyVehicles {
        /// Vehicles involved.
        vehicles: u32,
        /// Most allowed.
        max: u32,
    },
    /// Someone was injured.
    Injury,
    /// Someone else's property was damaged.
    ThirdPartyProperty,
    /// The vehicle cannot be driven.
    NotDrivable,
    /// The estimate exceeds the limit.
    EstimateOverLimit {
        /// Estimate in yuan.
        estimate_yuan: f64,
        /// Limit in yuan.
        limit_yuan: f64,
    },
    /// No estimate yet, so the limit cannot be checked.
    EstimateMissing,
}

impl Ineligible {
    /// The reason in words a customer understands.
    pub fn words(&self) -> Label {
        match self {
            Ineligible::TooManyVehicles { vehicles, max } => Label::new(
                format!("涉及{vehicles}辆车，自助理赔最多{max}辆"),
                format!("{vehicles} vehicles involved; self-service allows at most {max}"),
            ),
            Ineligible::Injury => Label::new("有人员受伤", "someone was injured"),
            Ineligible::ThirdPartyProperty => {
                Label::new("有他人财产损失", "someone else's property was damaged")
            }
            Ineligible::NotDrivable => Label::new("车辆无法正常行驶", "the vehicle cannot be driven"),
            Ineligible::EstimateOverLimit { estimate_yuan, limit_yuan } => Label::new(
                format!("估损{estimate_yuan:.0}元，超过自助理赔上限{limit_yuan:.0}元"),
                format!("estimated loss {estimate_yuan:.0} yuan is above the self-service limit of {limit_yuan:.0} yuan"),
            ),
            Ineligible::EstimateMissing => Label::new("还没有估损金额", "no loss estimate yet"),
        }
    }

    fn rule(&self) -> &'static str {
        match self {
            Ineligible::TooManyVehicles { .. } => "too_many_vehicles",
            Ineligible::Injury => "injury",
            Ineligible::ThirdPartyProperty => "third_party_property",
            Ineligible::NotDrivable => "not_drivable",
            Ineligible::EstimateOverLimit { .. } => "estimate_over_limit",
            Ineligible::EstimateMissing => "estimate_missing",
        }
    }

    /// The reason as a finding for the reviewer.
    pub fn finding(&self) -> Finding {
        let f = Finding::new(
            FindingCode::SelfServiceIneligible,
            Severity::Warning,
            format!("not eligible for self-service: {}", self.words().en),
        )
        .with("rule", self.rule());
        match self {
            Ineligible::TooManyVehicles { vehicles, max } => f.with("vehicles", *vehicles).with("max_vehicles", *max),
            Ineligible::EstimateOverLimit { estimate_yuan, limit_yuan } => {
                f.with("estimate_yuan", *estimate_yuan).with("limit_yuan", *limit_yuan)
            }
            _ => f,
        }
    }
}

/// Every reason the claim is not eligible; empty means eligible.
pub fn check_self_service(claim: &SelfServiceClaim, policy: &EligibilityPolicy) -> Vec<Ineligible> {
    let mut reasons = Vec::new();
    if claim.vehicles > policy.max_vehicles {
        reasons.push(Ineligible::TooManyVehicles { vehicles: claim.vehicles, max: policy.max_vehicles });
    }
    if claim.injury {
        reasons.push(Ineligible::Injury);
    }
    if claim.third_party_property {
        reasons.push(Ineligible::ThirdPartyProperty);
    }
    if !claim.drivable {
        reasons.push(Ineligible::NotDrivable);
    }
    match claim.estimate_yuan {
        // A NaN estimate is no estimate.
        Some(e) if e.is_finite() => {
            if e > policy.max_estimate_yuan {
                reasons.push(Ineligible::EstimateOverLimit { estimate_yuan: e, limit_yuan: policy.max_estimate_yuan });
            }
        }
        _ => reasons.push(Ineligible::EstimateMissing),
    }
    reasons
}
