//! `KanchaSdk`: the object an app opens once on its private data directory.
//!
//! Every method is synchronous and safe to call from any thread. `shutdown()` (or dropping the object) ends the instance:
//! calls already running finish, later calls fail with `KanchaError::Closed`, and the data
//! directory is released as soon as the last running call returns.

use crate::error::{open_error, KanchaError};
use crate::events::{EventBus, EventListener, SdkEvent, Subscription};
use crate::signer::{ForeignSigner, PlatformSigner};
use crate::review::{metres, CaseReviewInfo, ReviewInput};
use crate::types::{CaseInfo, CapturedPhoto, DeviceFix, ItemInfo, NewCaseInput, SealedBundle};
use kancha_core::bundle::manifest::DeviceFacts;
use kancha_core::bundle::{self, SealFacts, Signer};
use kancha_core::capture::{self, CaptureConfig, DeviceContext};
use kancha_core::checklist::Checklist;
use kancha_core::checks::{self, stored, ChecksPolicy};
use kancha_core::store::Store;
use std::path::Path;
use std::sync::{Arc, RwLock};

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
}

/// The live parts of an open SDK.
struct Inner {
    store: Store,
    signer: Box<dyn Signer>,
    capture: CaptureConfig,
    checks: ChecksPolicy,
    device: DeviceFacts,
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
        let store = Store::open(Path::new(&data_dir)).map_err(open_error)?;
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
        Ok(Arc::new(KanchaSdk {
            inner: RwLock::new(Some(Arc::new(Inner { store, signer, capture, checks: ChecksPolicy::default(), device }))),
            events: EventBus::start(),
        }))
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
            self.events.emit(SdkEvent::ItemStored {
                case_id: item.case_id.clone(),
                item_id: item.id.clone(),
                shot: item.shot.clone(),
                accepted: item.accepted,
            });
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
        let facts = SealFacts { device: inner.device.clone(), ..SealFacts::default() };
        let before = inner.store.bundle_for_case(&case_id)?.is_some();
        let entry = bundle::seal(&inner.store, &case_id, inner.signer.as_ref(), facts)?;
        if !before {
            self.events.emit(SdkEvent::CaseSealed { case_id: entry.case_id.clone(), bundle_id: entry.bundle_id.clone() });
        }
        Ok(entry.into())
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
