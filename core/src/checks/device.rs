//! Findings about the device's own location fix at capture time.

use super::{Finding, FindingCode, Severity};
use crate::geo::Fix;

/// A missing fix or a mock-provider fix becomes a finding.
pub fn check_fix(fix: Option<&Fix>) -> Vec<Finding> {
    match fix {
        None => vec![Finding::new(
            FindingCode::DeviceFixMissing,
            Severity::Warning,
            "The phone had no location fix when the photo was taken.",
        )],
        Some(f) if f.mock => vec![Finding::new(
            FindingCode::MockLocation,
            Severity::Critical,
            "The phone's location came from a mock location app.",
        )
        .with("lat", f.coord.lat())
        .with("lon", f.coord.lon())
        .with("datum", f.coord.datum().as_str())],
        Some(_) => Vec::new(),
    }
}
