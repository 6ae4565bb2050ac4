//! Zone maps: named (multi)polygons from GeoJSON, validated, with a datum and a spatial index.
//!
//! A zone map answers "which zone is this point in?" A point outside every polygon belongs to
//! no area (the policy then applies its outside zone, normally `out_of_town`). Where polygons
//! overlap, the area whose zone has the higher priority wins; on equal priority the feature
//! that comes first in the file wins. Rings are combined by the even-odd rule, so holes need no
//! particular orientation; a point exactly on an edge may fall either side (half-open rule).

use super::index::{PartShape, ZoneIndex};
use super::{Coord, Datum, GeoError};
use serde_json::Value;
use std::collections::HashMap;

/// Why a zone map was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ZoneError {
    /// The areas are not a GeoJSON FeatureCollection.
    #[error("areas must be a GeoJSON FeatureCollection, found {0}")]
    NotFeatureCollection(String),
    /// The collection has no features at all.
    #[error("the zone map has no areas; a policy needs at least one polygon")]
    NoAreas,
    /// A feature's geometry is missing or not a Polygon/MultiPolygon.
    #[error("feature {feature}: geometry must be Polygon or MultiPolygon, found {found}")]
    UnsupportedGeometry { feature: usize, found: String },
    /// A feature lacks the `zone` or `name` property.
    #[error("feature {feature}: property {property:?} is missing or not a string")]
    MissingProperty { feature: usize, property: &'static str },
    /// A feature names a zone the policy does not define.
    #[error("feature {feature} ({name}): zone {zone:?} is not defined; known zones: {known}")]
    UnknownZone { feature: usize, name: String, zone: String, known: String },
    /// Coordinates are not arrays of [lon, lat] numbers.
    #[error("feature {feature} ({name}): malformed coordinates: {reason}")]
    MalformedCoordinates { feature: usize, name: String, reason: String },
    /// A coordinate is out of range, not finite, or swapped (GeoJSON is [lon, lat]).
    #[error("feature {feature} ({name}): {source}")]
    BadCoordinate { feature: usize, name: String, source: GeoError },
    /// A ring has fewer than four positions or its first and last positions differ.
    #[error("feature {feature} ({name}): ring {ring} is not a closed ring of at least 4 positions")]
    RingNotClosed { feature: usize, name: String, ring: usize },
    /// A ring crosses or touches itself.
    #[error("feature {feature} ({name}): ring {ring} intersects itself near lat {lat:.6}, lon {lon:.6}")]
    SelfIntersection { feature: usize, name: String, ring: usize, lat: f64, lon: f64 },
    /// A polygon encloses no area (all points on a line).
    #[error("feature {feature} ({name}): polygon has zero area")]
    ZeroArea { feature: usize, name: String },
}

/// One named area of a zone map, as loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    /// The zone it belongs to (`urban`, `suburban`, …).
    pub zone: String,
    /// The area's own name (a district, a county).
    pub name: String,
    /// Number of vertices over all its rings.
    pub vertices: usize,
}

/// Where a point fell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit<'a> {
    /// The zone name.
    pub zone: &'a str,
    /// The area's name.
    pub name: &'a str,
    /// The area's position in the file.
    pub area: usize,
}

/// A validated, indexed set of zone polygons in one datum.
#[derive(Debug, Clone)]
pub struct ZoneMap {
    datum: Datum,
    areas: Vec<Area>,
    index: ZoneIndex,
}

impl ZoneMap {
    /// Builds a map from a GeoJSON FeatureCollection in `datum`; `priorities` lists every known zone.
    pub fn from_geojson(areas: &Value, datum: Datum, priorities: &[(String, i64)]) -> Result<Self, ZoneError> {
        let kind = areas.get("type").and_then(Value::as_str).unwrap_or("");
        let features = match (kind, areas.get("features").and_then(Value::as_array)) {
            ("FeatureCollection", Some(f)) => f,
            _ => return Err(ZoneError::NotFeatureCollection(describe(areas))),
        };
        if features.is_empty() {
            return Err(ZoneError::NoAreas);
        }
        let rank: HashMap<&str, i64> = priorities.iter().map(|(z, p)| (z.as_str(), *p)).collect();
        let mut out = Vec::with_capacity(features.len());
        let mut parts = Vec::new();
        for (i, feature) in features.iter().enumerate() {
            let props = feature.get("properties");
            let prop = |key: &'static str| {
                props
                    .and_then(|p| p.get(key))
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or(ZoneError::MissingProperty { feature: i, property: key })
            };
            let zone = prop("zone")?;
            let name = prop("name")?;
            let Some(&priority) = rank.get(zone.as_str()) else {
                let mut known: Vec<&str> = rank.keys().copied().collect();
                known.sort_unstable();
                return Err(ZoneError::UnknownZone { feature: i, name, zone, known: known.join(", ") });
            };
            let polygons = read_geometry(feature.get("geometry"), i, &name)?;
            let mut vertices = 0;
            for rings in polygons {
                for (r, ring) in rings.iter().enumerate() {
                    check_ring(ring, i, &name, r)?;
                    vertices += ring.len() - 1;
                }
                if rings.iter().map(|r| signed_area(r)).all(|a| a == 0.0) {
                    return Err(ZoneError::ZeroArea { feature: i, name });
                }
                parts.push(PartShape { area: i, priority, rings });
            }
            out.push(Area { zone, name, vertices });
        }
        let index = ZoneIndex::build(parts);
        Ok(ZoneMap { datum, areas: out, index })
    }

    /// The datum the polygons are expressed in.
    pub fn datum(&self) -> Datum {
        self.datum
    }

    /// The areas in file order.
    pub fn areas(&self) -> &[Area] {
        &self.areas
    }

    /// The area containing `point` (converted to the map's datum first), if any.
    pub fn locate(&self, point: &Coord) -> Option<Hit<'_>> {
        let p = point.to(self.datum);
        self.locate_xy(p.lon(), p.lat())
    }

    /// The area containing (lon, lat) given in the map's own datum, if any.
    pub fn locate_xy(&self, lon: f64, lat: f64) -> Option<Hit<'_>> {
        self.index.query(lon, lat).map(|i| {
            let a = &self.areas[i];
            Hit { zone: &a.zone, name: &a.name, area: i }
        })
    }
}

fn describe(v: &Value) -> String {
    match v.get("type").and_then(Value::as_str) {
        Some(t) => format!("type {t:?}"),
        None => match v {
            Value::Null => "nothing".into(),
            Value::Object(_) => "an object without a FeatureCollection type".into(),
            _ => "a non-object value".into(),
        },
    }
}

type Ring = Vec<[f64; 2]>;

/// The polygons (each a list of rings) of a Polygon or MultiPolygon geometry.
fn read_geometry(geometry: Option<&Value>, feature: usize, name: &str) -> Result<Vec<Vec<Ring>>, ZoneError> {
    let kind = geometry.and_then(|g| g.get("type")).and_then(Value::as_str).unwrap_or("nothing");
    let coords = geometry.and_then(|g| g.get("coordinates"));
    let malformed = |reason: &str| ZoneError::MalformedCoordinates {
        feature,
        name: name.to_string(),
        reason: reason.to_string(),
    };
    let polygon = |v: &Value| -> Result<Vec<Ring>, ZoneError> {
        let rings = v.as_array().ok_or_else(|| malformed("a polygon must be an array of rings"))?;
        if rings.is_empty() {
            return Err(malformed("a polygon needs an exterior ring"));
        }
        rings.iter().map(|r| read_ring(r, feature, name)).collect()
    };
    match (kind, coords) {
        ("Polygon", Some(c)) => Ok(vec![polygon(c)?]),
        ("MultiPolygon", Some(c)) => {
            let polys = c.as_array().ok_or_else(|| malformed("a multipolygon must be an array of polygons"))?;
            if polys.is_empty() {
                return Err(malformed("a multipolygon needs at least one polygon"));
            }
            polys.iter().map(polygon).collect()
        }
        _ => Err(ZoneError::UnsupportedGeometry { feature, found: kind.to_string() }),
    }
}

fn read_ring(v: &Value, feature: usize, name: &str) -> Result<Ring, ZoneError> {
    let malformed = |reason: &str| ZoneError::MalformedCoordinates {
        feature,
        name: name.to_string(),
        reason: reason.to_string(),
    };
    let positions = v.as_array().ok_or_else(|| malformed("a ring must be an array of positions"))?;
    let mut ring = Vec::with_capacity(positions.len());
    for p in positions {
        let pair = p.as_array().filter(|a| a.len() >= 2).ok_or_else(|| malformed("a position must be [lon, lat]"))?;
        let (Some(lon), Some(lat)) = (pair[0].as_f64(), pair[1].as_f64()) else {
            return Err(malformed("a position must hold numbers"));
        };
        // Validate through Coord so range errors and swapped pairs get the same typed errors.
        Coord::new(lat, lon, Datum::Wgs84).map_err(|source| ZoneError::BadCoordinate {
            feature,
            name: name.to_string(),
            source,
        })?;
        ring.push([lon, lat]);
    }
    Ok(ring)
}

fn check_ring(ring: &Ring, feature: usize, name: &str, r: usize) -> Result<(), ZoneError> {
    if ring.len() < 4 || ring.first() != ring.last() {
        return Err(ZoneError::RingNotClosed { feature, name: name.to_string(), ring: r });
    }
    if let Some([lon, lat]) = find_self_intersection(ring) {
        return Err(ZoneError::SelfIntersection { feature, name: name.to_string(), ring: r, lat, lon });
    }
    Ok(())
}

/// Twice the signed area (shoelace); zero for a degenerate ring.
fn signed_area(ring: &Ring) -> f64 {
    ring.windows(2).map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1]).sum()
}

/// A point where two segments of the closed ring meet other than at their shared vertex.
///
/// Segments are bucketed in a grid so that only neighbours are compared: a district boundary
/// with ten thousand vertices is checked in milliseconds, not in 50 million pair tests.
pub(crate) fn find_self_intersection(ring: &[[f64; 2]]) -> Option<[f64; 2]> {
    let n = ring.len() - 1; // segments; last position repeats the first
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in ring {
        x0 = x0.min(p[0]);
        y0 = y0.min(p[1]);
        x1 = x1.max(p[0]);
        y1 = y1.max(p[1]);
    }
    let side = ((n as f64).sqrt().ceil() as usize).clamp(1, 512);
    let (w, h) = ((x1 - x0).max(1e-12), (y1 - y0).max(1e-12));
    let cell = |x: f64, y: f64| {
        let cx = (((x - x0) / w * side as f64) as usize).min(side - 1);
        let cy = (((y - y0) / h * side as f64) as usize).min(side - 1);
        (cx, cy)
    };
    let mut buckets: Vec<Vec<u32>> = vec![Vec::new(); side * side];
    for i in 0..n {
        let (a, b) = (ring[i], ring[i + 1]);
        let (ax, ay) = cell(a[0].min(b[0]), a[1].min(b[1]));
        let (bx, by) = cell(a[0].max(b[0]), a[1].max(b[1]));
        for cy in ay..=by {
            for cx in ax..=bx {
                buckets[cy * side + cx].push(i as u32);
            }
        }
    }
    for bucket in &buckets {
        for (k, &i) in bucket.iter().enumerate() {
            for &j in &bucket[k + 1..] {
                let (i, j) = (i as usize, j as usize);
                let (i, j) = (i.min(j), i.max(j));
                let adjacent = j == i + 1 || (i == 0 && j == n - 1);
                let (p1, p2, q1, q2) = (ring[i], ring[i + 1], ring[j], ring[j + 1]);
                if adjacent {
                    // Neighbours share a vertex; they are bad only if they fold back on each other.
                    let (shared, a, b) = if j == i + 1 { (p2, p1, q2) } else { (p1, p2, q1) };
                    if orient(shared, a, b) == 0.0 && dot(shared, a, b) > 0.0 {
                        return Some(shared);
                    }
                } else if segments_meet(p1, p2, q1, q2) {
                    return Some(p1);
                }
            }
        }
    }
    None
}

fn orient(a: [f64; 2], b: [f64; 2], c: [f64; 2]) -> f64 {
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

fn dot(o: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - o[0]) * (b[0] - o[0]) + (a[1] - o[1]) * (b[1] - o[1])
}

fn on_segment(a: [f64; 2], b: [f64; 2], p: [f64; 2]) -> bool {
    p[0] >= a[0].min(b[0]) && p[0] <= a[0].max(b[0]) && p[1] >= a[1].min(b[1]) && p[1] <= a[1].max(b[1])
}

/// True when the closed segments p1p2 and q1q2 share at least one point.
fn segments_meet(p1: [f64; 2], p2: [f64; 2], q1: [f64; 2], q2: [f64; 2]) -> bool {
    let d1 = orient(q1, q2, p1);
    let d2 = orient(q1, q2, p2);
    let d3 = orient(p1, p2, q1);
    let d4 = orient(p1, p2, q2);
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0)) && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0)) {
        return true;
    }
    (d1 == 0.0 && on_segment(q1, q2, p1))
        || (d2 == 0.0 && on_segment(q1, q2, p2))
        || (d3 == 0.0 && on_segment(p1, p2, q1))
        || (d4 == 0.0 && on_segment(p1, p2, q2))
}
