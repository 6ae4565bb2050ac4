//! Coordinates with their datum (WGS-84, GCJ-02, BD-09) and location fixes.

mod coord;
mod fix;

pub use coord::{Coord, Datum, GeoError};
pub use fix::Fix;
