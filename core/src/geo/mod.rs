//! Coordinates with their datum (WGS-84, GCJ-02, BD-09), conversions, geodesic distance,
//! location fixes, and zone maps (polygons with a spatial index).

mod coord;
pub mod distance;
mod fix;
mod index;
pub mod transform;
pub mod zones;

pub use coord::{Coord, Datum, GeoError};
pub use fix::Fix;
pub use zones::{Area, Hit, ZoneError, ZoneMap};
