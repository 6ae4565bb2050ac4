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
    /// Latitude and longitude were given the wrong way round (a Chinese point read as lon, lat).
    #[error("latitude {lat} and longitude {lon} look swapped: ({lon}, {lat}) is a point in China; pass latitude first")]
    LatLonSwapped { lat: f64, lon: f64 },
    /// A coordinate was given without its datum.
    #[error("coordinate has no datum; say wgs84, gcj02 or bd09")]
    MissingDatum,
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
    // Optional here only so that a missing datum gets its own error instead of serde's.
    datum: Option<Datum>,
}

impl TryFrom<RawCoord> for Coord {
    type Error = GeoError;
    fn try_from(r: RawCoord) -> Result<Self, Self::Error> {
        Coord::new(r.lat, r.lon, r.datum.ok_or(GeoError::MissingDatum)?)
    }
}

impl Coord {
    /// A validated coordinate; refuses NaN, infinities and out-of-range values.
    pub fn new(lat: f64, lon: f64, datum: Datum) -> Result<Self, GeoError> {
        if !lat.is_finite() || !lon.is_finite() {
            return Err(GeoError::NotFinite { lat, lon });
        }
        if !(-90.0..=90.0).contains(&lat) {
            // Chinese longitudes (73..135) are all beyond 90, so a swapped Chinese point always
            // lands here; name the mistake rather than only the range.
            if super::transform::in_china_box(lon, lat) {
                return Err(GeoError::LatLonSwapped { lat, lon });
            }
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

    /// The same place expressed in another datum (inverse conversions iterate to < 1 mm).
    pub fn to(&self, datum: Datum) -> Coord {
        let (lat, lon) = super::transform::convert(self.lat, self.lon, self.datum, datum);
        // Conversions move a point by well under a kilometre; clamp only guards the poles.
        Coord { lat: lat.clamp(-90.0, 90.0), lon: lon.clamp(-180.0, 180.0), datum }
    }

    /// Geodesic distance in metres on the WGS-84 ellipsoid, after bringing both to WGS-84.
    pub fn distance_m(&self, other: &Coord) -> f64 {
        let a = self.to(Datum::Wgs84);
        let b = other.to(Datum::Wgs84);
        super::distance::geodesic_m(a.lat, a.lon, b.lat, b.lon)
    }
}

impl fmt::Display for Coord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.7},{:.7} ({})", self.lat, self.lon, self.datum)
    }
}
