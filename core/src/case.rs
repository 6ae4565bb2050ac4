//! The survey case: the claim a surveyor is dispatched to, which evidence belongs to.

use crate::geo::Coord;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a case is in its life on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// Received from dispatch (or created for self-service); nobody has arrived yet.
    Dispatched,
    /// The surveyor (or customer) is at the scene and capturing.
    OnScene,
    /// Evidence is sealed into a bundle; no more captures.
    Sealed,
    /// The server has verified the bundle and answered with a receipt.
    Delivered,
}

impl CaseState {
    /// The lowercase name stored in records.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Dispatched => "dispatched",
            CaseState::OnScene => "on_scene",
            CaseState::Sealed => "sealed",
            CaseState::Delivered => "delivered",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "dispatched" => Some(CaseState::Dispatched),
            "on_scene" => Some(CaseState::OnScene),
            "sealed" => Some(CaseState::Sealed),
            "delivered" => Some(CaseState::Delivered),
            _ => None,
        }
    }
}

/// A case as the device knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// Case id (from the server, or a UUID made on the device for self-service).
    pub id: String,
    /// The insurer's report number (报案号).
    pub report_no: String,
    /// Policy number.
    pub policy_no: Option<String>,
    /// Number plate of the insured vehicle.
    pub plate: Option<String>,
    /// When the accident happened.
    pub accident_at: Option<DateTime<Utc>>,
    /// The scene, with its datum.
    pub scene: Option<Coord>,
    /// When the surveyor received the dispatch.
    pub dispatched_at: Option<DateTime<Utc>>,
    /// Lifecycle state.
    pub state: CaseState,
    /// When the case was stored on this device.
    pub created_at: DateTime<Utc>,
}

/// What is needed to open a case on the device.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    /// Case id from the server; a UUID is made when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// The insurer's report number (报案号).
    pub report_no: String,
    /// Policy number.
    #[serde(default)]
    pub policy_no: Option<String>,
    /// Number plate.
    #[serde(default)]
    pub plate: Option<String>,
    /// When the accident happened.
    #[serde(default)]
    pub accident_at: Option<DateTime<Utc>>,
    /// The scene with its datum.
    #[serde(default)]
    pub scene: Option<Coord>,
    /// When the dispatch was received.
    #[serde(default)]
    pub dispatched_at: Option<DateTime<Utc>>,
}
