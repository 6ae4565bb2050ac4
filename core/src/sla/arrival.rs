//! Arrival evidence: which fixes and photos count, and what proves the surveyor was at the scene.

use crate::geo::Coord;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Why a fix (or photo position) was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    /// A mock location provider produced it: it proves nothing.
    Mock,
    /// Dated later than now plus the policy's tolerance (a wrong or manipulated clock).
    FromTheFuture,
    /// Dated before the dispatch (an old fix, or a clock at 1970).
    BeforeDispatch,
    /// No accuracy radius: it cannot be weighed.
    NoAccuracy,
    /// Accuracy radius worse than the policy allows, or not a valid number.
    TooInaccurate,
    /// The same fix (time and position) was already received.
    Duplicate,
}

/// What happened to one fix fed to the monitor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "disposition", rename_all = "snake_case")]
pub enum Disposition {
    /// Used for the ETA and, when inside the geofence, as proof of arrival.
    Accepted {
        /// Straight-line distance to the scene, metres.
        distance_m: f64,
        /// True when distance plus accuracy is within the geofence radius.
        inside_geofence: bool,
        /// True when it is older than a fix received before it.
        out_of_order: bool,
    },
    /// Not used; counted under its reason.
    Rejected {
        /// Why.
        reason: Rejection,
    },
}

/// How many fixes were received, used and ignored, by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixTally {
    /// Every fix fed.
    pub received: u32,
    /// Fixes used.
    pub accepted: u32,
    /// Accepted fixes that arrived after a later-dated one.
    pub out_of_order: u32,
    /// Refused: mock provider.
    pub mock: u32,
    /// Refused: dated in the future.
    pub from_the_future: u32,
    /// Refused: dated before dispatch.
    pub before_dispatch: u32,
    /// Refused: no accuracy.
    pub no_accuracy: u32,
    /// Refused: accuracy too poor.
    pub too_inaccurate: u32,
    /// Refused: already received.
    pub duplicate: u32,
}

impl FixTally {
    pub(crate) fn count(&mut self, d: &Disposition) {
        self.received += 1;
        match d {
            Disposition::Accepted { out_of_order, .. } => {
                self.accepted += 1;
                self.out_of_order += u32::from(*out_of_order);
            }
            Disposition::Rejected { reason } => match reason {
                Rejection::Mock => self.mock += 1,
                Rejection::FromTheFuture => self.from_the_future += 1,
                Rejection::BeforeDispatch => self.before_dispatch += 1,
                Rejection::NoAccuracy => self.no_accuracy += 1,
                Rejection::TooInaccurate => self.too_inaccurate += 1,
                Rejection::Duplicate => self.duplicate += 1,
            },
        }
    }
}

/// A scene photo's own position and time, offered as proof of arrival.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoProof {
    /// The evidence item's id.
    pub id: String,
    /// Capture time in UTC (from GPS time stamps, or EXIF local time resolved with its offset).
    pub taken_at: DateTime<Utc>,
    /// True when `taken_at` came from the device clock (DateTimeOriginal) rather than GNSS time,
    /// so that the device clock correction applies.
    #[serde(default)]
    pub device_clock: bool,
    /// EXIF GPS position (normally WGS-84).
    pub coord: Coord,
    /// GPSHPositioningError when present; otherwise the policy's photo accuracy applies.
    #[serde(default)]
    pub accuracy_m: Option<f64>,
}

/// What proved (or claimed) the arrival.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Proof {
    /// A location fix inside the geofence.
    Fix {
        /// Distance to the scene, metres.
        distance_m: f64,
        /// The fix's accuracy radius, metres.
        accuracy_m: f64,
    },
    /// A scene photo's own EXIF GPS position and time.
    Photo {
        /// The evidence item.
        id: String,
        /// Distance to the scene, metres.
        distance_m: f64,
        /// Accuracy used, metres.
        accuracy_m: f64,
    },
    /// The surveyor pressed "arrived" without any position proving it.
    Manual,
}

/// The recorded arrival.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Arrival {
    /// When (UTC, after clock correction).
    pub at: DateTime<Utc>,
    /// False for a manual arrival without proof.
    pub proven: bool,
    /// What proved it.
    pub proof: Proof,
}
