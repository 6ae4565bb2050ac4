//! Evaluating one case from files: the case (dispatch, scene, contact, claim facts) and its
//! inputs (fixes, photos) are replayed through an [`ArrivalMonitor`] in the order they were
//! received, giving the final status, every transition on the way, and the other deadlines.
//! `kancha sla` prints this report; the server can produce the same one from a bundle.

use super::arrival::PhotoProof;
use super::deadlines::{self, ClaimFacts, Deadline};
use super::monitor::{ArrivalMonitor, CaseClock, SlaEvent, SlaStatus};
use super::policy::ZonePolicy;
use super::time::ClockOffset;
use super::SlaError;
use crate::geo::{Coord, Datum, Fix};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SceneInput {
    lat: f64,
    lon: f64,
    #[serde(default)]
    datum: Option<Datum>,
}

/// A case as given to `kancha sla` (CASE.json).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    case_id: String,
    dispatched_at: DateTime<Utc>,
    scene: SceneInput,
    #[serde(default)]
    zone: Option<String>,
    #[serde(default)]
    contacted_at: Option<DateTime<Utc>>,
    #[serde(default)]
    manual_arrival_at: Option<DateTime<Utc>>,
    #[serde(default)]
    device_clock: Option<ClockOffset>,
    #[serde(default)]
    claim: ClaimFacts,
}

impl CaseFile {
    /// Parses CASE.json; a scene without a datum is its own error.
    pub fn from_json(text: &str) -> Result<Self, SlaError> {
        serde_json::from_str(text).map_err(|e| SlaError::BadInput { what: "case file", detail: e.to_string() })
    }

    /// The arrival-clock part of the case, with a validated scene.
    pub fn clock(&self) -> Result<CaseClock, SlaError> {
        let datum = self.scene.datum.ok_or(SlaError::SceneWithoutDatum)?;
        Ok(CaseClock {
            case_id: self.case_id.clone(),
            dispatched_at: self.dispatched_at,
            scene: Coord::new(self.scene.lat, self.scene.lon, datum)?,
            zone: self.zone.clone(),
        })
    }
}

/// One fix as stored in FIXES.json, with when the phone received it when that differs.
#[derive(Debug, Clone, Deserialize)]
pub struct FixRecord {
    /// The fix.
    #[serde(flatten)]
    pub fix: Fix,
    /// When it reached the monitor (device time); defaults to the fix's own time.
    #[serde(default)]
    pub received_at: Option<DateTime<Utc>>,
}

/// FIXES.json: a bare array of fixes, or an object with fixes and scene photos.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum InputsFile {
    /// Just fixes.
    Fixes(Vec<FixRecord>),
    /// Fixes and photos.
    Full {
        /// Location fixes.
        #[serde(default)]
        fixes: Vec<FixRecord>,
        /// Scene photos offered as proof.
        #[serde(default)]
        photos: Vec<PhotoProof>,
    },
}

impl InputsFile {
    /// Parses FIXES.json.
    pub fn from_json(text: &str) -> Result<Self, SlaError> {
        // Untagged enums hide the real error; try the object shape first to report it.
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| SlaError::BadInput { what: "fixes file", detail: e.to_string() })?;
        let parsed = if value.is_array() {
            serde_json::from_value::<Vec<FixRecord>>(value).map(InputsFile::Fixes)
        } else {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Full {
                #[serde(default)]
                fixes: Vec<FixRecord>,
                #[serde(default)]
                photos: Vec<PhotoProof>,
            }
            serde_json::from_value::<Full>(value).map(|f| InputsFile::Full { fixes: f.fixes, photos: f.photos })
        };
        parsed.map_err(|e| SlaError::BadInput { what: "fixes file", detail: e.to_string() })
    }

    fn parts(&self) -> (&[FixRecord], &[PhotoProof]) {
        match self {
            InputsFile::Fixes(f) => (f, &[]),
            InputsFile::Full { fixes, photos } => (fixes, photos),
        }
    }
}

/// The verdict on one case: final status, transitions in order, other deadlines.
#[derive(Debug, Clone, Serialize)]
pub struct SlaReport {
    /// Id and revision of the policy applied.
    pub policy: String,
    /// The status at `now`.
    pub status: SlaStatus,
    /// Every transition, in order, with its instant.
    pub events: Vec<SlaEvent>,
    /// Report, theft and loss-assessment deadlines.
    pub deadlines: Vec<Deadline>,
}

enum Input<'a> {
    Fix(&'a Fix),
    Photo(&'a PhotoProof),
    Contact(DateTime<Utc>),
    Manual(DateTime<Utc>),
}

/// Replays a case's inputs in the order received and evaluates everything at `now` (server time).
pub fn replay(policy: &ZonePolicy, case: &CaseFile, inputs: &InputsFile, now: DateTime<Utc>) -> Result<SlaReport, SlaError> {
    let clock = case.clock()?;
    let offset = case.device_clock;
    // Inputs carry device times; `now` and the dispatch are server times.
    let to_device = |t: DateTime<Utc>| offset.map_or(t, |c| t - Duration::milliseconds(c.server_minus_device_ms));
    let device_now = to_device(now);
    let mut monitor = ArrivalMonitor::new(policy, &clock, offset, to_device(case.dispatched_at))?;
    let mut events = Vec::new();

    let (fixes, photos) = inputs.parts();
    let mut timeline: Vec<(DateTime<Utc>, Input)> = Vec::new();
    for r in fixes {
        timeline.push((r.received_at.unwrap_or(r.fix.at), Input::Fix(&r.fix)));
    }
    for p in photos {
        timeline.push((p.taken_at, Input::Photo(p)));
    }
    if let Some(at) = case.contacted_at {
        timeline.push((at, Input::Contact(at)));
    }
    if let Some(at) = case.manual_arrival_at {
        timeline.push((at, Input::Manual(at)));
    }
    // Nothing can have been received after `now`: a fix dated next year is received now and refused.
    for entry in &mut timeline {
        entry.0 = entry.0.min(device_now);
    }
    timeline.sort_by_key(|(t, _)| *t);
    for (received, input) in timeline {
        match input {
            Input::Fix(f) => events.extend(monitor.feed_fix(f, received).1),
            Input::Photo(p) => events.extend(monitor.feed_photo(p, received).1),
            Input::Contact(at) => events.extend(monitor.record_contact(at, received)?),
            Input::Manual(at) => events.extend(monitor.mark_arrived(at, received)?),
        }
    }
    events.extend(monitor.tick(device_now));
    let deadlines = deadlines::evaluate(&policy.deadlines, &case.claim, now)?;
    Ok(SlaReport { policy: format!("{}@{}", policy.id, policy.revision), status: monitor.status(), events, deadlines })
}
