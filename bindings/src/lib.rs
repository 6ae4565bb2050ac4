//! kancha-ffi: the UniFFI facade over kancha-core that Kotlin and Swift apps call.
//!
//! Thin by design: each exported call converts its arguments, delegates to kancha-core and maps
//! errors in one place (`error.rs`). The API is synchronous and thread-safe; listeners run on an
//! SDK-owned thread, never on the caller's.

mod arrival;
mod error;
mod events;
mod review;
mod samples;
mod scan;
mod sdk;
mod signer;
mod sync;
mod types;

pub use arrival::{ArrivalInfo, ArrivalState, FixOutcome};
pub use error::{ForeignError, KanchaError};
pub use events::{EventListener, SdkEvent, Subscription};
pub use review::{CaseReviewInfo, ChecklistInfo, ChecklistKind, ItemFindingInfo, RequirementInfo, RequirementStatus, ReviewInput, VehicleInput};
pub use samples::{sample_document_photo, sample_photos, SampleDocument, SamplePhoto};
pub use sdk::{sdk_version, KanchaSdk, SdkConfig};
pub use scan::{CapturedScan, ScanInput};
pub use signer::PlatformSigner;
pub use sync::SyncConfig;
pub use types::*;

pub use kancha_core as core;

uniffi::setup_scaffolding!("kancha");
