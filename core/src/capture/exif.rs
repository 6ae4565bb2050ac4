//! The EXIF summary capture records, and the findings about missing or broken tags.

use crate::checks::{Finding, FindingCode, Severity};
use crate::geo::{Coord, Datum};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use exif::{Exif, In, Tag, Value};
use serde::{Deserialize, Serialize};

/// What the camera wrote about a photo, as capture records it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExifSummary {
    /// DateTimeOriginal exactly as written (`YYYY:MM:DD HH:MM:SS`, local time).
    pub date_time_original: Option<String>,
    /// SubSecTimeOriginal as written.
    pub sub_sec_time_original: Option<String>,
    /// OffsetTimeOriginal as written (`+08:00`).
    pub offset_time_original: Option<String>,
    /// The capture instant with the offset used to read it (RFC 3339).
    pub captured_at: Option<DateTime<FixedOffset>>,
    /// Where `captured_at`'s offset came from.
    pub captured_at_source: Option<TimeSource>,
    /// DateTime (last modification) as written.
    pub date_time: Option<String>,
    /// GPS position and its companions.
    pub gps: Option<GpsSummary>,
    /// GPSDateStamp + GPSTimeStamp (UTC).
    pub gps_time: Option<DateTime<Utc>>,
    /// Camera maker.
    pub make: Option<String>,
    /// Camera model.
    pub model: Option<String>,
    /// Software that wrote the file last.
    pub software: Option<String>,
    /// Orientation tag (1..=8) as written.
    pub orientation: Option<u16>,
    /// PixelXDimension as written.
    pub pixel_x_dimension: Option<u32>,
    /// PixelYDimension as written.
    pub pixel_y_dimension: Option<u32>,
}

/// How the zone of an EXIF local time was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeSource {
    /// OffsetTimeOriginal was present.
    ExifOffset,
    /// No offset tag: the configured zone (China Standard Time by default) was assumed.
    AssumedZone,
}

/// The GPS block of EXIF, always WGS-84.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpsSummary {
    /// Position (datum WGS-84, as GNSS reports it).
    pub position: Coord,
    /// Altitude in metres, negative below sea level.
    pub altitude_m: Option<f64>,
    /// GPSHPositioningError in metres.
    pub h_positioning_error_m: Option<f64>,
    /// GPSImgDirection in degrees.
    pub img_direction_deg: Option<f64>,
    /// GPSImgDirectionRef: `T` true north or `M` magnetic north.
    pub img_direction_ref: Option<String>,
}

/// Reads the summary from the TIFF bytes of an APP1 segment; never fails, reports what is wrong.
pub fn summarize(tiff: Option<&[u8]>, assumed_offset: FixedOffset) -> (ExifSummary, Vec<Finding>) {
    let mut findings = Vec::new();
    let Some(tiff) = tiff else {
        findings.push(Finding::new(
            FindingCode::ExifMissing,
            Severity::Warning,
            "The photo has no EXIF data: camera time and GPS cannot be checked.",
        ));
        return (ExifSummary::default(), findings);
    };
    let mut reader = exif::Reader::new();
    reader.continue_on_error(true);
    let exif = match reader.read_raw(tiff.to_vec()) {
        Ok(exif) => exif,
        Err(exif::Error::PartialResult(partial)) => {
            let (exif, errors) = partial.into_inner();
            let first = errors.first().map(|e| e.to_string()).unwrap_or_default();
            findings.push(
                Finding::new(
                    FindingCode::ExifUnreadable,
                    Severity::Warning,
                    format!("Part of the EXIF data is damaged and was skipped ({first})."),
                )
                .with("errors", errors.len()),
            );
            exif
        }
        Err(err) => {
            findings.push(Finding::new(
                FindingCode::ExifUnreadable,
                Severity::Warning,
                format!("The EXIF data cannot be read ({err})."),
            ));
            return (ExifSummary::default(), findings);
        }
    };
    let mut s = ExifSummary {
        date_time_original: ascii(&exif, Tag::DateTimeOriginal),
        sub_sec_time_original: ascii(&exif, Tag::SubSecTimeOriginal),
        offset_time_original: ascii(&exif, Tag::OffsetTimeOriginal),
        date_time: ascii(&exif, Tag::DateTime),
        make: ascii(&exif, Tag::Make),
        model: ascii(&exif, Tag::Model),
        software: ascii(&exif, Tag::Software),
        orientation: uint(&exif, Tag::Orientation).map(|v| v as u16),
        pixel_x_dimension: uint(&exif, Tag::PixelXDimension),
        pixel_y_dimension: uint(&exif, Tag::PixelYDimension),
        ..Default::default()
    };
    read_capture_time(&mut s, assumed_offset, &mut findings);
    read_gps(&exif, &mut s, &mut findings);
    if let Some(o) = s.orientation.filter(|o| !(1..=8).contains(o)) {
        findings.push(
            Finding::new(
                FindingCode::OrientationInvalid,
                Severity::Info,
                format!("Orientation tag {o} is not 1..8; the image is shown as stored."),
            )
            .with("orientation", o),
        );
    }
    (s, findings)
}

/// Parses `YYYY:MM:DD HH:MM:SS` as EXIF writes local times.
pub fn parse_exif_datetime(raw: &str) -> Option<NaiveDateTime> {
    let raw = raw.trim_end_matches('\0').trim();
    NaiveDateTime::parse_from_str(raw, "%Y:%m:%d %H:%M:%S").ok()
}

/// Parses `+08:00`, `-05:30` or `Z`.
fn parse_offset(raw: &str) -> Option<FixedOffset> {
    let raw = raw.trim_end_matches('\0').trim();
    if raw == "Z" {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match raw.as_bytes().first()? {
        b'+' => (1, &raw[1..]),
        b'-' => (-1, &raw[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if !(0..=14).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

fn read_capture_time(s: &mut ExifSummary, assumed: FixedOffset, findings: &mut Vec<Finding>) {
    let Some(raw) = s.date_time_original.clone() else {
        findings.push(Finding::new(
            FindingCode::ExifTimeMissing,
            Severity::Warning,
            "The photo has no original capture time (DateTimeOriginal).",
        ));
        return;
    };
    let Some(local) = parse_exif_datetime(&raw) else {
        findings.push(
            Finding::new(
                FindingCode::ExifTimeInvalid,
                Severity::Warning,
                format!("The capture time {raw:?} is not a real date and time."),
            )
            .with("date_time_original", raw),
        );
        return;
    };
    // Sub-second digits are a decimal fraction: "5" is 0.5 s, "123" is 0.123 s.
    let nanos = match s.sub_sec_time_original.as_deref().map(|v| v.trim_end_matches('\0').trim()) {
        None | Some("") => 0,
        Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => {
            let d: String = digits.chars().chain(std::iter::repeat('0')).take(9).collect();
            d.parse::<u32>().unwrap_or(0)
        }
        Some(bad) => {
            findings.push(
                Finding::new(
                    FindingCode::ExifTimeInvalid,
                    Severity::Info,
                    format!("SubSecTimeOriginal {bad:?} is not digits; ignored."),
                )
                .with("sub_sec_time_original", bad),
            );
            0
        }
    };
    let local = local.with_nanosecond_or_self(nanos);
    let (offset, source) = match s.offset_time_original.as_deref() {
        Some(raw_off) => match parse_offset(raw_off) {
            Some(off) => (off, TimeSource::ExifOffset),
            None => {
                findings.push(
                    Finding::new(
                        FindingCode::ExifTimeInvalid,
                        Severity::Warning,
                        format!(
                            "OffsetTimeOriginal {raw_off:?} is not a time zone offset; UTC{} was assumed.",
                            assumed
                        ),
                    )
                    .with("offset_time_original", raw_off),
                );
                (assumed, TimeSource::AssumedZone)
            }
        },
        None => {
            findings.push(
                Finding::new(
                    FindingCode::ExifTimeZoneAssumed,
                    Severity::Info,
                    format!("The photo's time has no zone; UTC{assumed} was assumed."),
                )
                .with("assumed_offset", assumed.to_string()),
            );
            (assumed, TimeSource::AssumedZone)
        }
    };
    s.captured_at = offset.from_local_datetime(&local).single();
    s.captured_at_source = Some(source);
}

trait WithNanos {
    fn with_nanosecond_or_self(self, n: u32) -> Self;
}

impl WithNanos for NaiveDateTime {
    fn with_nanosecond_or_self(self, n: u32) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(n).unwrap_or(self)
    }
}

fn read_gps(exif: &Exif, s: &mut ExifSummary, findings: &mut Vec<Finding>) {
    let lat = exif.get_field(Tag::GPSLatitude, In::PRIMARY);
    let lon = exif.get_field(Tag::GPSLongitude, In::PRIMARY);
    match (lat, lon) {
        (None, None) => findings.push(Finding::new(
            FindingCode::ExifGpsMissing,
            Severity::Info,
            "The photo has no GPS position in its EXIF data.",
        )),
        (Some(lat), Some(lon)) => match gps_position(exif, &lat.value, &lon.value) {
            Ok(position) => {
                s.gps = Some(GpsSummary {
                    position,
                    altitude_m: altitude(exif),
                    h_positioning_error_m: rational(exif, Tag::GPSHPositioningError, 0),
                    img_direction_deg: rational(exif, Tag::GPSImgDirection, 0),
                    img_direction_ref: ascii(exif, Tag::GPSImgDirectionRef),
                })
            }
            Err(why) => findings.push(Finding::new(
                FindingCode::ExifGpsInvalid,
                Severity::Warning,
                format!("The photo's GPS position is unusable: {why}."),
            )),
        },
        _ => findings.push(Finding::new(
            FindingCode::ExifGpsInvalid,
            Severity::Warning,
            "The photo's GPS position is unusable: latitude or longitude is missing.",
        )),
    }
    let date = ascii(exif, Tag::GPSDateStamp);
    let time = exif.get_field(Tag::GPSTimeStamp, In::PRIMARY);
    match (date, time) {
        (None, None) => {}
        (Some(date), Some(time)) => match gps_time(&date, &time.value) {
            Some(t) => s.gps_time = Some(t),
            None => findings.push(
                Finding::new(
                    FindingCode::ExifGpsTimeInvalid,
                    Severity::Info,
                    format!("The GPS time stamp ({date}) is not a real UTC time; ignored."),
                )
                .with("gps_date_stamp", date),
            ),
        },
        _ => findings.push(Finding::new(
            FindingCode::ExifGpsTimeInvalid,
            Severity::Info,
            "The GPS time has a date without a time or a time without a date; ignored.",
        )),
    }
}

fn gps_position(exif: &Exif, lat: &Value, lon: &Value) -> Result<Coord, String> {
    let lat_deg = dms(lat).ok_or("latitude is not three rationals (degrees, minutes, seconds)")?;
    let lon_deg = dms(lon).ok_or("longitude is not three rationals (degrees, minutes, seconds)")?;
    let lat_ref = ascii(exif, Tag::GPSLatitudeRef).ok_or("latitude has no N/S reference")?;
    let lon_ref = ascii(exif, Tag::GPSLongitudeRef).ok_or("longitude has no E/W reference")?;
    let lat_sign = match lat_ref.as_str() {
        "N" => 1.0,
        "S" => -1.0,
        other => return Err(format!("latitude reference {other:?} is not N or S")),
    };
    let lon_sign = match lon_ref.as_str() {
        "E" => 1.0,
        "W" => -1.0,
        other => return Err(format!("longitude reference {other:?} is not E or W")),
    };
    Coord::new(lat_sign * lat_deg, lon_sign * lon_deg, Datum::Wgs84).map_err(|e| e.to_string())
}

/// Degrees from a (degrees, minutes, seconds) rational triple; None when malformed.
fn dms(v: &Value) -> Option<f64> {
    let Value::Rational(r) = v else { return None };
    if r.len() != 3 || r.iter().any(|x| x.denom == 0) {
        return None;
    }
    let (d, m, s) = (r[0].to_f64(), r[1].to_f64(), r[2].to_f64());
    if !(0.0..60.0).contains(&m) || !(0.0..60.0).contains(&s) {
        return None;
    }
    Some(d + m / 60.0 + s / 3600.0)
}

fn altitude(exif: &Exif) -> Option<f64> {
    let alt = rational(exif, Tag::GPSAltitude, 0)?;
    let below = matches!(exif.get_field(Tag::GPSAltitudeRef, In::PRIMARY).and_then(|f| f.value.get_uint(0)), Some(1));
    Some(if below { -alt } else { alt })
}

fn gps_time(date: &str, time: &Value) -> Option<DateTime<Utc>> {
    let date = NaiveDate::parse_from_str(date.trim(), "%Y:%m:%d").ok()?;
    let Value::Rational(r) = time else { return None };
    if r.len() != 3 || r.iter().any(|x| x.denom == 0) {
        return None;
    }
    let secs = r[0].to_f64() * 3600.0 + r[1].to_f64() * 60.0 + r[2].to_f64();
    if !(0.0..86400.0).contains(&secs) {
        return None;
    }
    let whole = secs.floor();
    let nanos = ((secs - whole) * 1e9).round().min(999_999_999.0) as u32;
    let t = NaiveTime::from_num_seconds_from_midnight_opt(whole as u32, nanos)?;
    Some(Utc.from_utc_datetime(&date.and_time(t)))
}

fn ascii(exif: &Exif, tag: Tag) -> Option<String> {
    let field = exif.get_field(tag, In::PRIMARY)?;
    let Value::Ascii(ref parts) = field.value else { return None };
    let first = parts.first()?;
    let text = String::from_utf8_lossy(first).trim_end_matches('\0').trim().to_string();
    (!text.is_empty()).then_some(text)
}

fn uint(exif: &Exif, tag: Tag) -> Option<u32> {
    exif.get_field(tag, In::PRIMARY)?.value.get_uint(0)
}

fn rational(exif: &Exif, tag: Tag, index: usize) -> Option<f64> {
    match &exif.get_field(tag, In::PRIMARY)?.value {
        Value::Rational(r) => r.get(index).filter(|x| x.denom != 0).map(|x| x.to_f64()),
        Value::SRational(r) => r.get(index).filter(|x| x.denom != 0).map(|x| x.to_f64()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_parse_and_refuse_nonsense() {
        assert_eq!(parse_offset("+08:00"), FixedOffset::east_opt(8 * 3600));
        assert_eq!(parse_offset("-05:30"), FixedOffset::east_opt(-(5 * 3600 + 1800)));
        assert_eq!(parse_offset("Z"), FixedOffset::east_opt(0));
        assert_eq!(parse_offset("+25:00"), None);
        assert_eq!(parse_offset("0800"), None);
    }

    #[test]
    fn zero_date_is_not_a_date() {
        assert_eq!(parse_exif_datetime("0000:00:00 00:00:00"), None);
        assert!(parse_exif_datetime("2026:11:21 14:03:22").is_some());
    }
}
