//! A coordinate that cannot exist without its datum.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The geodetic datum a coordinate is expressed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Datum {
    /// GNSS and EXIF GPS.
    Wgs84,
    /// Amap (高德), Tencent and most Chinese dispatch systems.
    Gcj02,
    /// Baidu maps.
    Bd09,
}

impl Datum {
    /// The lowercase name used in files and JSON (`wgs84`, `gcj02`, `bd09`).
    pub fn as_str(self) -> &'static str {
        match self {
            Datum::Wgs84 => "wgs84",
            Datum::Gcj02 => "gcj02",
            Datum::Bd09 => "bd09",
        }
    }
}

impl fmt::Display for Datum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Datum {
    type Err = GeoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "wgs84" => Ok(Datum::Wgs84),
            "gcj02" => Ok(Datum::Gcj02),
            "bd09" => Ok(Datum::Bd09),
            _ => Err(GeoError::UnknownDatum(s.to_string())),
        }
    }
}

/// Why a coordinate or geographic input was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeoError {
    /// Latitude or longitude is NaN or infinite.
    #[error("coordinate is not a finite number (lat {lat}, lon {lon})")]
    NotFinite { lat: f64, lon: f64 },
    /// Latitude outside ±90°.
    #[error("latitude {0} is outside -90..=90")]
    LatitudeOutOfRange(f64),
    /// Longitude outside ±180°.
    #[error("longitude {0} is outside -180..=180")]
    LongitudeOutOfRange(f64),
    /// A datum name nobody knows.
    #[error("unknown datum {0:?}; expected wgs84, gcj02 or bd09")]
    UnknownDatum(String),
}

/// A latitude/longitude pair in degrees, always with its datum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawCoord")]
pub struct Coord {
    lat: f64,
    lon: f64,
    datum: Datum,
}

#[derive(Deserialize)]
struct RawCoord {
    lat: f64,
    lon: f64,
    datum: Datum,
}

impl TryFrom<RawCoord> for Coord {
    type Error = GeoError;
    fn try_from(r: RawCoord) -> Result<Self, Self::Error> {
        Coord::new(r.lat, r.lon, r.datum)
    }
}

impl Coord {
    /// A validated coordinate; refuses NaN, infinities and out-of-range values.
    pub fn new(lat: f64, lon: f64, datum: Datum) -> Result<Self, GeoError> {
        if !lat.is_finite() || !lon.is_finite() {
            return Err(GeoError::NotFinite { lat, lon });
        }
        if !(-90.0..=90.0).contains(&lat) {
            return Err(GeoError::LatitudeOutOfRange(lat));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(GeoError::LongitudeOutOfRange(lon));
        }
        Ok(Coord { lat, lon, datum })
    }

    /// Latitude in degrees, north positive.
    pub fn lat(&self) -> f64 {
        self.lat
    }

    /// Longitude in degrees, east positive.
    pub fn lon(&self) -> f64 {
        self.lon
    }

    /// The datum this coordinate is expressed in.
    pub fn datum(&self) -> Datum {
        self.datum
    }
}
