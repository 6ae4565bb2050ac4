//! Sealed bundles prove what was captured: any change to bytes, manifest or order is caught.

use chrono::Utc;
use kancha_core::bundle::export;
use kancha_core::bundle::manifest::Manifest;
use kancha_core::bundle::sign::{self, Signer, SoftwareKey};
use kancha_core::bundle::verify::FailureCode;
use kancha_core::bundle::{self, canonical, seal, ItemSource, ManifestItem, SealFacts};
use kancha_core::capture::{capture_photo, CaptureConfig, DeviceContext};
use kancha_core::case::{CaseState, NewCase};
use kancha_core::sample::{PhotoSpec, Scene};
use kancha_core::store::{BundleState, Store, StoreError};
use std::collections::HashMap;
use std::io::{Cursor, Read};

/// Items served from memory, by SHA-256.
struct Blobs(HashMap<String, Vec<u8>>);

impl ItemSource for Blobs {
    fn open(&self, item: &ManifestItem) -> Option<Box<dyn Read + '_>> {
        self.0.get(&item.sha256).map(|b| Box::new(Cursor::new(b.clone())) as Box<dyn Read>)
    }
}

fn device() -> DeviceContext {
    DeviceContext { clock: Utc::now(), fix: None }
}

/// A store with one case of three captured photos.
fn captured_case(dir: &std::path::Path) -> (Store, String, Blobs) {
    let store = Store::open(dir).unwrap();
    let case = store.create_case(NewCase { report_no: "RPT-B1".into(), ..Default::default() }).unwrap();
    let mut blobs = HashMap::new();
    for (i, shot) in ["front_45", "rear_45", "vin"].iter().enumerate() {
        let bytes = PhotoSpec::plain(900, 700).with_scene(Scene::Street { seed: 50 + i as u64 }).jpeg();
        let got = capture_photo(&store, &case.id, shot, &bytes, &device(), &CaptureConfig::default()).unwrap();
        blobs.insert(got.item.sha256, bytes);
    }
    (store, case.id, Blobs(blobs))
}

/// Re-signs an edited manifest with the same key, as a forger holding the device key could.
fn resign(key: &SoftwareKey, m: &Manifest) -> (Vec<u8>, Vec<u8>) {
    let bytes = m.canonical_bytes();
    let sig = key.sign(&bytes).unwrap();
    (bytes, sig)
}

fn codes(r: &bundle::Rejected) -> Vec<FailureCode> {
    r.failures.iter().map(|f| f.code).collect()
}

#[test]
fn a_sealed_bundle_verifies_and_sealing_again_returns_it() {
    let dir = tempfile::tempdir().unwrap();
    let (store, case_id, blobs) = captured_case(dir.path());
    let key = store.device_key().unwrap();
    let sealed = seal(&store, &case_id, &key, SealFacts::default()).unwrap();
    assert_eq!(sealed.state, BundleState::Queued);
    let ok = bundle::verify(&sealed.manifest, &sealed.signature, &blobs).unwrap();
    assert_eq!(ok.manifest.items.len(), 3);
    assert_eq!(ok.manifest.items.iter().map(|i| i.shot.as_str()).collect::<Vec<_>>(), ["front_45", "rear_45", "vin"]);
    assert_eq!(ok.manifest.capture_log.entries.len(), 3);
    assert_eq!(ok.manifest.signer.key_id, sign::key_id(&key.public_key().unwrap()));
    // Canonical: parsing and re-serialising gives the same bytes.
    let reparsed: serde_json::Value = serde_json::from_slice(&sealed.manifest).unwrap();
    assert_eq!(canonical::to_bytes(&reparsed), sealed.manifest);
    let again = seal(&store, &case_id, &key, SealFacts::default()).unwrap();
    assert_eq!(again.bundle_id, sealed.bundle_id);
    assert_eq!(store.case(&case_id).unwrap().state, CaseState::Sealed);
    // The device key survives reopening.
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.device_key().unwrap().public_key().unwrap(), key.public_key().unwrap());
}

#[test]
fn a_sealed_case_takes_no_more_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let (store, case_id, _) = captured_case(dir.path());
    seal(&store, &case_id, &store.device_key().unwrap(), SealFacts::default()).unwrap();
    let late = PhotoSpec::plain(900, 700).with_scene(Scene::Street { seed: 77 }).jpeg();
    let err = capture_photo(&store, &case_id, "odometer", &late, &device(), &CaptureConfig::default()).unwrap_err();
    assert!(matches!(err, kancha_core::capture::CaptureError::Store(StoreError::Conflict(_))), "{err}");
    assert_eq!(store.items(&case_id).unwrap().len(), 3);
}

#[test]
fn changed_bytes_a_forged_signature_and_edited_manifests_are_each_named() {
    let dir = tempfile::tempdir().unwrap();
    let (store, case_id, blobs) = captured_case(dir.path());
    let key = store.device_key().unwrap();
    let sealed = seal(&store, &case_id, &key, SealFacts::default()).unwrap();
    let manifest: Manifest = serde_json::from_slice(&sealed.manifest).unwrap();

    // One flipped byte in one original: that item, and only it, fails.
    let mut flipped = Blobs(blobs.0.clone());
    let victim = &manifest.items[1];
    flipped.0.get_mut(&victim.sha256).unwrap()[500] ^= 0x40;
    let r = bundle::verify(&sealed.manifest, &sealed.signature, &flipped).unwrap_err();
    assert_eq!(codes(&r), vec![FailureCode::HashMismatch]);
    assert_eq!(r.failures[0].item_id.as_deref(), Some(victim.id.as_str()));

    // A missing upload and a truncated one.
    let mut partial = Blobs(blobs.0.clone());
    partial.0.remove(&manifest.items[0].sha256);
    partial.0.get_mut(&manifest.items[2].sha256).unwrap().truncate(100);
    let r = bundle::verify(&sealed.manifest, &sealed.signature, &partial).unwrap_err();
    assert_eq!(codes(&r), vec![FailureCode::ItemMissing, FailureCode::SizeMismatch]);

    // One changed byte of the manifest breaks the signature.
    let mut tampered = sealed.manifest.clone();
    let at = tampered.windows(8).position(|w| w == b"front_45").unwrap();
    tampered[at] = b'F';
    let r = bundle::verify(&tampered, &sealed.signature, &blobs).unwrap_err();
    assert_eq!(codes(&r), vec![FailureCode::BadSignature]);

    // Another key's signature with this manifest's key id.
    let other = SoftwareKey::generate();
    let r = bundle::verify(&sealed.manifest, &other.sign(&sealed.manifest).unwrap(), &blobs).unwrap_err();
    assert_eq!(codes(&r), vec![FailureCode::BadSignature]);
    let r = bundle::verify(&sealed.manifest, b"", &blobs).unwrap_err();
    assert_eq!(codes(&r), vec![FailureCode::BadSignature]);

    // Even re-signed, a deleted item, a re-ordered pair and an inserted item break the chain.
    let mut deleted = manifest.clone();
    deleted.items.remove(1);
    let (b, s) = resign(&key, &deleted);
    let r = bundle::verify(&b, &s, &blobs).unwrap_err();
    assert!(codes(&r).contains(&FailureCode::LogItemMismatch), "{r:?}");

    let mut reordered = manifest.clone();
    reordered.capture_log.entries.swap(0, 1);
    let (b, s) = resign(&key, &reordered);
    let r = bundle::verify(&b, &s, &blobs).unwrap_err();
    assert!(codes(&r).contains(&FailureCode::LogBroken), "{r:?}");

    let mut inserted = manifest.clone();
    let mut extra = inserted.items[0].clone();
    extra.id = "inserted".into();
    inserted.items.push(extra);
    let (b, s) = resign(&key, &inserted);
    let r = bundle::verify(&b, &s, &blobs).unwrap_err();
    assert_eq!(r.failures.iter().find(|f| f.code == FailureCode::LogItemMismatch).unwrap().item_id.as_deref(), Some("inserted"));
}

#[test]
fn readers_ignore_unknown_fields_and_refuse_a_newer_version() {
    let dir = tempfile::tempdir().unwrap();
    let (store, case_id, blobs) = captured_case(dir.path());
    let key = store.device_key().unwrap();
    let sealed = seal(&store, &case_id, &key, SealFacts::default()).unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&sealed.manifest).unwrap();
    v["future_field"] = serde_json::json!({"anything": [1, 2]});
    let bytes = canonical::to_bytes(&v);
    bundle::verify(&bytes, &key.sign(&bytes).unwrap(), &blobs).expect("unknown fields are ignored");
    v["version"] = serde_json::json!(2);
    let bytes = canonical::to_bytes(&v);
    let r = bundle::verify(&bytes, &key.sign(&bytes).unwrap(), &blobs).unwrap_err();
    assert_eq!(codes(&r), vec![FailureCode::UnsupportedVersion]);
    let r = bundle::verify(b"{not json", &key.sign(b"{not json").unwrap(), &blobs).unwrap_err();
    assert_eq!(codes(&r), vec![FailureCode::ManifestUnreadable]);
}

#[test]
fn a_flipped_byte_on_disk_before_sealing_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (store, case_id, _) = captured_case(dir.path());
    let item = &store.items(&case_id).unwrap()[0];
    let path = store.blob_path(&item.sha256);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[700] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let err = seal(&store, &case_id, &store.device_key().unwrap(), SealFacts::default()).unwrap_err();
    assert!(matches!(err, bundle::BundleError::Store(StoreError::Corrupt { .. })), "{err}");
    assert!(store.bundle_for_case(&case_id).unwrap().is_none(), "nothing sealed");
}

#[test]
fn an_exported_bundle_verifies_offline_and_unzip_can_read_it() {
    let dir = tempfile::tempdir().unwrap();
    let (store, case_id, blobs) = captured_case(dir.path());
    let sealed = seal(&store, &case_id, &store.device_key().unwrap(), SealFacts::default()).unwrap();
    let out = dir.path().join("bundle.zip");
    export::export(&store, &sealed.bundle_id, &out).unwrap();
    let opened = export::open(&out).unwrap();
    assert_eq!(opened.manifest, sealed.manifest);
    bundle::verify(&opened.manifest, &opened.signature, &opened).unwrap();
    // Stored, not recompressed: every original appears verbatim in the file.
    let file = std::fs::read(&out).unwrap();
    for bytes in blobs.0.values() {
        assert!(file.windows(bytes.len().min(4096)).any(|w| w == &bytes[..bytes.len().min(4096)]));
    }
    match std::process::Command::new("unzip").arg("-t").arg(&out).output() {
        Ok(o) => assert!(o.status.success(), "unzip -t: {}", String::from_utf8_lossy(&o.stdout)),
        Err(_) => assert!(std::env::var("KANCHA_REQUIRE_PEERS").as_deref() != Ok("1"), "unzip is required"),
    }
    // A flipped byte inside the file is caught offline.
    let mut bad = file.clone();
    let first = blobs.0.values().next().unwrap();
    let at = bad.windows(64).position(|w| w == &first[1000..1064]).unwrap();
    bad[at + 10] ^= 0x01;
    let bad_path = dir.path().join("bad.zip");
    std::fs::write(&bad_path, bad).unwrap();
    let opened = export::open(&bad_path).unwrap();
    let err = bundle::verify(&opened.manifest, &opened.signature, &opened).unwrap_err();
    assert_eq!(err.failures.len(), 1, "{err:?}");
    assert_eq!(err.failures[0].code, FailureCode::HashMismatch);
    assert!(err.failures[0].item_id.is_some());
}

#[test]
fn a_device_clock_moved_backwards_mid_survey_keeps_order_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let case = store.create_case(NewCase { report_no: "RPT-CLOCK".into(), ..Default::default() }).unwrap();
    let start = Utc::now();
    let mut blobs = HashMap::new();
    // The second photo's device clock is an hour behind the first (the user changed the time).
    for (i, minutes) in [0i64, -60, -59].iter().enumerate() {
        let bytes = PhotoSpec::plain(900, 700).with_scene(Scene::Street { seed: 90 + i as u64 }).jpeg();
        let device = DeviceContext { clock: start + chrono::Duration::minutes(*minutes), fix: None };
        let got = capture_photo(&store, &case.id, "damage_close", &bytes, &device, &CaptureConfig::default()).unwrap();
        blobs.insert(got.item.sha256, bytes);
    }
    let sealed = seal(&store, &case.id, &store.device_key().unwrap(), SealFacts::default()).unwrap();
    let ok = bundle::verify(&sealed.manifest, &sealed.signature, &Blobs(blobs)).unwrap();
    let seqs: Vec<u64> = ok.manifest.items.iter().map(|i| i.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3], "capture order, not clock order");
    assert!(ok.manifest.items[1].device_time < ok.manifest.items[0].device_time, "the device times are kept as recorded");
}
