//! Authenticity findings on an item or a case: never a silent rejection, a person decides.

mod finding;

pub use finding::{Finding, FindingCode, Severity};
