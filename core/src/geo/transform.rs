//! Datum conversions between WGS-84, GCJ-02 and BD-09.
//!
//! GCJ-02 is WGS-84 plus a published closed-form offset (inside mainland China only); BD-09 is
//! GCJ-02 plus a small rotation and shift. Only the forward directions have closed forms, so the
//! inverse directions solve `forward(x) = target` by fixed-point iteration: the offsets change
//! slowly with position, so each step cuts the error by about four orders of magnitude.

use super::Datum;
use std::f64::consts::PI;

/// Semi-major axis of the Krasovsky 1940 ellipsoid that the GCJ-02 offset is defined on.
const KRASOVSKY_A: f64 = 6_378_245.0;
/// First eccentricity squared of that ellipsoid.
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;
/// The angle scale used by BD-09.
const BD_XPI: f64 = PI * 3000.0 / 180.0;
/// Inverse iterations stop when the step is below this many degrees (about 0.01 mm).
const STOP_DEG: f64 = 1e-10;
/// More than enough: typical convergence is 3 to 4 steps.
const MAX_STEPS: usize = 30;

/// The box used to decide "inside China" for GCJ-02 (the convention every map SDK shares).
///
/// Outside it GCJ-02 equals WGS-84. The box is coarse (it includes parts of neighbouring
/// countries), and that is intended: it is the same box the map providers apply, so points
/// converted here agree with what their SDKs display.
pub fn in_china_box(lat: f64, lon: f64) -> bool {
    (72.004..=137.8347).contains(&lon) && (0.8293..=55.8271).contains(&lat)
}

/// Converts a latitude/longitude pair from one datum to another.
pub fn convert(lat: f64, lon: f64, from: Datum, to: Datum) -> (f64, f64) {
    use Datum::*;
    match (from, to) {
        (a, b) if a == b => (lat, lon),
        (Wgs84, Gcj02) => wgs84_to_gcj02(lat, lon),
        (Gcj02, Wgs84) => gcj02_to_wgs84(lat, lon),
        (Gcj02, Bd09) => gcj02_to_bd09(lat, lon),
        (Bd09, Gcj02) => bd09_to_gcj02(lat, lon),
        (Wgs84, Bd09) => {
            let (a, b) = wgs84_to_gcj02(lat, lon);
            gcj02_to_bd09(a, b)
        }
        (Bd09, Wgs84) => {
            let (a, b) = bd09_to_gcj02(lat, lon);
            gcj02_to_wgs84(a, b)
        }
        _ => unreachable!("all pairs of distinct datums are listed"),
    }
}

/// WGS-84 → GCJ-02 (closed form; identity outside China).
pub fn wgs84_to_gcj02(lat: f64, lon: f64) -> (f64, f64) {
    if !in_china_box(lat, lon) {
        return (lat, lon);
    }
    let (dlat, dlon) = gcj_offset(lat, lon);
    (lat + dlat, lon + dlon)
}

/// GCJ-02 → WGS-84 by iteration (error below 1e-9 degrees).
pub fn gcj02_to_wgs84(lat: f64, lon: f64) -> (f64, f64) {
    invert(lat, lon, wgs84_to_gcj02)
}

/// GCJ-02 → BD-09 (closed form).
pub fn gcj02_to_bd09(lat: f64, lon: f64) -> (f64, f64) {
    let z = (lon * lon + lat * lat).sqrt() + 0.00002 * (lat * BD_XPI).sin();
    let theta = lat.atan2(lon) + 0.000003 * (lon * BD_XPI).cos();
    (z * theta.sin() + 0.006, z * theta.cos() + 0.0065)
}

/// BD-09 → GCJ-02 by iteration (error below 1e-9 degrees).
pub fn bd09_to_gcj02(lat: f64, lon: f64) -> (f64, f64) {
    invert(lat, lon, gcj02_to_bd09)
}

/// Solves `forward(x) = (lat, lon)` starting from the target itself.
fn invert(lat: f64, lon: f64, forward: fn(f64, f64) -> (f64, f64)) -> (f64, f64) {
    let (mut x_lat, mut x_lon) = (lat, lon);
    for _ in 0..MAX_STEPS {
        let (f_lat, f_lon) = forward(x_lat, x_lon);
        let (e_lat, e_lon) = (f_lat - lat, f_lon - lon);
        x_lat -= e_lat;
        x_lon -= e_lon;
        if e_lat.abs() < STOP_DEG && e_lon.abs() < STOP_DEG {
            break;
        }
    }
    (x_lat, x_lon)
}

/// The GCJ-02 offset in degrees (latitude, longitude) at a WGS-84 point.
fn gcj_offset(lat: f64, lon: f64) -> (f64, f64) {
    let x = lon - 105.0;
    let y = lat - 35.0;
    let waves = (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    let mut t_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    t_lat += waves;
    t_lat += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    t_lat += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    let mut t_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    t_lon += waves;
    t_lon += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    t_lon += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    let rad = lat / 180.0 * PI;
    let magic = 1.0 - KRASOVSKY_EE * rad.sin() * rad.sin();
    let sqrt_magic = magic.sqrt();
    let d_lat = (t_lat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
    let d_lon = (t_lon * 180.0) / (KRASOVSKY_A / sqrt_magic * rad.cos() * PI);
    (d_lat, d_lon)
}
