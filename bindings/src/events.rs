//! Events for the app: a listener trait the app implements, delivered on one SDK-owned thread.
//!
//! Delivery never runs on the caller's thread and never under an SDK lock, so a slow or
//! throwing listener cannot block a capture or deadlock the SDK.

use crate::arrival::ArrivalState;
use crate::error::ForeignError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::SystemTime;

/// Something the app may want to show.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum SdkEvent {
    /// A photo was stored in a case.
    ItemStored { case_id: String, item_id: String, shot: String, accepted: bool },
    /// A case was sealed into a signed bundle.
    CaseSealed { case_id: String, bundle_id: String },
    /// A case's arrival clock changed state (at risk, late, arrived, …), at `at`.
    ArrivalChanged { case_id: String, from: ArrivalState, to: ArrivalState, at: SystemTime },
    /// Bytes of a bundle on the server so far, of its total.
    UploadProgress { bundle_id: String, done: u64, total: u64 },
    /// A delivery attempt failed (network, server); the next one starts in `retry_in_ms`.
    UploadRetrying { bundle_id: String, reason: String, retry_in_ms: u64 },
    /// The server verified the bundle; `receipt_json` is its receipt.
    Delivered { bundle_id: String, receipt_json: String },
    /// The server refused the bundle for good; a person must look at it.
    DeliveryRejected { bundle_id: String, reason: String },
    /// An original changed on the device since capture; it is never uploaded as if valid.
    OriginalCorrupt { bundle_id: String, item_id: String, reason: String },
    /// The SDK was closed; no more events follow.
    Closed,
}

/// Implemented by the app to receive events (called on an SDK thread: hop to the UI thread yourself).
#[uniffi::export(with_foreign)]
pub trait EventListener: Send + Sync {
    /// One event. An exception thrown here is counted and ignored; other listeners still get it.
    fn on_event(&self, event: SdkEvent) -> Result<(), ForeignError>;
}

type Listeners = Mutex<Vec<(u64, Arc<dyn EventListener>)>>;

/// The listeners and the delivery thread.
pub(crate) struct EventBus {
    listeners: Arc<Listeners>,
    next_id: AtomicU64,
    failures: Arc<AtomicU64>,
    tx: Mutex<Option<Sender<SdkEvent>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl EventBus {
    /// A bus with its delivery thread started.
    pub(crate) fn start() -> Arc<EventBus> {
        let listeners: Arc<Listeners> = Arc::default();
        let failures = Arc::new(AtomicU64::new(0));
        let (tx, rx) = channel::<SdkEvent>();
        let (l, f) = (listeners.clone(), failures.clone());
        let thread = std::thread::Builder::new()
            .name("kancha-events".into())
            .spawn(move || {
                for event in rx {
                    // Snapshot so a listener may subscribe or cancel from inside its callback.
                    let now: Vec<_> = l.lock().unwrap_or_else(|p| p.into_inner()).iter().map(|(_, x)| x.clone()).collect();
                    for listener in now {
                        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| listener.on_event(event.clone())));
                        if !matches!(ok, Ok(Ok(()))) {
                            f.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
            .ok();
        Arc::new(EventBus {
            listeners,
            next_id: AtomicU64::new(1),
            failures,
            tx: Mutex::new(Some(tx)),
            thread: Mutex::new(thread),
        })
    }

    /// Queues an event for every listener.
    pub(crate) fn emit(&self, event: SdkEvent) {
        if let Some(tx) = self.tx.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            let _ = tx.send(event);
        }
    }

    /// Adds a listener; the handle removes it.
    pub(crate) fn subscribe(self: &Arc<Self>, listener: Arc<dyn EventListener>) -> Arc<Subscription> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.listeners.lock().unwrap_or_else(|p| p.into_inner()).push((id, listener));
        Arc::new(Subscription { bus: Arc::downgrade(self), id })
    }

    fn remove(&self, id: u64) {
        self.listeners.lock().unwrap_or_else(|p| p.into_inner()).retain(|(i, _)| *i != id);
    }

    /// How many listener calls threw or failed.
    pub(crate) fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// Delivers what is queued, then stops the thread (after a final `Closed` event).
    pub(crate) fn shut_down(&self) {
        self.emit(SdkEvent::Closed);
        drop(self.tx.lock().unwrap_or_else(|p| p.into_inner()).take());
        let handle = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(h) = handle {
            // A listener calling close() from the event thread must not join itself.
            if h.thread().id() != std::thread::current().id() {
                let _ = h.join();
            }
        }
        self.listeners.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// A listener's registration: `cancel()` it or let it be dropped (Kotlin `close()`/`use {}`).
#[derive(uniffi::Object)]
pub struct Subscription {
    bus: Weak<EventBus>,
    id: u64,
}

#[uniffi::export]
impl Subscription {
    /// Stops delivery to this listener; calling it twice is harmless.
    pub fn cancel(&self) {
        if let Some(bus) = self.bus.upgrade() {
            bus.remove(self.id);
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.cancel();
    }
}
