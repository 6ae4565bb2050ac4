//! The arrival monitor: feed it fixes, photos, contacts and `now` ticks; it keeps the arrival
//! and first-contact status and returns each transition (at risk, late, arrived, …) with the
//! instant it happened.
//!
//! It never reads a clock and never sleeps: the caller passes `now` (device time, corrected by
//! the recorded clock offset) and asks `next_change` when to tick again, so a platform timer can
//! fire at exactly the moment a case becomes at risk or late. Given the same inputs it returns
//! the same events, which is what makes it testable and replayable on the server.

use super::arrival::{Arrival, Disposition, FixTally, PhotoProof, Proof, Rejection};
use super::policy::{Classification, EtaRule, GeofenceRule, ZonePolicy};
use super::time::ClockOffset;
use super::SlaError;
use crate::geo::{Coord, Datum, Fix};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The facts of a case that the arrival clock needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseClock {
    /// The case's id.
    pub case_id: String,
    /// When the surveyor received the dispatch (server time, UTC).
    pub dispatched_at: DateTime<Utc>,
    /// The scene, with its datum (dispatch systems usually give GCJ-02).
    pub scene: Coord,
    /// A zone chosen by the dispatcher, overriding the polygons.
    #[serde(default)]
    pub zone: Option<String>,
}

/// The arrival status at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ArrivalStatus {
    /// Not arrived, no position yet, and not yet close to the deadline.
    Pending {
        /// Whole minutes left before the deadline (rounded down).
        minutes_left: i64,
    },
    /// Not arrived; the ETA is comfortably before the deadline.
    OnTime {
        /// Whole minutes left before the deadline (rounded down).
        minutes_left: i64,
    },
    /// Not arrived; the ETA is too close to or after the deadline, or time is nearly up.
    AtRisk {
        /// Whole minutes left before the deadline (rounded down).
        minutes_left: i64,
        /// How late the ETA says the arrival will be, in minutes (rounded up), if late at all.
        predicted_late_minutes: Option<i64>,
    },
    /// Not arrived and the deadline has passed.
    Late {
        /// Minutes past the deadline (rounded up).
        minutes_over: i64,
    },
    /// Arrival proven at or before the deadline.
    ArrivedOnTime {
        /// Whole minutes to spare (rounded down).
        margin_minutes: i64,
    },
    /// Arrival proven after the deadline.
    ArrivedLate {
        /// Minutes late (rounded up).
        late_minutes: i64,
    },
    /// Arrival claimed by hand, with no position proving it.
    ArrivedUnproven {
        /// Whether the claimed time is within the target.
        within_target: bool,
    },
}

/// The name of an arrival status, for transitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArrivalState {
    /// See [`ArrivalStatus::Pending`].
    Pending,
    /// See [`ArrivalStatus::OnTime`].
    OnTime,
    /// See [`ArrivalStatus::AtRisk`].
    AtRisk,
    /// See [`ArrivalStatus::Late`].
    Late,
    /// See [`ArrivalStatus::ArrivedOnTime`].
    ArrivedOnTime,
    /// See [`ArrivalStatus::ArrivedLate`].
    ArrivedLate,
    /// See [`ArrivalStatus::ArrivedUnproven`].
    ArrivedUnproven,
}

impl ArrivalStatus {
    /// The status's name.
    pub fn state(&self) -> ArrivalState {
        match self {
            ArrivalStatus::Pending { .. } => ArrivalState::Pending,
            ArrivalStatus::OnTime { .. } => ArrivalState::OnTime,
            ArrivalStatus::AtRisk { .. } => ArrivalState::AtRisk,
            ArrivalStatus::Late { .. } => ArrivalState::Late,
            ArrivalStatus::ArrivedOnTime { .. } => ArrivalState::ArrivedOnTime,
            ArrivalStatus::ArrivedLate { .. } => ArrivalState::ArrivedLate,
            ArrivalStatus::ArrivedUnproven { .. } => ArrivalState::ArrivedUnproven,
        }
    }
}

/// The first-contact status (call the customer within N minutes of dispatch).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ContactStatus {
    /// Not yet contacted; still time.
    Due {
        /// Whole minutes left (rounded down).
        minutes_left: i64,
    },
    /// Not contacted and the deadline has passed.
    Overdue {
        /// Minutes past the deadline (rounded up).
        minutes_over: i64,
    },
    /// Contacted in time.
    ContactedOnTime {
        /// Whole minutes to spare (rounded down).
        margin_minutes: i64,
    },
    /// Contacted after the deadline.
    ContactedLate {
        /// Minutes late (rounded up).
        late_minutes: i64,
    },
}

/// The name of a first-contact status, for transitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactState {
    /// See [`ContactStatus::Due`].
    Due,
    /// See [`ContactStatus::Overdue`].
    Overdue,
    /// See [`ContactStatus::ContactedOnTime`].
    ContactedOnTime,
    /// See [`ContactStatus::ContactedLate`].
    ContactedLate,
}

impl ContactStatus {
    /// The status's name.
    pub fn state(&self) -> ContactState {
        match self {
            ContactStatus::Due { .. } => ContactState::Due,
            ContactStatus::Overdue { .. } => ContactState::Overdue,
            ContactStatus::ContactedOnTime { .. } => ContactState::ContactedOnTime,
            ContactStatus::ContactedLate { .. } => ContactState::ContactedLate,
        }
    }
}

/// Where the ETA's speed came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpeedSource {
    /// Measured from the recent fixes.
    Recent,
    /// The policy's fallback speed (too few fixes, or too slow to trust).
    Fallback,
}

/// The predicted arrival.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Eta {
    /// Predicted arrival time (never earlier than now).
    pub at: DateTime<Utc>,
    /// Straight-line distance from the latest fix to the scene, metres.
    pub remaining_m: f64,
    /// Speed used, km/h.
    pub speed_kmh: f64,
    /// Where the speed came from.
    pub speed_source: SpeedSource,
    /// Time of the fix the prediction starts from.
    pub from_fix_at: DateTime<Utc>,
}

/// A transition, stamped with the instant it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaEvent {
    /// When the transition happened (a deadline instant, or the `now` of the input that caused it).
    pub at: DateTime<Utc>,
    /// What changed.
    #[serde(flatten)]
    pub change: Change,
}

/// Which clock changed, from what to what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "clock", rename_all = "snake_case")]
pub enum Change {
    /// The arrival status changed.
    Arrival {
        /// The previous state.
        from: ArrivalState,
        /// The new state.
        to: ArrivalState,
        /// The new status with its numbers.
        status: ArrivalStatus,
    },
    /// The first-contact status changed.
    FirstContact {
        /// The previous state.
        from: ContactState,
        /// The new state.
        to: ContactState,
    },
}

/// A full snapshot of a case's arrival clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaStatus {
    /// The case.
    pub case_id: String,
    /// The instant this snapshot describes (corrected time).
    pub now: DateTime<Utc>,
    /// The scene's zone and target.
    pub zone: Classification,
    /// When the dispatch was received.
    pub dispatched_at: DateTime<Utc>,
    /// The arrival deadline.
    pub deadline: DateTime<Utc>,
    /// Arrival status.
    pub arrival: ArrivalStatus,
    /// The arrival that counts, if any (proven wins over manual).
    pub arrived: Option<Arrival>,
    /// A manual "arrived" time, kept even when a proof exists.
    pub manual_arrival_at: Option<DateTime<Utc>>,
    /// Predicted arrival while not arrived and a fix is known.
    pub eta: Option<Eta>,
    /// First-contact deadline.
    pub contact_deadline: DateTime<Utc>,
    /// First-contact status.
    pub first_contact: ContactStatus,
    /// Fixes received, used and ignored.
    pub fixes: FixTally,
    /// Photos that proved nothing (outside the geofence or badly dated).
    pub photos_not_proving: u32,
    /// The device clock correction applied to device timestamps, if any.
    pub clock_correction: Option<ClockOffset>,
}

#[derive(Debug, Clone, Copy)]
struct TrackPoint {
    at: DateTime<Utc>,
    coord: Coord,
    distance_m: f64,
}

/// Feeds on fixes and ticks; answers status and transitions for one case.
#[derive(Debug, Clone)]
pub struct ArrivalMonitor {
    case_id: String,
    geofence: GeofenceRule,
    eta_rule: EtaRule,
    zone: Classification,
    scene: Coord,
    dispatched_at: DateTime<Utc>,
    deadline: DateTime<Utc>,
    contact_deadline: DateTime<Utc>,
    clock: Option<ClockOffset>,
    track: Vec<TrackPoint>,
    seen: HashSet<(i64, u64, u64)>,
    latest_received: Option<DateTime<Utc>>,
    tally: FixTally,
    photos_not_proving: u32,
    proven: Option<Arrival>,
    manual: Option<DateTime<Utc>>,
    contacted_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    last_arrival: ArrivalState,
    last_contact: ContactState,
}

impl ArrivalMonitor {
    /// Starts watching a case at `now` (device time; corrected with `clock` when given).
    pub fn new(
        policy: &ZonePolicy,
        case: &CaseClock,
        clock: Option<ClockOffset>,
        now: DateTime<Utc>,
    ) -> Result<Self, SlaError> {
        let now = clock.map_or(now, |c| c.correct(now));
        let tolerance = Duration::seconds(policy.geofence.future_tolerance_s as i64);
        if case.dispatched_at > now + tolerance {
            return Err(SlaError::DispatchInFuture { dispatched_at: case.dispatched_at, now });
        }
        let zone = match &case.zone {
            Some(z) => {
                let rule = policy.zone(z).ok_or_else(|| SlaError::UnknownZone(z.clone()))?;
                Classification { zone: z.clone(), area: None, arrival_minutes: rule.arrival_minutes }
            }
            None => policy.classify(&case.scene),
        };
        let deadline = case.dispatched_at + Duration::minutes(zone.arrival_minutes as i64);
        let contact_deadline =
            case.dispatched_at + Duration::minutes(policy.deadlines.first_contact_minutes as i64);
        let mut m = ArrivalMonitor {
            case_id: case.case_id.clone(),
            geofence: policy.geofence.clone(),
            eta_rule: policy.eta.clone(),
            zone,
            scene: case.scene.to(Datum::Wgs84),
            dispatched_at: case.dispatched_at,
            deadline,
            contact_deadline,
            clock,
            track: Vec::new(),
            seen: HashSet::new(),
            latest_received: None,
            tally: FixTally::default(),
            photos_not_proving: 0,
            proven: None,
            manual: None,
            contacted_at: None,
            now: now.max(case.dispatched_at),
            last_arrival: ArrivalState::Pending,
            last_contact: ContactState::Due,
        };
        m.last_arrival = m.arrival_status(m.now).state();
        m.last_contact = m.contact_status(m.now).state();
        Ok(m)
    }

    /// The arrival deadline.
    pub fn deadline(&self) -> DateTime<Utc> {
        self.deadline
    }

    /// Moves time forward to `now` and returns the transitions that happened on the way,
    /// each stamped with its own instant (a late tick still reports "late" at the deadline).
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<SlaEvent> {
        let now = self.correct(now).max(self.now);
        let mut events = Vec::new();
        self.advance(now, &mut events);
        events
    }

    /// The next instant at which the status changes if nothing new is fed; tick then.
    pub fn next_change(&self) -> Option<DateTime<Utc>> {
        let mut candidates = Vec::new();
        if self.proven.is_none() && self.manual.is_none() {
            if self.last_arrival != ArrivalState::AtRisk {
                candidates.push(self.at_risk_from());
            }
            candidates.push(self.deadline);
        }
        if self.contacted_at.is_none() {
            candidates.push(self.contact_deadline);
        }
        // `self.now` is in corrected time; hand the instant back in device time.
        candidates.into_iter().filter(|t| *t > self.now).min().map(|t| self.uncorrect(t))
    }

    /// Feeds one fix received at `now`; returns what was done with it and any transitions.
    pub fn feed_fix(&mut self, fix: &Fix, now: DateTime<Utc>) -> (Disposition, Vec<SlaEvent>) {
        let now = self.correct(now).max(self.now);
        let mut events = Vec::new();
        self.advance(now, &mut events);
        let at = self.correct(fix.at);
        let disposition = self.judge_fix(fix, at);
        self.tally.count(&disposition);
        if let Disposition::Accepted { distance_m, inside_geofence, .. } = disposition {
            let coord = fix.coord.to(Datum::Wgs84);
            let pos = self.track.partition_point(|p| p.at <= at);
            self.track.insert(pos, TrackPoint { at, coord, distance_m });
            self.latest_received = Some(self.latest_received.map_or(at, |l| l.max(at)));
            if inside_geofence {
                let accuracy_m = fix.accuracy_m.unwrap_or_default();
                self.offer_proof(Arrival { at, proven: true, proof: Proof::Fix { distance_m, accuracy_m } });
            }
        }
        self.emit(now, &mut events);
        (disposition, events)
    }

    /// Offers a scene photo's own GPS position and time as proof of arrival.
    /// Returns whether it proved arrival, and any transitions.
    pub fn feed_photo(&mut self, photo: &PhotoProof, now: DateTime<Utc>) -> (bool, Vec<SlaEvent>) {
        let now = self.correct(now).max(self.now);
        let mut events = Vec::new();
        self.advance(now, &mut events);
        let at = if photo.device_clock { self.correct(photo.taken_at) } else { photo.taken_at };
        let accuracy_m = photo.accuracy_m.unwrap_or(self.geofence.photo_accuracy_m);
        let distance_m = photo.coord.distance_m(&self.scene);
        let dated_ok = at >= self.dispatched_at && at <= now + self.future_tolerance();
        let proves = dated_ok && accuracy_m.is_finite() && accuracy_m >= 0.0 && distance_m + accuracy_m <= self.geofence.radius_m;
        if proves {
            let proof = Proof::Photo { id: photo.id.clone(), distance_m, accuracy_m };
            self.offer_proof(Arrival { at, proven: true, proof });
        } else {
            self.photos_not_proving += 1;
        }
        self.emit(now, &mut events);
        (proves, events)
    }

    /// Records a manual "arrived" at `at` without proof; it counts as unproven.
    pub fn mark_arrived(&mut self, at: DateTime<Utc>, now: DateTime<Utc>) -> Result<Vec<SlaEvent>, SlaError> {
        let (at, now) = (self.correct(at), self.correct(now).max(self.now));
        self.check_input_time("manual arrival", at, now)?;
        let mut events = Vec::new();
        self.advance(now, &mut events);
        self.manual = Some(self.manual.map_or(at, |m| m.min(at)));
        self.emit(now, &mut events);
        Ok(events)
    }

    /// Records the first contact with the customer at `at`.
    pub fn record_contact(&mut self, at: DateTime<Utc>, now: DateTime<Utc>) -> Result<Vec<SlaEvent>, SlaError> {
        let (at, now) = (self.correct(at), self.correct(now).max(self.now));
        self.check_input_time("first contact", at, now)?;
        let mut events = Vec::new();
        self.advance(now, &mut events);
        self.contacted_at = Some(self.contacted_at.map_or(at, |c| c.min(at)));
        self.emit(now, &mut events);
        Ok(events)
    }

    /// The full status at the monitor's latest `now`.
    pub fn status(&self) -> SlaStatus {
        let now = self.now;
        SlaStatus {
            case_id: self.case_id.clone(),
            now,
            zone: self.zone.clone(),
            dispatched_at: self.dispatched_at,
            deadline: self.deadline,
            arrival: self.arrival_status(now),
            arrived: self.arrival(),
            manual_arrival_at: self.manual,
            eta: if self.arrival().is_none() { self.eta(now) } else { None },
            contact_deadline: self.contact_deadline,
            first_contact: self.contact_status(now),
            fixes: self.tally.clone(),
            photos_not_proving: self.photos_not_proving,
            clock_correction: self.clock,
        }
    }

    fn correct(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        self.clock.map_or(t, |c| c.correct(t))
    }

    fn uncorrect(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        self.clock.map_or(t, |c| t - Duration::milliseconds(c.server_minus_device_ms))
    }

    fn future_tolerance(&self) -> Duration {
        Duration::seconds(self.geofence.future_tolerance_s as i64)
    }

    fn check_input_time(&self, what: &'static str, at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), SlaError> {
        if at < self.dispatched_at {
            return Err(SlaError::BeforeDispatch { what, at, dispatched_at: self.dispatched_at });
        }
        if at > now.max(self.now) + self.future_tolerance() {
            return Err(SlaError::InFuture { what, at, now });
        }
        Ok(())
    }

    fn judge_fix(&mut self, fix: &Fix, at: DateTime<Utc>) -> Disposition {
        let reject = |reason| Disposition::Rejected { reason };
        if fix.mock {
            return reject(Rejection::Mock);
        }
        if at > self.now + self.future_tolerance() {
            return reject(Rejection::FromTheFuture);
        }
        if at < self.dispatched_at {
            return reject(Rejection::BeforeDispatch);
        }
        let Some(accuracy) = fix.accuracy_m else {
            return reject(Rejection::NoAccuracy);
        };
        if !(accuracy.is_finite() && accuracy >= 0.0 && accuracy <= self.geofence.max_accuracy_m) {
            return reject(Rejection::TooInaccurate);
        }
        let key = (
            at.timestamp_nanos_opt().unwrap_or(i64::MIN),
            fix.coord.to(Datum::Wgs84).lat().to_bits(),
            fix.coord.to(Datum::Wgs84).lon().to_bits(),
        );
        if !self.seen.insert(key) {
            return reject(Rejection::Duplicate);
        }
        let distance_m = fix.coord.distance_m(&self.scene);
        Disposition::Accepted {
            distance_m,
            inside_geofence: distance_m + accuracy <= self.geofence.radius_m,
            out_of_order: self.latest_received.is_some_and(|l| at < l),
        }
    }

    /// Keeps the earliest proven arrival.
    fn offer_proof(&mut self, arrival: Arrival) {
        if self.proven.as_ref().is_none_or(|p| arrival.at < p.at) {
            self.proven = Some(arrival);
        }
    }

    /// The arrival that counts: the earliest proof, else the manual claim.
    fn arrival(&self) -> Option<Arrival> {
        self.proven
            .clone()
            .or_else(|| self.manual.map(|at| Arrival { at, proven: false, proof: Proof::Manual }))
    }

    /// Where time alone makes a not-yet-arrived case at risk.
    fn at_risk_from(&self) -> DateTime<Utc> {
        self.deadline - Duration::minutes(self.eta_rule.at_risk_margin_minutes as i64)
    }

    /// Emits time-driven transitions up to `now`, then moves the clock there (never backwards).
    fn advance(&mut self, now: DateTime<Utc>, events: &mut Vec<SlaEvent>) {
        if now <= self.now {
            return;
        }
        let mut instants: Vec<DateTime<Utc>> = [self.at_risk_from(), self.deadline, self.contact_deadline]
            .into_iter()
            .filter(|t| *t > self.now && *t < now)
            .collect();
        instants.sort();
        instants.dedup();
        for t in instants {
            self.emit(t, events);
        }
        self.emit(now, events);
    }

    /// Records the state at `t` and pushes an event for each clock whose state changed.
    fn emit(&mut self, t: DateTime<Utc>, events: &mut Vec<SlaEvent>) {
        self.now = self.now.max(t);
        let status = self.arrival_status(t);
        if status.state() != self.last_arrival {
            let from = std::mem::replace(&mut self.last_arrival, status.state());
            events.push(SlaEvent { at: t, change: Change::Arrival { from, to: status.state(), status } });
        }
        let contact = self.contact_status(t).state();
        if contact != self.last_contact {
            let from = std::mem::replace(&mut self.last_contact, contact);
            events.push(SlaEvent { at: t, change: Change::FirstContact { from, to: contact } });
        }
    }

    fn arrival_status(&self, t: DateTime<Utc>) -> ArrivalStatus {
        if let Some(a) = self.arrival() {
            let on_time = a.at <= self.deadline;
            return match (a.proven, on_time) {
                (false, within_target) => ArrivalStatus::ArrivedUnproven { within_target },
                (true, true) => ArrivalStatus::ArrivedOnTime { margin_minutes: floor_minutes(self.deadline - a.at) },
                (true, false) => ArrivalStatus::ArrivedLate { late_minutes: ceil_minutes(a.at - self.deadline) },
            };
        }
        if t >= self.deadline {
            return ArrivalStatus::Late { minutes_over: ceil_minutes(t - self.deadline) };
        }
        let minutes_left = floor_minutes(self.deadline - t);
        let eta = self.eta(t);
        let predicted_late_minutes = eta.as_ref().filter(|e| e.at > self.deadline).map(|e| ceil_minutes(e.at - self.deadline));
        let eta_too_close = eta.as_ref().is_some_and(|e| e.at > self.at_risk_from());
        if t >= self.at_risk_from() || eta_too_close {
            return ArrivalStatus::AtRisk { minutes_left, predicted_late_minutes };
        }
        match eta {
            Some(_) => ArrivalStatus::OnTime { minutes_left },
            None => ArrivalStatus::Pending { minutes_left },
        }
    }

    fn contact_status(&self, t: DateTime<Utc>) -> ContactStatus {
        match self.contacted_at {
            Some(c) if c <= self.contact_deadline => {
                ContactStatus::ContactedOnTime { margin_minutes: floor_minutes(self.contact_deadline - c) }
            }
            Some(c) => ContactStatus::ContactedLate { late_minutes: ceil_minutes(c - self.contact_deadline) },
            None if t >= self.contact_deadline => {
                ContactStatus::Overdue { minutes_over: ceil_minutes(t - self.contact_deadline) }
            }
            None => ContactStatus::Due { minutes_left: floor_minutes(self.contact_deadline - t) },
        }
    }

    /// The ETA from the latest fix: remaining road distance over the recent (or fallback) speed.
    fn eta(&self, t: DateTime<Utc>) -> Option<Eta> {
        let last = *self.track.last()?;
        let window_start = last.at - Duration::minutes(self.eta_rule.speed_window_minutes as i64);
        let first = self.track.partition_point(|p| p.at < window_start);
        let recent = &self.track[first..];
        let span_s = (last.at - recent[0].at).num_milliseconds() as f64 / 1000.0;
        let path_m: f64 = recent.windows(2).map(|w| w[0].coord.distance_m(&w[1].coord)).sum();
        let measured_kmh = if span_s >= 30.0 { path_m / span_s * 3.6 } else { 0.0 };
        let (speed_kmh, speed_source) = if span_s >= 30.0 && measured_kmh >= self.eta_rule.min_speed_kmh {
            (measured_kmh, SpeedSource::Recent)
        } else {
            (self.eta_rule.fallback_speed_kmh, SpeedSource::Fallback)
        };
        let route_m = last.distance_m * self.eta_rule.route_factor;
        let travel_ms = (route_m / (speed_kmh / 3.6) * 1000.0).round() as i64;
        let projected = last.at + Duration::milliseconds(travel_ms);
        Some(Eta {
            at: projected.max(t),
            remaining_m: last.distance_m,
            speed_kmh,
            speed_source,
            from_fix_at: last.at,
        })
    }
}

/// Whole minutes, rounded down (time to spare).
fn floor_minutes(d: Duration) -> i64 {
    d.num_seconds().div_euclid(60)
}

/// Whole minutes, rounded up (time over): 30 seconds late is one minute late.
fn ceil_minutes(d: Duration) -> i64 {
    let ms = d.num_milliseconds();
    (ms + 59_999).div_euclid(60_000)
}
