//! Data-driven shot lists and document checklists, and what a case still misses.
//!
//! A [`Checklist`] is a versioned JSON file (schema: `core/data/checklists/checklist.schema.json`);
//! [`ChecklistState::compute`] compares it with the case's facts and the items captured so far.

mod format;
mod reason;
mod shot;
mod state;

pub use format::{
    Builtin, Checklist, ChecklistError, FactDecl, ItemKind, ItemSpec, Label, Scope, FORMAT_VERSION,
};
pub use reason::Rejection;
pub use shot::{ShotRef, ShotRefError};
pub use state::{
    AssumedFact, CapturedItem, CaseFacts, ChecklistState, PartyFacts, RejectedCapture, Requirement,
    Role, Status, Unmatched, UnmatchedCapture, VehicleFacts,
};
