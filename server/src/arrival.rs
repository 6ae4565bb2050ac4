//! The arrival verdict of one case from what is stored on it: dispatch time, target minutes and
//! the arrival time the device reported. Only the comparison reports need; the full deadline
//! engine (ETAs, alerts, branch policies) is `kancha_core::sla` on the device.

use crate::store::meta::CaseRecord;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Where a case stands against its arrival target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArrivalStatus {
    /// Not yet assigned to a surveyor.
    NotDispatched,
    /// Dispatched, not arrived, comfortably within the target.
    EnRoute,
    /// Not arrived and most of the target time is gone (see `at_risk_percent`).
    AtRisk,
    /// Not arrived and the target time has passed.
    Overdue,
    /// Arrived within the target.
    OnTime,
    /// Arrived after the target.
    Late,
}

/// The verdict with the times it rests on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ArrivalVerdict {
    /// Status now.
    pub status: ArrivalStatus,
    /// When arrival is due (dispatch + target).
    pub due_at: Option<DateTime<Utc>>,
    /// Minutes from dispatch to arrival, once arrived.
    pub minutes_taken: Option<f64>,
}

impl ArrivalVerdict {
    /// Judges `case` at `now`; a case is at risk once `at_risk_percent` of its target has elapsed.
    pub fn of(case: &CaseRecord, now: DateTime<Utc>, at_risk_percent: u32) -> ArrivalVerdict {
        let Some(dispatched) = case.dispatched_at else {
            return ArrivalVerdict { status: ArrivalStatus::NotDispatched, due_at: None, minutes_taken: None };
        };
        let target = Duration::minutes(case.target_minutes.into());
        let due = dispatched + target;
        let status = match case.arrived_at {
            Some(at) if at <= due => ArrivalStatus::OnTime,
            Some(_) => ArrivalStatus::Late,
            None if now > due => ArrivalStatus::Overdue,
            None if (now - dispatched) * 100 >= target * at_risk_percent as i32 => ArrivalStatus::AtRisk,
            None => ArrivalStatus::EnRoute,
        };
        let minutes_taken = case.arrived_at.map(|at| (at - dispatched).num_seconds() as f64 / 60.0);
        ArrivalVerdict { status, due_at: Some(due), minutes_taken }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::CaseId;

    fn case(dispatched_min_ago: Option<i64>, arrived_after: Option<i64>, now: DateTime<Utc>) -> CaseRecord {
        let dispatched_at = dispatched_min_ago.map(|m| now - Duration::minutes(m));
        CaseRecord {
            id: CaseId::parse("c1").unwrap(),
            zone: "urban".into(),
            target_minutes: 30,
            surveyor: None,
            dispatched_at,
            arrived_at: arrived_after.and_then(|m| dispatched_at.map(|d| d + Duration::minutes(m))),
            required_documents: vec![],
            note: String::new(),
            created_at: now,
        }
    }

    #[test]
    fn classifies_against_the_target() {
        let now = Utc::now();
        let s = |d, a| ArrivalVerdict::of(&case(d, a, now), now, 80).status;
        assert_eq!(s(None, None), ArrivalStatus::NotDispatched);
        assert_eq!(s(Some(10), None), ArrivalStatus::EnRoute);
        assert_eq!(s(Some(25), None), ArrivalStatus::AtRisk, "25 of 30 minutes is past 80 %");
        assert_eq!(s(Some(31), None), ArrivalStatus::Overdue);
        assert_eq!(s(Some(40), Some(30)), ArrivalStatus::OnTime, "exactly on the target counts as on time");
        assert_eq!(s(Some(40), Some(31)), ArrivalStatus::Late);
    }
}
