//! Arrival-time targets and the other deadlines of a claim: zone policies, arrival detection
//! from fixes and photos, status with early warning and ETA, and time handling.

mod arrival;
mod case;
pub mod deadlines;
mod monitor;
mod policy;
pub mod time;
pub mod watch;

pub use arrival::{Arrival, Disposition, FixTally, PhotoProof, Proof, Rejection};
pub use case::{replay, CaseFile, FixRecord, InputsFile, SlaReport};
pub use deadlines::{ClaimFacts, ClockName, Deadline, DeadlineState};
pub use monitor::{
    ArrivalMonitor, ArrivalState, ArrivalStatus, CaseClock, Change, ContactState, ContactStatus, Eta, SlaEvent,
    SlaStatus, SpeedSource,
};
pub use policy::{
    Anchor, Classification, DeadlineRules, EtaRule, GeofenceRule, LossClock, LossStep, LossTier, PolicyError,
    TimeZoneRule, ZonePolicy, ZoneRule, POLICY_FORMAT, POLICY_FORMAT_VERSION,
};
pub use time::{ClockOffset, ExifTime, OffsetSource, TimeError};

use chrono::{DateTime, Utc};

/// Why an SLA input was refused. None of these is helped by retrying with the same input.
#[derive(Debug, thiserror::Error)]
pub enum SlaError {
    /// The policy is invalid.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// A case or inputs file is not valid JSON or has fields of the wrong shape.
    #[error("{what} is not valid: {detail}")]
    BadInput { what: &'static str, detail: String },
    /// The scene was given without saying which datum its coordinates are in.
    #[error("the scene has no datum: say wgs84, gcj02 or bd09 (dispatch systems usually give gcj02)")]
    SceneWithoutDatum,
    /// A coordinate is invalid.
    #[error(transparent)]
    Geo(#[from] crate::geo::GeoError),
    /// A zone name the policy does not define.
    #[error("zone {0:?} is not defined by the policy")]
    UnknownZone(String),
    /// The dispatch lies in the future of `now`.
    #[error("dispatch at {dispatched_at} is later than now ({now})")]
    DispatchInFuture { dispatched_at: DateTime<Utc>, now: DateTime<Utc> },
    /// An event (arrival, contact) is dated before the dispatch.
    #[error("{what} at {at} is before the dispatch at {dispatched_at}")]
    BeforeDispatch { what: &'static str, at: DateTime<Utc>, dispatched_at: DateTime<Utc> },
    /// An event is dated in the future.
    #[error("{what} at {at} is later than now ({now})")]
    InFuture { what: &'static str, at: DateTime<Utc>, now: DateTime<Utc> },
    /// An estimated amount that is negative or not a number.
    #[error("estimated loss {0} yuan is not a valid amount")]
    BadAmount(f64),
}
