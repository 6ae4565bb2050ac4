//! Time handling: instants are UTC inside Kancha. EXIF local times are read with their
//! OffsetTimeOriginal when present, else with the policy's zone; device timestamps are corrected
//! by the offset learned from the server's clock, and the correction is recorded.

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Why a time value was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TimeError {
    /// An EXIF date/time is not `YYYY:MM:DD HH:MM:SS` or names an impossible date.
    #[error("EXIF date/time {0:?} is not YYYY:MM:DD HH:MM:SS")]
    BadExifTime(String),
    /// An EXIF offset is not `+HH:MM`.
    #[error("EXIF offset {0:?} is not +HH:MM")]
    BadOffset(String),
}

/// Parses `+08:00`, `-05:30` or `Z` into a fixed offset.
pub fn parse_utc_offset(s: &str) -> Option<FixedOffset> {
    let s = s.trim();
    if s == "Z" {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// Where a resolved capture time's zone came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OffsetSource {
    /// The photo's own OffsetTimeOriginal tag.
    Exif,
    /// The policy's time zone, because the photo carries no offset.
    PolicyAssumed,
}

/// An EXIF local time turned into UTC, with how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExifTime {
    /// The instant in UTC.
    pub utc: DateTime<Utc>,
    /// The offset applied, in seconds east of UTC.
    pub offset_s: i32,
    /// Whether the offset came from the photo or was assumed from the policy.
    pub source: OffsetSource,
}

/// Turns EXIF DateTimeOriginal (+ OffsetTimeOriginal when present) into UTC.
pub fn exif_local_to_utc(
    date_time_original: &str,
    offset_time_original: Option<&str>,
    policy_offset: FixedOffset,
) -> Result<ExifTime, TimeError> {
    let raw = date_time_original.trim_end_matches('\0').trim();
    let local = NaiveDateTime::parse_from_str(raw, "%Y:%m:%d %H:%M:%S")
        .map_err(|_| TimeError::BadExifTime(date_time_original.to_string()))?;
    let (offset, source) = match offset_time_original.map(|s| s.trim_end_matches('\0').trim()) {
        Some(s) if !s.is_empty() => {
            (parse_utc_offset(s).ok_or_else(|| TimeError::BadOffset(s.to_string()))?, OffsetSource::Exif)
        }
        _ => (policy_offset, OffsetSource::PolicyAssumed),
    };
    let utc = offset
        .from_local_datetime(&local)
        .single()
        .ok_or_else(|| TimeError::BadExifTime(date_time_original.to_string()))?
        .with_timezone(&Utc);
    Ok(ExifTime { utc, offset_s: offset.local_minus_utc(), source })
}

/// How far the device clock is from the server's, learned at the last sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockOffset {
    /// Server time minus device time, in milliseconds (positive: the device is behind).
    pub server_minus_device_ms: i64,
    /// When (server time) the offset was learned.
    pub learned_at: DateTime<Utc>,
}

impl ClockOffset {
    /// Learns the offset from a sync: the device's clock reading and the server's, at the same moment.
    pub fn learn(device_now: DateTime<Utc>, server_now: DateTime<Utc>) -> Self {
        ClockOffset { server_minus_device_ms: (server_now - device_now).num_milliseconds(), learned_at: server_now }
    }

    /// A device timestamp moved onto the server's clock.
    pub fn correct(&self, device_time: DateTime<Utc>) -> DateTime<Utc> {
        device_time + Duration::milliseconds(self.server_minus_device_ms)
    }
}
