//! The sample survey the outbox fault tests deliver: three shots with fixed bytes, and the
//! chunk size that makes each photo take several PATCHes.

use kancha_core::sample::{PhotoSpec, Scene};

/// The shots captured, in order.
pub const SHOTS: [&str; 3] = ["front_45", "rear_45", "vin"];

/// Bytes per PATCH in the fault tests.
pub const CHUNK: usize = 16 << 10;

/// The photo of shot `i`: the same bytes on every call, so a re-capture finds its earlier blob.
pub fn photo(i: usize) -> Vec<u8> {
    PhotoSpec::plain(640, 480).with_scene(Scene::Detailed { seed: 700 + i as u64 }).jpeg()
}
