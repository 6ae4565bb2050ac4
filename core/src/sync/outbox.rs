//! The outbox worker: delivers each sealed bundle — every original by tus, then the signed
//! manifest — and records the server's receipt. Nothing local is deleted before the receipt.
//!
//! Every step is persisted before the next starts (upload URLs the moment the server makes
//! them, each completed upload, the receipt), so a process killed at any point resumes where
//! it stopped, re-sending at most the chunk in flight and never creating a second bundle.

use super::backoff::{Backoff, RetryPolicy};
use super::tus::{upload_file, CancelToken, TusClient, TusConfig, UploadJob, UploadObserver};
use super::SyncError;
use crate::bundle::sign;
use crate::bundle::Manifest;
use crate::store::{BundleState, OutboxEntry, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Time limit of a manifest submission when uploads have none.
const SUBMIT_TIMEOUT: Duration = Duration::from_secs(300);

/// What happens to originals once the server's receipt is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Retention {
    /// Keep every original on the device.
    KeepOriginals,
    /// Delete originals after the receipt (records, thumbnails and the bundle stay).
    PurgeOriginals,
}

/// Where and how to deliver.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    /// Base URL of the server, e.g. `https://claims.example/` (tus at `v1/uploads`).
    pub server: String,
    /// Chunk size, per-file retry timing, and the bearer token of the surveyor or customer.
    pub tus: TusConfig,
    /// Retry timing between whole delivery attempts.
    pub retry: RetryPolicy,
    /// What to do with originals after the receipt.
    pub retention: Retention,
}

impl SyncSettings {
    /// Settings for a server with defaults for the rest.
    pub fn new(server: &str, token: Option<String>) -> Self {
        SyncSettings {
            server: server.trim_end_matches('/').to_string(),
            tus: TusConfig { bearer_token: token, ..TusConfig::default() },
            retry: RetryPolicy::default(),
            retention: Retention::KeepOriginals,
        }
    }
}

/// What the worker reports, on its own thread.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncEvent {
    /// Bytes of a bundle on the server so far, of its total.
    Progress { bundle_id: String, done: u64, total: u64 },
    /// A delivery attempt failed; the next starts after `delay`.
    Retrying { bundle_id: String, error: String, delay: Duration },
    /// The server verified the bundle; `receipt` is its JSON.
    Delivered { bundle_id: String, receipt: String },
    /// The server refused the bundle for good; a person must look.
    Rejected { bundle_id: String, reason: String },
    /// A local original no longer matches its hash: never uploaded as if valid.
    Corrupt { bundle_id: String, item_id: String, reason: String },
}

/// Receives sync events.
pub trait SyncListener: Send + Sync {
    /// Called on the worker thread for each event.
    fn on_event(&self, event: SyncEvent);
}

/// Why a delivery attempt did not end with a receipt.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The network or the server failed (see `is_retryable`).
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The server refused the bundle (verification failed or a conflict).
    #[error("the server refused the bundle: {0}")]
    Refused(String),
    /// A local original changed on disk since capture.
    #[error("original of item {item_id} is corrupt on this device: {reason}")]
    Corrupt { item_id: String, reason: String },
}

impl DeliveryError {
    /// True when a later attempt may succeed without anyone doing anything.
    pub fn is_retryable(&self) -> bool {
        match self {
            DeliveryError::Sync(e) => e.is_retryable(),
            DeliveryError::Store(e) => e.is_retryable(),
            _ => false,
        }
    }
}

/// Delivers one bundle now; returns the receipt JSON.
pub fn deliver(
    store: &Store,
    client: &TusClient,
    settings: &SyncSettings,
    entry: &OutboxEntry,
    listener: &dyn SyncListener,
    cancel: &CancelToken,
) -> Result<String, DeliveryError> {
    if let (BundleState::Delivered, Some(receipt)) = (entry.state, &entry.receipt) {
        return Ok(receipt.clone());
    }
    let manifest: Manifest = serde_json::from_slice(&entry.manifest)
        .map_err(|e| DeliveryError::Store(StoreError::BadRecord(entry.bundle_id.clone(), e.to_string())))?;
    let total: u64 = manifest.items.iter().map(|i| i.size).sum();
    let mut done_before = 0u64;
    let mut uploads = BTreeMap::new();
    for item in &manifest.items {
        let (url, finished) = store.upload_state(&entry.bundle_id, &item.sha256)?;
        if let (true, Some(url)) = (finished, url.as_ref()) {
            done_before += item.size;
            uploads.insert(item.id.clone(), upload_id(url));
            continue;
        }
        // Never send bytes that no longer match what was sealed.
        if let Err(e) = store.read_blob(&item.sha256) {
            let reason = e.to_string();
            listener.on_event(SyncEvent::Corrupt {
                bundle_id: entry.bundle_id.clone(),
                item_id: item.id.clone(),
                reason: reason.clone(),
            });
            return Err(DeliveryError::Corrupt { item_id: item.id.clone(), reason });
        }
        let job = UploadJob {
            endpoint: format!("{}/v1/uploads", settings.server),
            path: store.blob_path(&item.sha256),
            size: item.size,
            sha256_hex: item.sha256.clone(),
            metadata: vec![
                ("case_id".into(), manifest.case.id.clone()),
                ("kind".into(), item.shot.clone()),
                ("bundle_id".into(), entry.bundle_id.clone()),
                ("item_id".into(), item.id.clone()),
                ("filename".into(), item.file.rsplit('/').next().unwrap_or("item").to_string()),
            ],
            resume_url: url,
        };
        let mut observer = Persisting {
            store,
            listener,
            bundle_id: &entry.bundle_id,
            sha256: &item.sha256,
            base: done_before,
            total,
        };
        let done = upload_file(client, &job, &mut observer, cancel)?;
        store.set_upload_url(&entry.bundle_id, &item.sha256, Some(&done.url))?;
        store.mark_upload_done(&entry.bundle_id, &item.sha256)?;
        done_before += item.size;
        uploads.insert(item.id.clone(), upload_id(&done.url));
    }
    listener.on_event(SyncEvent::Progress { bundle_id: entry.bundle_id.clone(), done: total, total });
    // A stop between the last upload and the manifest leaves every upload done and recorded:
    // the next run submits at once, sending no byte again.
    if cancel.is_cancelled() {
        return Err(SyncError::Cancelled.into());
    }
    let receipt = submit(client, settings, &manifest, entry, &uploads)?;
    store.finish_bundle(&entry.bundle_id, BundleState::Delivered, &receipt)?;
    if settings.retention == Retention::PurgeOriginals {
        store.purge_originals(&entry.case_id)?;
    }
    listener.on_event(SyncEvent::Delivered { bundle_id: entry.bundle_id.clone(), receipt: receipt.clone() });
    Ok(receipt)
}

/// The upload id is the last path segment of its URL.
fn upload_id(url: &str) -> String {
    url.trim_end_matches('/').rsplit('/').next().unwrap_or(url).to_string()
}

/// Persists each upload URL as the server makes it, and forwards progress.
struct Persisting<'a> {
    store: &'a Store,
    listener: &'a dyn SyncListener,
    bundle_id: &'a str,
    sha256: &'a str,
    base: u64,
    total: u64,
}

impl UploadObserver for Persisting<'_> {
    fn created(&mut self, url: &str) -> Result<(), String> {
        self.store.set_upload_url(self.bundle_id, self.sha256, Some(url)).map_err(|e| e.to_string())
    }

    fn progress(&mut self, done: u64, _total: u64) {
        self.listener.on_event(SyncEvent::Progress {
            bundle_id: self.bundle_id.to_string(),
            done: self.base + done,
            total: self.total,
        });
    }
}

#[derive(Serialize)]
struct Submission<'a> {
    manifest: String,
    signature: String,
    items: &'a BTreeMap<String, String>,
}

/// Posts the manifest over the client's connections; 200/201 carry the receipt, 409/422 are
/// permanent refusals.
fn submit(
    client: &TusClient,
    settings: &SyncSettings,
    manifest: &Manifest,
    entry: &OutboxEntry,
    uploads: &BTreeMap<String, String>,
) -> Result<String, DeliveryError> {
    let url = format!("{}/v1/cases/{}/bundles", settings.server, manifest.case.id);
    // The server verifies every byte before it answers, so this request gets a time limit
    // even when uploads have none.
    let timeout = settings.tus.request_timeout.unwrap_or(SUBMIT_TIMEOUT);
    let body = Submission { manifest: sign::b64(&entry.manifest), signature: sign::b64(&entry.signature), items: uploads };
    let json = serde_json::to_vec(&body).map_err(|e| SyncError::Protocol(format!("cannot encode the submission: {e}")))?;
    let headers = [("content-type", "application/json".to_string())];
    let resp = client.http().send_within("POST", &url, &headers, Some(&json), Some(timeout))?;
    let status = resp.status;
    let retry_after = resp.header("retry-after").and_then(|v| super::backoff::parse_retry_after(v, std::time::SystemTime::now()));
    let text = resp.body;
    match status {
        200 | 201 => Ok(text),
        401 | 403 => Err(SyncError::Unauthorized { status }.into()),
        409 | 422 => Err(DeliveryError::Refused(text)),
        429 | 500..=599 => Err(SyncError::Server { method: "POST", url, status, retry_after }.into()),
        _ => Err(SyncError::Rejected { method: "POST", url, status, body: text }.into()),
    }
}

/// Delivers every pending bundle once, oldest first; returns how many were delivered.
pub fn deliver_pending(
    store: &Store,
    client: &TusClient,
    settings: &SyncSettings,
    listener: &dyn SyncListener,
    cancel: &CancelToken,
) -> Result<usize, DeliveryError> {
    let mut delivered = 0;
    for entry in store.pending_bundles()? {
        match deliver(store, client, settings, &entry, listener, cancel) {
            Ok(_) => delivered += 1,
            Err(DeliveryError::Refused(reason)) => {
                store.finish_bundle(&entry.bundle_id, BundleState::Rejected, &reason)?;
                listener.on_event(SyncEvent::Rejected { bundle_id: entry.bundle_id.clone(), reason });
            }
            Err(e) => {
                store.record_attempt(&entry.bundle_id, &e.to_string())?;
                return Err(e);
            }
        }
    }
    Ok(delivered)
}

/// The SDK-owned worker thread that keeps the outbox moving; stopping it cancels the upload.
pub struct Worker {
    wake: mpsc::Sender<()>,
    cancel: CancelToken,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts delivering pending bundles in the background.
    pub fn start(store: Arc<Store>, settings: SyncSettings, listener: Arc<dyn SyncListener>) -> Result<Worker, SyncError> {
        let client = TusClient::new(settings.tus.clone())?;
        let (wake, woken) = mpsc::channel::<()>();
        let cancel = CancelToken::new();
        let token = cancel.clone();
        let thread = std::thread::Builder::new()
            .name("kancha-sync".into())
            .spawn(move || {
                let mut backoff = Backoff::new(settings.retry.clone());
                let mut failing_since: Option<std::time::Instant> = None;
                loop {
                    if token.is_cancelled() {
                        return;
                    }
                    let wait = match deliver_pending(&store, &client, &settings, listener.as_ref(), &token) {
                        Ok(_) => {
                            backoff.reset();
                            failing_since = None;
                            None
                        }
                        Err(_) if token.is_cancelled() => return,
                        Err(e) => {
                            let since = *failing_since.get_or_insert_with(std::time::Instant::now);
                            let retry_after = match &e {
                                DeliveryError::Sync(s) => s.retry_after(),
                                _ => None,
                            };
                            // Non-retryable errors (auth, corrupt originals) wait for a wake-up
                            // from the app instead of hammering the server.
                            let delay = if e.is_retryable() { backoff.next_delay(since.elapsed(), retry_after) } else { None };
                            if let (Some(d), Ok(pending)) = (delay, store.pending_bundles()) {
                                if let Some(first) = pending.first() {
                                    listener.on_event(SyncEvent::Retrying {
                                        bundle_id: first.bundle_id.clone(),
                                        error: e.to_string(),
                                        delay: d,
                                    });
                                }
                            }
                            delay
                        }
                    };
                    let next = match wait {
                        Some(d) => woken.recv_timeout(d),
                        None => woken.recv().map_err(|_| RecvTimeoutError::Disconnected),
                    };
                    if let Err(RecvTimeoutError::Disconnected) = next {
                        return;
                    }
                }
            })
            .map_err(|e| SyncError::Protocol(format!("cannot start the sync worker: {e}")))?;
        Ok(Worker { wake, cancel, thread: Some(thread) })
    }

    /// Asks the worker to look at the outbox now (after sealing, or when the network returns).
    pub fn wake(&self) {
        let _ = self.wake.send(());
    }

    /// Stops the worker, cancelling any upload in flight (it resumes on the next start).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.cancel.cancel();
        let _ = self.wake.send(());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.shutdown();
    }
}
