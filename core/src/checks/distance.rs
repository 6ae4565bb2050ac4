//! Place checks: was the photo taken at the scene, is there a location at all, was it mocked?
//!
//! Distances come from the caller (`kancha_core::geo` owns datum conversion and geodesics), so
//! this module never compares coordinates of different datums itself.

use super::policy::ScenePolicy;
use super::{Finding, FindingCode, Severity};
use crate::geo::Coord;
use serde::{Deserialize, Serialize};
use std::fmt::Display;

/// Where a photo's location came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationSource {
    /// EXIF GPS tags written by the camera.
    ExifGps,
    /// The device's location provider at capture time.
    DeviceFix,
}

impl LocationSource {
    /// The snake_case name used in facts.
    pub fn as_str(self) -> &'static str {
        match self {
            LocationSource::ExifGps => "exif_gps",
            LocationSource::DeviceFix => "device_fix",
        }
    }
}

/// One location of a photo, from one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoLocation {
    /// EXIF GPS or the device fix.
    pub source: LocationSource,
    /// The position with its datum.
    pub coord: Coord,
    /// Accuracy radius in metres, when known.
    pub accuracy_m: Option<f64>,
    /// True when a mock location provider produced it.
    pub mock: bool,
}

/// The finding for a photo taken `distance_m` from the scene, or `None` when inside the radius (plus credited accuracy).
pub fn far_from_scene(
    source: LocationSource,
    distance_m: f64,
    accuracy_m: Option<f64>,
    policy: &ScenePolicy,
) -> Option<Finding> {
    // A fix's accuracy widens the fence, but only up to a cap, so a vague fix cannot excuse anything.
    let credit = accuracy_m.filter(|a| a.is_finite() && *a > 0.0).unwrap_or(0.0).min(policy.max_accuracy_credit_m);
    let allowed = policy.radius_m + credit;
    if distance_m <= allowed {
        return None;
    }
    let mut finding = Finding::new(
        FindingCode::FarFromScene,
        Severity::Critical,
        format!(
            "taken {} from the scene by {} (allowed {:.0} m: radius {:.0} m + accuracy {:.0} m)",
            metres(distance_m),
            source.as_str(),
            allowed,
            policy.radius_m,
            credit
        ),
    )
    .with("source", source.as_str())
    .with("distance_m", round1(distance_m))
    .with("radius_m", policy.radius_m)
    .with("accuracy_credit_m", round1(credit));
    if let Some(a) = accuracy_m {
        finding = finding.with("accuracy_m", round1(a));
    }
    Some(finding)
}

/// Findings on a photo's locations against the scene; `distance` must return metres and handle datums.
pub fn check_scene_distance<E: Display>(
    locations: &[PhotoLocation],
    scene: &Coord,
    distance: impl Fn(&Coord, &Coord) -> Result<f64, E>,
    policy: &ScenePolicy,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    if locations.is_empty() {
        findings.push(Finding::new(
            FindingCode::LocationMissing,
            Severity::Warning,
            "the photo has no location: no EXIF GPS and no device fix",
        ));
    }
    for loc in locations {
        if loc.mock {
            findings.push(
                Finding::new(
                    FindingCode::MockLocation,
                    Severity::Critical,
                    format!("the {} location came from a mock location provider", loc.source.as_str()),
                )
                .with("source", loc.source.as_str()),
            );
        }
        match distance(&loc.coord, scene) {
            Ok(d) => findings.extend(far_from_scene(loc.source, d, loc.accuracy_m, policy).map(|f| {
                f.with("photo_datum", loc.coord.datum().as_str()).with("scene_datum", scene.datum().as_str())
            })),
            Err(e) => findings.push(unavailable(loc, scene, &e)),
        }
    }
    for (i, a) in locations.iter().enumerate() {
        for b in &locations[i + 1..] {
            if a.source == b.source {
                continue;
            }
            match distance(&a.coord, &b.coord) {
                Ok(d) if d > policy.source_disagreement_m => findings.push(
                    Finding::new(
                        FindingCode::LocationDisagreement,
                        Severity::Warning,
                        format!(
                            "{} and {} place the photo {} apart (tolerance {:.0} m)",
                            a.source.as_str(),
                            b.source.as_str(),
                            metres(d),
                            policy.source_disagreement_m
                        ),
                    )
                    .with("sources", vec![a.source.as_str(), b.source.as_str()])
                    .with("distance_m", round1(d))
                    .with("tolerance_m", policy.source_disagreement_m),
                ),
                Ok(_) => {}
                Err(e) => findings.push(unavailable(a, &b.coord, &e)),
            }
        }
    }
    findings
}

fn unavailable(loc: &PhotoLocation, other: &Coord, e: &dyn Display) -> Finding {
    Finding::new(
        FindingCode::DistanceUnavailable,
        Severity::Warning,
        format!("no distance from the {} location: {e}", loc.source.as_str()),
    )
    .with("source", loc.source.as_str())
    .with("photo_datum", loc.coord.datum().as_str())
    .with("other_datum", other.datum().as_str())
    .with("error", e.to_string())
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// "3.2 km" or "740 m".
fn metres(d: f64) -> String {
    if d >= 1000.0 {
        format!("{:.1} km", d / 1000.0)
    } else {
        format!("{d:.0} m")
    }
}
