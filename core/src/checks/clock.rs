//! Capture-time checks: is each clock's time inside [accident − tolerance, now], and do the clocks agree?

use super::policy::ClockPolicy;
use super::{Finding, FindingCode, Severity};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// Which clock a capture time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockSource {
    /// EXIF DateTimeOriginal, converted to UTC.
    Exif,
    /// The device's clock when the app received the photo.
    Device,
    /// EXIF GPSDateStamp/GPSTimeStamp (UTC from the satellites).
    Gps,
}

impl ClockSource {
    /// The lowercase name used in facts.
    pub fn as_str(self) -> &'static str {
        match self {
            ClockSource::Exif => "exif",
            ClockSource::Device => "device",
            ClockSource::Gps => "gps",
        }
    }
}

/// The capture times the photo's clocks give, each optional.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureClocks {
    /// EXIF DateTimeOriginal in UTC.
    pub exif: Option<DateTime<Utc>>,
    /// Device clock at capture.
    pub device: Option<DateTime<Utc>>,
    /// GPS time stamp.
    pub gps: Option<DateTime<Utc>>,
}

impl CaptureClocks {
    /// The clocks that gave a time, in a fixed order (EXIF, device, GPS).
    pub fn readings(&self) -> Vec<(ClockSource, DateTime<Utc>)> {
        [(ClockSource::Exif, self.exif), (ClockSource::Device, self.device), (ClockSource::Gps, self.gps)]
            .into_iter()
            .filter_map(|(s, t)| t.map(|t| (s, t)))
            .collect()
    }
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Findings on one photo's capture time, given the case's accident time (if any) and the present.
pub fn check_capture_time(
    clocks: &CaptureClocks,
    accident_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    policy: &ClockPolicy,
) -> Vec<Finding> {
    let readings = clocks.readings();
    let mut findings = Vec::new();
    if readings.is_empty() {
        findings.push(Finding::new(
            FindingCode::CaptureTimeMissing,
            Severity::Critical,
            "no clock gave a capture time (no EXIF time, no device time, no GPS time)",
        ));
    }
    match accident_at {
        None => findings.push(accident_time_missing()),
        Some(accident) => {
            let earliest = accident - chrono::Duration::seconds(policy.before_accident_tolerance_s);
            for (source, t) in &readings {
                if *t < earliest {
                    let before = (accident - *t).num_seconds();
                    findings.push(
                        Finding::new(
                            FindingCode::CapturedBeforeAccident,
                            Severity::Critical,
                            format!(
                                "{} time {} is {} before the reported accident time {} (tolerance {} s)",
                                source.as_str(),
                                stamp(*t),
                                human_duration(before),
                                stamp(accident),
                                policy.before_accident_tolerance_s
                            ),
                        )
                        .with("clock", source.as_str())
                        .with("captured_at", stamp(*t))
                        .with("accident_at", stamp(accident))
                        .with("seconds_before_accident", before)
                        .with("tolerance_s", policy.before_accident_tolerance_s),
                    );
                }
            }
        }
    }
    let latest = now + chrono::Duration::seconds(policy.future_tolerance_s);
    for (source, t) in &readings {
        if *t > latest {
            let ahead = (*t - now).num_seconds();
            findings.push(
                Finding::new(
                    FindingCode::CapturedInFuture,
                    Severity::Critical,
                    format!(
                        "{} time {} is {} after the present {} (tolerance {} s)",
                        source.as_str(),
                        stamp(*t),
                        human_duration(ahead),
                        stamp(now),
                        policy.future_tolerance_s
                    ),
                )
                .with("clock", source.as_str())
                .with("captured_at", stamp(*t))
                .with("now", stamp(now))
                .with("seconds_after_now", ahead)
                .with("tolerance_s", policy.future_tolerance_s),
            );
        }
    }
    for (i, (a, ta)) in readings.iter().enumerate() {
        for (b, tb) in &readings[i + 1..] {
            let diff = (*ta - *tb).num_seconds().abs();
            if diff > policy.disagreement_tolerance_s {
                findings.push(
                    Finding::new(
                        FindingCode::ClockDisagreement,
                        Severity::Warning,
                        format!(
                            "{} time {} and {} time {} differ by {} (tolerance {} s)",
                            a.as_str(),
                            stamp(*ta),
                            b.as_str(),
                            stamp(*tb),
                            human_duration(diff),
                            policy.disagreement_tolerance_s
                        ),
                    )
                    .with("clocks", vec![a.as_str(), b.as_str()])
                    .with("difference_s", diff)
                    .with("tolerance_s", policy.disagreement_tolerance_s),
                );
            }
        }
    }
    findings
}

/// The finding for a case that has no accident time: capture times cannot be checked against it.
pub fn accident_time_missing() -> Finding {
    Finding::new(
        FindingCode::AccidentTimeMissing,
        Severity::Warning,
        "the case has no accident time, so no capture time can be checked against it",
    )
}

/// "3 h 12 min", "4 min 5 s", "40 s": a duration a reviewer reads at a glance.
fn human_duration(seconds: i64) -> String {
    let s = seconds.abs();
    if s >= 86_400 {
        format!("{} d {} h", s / 86_400, (s % 86_400) / 3600)
    } else if s >= 3600 {
        format!("{} h {} min", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{} min {} s", s / 60, s % 60)
    } else {
        format!("{s} s")
    }
}
