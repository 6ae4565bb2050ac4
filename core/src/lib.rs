//! Kancha core: the domain of a motor-insurance scene survey, free of FFI and UI types.
//!
//! Each module owns one concern; the server and the FFI facade build on these same modules so
//! that the phone and the server agree byte for byte on what evidence is.

pub mod bundle;
pub mod capture;
pub mod case;
pub mod checklist;
pub mod checks;
pub mod evidence;
pub mod geo;
pub mod sample;
pub mod sla;
pub mod scan;
pub mod store;
