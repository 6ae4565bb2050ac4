//! kancha-ffi: the UniFFI facade over kancha-core for Kotlin and Swift (bindings arrive with the SDK issue).

pub use kancha_core as core;
