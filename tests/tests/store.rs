//! The on-device store keeps every capture durable, idempotent and consistent through failures.

use chrono::Utc;
use kancha_core::capture::{capture_photo, CaptureConfig, CaptureError, DeviceContext};
use kancha_core::case::NewCase;
use kancha_core::geo::{Coord, Datum, Fix};
use kancha_core::sample::{self, PhotoSpec, Scene};
use kancha_core::store::{FaultPoint, Store, StoreError, SCHEMA_VERSION};
use std::collections::BTreeSet;
use std::path::Path;

fn device() -> DeviceContext {
    let (lat, lon) = sample::SAMPLE_SCENE_WGS84;
    DeviceContext {
        clock: Utc::now(),
        fix: Some(Fix { coord: Coord::new(lat, lon, Datum::Wgs84).unwrap(), accuracy_m: Some(5.0), at: Utc::now(), mock: false }),
    }
}

fn new_case(store: &Store, report_no: &str) -> String {
    store
        .create_case(NewCase { report_no: report_no.into(), accident_at: Some(sample::sample_accident_time()), ..Default::default() })
        .unwrap()
        .id
}

fn photo(seed: u64) -> Vec<u8> {
    PhotoSpec::plain(900, 700).with_scene(Scene::Street { seed }).jpeg()
}

/// Every file under the store's blob directory, temporaries included.
fn files_under(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.join("blobs")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() { stack.push(p) } else { out.insert(p.strip_prefix(dir).unwrap().display().to_string()); }
        }
    }
    out
}

#[test]
fn a_capture_is_stored_byte_for_byte_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = photo(1);
    let (case_id, item_id) = {
        let store = Store::open(dir.path()).unwrap();
        let case_id = new_case(&store, "RPT-1");
        let got = capture_photo(&store, &case_id, "front_45", &bytes, &device(), &CaptureConfig::default()).unwrap();
        assert!(got.created);
        assert_eq!(got.item.seq, 1);
        (case_id, got.item.id)
    };
    let store = Store::open(dir.path()).unwrap();
    assert!(store.reconciliation().is_clean(), "{:?}", store.reconciliation());
    let items = store.items(&case_id).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].id, item_id);
    assert_eq!(items[0].shot, "front_45");
    assert_eq!(store.read_blob(&items[0].sha256).unwrap(), bytes, "the original is kept byte for byte");
    assert!(store.read_blob(&items[0].thumbnail_sha256).unwrap().starts_with(&[0xFF, 0xD8]));
}

#[test]
fn the_same_bytes_twice_give_one_item() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let case_id = new_case(&store, "RPT-2");
    let bytes = photo(2);
    let first = capture_photo(&store, &case_id, "front_45", &bytes, &device(), &CaptureConfig::default()).unwrap();
    let second = capture_photo(&store, &case_id, "front_45", &bytes, &device(), &CaptureConfig::default()).unwrap();
    assert!(first.created && !second.created);
    assert_eq!(first.item.id, second.item.id);
    assert_eq!(store.items(&case_id).unwrap().len(), 1);
    // Another case may hold the same bytes as its own item; the blob is shared.
    let other = new_case(&store, "RPT-3");
    let third = capture_photo(&store, &other, "front_45", &bytes, &device(), &CaptureConfig::default()).unwrap();
    assert!(third.created);
    assert_eq!(files_under(dir.path()).len(), 2, "one original and one thumbnail on disk");
}

#[test]
fn bad_input_is_refused_and_leaves_everything_stored_intact() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let case_id = new_case(&store, "RPT-4");
    let good = photo(4);
    capture_photo(&store, &case_id, "front_45", &good, &device(), &CaptureConfig::default()).unwrap();
    let before = files_under(dir.path());
    let mut huge = PhotoSpec::plain(64, 48).jpeg();
    let sof = huge.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    huge[sof + 5..sof + 9].copy_from_slice(&[0xFF; 4]);
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("not a jpeg", b"%PDF-1.7 not a photo".to_vec()),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("huge frame", huge),
    ];
    for (what, bytes) in bad {
        let err = capture_photo(&store, &case_id, "rear_45", &bytes, &device(), &CaptureConfig::default()).unwrap_err();
        assert!(!err.is_retryable(), "{what}: {err}");
        assert_eq!(store.items(&case_id).unwrap().len(), 1, "{what}");
        assert_eq!(files_under(dir.path()), before, "{what} left a file behind");
    }
    let err = capture_photo(&store, "no-such-case", "front_45", &good, &device(), &CaptureConfig::default()).unwrap_err();
    assert!(matches!(err, CaptureError::Store(StoreError::NotFound { what: "case", .. })), "{err}");
    assert_eq!(store.read_blob(&store.items(&case_id).unwrap()[0].sha256).unwrap(), good);
}

#[test]
fn a_write_failure_mid_capture_loses_nothing_and_a_retry_succeeds() {
    for point in [FaultPoint::BlobWrite, FaultPoint::BlobSync, FaultPoint::BlobRename, FaultPoint::RowInsert] {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let case_id = new_case(&store, "RPT-5");
        let first = photo(5);
        capture_photo(&store, &case_id, "front_45", &first, &device(), &CaptureConfig::default()).unwrap();
        let before = files_under(dir.path());
        store.inject_fault(point);
        let second = photo(6);
        let err = capture_photo(&store, &case_id, "rear_45", &second, &device(), &CaptureConfig::default()).unwrap_err();
        assert!(err.is_retryable(), "{point:?}: {err}");
        let msg = err.to_string();
        assert!(msg.contains("injected"), "{point:?}: the error says what happened: {msg}");
        assert_eq!(store.items(&case_id).unwrap().len(), 1, "{point:?}");
        assert_eq!(files_under(dir.path()), before, "{point:?}: no partial blob or temporary left");
        assert!(store.reconcile().unwrap().is_clean());
        let retry = capture_photo(&store, &case_id, "rear_45", &second, &device(), &CaptureConfig::default()).unwrap();
        assert!(retry.created);
        assert_eq!(retry.item.seq, 2);
    }
}

#[test]
fn a_crash_between_blob_and_row_is_reported_on_the_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = photo(7);
    let case_id;
    {
        let store = Store::open(dir.path()).unwrap();
        case_id = new_case(&store, "RPT-6");
        capture_photo(&store, &case_id, "front_45", &photo(8), &device(), &CaptureConfig::default()).unwrap();
        store.inject_fault(FaultPoint::CrashAfterBlobs);
        capture_photo(&store, &case_id, "rear_45", &bytes, &device(), &CaptureConfig::default()).unwrap_err();
    }
    // A temporary left by a write the crash interrupted.
    std::fs::write(dir.path().join("blobs/.tmp/interrupted"), b"half a photo").unwrap();
    let store = Store::open(dir.path()).unwrap();
    let rec = store.reconciliation();
    let sha = kancha_core::capture::analyze(&bytes, &CaptureConfig::default()).unwrap().sha256;
    assert!(rec.orphan_blobs.contains(&sha), "{rec:?}");
    assert_eq!(rec.orphan_blobs.len(), 2, "original and thumbnail: {rec:?}");
    assert!(rec.missing_blobs.is_empty());
    assert_eq!(rec.removed_temporaries, 1);
    assert_eq!(store.items(&case_id).unwrap().len(), 1, "the earlier item is intact");
    // Capturing the photo again adopts the blob that is already there.
    capture_photo(&store, &case_id, "rear_45", &bytes, &device(), &CaptureConfig::default()).unwrap();
    assert!(store.reconcile().unwrap().is_clean());
}

#[test]
fn a_missing_or_corrupted_blob_is_found_and_a_recapture_heals_it() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = photo(9);
    let (case_id, sha) = {
        let store = Store::open(dir.path()).unwrap();
        let case_id = new_case(&store, "RPT-7");
        let got = capture_photo(&store, &case_id, "front_45", &bytes, &device(), &CaptureConfig::default()).unwrap();
        (case_id, got.item.sha256)
    };
    let blob = dir.path().join("blobs").join(&sha[..2]).join(&sha);
    let mut flipped = std::fs::read(&blob).unwrap();
    flipped[1000] ^= 0x01;
    std::fs::write(&blob, &flipped).unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        match store.read_blob(&sha) {
            Err(StoreError::Corrupt { expected, .. }) => assert_eq!(expected, sha),
            other => panic!("a flipped byte must be detected, got {other:?}"),
        }
    }
    std::fs::remove_file(&blob).unwrap();
    let store = Store::open(dir.path()).unwrap();
    let items = store.items(&case_id).unwrap();
    assert_eq!(store.reconciliation().missing_blobs, vec![(items[0].id.clone(), sha.clone())]);
    capture_photo(&store, &case_id, "front_45", &bytes, &device(), &CaptureConfig::default()).unwrap();
    assert_eq!(store.read_blob(&sha).unwrap(), bytes);
    assert!(store.reconcile().unwrap().is_clean());
}

#[test]
fn a_database_from_a_newer_version_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        new_case(&store, "RPT-8");
    }
    let db = dir.path().join("kancha.db");
    rusqlite::Connection::open(&db).unwrap().pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    match Store::open(dir.path()) {
        Err(StoreError::NewerSchema { found, supported }) => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        Err(other) => panic!("expected NewerSchema, got {other}"),
        Ok(_) => panic!("a newer database must be refused"),
    }
    let conn = rusqlite::Connection::open(&db).unwrap();
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM cases", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1, "the refused database keeps its data");
}

#[test]
fn a_second_instance_on_the_same_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let first = Store::open(dir.path()).unwrap();
    assert!(matches!(Store::open(dir.path()), Err(StoreError::InUse(_))));
    drop(first);
    Store::open(dir.path()).expect("free again once the first is closed");
}

#[test]
fn duplicate_report_numbers_are_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    new_case(&store, "RPT-9");
    let err = store.create_case(NewCase { report_no: "RPT-9".into(), ..Default::default() }).unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(store.cases().unwrap().len(), 1);
}

#[test]
fn captures_from_many_threads_are_all_kept_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let case_id = new_case(&store, "RPT-10");
    let photos: Vec<Vec<u8>> = (0..6).map(|i| photo(100 + i)).collect();
    std::thread::scope(|s| {
        for p in &photos {
            let (store, case_id) = (&store, &case_id);
            s.spawn(move || capture_photo(store, case_id, "damage_close", p, &device(), &CaptureConfig::default()).unwrap());
        }
    });
    let items = store.items(&case_id).unwrap();
    assert_eq!(items.iter().map(|i| i.seq).collect::<Vec<_>>(), (1..=6).collect::<Vec<_>>());
    assert_eq!(items.iter().map(|i| &i.sha256).collect::<BTreeSet<_>>().len(), 6);
}
