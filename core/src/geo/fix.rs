//! A location fix as a phone's location provider reports it.

use super::Coord;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One position report: where, when, how precise, and whether a mock provider produced it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    /// Position with its datum.
    pub coord: Coord,
    /// Horizontal accuracy radius in metres (68 % confidence), when known.
    pub accuracy_m: Option<f64>,
    /// When the fix was taken (UTC).
    pub at: DateTime<Utc>,
    /// True when the platform says a mock location provider produced it.
    #[serde(default)]
    pub mock: bool,
}
