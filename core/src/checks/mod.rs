//! Authenticity findings on an item or a case: never a silent rejection, a person decides.

pub mod device;
pub mod edits;
mod finding;

pub use finding::{Finding, FindingCode, Severity};
