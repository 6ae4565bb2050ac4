//! Authenticity findings on an item or a case: never a silent rejection, a person decides.
//!
//! One file per concern; every threshold comes from a [`ChecksPolicy`] (defaults in `core/data/checks.json`).

pub mod clock;
pub mod device;
pub mod distance;
pub mod duplicates;
pub mod edits;
pub mod eligibility;
mod finding;
pub mod policy;
pub mod review;
pub mod stored;
pub mod vin;

pub use finding::{Finding, FindingCode, Severity};
pub use policy::{ChecksPolicy, PolicyError};
