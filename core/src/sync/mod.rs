//! Network half of the outbox: a resumable tus 1.0 client and the retry policy around it.
//!
//! Everything here is synchronous (the SDK runs uploads on its own worker thread) and persists
//! nothing itself: the caller learns each upload URL through a callback before any byte is sent,
//! stores it, and passes it back to resume after a restart.

pub mod backoff;
mod error;
pub mod http;
pub mod outbox;
pub mod tus;

pub use backoff::{Backoff, RetryPolicy};
pub use error::{Recovery, SyncError};
pub use outbox::{deliver, deliver_pending, DeliveryError, Retention, SyncEvent, SyncListener, SyncSettings, Worker};
pub use tus::{upload_file, CancelToken, Capabilities, TusClient, TusConfig, UploadDone, UploadJob, UploadObserver};
