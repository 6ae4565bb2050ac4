//! The shot reference a stored item carries: the checklist key plus, when the item is per vehicle,
//! party or part, which one — written `key[/v<N>][/p<N>][/<part>]`, indexes from 0.
//!
//! Examples: `scene_overview_front`, `vin_plate/v1`, `id_card/p0`, `damage_close/v1/rear_bumper`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a shot reference was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShotRefError {
    /// The key before the first `/` is empty or not lower snake case.
    #[error("shot {0:?} does not start with a lower-snake-case checklist key")]
    BadKey(String),
    /// A segment is empty, repeated, or not `v<N>`, `p<N>` or a snake-case part key.
    #[error("shot {shot:?} has a bad segment {segment:?}; expected v<N>, p<N> or a part key, each at most once")]
    BadSegment {
        /// The whole reference.
        shot: String,
        /// The offending segment.
        segment: String,
    },
}

/// A checklist key with the vehicle, party or damaged part it was taken for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ShotRef {
    /// The checklist item key.
    pub key: String,
    /// Vehicle index from 0.
    pub vehicle: Option<usize>,
    /// Party index from 0.
    pub party: Option<usize>,
    /// Damaged part key.
    pub part: Option<String>,
}

fn snake(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|c| c.is_ascii_lowercase())
        && c.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn index(segment: &str, prefix: char) -> Option<usize> {
    let digits = segment.strip_prefix(prefix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl ShotRef {
    /// Parses `key[/v<N>][/p<N>][/<part>]`.
    pub fn parse(shot: &str) -> Result<ShotRef, ShotRefError> {
        let mut segments = shot.split('/');
        let key = segments.next().unwrap_or_default();
        if !snake(key) {
            return Err(ShotRefError::BadKey(shot.to_string()));
        }
        let mut r = ShotRef { key: key.to_string(), vehicle: None, party: None, part: None };
        for seg in segments {
            let bad = || ShotRefError::BadSegment { shot: shot.to_string(), segment: seg.to_string() };
            if let Some(v) = index(seg, 'v') {
                if r.vehicle.replace(v).is_some() {
                    return Err(bad());
                }
            } else if let Some(p) = index(seg, 'p') {
                if r.party.replace(p).is_some() {
                    return Err(bad());
                }
            } else if snake(seg) && r.part.is_none() {
                r.part = Some(seg.to_string());
            } else {
                return Err(bad());
            }
        }
        Ok(r)
    }
}

impl fmt::Display for ShotRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key)?;
        if let Some(v) = self.vehicle {
            write!(f, "/v{v}")?;
        }
        if let Some(p) = self.party {
            write!(f, "/p{p}")?;
        }
        if let Some(part) = &self.part {
            write!(f, "/{part}")?;
        }
        Ok(())
    }
}
