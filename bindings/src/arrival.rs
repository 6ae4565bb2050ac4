//! Arrival clocks for the app: status records, fix outcomes and the conversions from kancha-core.

use crate::types::sys;
use kancha_core::sla::{self, ArrivalStatus, Disposition, SlaStatus};
use std::time::SystemTime;

/// Where a case stands against its arrival target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ArrivalState {
    /// Not arrived, no position yet, still time.
    Pending,
    /// Not arrived; the ETA is comfortably before the deadline.
    OnTime,
    /// Not arrived; the ETA is close to or after the deadline, or time is nearly up.
    AtRisk,
    /// Not arrived and the deadline has passed.
    Late,
    /// Arrival proven at or before the deadline.
    ArrivedOnTime,
    /// Arrival proven after the deadline.
    ArrivedLate,
    /// Arrival claimed by hand, with no position proving it.
    ArrivedUnproven,
}

impl From<sla::ArrivalState> for ArrivalState {
    fn from(s: sla::ArrivalState) -> Self {
        use sla::ArrivalState as S;
        match s {
            S::Pending => ArrivalState::Pending,
            S::OnTime => ArrivalState::OnTime,
            S::AtRisk => ArrivalState::AtRisk,
            S::Late => ArrivalState::Late,
            S::ArrivedOnTime => ArrivalState::ArrivedOnTime,
            S::ArrivedLate => ArrivalState::ArrivedLate,
            S::ArrivedUnproven => ArrivalState::ArrivedUnproven,
        }
    }
}

/// A case's arrival clock at one instant, as a status screen shows it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ArrivalInfo {
    /// The case.
    pub case_id: String,
    /// Where it stands.
    pub state: ArrivalState,
    /// Zone the target comes from (`urban`, `suburban`, …).
    pub zone: String,
    /// Minutes from dispatch to the deadline.
    pub target_minutes: u32,
    /// When the dispatch was received.
    pub dispatched_at: SystemTime,
    /// The arrival deadline.
    pub deadline: SystemTime,
    /// Whole minutes left before the deadline, while not arrived and not late.
    pub minutes_left: Option<i64>,
    /// Minutes past the deadline (late now, or arrived late).
    pub minutes_late: Option<i64>,
    /// When arrival happened (proven by a fix or photo, or claimed by hand).
    pub arrived_at: Option<SystemTime>,
    /// True when a position proved the arrival.
    pub arrival_proven: bool,
    /// Estimated arrival, while travelling and with enough fixes.
    pub eta: Option<SystemTime>,
    /// Location fixes received for this case.
    pub fixes_received: u32,
    /// Location fixes used (the rest were refused: mock, stale, inaccurate, …).
    pub fixes_accepted: u32,
}

impl From<SlaStatus> for ArrivalInfo {
    fn from(s: SlaStatus) -> Self {
        let (minutes_left, minutes_late) = match &s.arrival {
            ArrivalStatus::Pending { minutes_left }
            | ArrivalStatus::OnTime { minutes_left }
            | ArrivalStatus::AtRisk { minutes_left, .. } => (Some(*minutes_left), None),
            ArrivalStatus::Late { minutes_over } => (None, Some(*minutes_over)),
            ArrivalStatus::ArrivedLate { late_minutes } => (None, Some(*late_minutes)),
            ArrivalStatus::ArrivedOnTime { .. } | ArrivalStatus::ArrivedUnproven { .. } => (None, None),
        };
        let arrived_at = s.arrived.as_ref().map(|a| a.at).or(s.manual_arrival_at);
        ArrivalInfo {
            state: s.arrival.state().into(),
            zone: s.zone.zone.clone(),
            target_minutes: s.zone.arrival_minutes,
            dispatched_at: sys(s.dispatched_at),
            deadline: sys(s.deadline),
            minutes_left,
            minutes_late,
            arrived_at: arrived_at.map(sys),
            arrival_proven: s.arrived.as_ref().is_some_and(|a| a.proven),
            eta: s.eta.as_ref().map(|e| sys(e.at)),
            fixes_received: s.fixes.received,
            fixes_accepted: s.fixes.accepted,
            case_id: s.case_id,
        }
    }
}

/// What the arrival clock did with one location fix.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FixOutcome {
    /// True when the fix was used.
    pub accepted: bool,
    /// Why it was refused (`mock`, `from_the_future`, `before_dispatch`, …), when it was.
    pub refused_because: Option<String>,
    /// Straight-line distance to the scene in metres, when used.
    pub distance_m: Option<f64>,
    /// True when it put the surveyor inside the scene's geofence.
    pub inside_geofence: bool,
    /// The clock after the fix.
    pub arrival: ArrivalInfo,
}

impl FixOutcome {
    pub(crate) fn new(d: Disposition, status: SlaStatus) -> Self {
        let arrival = status.into();
        match d {
            Disposition::Accepted { distance_m, inside_geofence, .. } => {
                FixOutcome { accepted: true, refused_because: None, distance_m: Some(distance_m), inside_geofence, arrival }
            }
            Disposition::Rejected { reason } => FixOutcome {
                accepted: false,
                refused_because: Some(crate::types::snake(&reason)),
                distance_m: None,
                inside_geofence: false,
                arrival,
            },
        }
    }
}
