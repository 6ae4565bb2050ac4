//! The device outbox delivers a sealed bundle to the real server: every original by tus, then
//! the manifest, exactly once — also after being stopped mid-upload, and never with a corrupt original.

use super::common::Server;
use chrono::Utc;
use kancha_core::bundle::{seal, SealFacts};
use kancha_core::capture::{capture_photo, CaptureConfig, DeviceContext};
use kancha_core::case::{CaseState, NewCase};
use kancha_core::sample::{PhotoSpec, Scene};
use kancha_core::store::{BundleState, Store};
use kancha_core::sync::tus::{CancelToken, TusClient, TusConfig};
use kancha_core::sync::{deliver_pending, DeliveryError, SyncEvent, SyncListener, SyncSettings};
use std::sync::{Arc, Mutex};

/// Records events; optionally cancels on the first progress report, or once all bytes are up
/// (the app stopping sync, or being killed, at that moment).
#[derive(Default)]
struct Events {
    seen: Mutex<Vec<SyncEvent>>,
    cancel_on_progress: Option<CancelToken>,
    cancel_when_all_uploaded: Option<CancelToken>,
}

impl SyncListener for Events {
    fn on_event(&self, e: SyncEvent) {
        if let (SyncEvent::Progress { .. }, Some(c)) = (&e, &self.cancel_on_progress) {
            c.cancel();
        }
        if let (SyncEvent::Progress { done, total, .. }, Some(c)) = (&e, &self.cancel_when_all_uploaded) {
            if done == total {
                c.cancel();
            }
        }
        self.seen.lock().unwrap().push(e);
    }
}

/// A device store with one sealed case of three photos, matching a case on the server.
async fn sealed_device_case(s: &Server, case_id: &str) -> (tempfile::TempDir, Arc<Store>, String) {
    s.case(case_id, "urban", Some("li"), &[]).await;
    let token = s.token("surveyor", Some("li")).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path().join("device")).unwrap());
    store.create_case(NewCase { id: Some(case_id.into()), report_no: format!("RPT-{case_id}"), ..Default::default() }).unwrap();
    for (i, shot) in ["front_45", "rear_45", "vin"].iter().enumerate() {
        let bytes = PhotoSpec::plain(1600, 1200).with_scene(Scene::Detailed { seed: 300 + i as u64 }).jpeg();
        capture_photo(&store, case_id, shot, &bytes, &DeviceContext { clock: Utc::now(), fix: None }, &CaptureConfig::default())
            .unwrap();
    }
    seal(&store, case_id, &store.device_key().unwrap(), SealFacts::default()).unwrap();
    (dir, store, token)
}

fn settings(s: &Server, token: &str) -> SyncSettings {
    let mut st = SyncSettings::new(&s.base, Some(token.to_string()));
    st.tus = TusConfig { chunk_size: 64 * 1024, ..st.tus };
    st
}

async fn run(store: Arc<Store>, st: SyncSettings, events: Arc<Events>, cancel: CancelToken) -> Result<usize, DeliveryError> {
    tokio::task::spawn_blocking(move || {
        let client = TusClient::new(st.tus.clone()).unwrap();
        deliver_pending(&store, &client, &st, events.as_ref(), &cancel)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sealed_case_is_delivered_once_with_progress_and_a_receipt() {
    let s = Server::start().await;
    let (_d, store, token) = sealed_device_case(&s, "OB-1").await;
    let events = Arc::new(Events::default());
    let n = run(store.clone(), settings(&s, &token), events.clone(), CancelToken::new()).await.unwrap();
    assert_eq!(n, 1);
    let bundle = store.bundle_for_case("OB-1").unwrap().unwrap();
    assert_eq!(bundle.state, BundleState::Delivered);
    let receipt: serde_json::Value = serde_json::from_str(bundle.receipt.as_deref().unwrap()).unwrap();
    assert_eq!(receipt["items"], 3);
    assert_eq!(receipt["bundle_id"], bundle.bundle_id.as_str());
    assert_eq!(store.case("OB-1").unwrap().state, CaseState::Delivered);
    let seen = events.seen.lock().unwrap().clone();
    let total: u64 = store.items("OB-1").unwrap().iter().map(|i| i.size).sum();
    assert!(seen.contains(&SyncEvent::Progress { bundle_id: bundle.bundle_id.clone(), done: total, total }));
    assert!(matches!(seen.last(), Some(SyncEvent::Delivered { .. })));
    // Nothing left to send; the server holds exactly one bundle for the case.
    assert_eq!(run(store.clone(), settings(&s, &token), events, CancelToken::new()).await.unwrap(), 0);
    let (_, case) = s.get("/v1/cases/OB-1", &s.admin.clone()).await;
    assert_eq!(case["bundles"].as_array().unwrap().len(), 1, "{case}");
    assert!(store.read_blob(&store.items("OB-1").unwrap()[0].sha256).is_ok(), "originals kept by default");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_mid_upload_it_resumes_the_same_upload_and_delivers_once() {
    let s = Server::start().await;
    let (_d, store, token) = sealed_device_case(&s, "OB-2").await;
    let cancel = CancelToken::new();
    let stopping = Arc::new(Events { cancel_on_progress: Some(cancel.clone()), ..Default::default() });
    let err = run(store.clone(), settings(&s, &token), stopping, cancel).await.unwrap_err();
    assert!(err.to_string().to_lowercase().contains("cancel"), "{err}");
    let bundle = store.bundle_for_case("OB-2").unwrap().unwrap();
    assert_eq!(bundle.state, BundleState::Queued);
    let first_sha = &store.items("OB-2").unwrap()[0].sha256;
    let (url_before, done) = store.upload_state(&bundle.bundle_id, first_sha).unwrap();
    assert!(url_before.is_some() && !done, "the upload URL was persisted before the stop");
    // A new worker (as after an app restart) resumes the persisted upload.
    let n = run(store.clone(), settings(&s, &token), Arc::new(Events::default()), CancelToken::new()).await.unwrap();
    assert_eq!(n, 1);
    assert_eq!(store.upload_state(&bundle.bundle_id, first_sha).unwrap(), (url_before, true), "same upload, resumed");
    let (_, case) = s.get("/v1/cases/OB-2", &s.admin.clone()).await;
    assert_eq!(case["bundles"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_original_is_reported_and_never_sent() {
    let s = Server::start().await;
    let (_d, store, token) = sealed_device_case(&s, "OB-3").await;
    let victim = store.items("OB-3").unwrap()[1].clone();
    let path = store.blob_path(&victim.sha256);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[2000] ^= 0x08;
    std::fs::write(&path, bytes).unwrap();
    let events = Arc::new(Events::default());
    let err = run(store.clone(), settings(&s, &token), events.clone(), CancelToken::new()).await.unwrap_err();
    assert!(matches!(&err, DeliveryError::Corrupt { item_id, .. } if *item_id == victim.id), "{err}");
    assert!(!err.is_retryable());
    assert!(events.seen.lock().unwrap().iter().any(|e| matches!(e, SyncEvent::Corrupt { item_id, .. } if *item_id == victim.id)));
    assert_eq!(store.bundle_for_case("OB-3").unwrap().unwrap().state, BundleState::Queued, "kept, not dropped");
    let (_, case) = s.get("/v1/cases/OB-3", &s.admin.clone()).await;
    assert_eq!(case["bundles"].as_array().unwrap().len(), 0, "nothing submitted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_between_the_last_upload_and_the_manifest_it_submits_without_resending() {
    let s = Server::start().await;
    let (_d, store, token) = sealed_device_case(&s, "OB-4").await;
    let cancel = CancelToken::new();
    let stopping = Arc::new(Events { cancel_when_all_uploaded: Some(cancel.clone()), ..Default::default() });
    run(store.clone(), settings(&s, &token), stopping, cancel).await.unwrap_err();
    let bundle = store.bundle_for_case("OB-4").unwrap().unwrap();
    let states: Vec<_> =
        store.items("OB-4").unwrap().iter().map(|i| store.upload_state(&bundle.bundle_id, &i.sha256).unwrap()).collect();
    assert!(states.iter().all(|(url, done)| url.is_some() && *done), "every upload done: {states:?}");
    let (_, case) = s.get("/v1/cases/OB-4", &s.admin.clone()).await;
    assert_eq!(case["bundles"].as_array().unwrap().len(), 0, "no manifest yet");
    let events = Arc::new(Events::default());
    assert_eq!(run(store.clone(), settings(&s, &token), events.clone(), CancelToken::new()).await.unwrap(), 1);
    // No upload was made again: the only progress reported is the final total.
    let progress: Vec<_> =
        events.seen.lock().unwrap().iter().filter(|e| matches!(e, SyncEvent::Progress { .. })).cloned().collect();
    assert_eq!(progress.len(), 1, "{progress:?}");
    let (_, case) = s.get("/v1/cases/OB-4", &s.admin.clone()).await;
    assert_eq!(case["bundles"].as_array().unwrap().len(), 1);
}
