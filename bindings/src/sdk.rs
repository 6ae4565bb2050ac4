//! `KanchaSdk`: the object an app opens once on its private data directory.
//!
//! Every method is synchronous and safe to call from any thread. `shutdown()` (or dropping the object) ends the instance:
//! calls already running finish, later calls fail with `KanchaError::Closed`, and the data
//! directory is released as soon as the last running call returns.

use crate::arrival::{ArrivalInfo, FixOutcome};
use crate::error::{open_error, KanchaError};
use crate::events::{EventBus, EventListener, SdkEvent, Subscription};
use crate::scan::{CapturedScan, ScanInput};
use crate::sync::{Forward, SyncConfig};
use crate::signer::{ForeignSigner, PlatformSigner};
use crate::review::{metres, CaseReviewInfo, ReviewInput};
use crate::types::{CaseInfo, CapturedPhoto, DeviceFix, ItemInfo, NewCaseInput, SealedBundle};
use kancha_core::bundle::manifest::DeviceFacts;
use kancha_core::bundle::{self, SealFacts, Signer};
use kancha_core::capture::{self, CaptureConfig, DeviceContext};
use kancha_core::checklist::Checklist;
use kancha_core::checks::{self, stored, ChecksPolicy};
use kancha_core::scan::file::file_scan;
use kancha_core::sla::watch::{ArrivalWatch, WatchListener};
use kancha_core::sla::{Change, SlaEvent, ZonePolicy};
use kancha_core::store::Store;
use kancha_core::sync::Worker;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

/// What the app tells the SDK when it opens it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SdkConfig {
    /// A stable, non-personal device id chosen by the app (recorded in sealed bundles).
    pub device_id: String,
    /// Device model, e.g. `Pixel 8`.
    pub device_model: Option<String>,
    /// Operating system and version, e.g. `Android 15`.
    pub os: Option<String>,
    /// Host app name and version.
    pub app: Option<String>,
    /// Capture settings (JSON, format of `core/data/capture.v1.json`); the shipped defaults when absent.
    pub capture_settings_json: Option<String>,
    /// Arrival targets and zones (JSON, format of `core/data/policies/policy.schema.json`);
    /// the shipped 30/60-minute policy when absent.
    #[uniffi(default = None)]
    pub arrival_policy_json: Option<String>,
}

/// The live parts of an open SDK.
struct Inner {
    store: Arc<Store>,
    signer: Box<dyn Signer>,
    capture: CaptureConfig,
    checks: ChecksPolicy,
    device: DeviceFacts,
    arrival: ArrivalWatch,
    sync: Mutex<Option<Worker>>,
}

/// Sends arrival transitions to the app's listeners.
struct ArrivalForward(Arc<EventBus>);

impl WatchListener for ArrivalForward {
    fn on_change(&self, case_id: &str, event: &SlaEvent) {
        if let Change::Arrival { from, to, .. } = &event.change {
            self.0.emit(SdkEvent::ArrivalChanged {
                case_id: case_id.to_string(),
                from: (*from).into(),
                to: (*to).into(),
                at: event.at.into(),
            });
        }
    }
}

/// The Kancha SDK opened on one app data directory (one instance per directory).
#[derive(uniffi::Object)]
pub struct KanchaSdk {
    inner: RwLock<Option<Arc<Inner>>>,
    events: Arc<EventBus>,
}

/// The SDK version (the kancha-core version it was built from).
#[uniffi::export]
pub fn sdk_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

impl KanchaSdk {
    fn open_inner(data_dir: String, config: SdkConfig, signer: Option<Arc<dyn PlatformSigner>>) -> Result<Arc<Self>, KanchaError> {
        if data_dir.trim().is_empty() {
            return Err(KanchaError::InvalidArgument { reason: "data_dir must not be empty".into() });
        }
        if config.device_id.trim().is_empty() {
            return Err(KanchaError::InvalidArgument { reason: "config.device_id must not be empty".into() });
        }
        let capture = match &config.capture_settings_json {
            Some(json) => CaptureConfig::from_json(json)?,
            None => CaptureConfig::default(),
        };
        let policy = match &config.arrival_policy_json {
            Some(json) => ZonePolicy::from_json(json),
            None => ZonePolicy::shipped_default(),
        }
        .map_err(|e| KanchaError::InvalidArgument { reason: format!("arrival policy: {e}") })?;
        let store = Arc::new(Store::open(Path::new(&data_dir)).map_err(open_error)?);
        let signer: Box<dyn Signer> = match signer {
            Some(s) => Box::new(ForeignSigner(s)),
            None => Box::new(store.device_key()?),
        };
        let device = DeviceFacts {
            device_id: config.device_id,
            model: config.device_model,
            os: config.os,
            app: config.app,
            sdk_version: sdk_version(),
        };
        let events = EventBus::start();
        let arrival = ArrivalWatch::start(store.clone(), policy, Arc::new(ArrivalForward(events.clone())))?;
        let inner = Inner { store, signer, capture, checks: ChecksPolicy::default(), device, arrival, sync: Mutex::new(None) };
        Ok(Arc::new(KanchaSdk { inner: RwLock::new(Some(Arc::new(inner))), events }))
    }

    /// Tells listeners a new item was stored.
    fn stored(&self, item: &ItemInfo) {
        self.events.emit(SdkEvent::ItemStored {
            case_id: item.case_id.clone(),
            item_id: item.id.clone(),
            shot: item.shot.clone(),
            accepted: item.accepted,
        });
    }

    /// The open instance, or `Closed`. Holding the Arc keeps the store alive for this one call.
    fn live(&self) -> Result<Arc<Inner>, KanchaError> {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).clone().ok_or(KanchaError::Closed)
    }
}

#[uniffi::export]
impl KanchaSdk {
    /// Opens the SDK on a private, writable app directory, signing with a key the SDK keeps there.
    #[uniffi::constructor]
    pub fn open(data_dir: String, config: SdkConfig) -> Result<Arc<Self>, KanchaError> {
        Self::open_inner(data_dir, config, None)
    }

    /// Opens the SDK with a platform signer (Android Keystore, Secure Enclave) instead of the software key.
    #[uniffi::constructor]
    pub fn open_with_signer(
        data_dir: String,
        config: SdkConfig,
        signer: Arc<dyn PlatformSigner>,
    ) -> Result<Arc<Self>, KanchaError> {
        Self::open_inner(data_dir, config, Some(signer))
    }

    /// Every case on the device, oldest first.
    pub fn cases(&self) -> Result<Vec<CaseInfo>, KanchaError> {
        Ok(self.live()?.store.cases()?.into_iter().map(CaseInfo::from).collect())
    }

    /// One case by id.
    pub fn case(&self, case_id: String) -> Result<CaseInfo, KanchaError> {
        Ok(self.live()?.store.case(&case_id)?.into())
    }

    /// Opens a case: a self-service claim (no id) or a dispatched case received from the server.
    pub fn create_case(&self, input: NewCaseInput) -> Result<CaseInfo, KanchaError> {
        Ok(self.live()?.store.create_case(input.try_into()?)?.into())
    }

    /// Analyses a photo and stores it durably in the case; returns the verdict and findings.
    /// The same bytes twice give one item (`created` is false the second time).
    pub fn capture_photo(
        &self,
        case_id: String,
        shot: String,
        jpeg: Vec<u8>,
        fix: Option<DeviceFix>,
    ) -> Result<CapturedPhoto, KanchaError> {
        if shot.trim().is_empty() {
            return Err(KanchaError::InvalidArgument { reason: "shot must name a checklist shot, e.g. front_45".into() });
        }
        let inner = self.live()?;
        let device = DeviceContext { clock: chrono::Utc::now(), fix: fix.map(TryInto::try_into).transpose()? };
        let captured = capture::capture_photo(&inner.store, &case_id, &shot, &jpeg, &device, &inner.capture)?;
        let item = ItemInfo::from(captured.item);
        if captured.created {
            self.stored(&item);
        }
        Ok(CapturedPhoto { item, created: captured.created })
    }

    /// The items of a case in capture order.
    pub fn items(&self, case_id: String) -> Result<Vec<ItemInfo>, KanchaError> {
        let inner = self.live()?;
        inner.store.case(&case_id)?;
        Ok(inner.store.items(&case_id)?.into_iter().map(ItemInfo::from).collect())
    }

    /// The live checklist and every finding for a case (coarse on purpose: one call per screen update).
    /// Photos reused from other cases on this device are flagged.
    pub fn review(&self, case_id: String, input: ReviewInput) -> Result<CaseReviewInfo, KanchaError> {
        let inner = self.live()?;
        let case = inner.store.case(&case_id)?;
        let items = inner.store.items(&case_id)?;
        let mut review = stored::case_review(&case, input.facts(), &items);
        review.vins = input.vins.clone();
        let earlier = stored::earlier_fingerprints(&inner.store, &case_id)?;
        let list: Checklist = input.checklist.into();
        let earlier = checks::duplicates::EarlierIndex::new(earlier);
        let report = checks::review::review(&review, &[list], &earlier, chrono::Utc::now(), &inner.checks, metres);
        Ok(report.into())
    }

    /// Seals the case into a signed bundle queued for upload; sealing again returns the same bundle.
    pub fn seal(&self, case_id: String) -> Result<SealedBundle, KanchaError> {
        let inner = self.live()?;
        // The arrival clock's status goes into the signed manifest, so the server learns a proven arrival.
        let arrival = inner.arrival.status(&case_id).ok().and_then(|s| serde_json::to_value(s).ok());
        let facts = SealFacts { device: inner.device.clone(), arrival, ..SealFacts::default() };
        let before = inner.store.bundle_for_case(&case_id)?.is_some();
        let entry = bundle::seal(&inner.store, &case_id, inner.signer.as_ref(), facts)?;
        if !before {
            self.events.emit(SdkEvent::CaseSealed { case_id: entry.case_id.clone(), bundle_id: entry.bundle_id.clone() });
        }
        if let Some(worker) = inner.sync.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            worker.wake();
        }
        Ok(entry.into())
    }

    /// Scans a stored photo of a document and files the flattened page as a derived item of it.
    pub fn capture_scan(&self, photo_item_id: String, input: ScanInput) -> Result<CapturedScan, KanchaError> {
        let inner = self.live()?;
        let request = input.request()?;
        let device = DeviceContext { clock: chrono::Utc::now(), fix: None };
        let filed = file_scan(&inner.store, &photo_item_id, input.shot.as_deref(), &request, &device, &inner.capture)?;
        let item = ItemInfo::from(filed.item);
        if filed.created {
            self.stored(&item);
        }
        let scan = filed.scan;
        Ok(CapturedScan {
            item,
            created: filed.created,
            doc_type: scan.doc_type.map(|t| crate::types::snake(&t)),
            corners: scan.corners.to_flat().to_vec(),
            corner_source: crate::types::snake(&scan.corner_source),
            confidence: scan.confidence,
            readable: scan.verdict.accepted,
        })
    }

    /// Starts the arrival clock of a dispatched case (or returns it if started); `zone` is the
    /// dispatcher's zone (`urban`, `suburban`), else the scene's position decides.
    /// At-risk, late and arrived transitions then arrive as `ArrivalChanged` events, on time.
    pub fn watch_arrival(&self, case_id: String, zone: Option<String>) -> Result<ArrivalInfo, KanchaError> {
        Ok(self.live()?.arrival.watch(&case_id, zone.as_deref())?.into())
    }

    /// Feeds a location fix to a watched case's arrival clock.
    pub fn feed_fix(&self, case_id: String, fix: DeviceFix) -> Result<FixOutcome, KanchaError> {
        let fix = fix.try_into()?;
        let (disposition, status) = self.live()?.arrival.feed_fix(&case_id, &fix)?;
        Ok(FixOutcome::new(disposition, status))
    }

    /// The arrival clock of a watched case now.
    pub fn arrival_status(&self, case_id: String) -> Result<ArrivalInfo, KanchaError> {
        Ok(self.live()?.arrival.status(&case_id)?.into())
    }

    /// Records that the surveyor says they arrived at `at` (counts as unproven without a fix).
    pub fn mark_arrived(&self, case_id: String, at: SystemTime) -> Result<ArrivalInfo, KanchaError> {
        Ok(self.live()?.arrival.mark_arrived(&case_id, at.into())?.into())
    }

    /// Starts delivering sealed bundles in the background (replacing earlier settings);
    /// progress, retries and receipts arrive as events. Returns at once.
    pub fn start_sync(&self, config: SyncConfig) -> Result<(), KanchaError> {
        let inner = self.live()?;
        let settings = config.settings()?;
        let mut slot = inner.sync.lock().unwrap_or_else(|p| p.into_inner());
        // Stop the old worker first so two never upload the same bundle at once.
        if let Some(old) = slot.take() {
            old.stop();
        }
        *slot = Some(Worker::start(inner.store.clone(), settings, Arc::new(Forward(self.events.clone())))?);
        Ok(())
    }

    /// Stops background delivery; an upload in flight resumes from the server's offset later.
    pub fn stop_sync(&self) -> Result<(), KanchaError> {
        let inner = self.live()?;
        let old = inner.sync.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(worker) = old {
            worker.stop();
        }
        Ok(())
    }

    /// Asks the sync worker to try now (for example when the network comes back).
    pub fn sync_now(&self) -> Result<(), KanchaError> {
        let inner = self.live()?;
        if let Some(worker) = inner.sync.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            worker.wake();
        }
        Ok(())
    }

    /// True while background delivery runs.
    pub fn is_syncing(&self) -> Result<bool, KanchaError> {
        Ok(self.live()?.sync.lock().unwrap_or_else(|p| p.into_inner()).is_some())
    }

    /// The sealed bundle of a case, if it was sealed.
    pub fn bundle_for_case(&self, case_id: String) -> Result<Option<SealedBundle>, KanchaError> {
        Ok(self.live()?.store.bundle_for_case(&case_id)?.map(SealedBundle::from))
    }

    /// Writes a sealed bundle as one zip file (manifest, signature, originals) that `kancha verify` checks.
    pub fn export_bundle(&self, bundle_id: String, out_path: String) -> Result<(), KanchaError> {
        let inner = self.live()?;
        Ok(bundle::export::export(&inner.store, &bundle_id, Path::new(&out_path))?)
    }

    /// Registers a listener; events arrive on an SDK thread until the handle is cancelled or dropped.
    pub fn subscribe(&self, listener: Arc<dyn EventListener>) -> Result<Arc<Subscription>, KanchaError> {
        self.live()?;
        Ok(self.events.subscribe(listener))
    }

    /// How many listener calls threw since open (they are ignored, never crash the SDK).
    pub fn listener_failures(&self) -> u64 {
        self.events.failures()
    }

    /// True until `shutdown()`.
    pub fn is_open(&self) -> bool {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// Shuts the SDK down: later calls fail with `Closed`; the directory is released when running
    /// calls end. (Kotlin `close()`/`use {}` and Swift deinit also do this, by dropping the object.)
    pub fn shutdown(&self) {
        let was = self.inner.write().unwrap_or_else(|p| p.into_inner()).take();
        if was.is_some() {
            self.events.shut_down();
        }
    }
}

impl Drop for KanchaSdk {
    fn drop(&mut self) {
        self.shutdown();
    }
}
