//! Delivery for the app: where to upload, and the outbox worker's events turned into SDK events.

use crate::events::{EventBus, SdkEvent};
use kancha_core::sync::{Retention, SyncEvent, SyncListener, SyncSettings};
use std::sync::Arc;

/// Where and how sealed bundles are delivered.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncConfig {
    /// Base URL of the Kancha server, e.g. `https://claims.example.com/`.
    pub server_url: String,
    /// The surveyor's or customer's bearer token.
    pub token: String,
    /// Upload chunk size in bytes (default 4 MiB); smaller resumes sooner on a weak link.
    pub chunk_size: Option<u64>,
    /// Delete originals from the device once the server's receipt is recorded.
    pub purge_originals_after_receipt: bool,
}

impl SyncConfig {
    pub(crate) fn settings(&self) -> Result<SyncSettings, crate::KanchaError> {
        let url = self.server_url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(crate::KanchaError::InvalidArgument { reason: "server_url must start with http:// or https://".into() });
        }
        if self.token.trim().is_empty() {
            return Err(crate::KanchaError::InvalidArgument { reason: "token must not be empty".into() });
        }
        let mut settings = SyncSettings::new(url, Some(self.token.clone()));
        if let Some(size) = self.chunk_size {
            if size < 1024 {
                return Err(crate::KanchaError::InvalidArgument { reason: "chunk_size must be at least 1024 bytes".into() });
            }
            settings.tus.chunk_size = usize::try_from(size).unwrap_or(usize::MAX);
        }
        if self.purge_originals_after_receipt {
            settings.retention = Retention::PurgeOriginals;
        }
        Ok(settings)
    }
}

/// Forwards the worker's events to the app's listeners.
pub(crate) struct Forward(pub(crate) Arc<EventBus>);

impl SyncListener for Forward {
    fn on_event(&self, event: SyncEvent) {
        self.0.emit(match event {
            SyncEvent::Progress { bundle_id, done, total } => SdkEvent::UploadProgress { bundle_id, done, total },
            SyncEvent::Retrying { bundle_id, error, delay } => {
                SdkEvent::UploadRetrying { bundle_id, reason: error, retry_in_ms: delay.as_millis() as u64 }
            }
            SyncEvent::Delivered { bundle_id, receipt } => SdkEvent::Delivered { bundle_id, receipt_json: receipt },
            SyncEvent::Rejected { bundle_id, reason } => SdkEvent::DeliveryRejected { bundle_id, reason },
            SyncEvent::Corrupt { bundle_id, item_id, reason } => SdkEvent::OriginalCorrupt { bundle_id, item_id, reason },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KanchaError;

    fn config(url: &str, token: &str, chunk: Option<u64>) -> SyncConfig {
        SyncConfig { server_url: url.into(), token: token.into(), chunk_size: chunk, purge_originals_after_receipt: true }
    }

    #[test]
    fn settings_carry_the_server_chunk_size_and_retention() {
        let s = config(" https://claims.example.com/ ", "tok", Some(65536)).settings().unwrap();
        assert_eq!(s.server, "https://claims.example.com");
        assert_eq!(s.tus.chunk_size, 65536);
        assert_eq!(s.tus.bearer_token.as_deref(), Some("tok"));
        assert_eq!(s.retention, Retention::PurgeOriginals);
    }

    #[test]
    fn bad_settings_are_invalid_arguments_that_name_the_field() {
        for (c, field) in [
            (config("ftp://claims.example.com", "tok", None), "server_url"),
            (config("https://claims.example.com", " ", None), "token"),
            (config("https://claims.example.com", "tok", Some(100)), "chunk_size"),
        ] {
            match c.settings() {
                Err(KanchaError::InvalidArgument { reason }) => assert!(reason.contains(field), "{reason}"),
                other => panic!("expected InvalidArgument for {field}, got {other:?}"),
            }
        }
    }
}
