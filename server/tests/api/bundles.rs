//! Evidence bundles sealed by kancha-core on a "device", uploaded by tus, verified by the
//! server with kancha-core's verifier: receipts, idempotency, and each way a bundle is refused
//! (nothing stored for any of them).

use crate::common::*;
use base64::Engine;
use chrono::Utc;
use kancha_core::bundle::{seal, SealFacts};
use kancha_core::capture::{capture_photo, CaptureConfig, DeviceContext};
use kancha_core::case::NewCase;
use kancha_core::sample::{PhotoSpec, Scene};
use kancha_core::store::Store;
use serde_json::{json, Value};

/// A device's sealed case: manifest bytes, signature, and each item's id and bytes.
struct Sealed {
    case_id: String,
    manifest: Vec<u8>,
    signature: Vec<u8>,
    items: Vec<(String, Vec<u8>)>,
}

fn seal_on_device(dir: &std::path::Path, case_id: &str) -> Sealed {
    seal_with(dir, case_id, SealFacts::default())
}

fn seal_with(dir: &std::path::Path, case_id: &str, facts: SealFacts) -> Sealed {
    let store = Store::open(dir).unwrap();
    let case = store
        .create_case(NewCase { id: Some(case_id.into()), report_no: format!("RPT-{case_id}"), ..Default::default() })
        .unwrap();
    let mut items = Vec::new();
    for (i, shot) in ["front_45", "vin"].iter().enumerate() {
        let bytes = PhotoSpec::plain(900, 700).with_scene(Scene::Street { seed: 70 + i as u64 }).jpeg();
        let got = capture_photo(&store, &case.id, shot, &bytes, &DeviceContext { clock: Utc::now(), fix: None }, &CaptureConfig::default())
            .unwrap();
        items.push((got.item.id.clone(), bytes));
    }
    let key = store.device_key().unwrap();
    let sealed = seal(&store, &case.id, &key, facts).unwrap();
    Sealed { case_id: case.id, manifest: sealed.manifest, signature: sealed.signature, items }
}

/// Uploads each item by tus for the case; returns item id → upload id.
async fn upload_items(s: &Server, token: &str, sealed: &Sealed) -> serde_json::Map<String, Value> {
    let mut map = serde_json::Map::new();
    for (item, bytes) in &sealed.items {
        let path = s.create_upload(token, bytes.len() as u64, &format!("case_id {}", b64(&sealed.case_id))).await;
        assert_eq!(s.patch(&path, token, 0, bytes.clone(), &[]).await.status(), 204);
        map.insert(item.clone(), json!(path.rsplit('/').next().unwrap()));
    }
    map
}

fn body(manifest: &[u8], signature: &[u8], items: &serde_json::Map<String, Value>) -> Value {
    let e = base64::engine::general_purpose::STANDARD;
    json!({"manifest": e.encode(manifest), "signature": e.encode(signature), "items": items})
}

async fn setup() -> (Server, String, Sealed, serde_json::Map<String, Value>, tempfile::TempDir) {
    let s = Server::start().await;
    let device = tempfile::tempdir().unwrap();
    let sealed = seal_on_device(device.path(), "GZ-2026-7");
    s.case(&sealed.case_id, "tianhe", Some("li"), &[]).await;
    let li = s.token("surveyor", Some("li")).await;
    let items = upload_items(&s, &li, &sealed).await;
    (s, li, sealed, items, device)
}

async fn stored_bundles(s: &Server, case: &str) -> Value {
    s.get(&format!("/v1/cases/{case}"), &s.admin.clone()).await.1["bundles"].clone()
}

#[tokio::test]
async fn a_verified_bundle_gets_a_receipt_and_the_same_receipt_again() {
    let (s, li, sealed, items, _d) = setup().await;
    let url = format!("/v1/cases/{}/bundles", sealed.case_id);
    let (status, receipt) = s.post(&url, &li, body(&sealed.manifest, &sealed.signature, &items)).await;
    assert_eq!(status, 201, "{receipt}");
    assert_eq!(receipt["items"], 2);
    assert_eq!(receipt["case_id"], sealed.case_id);
    let (status, again) = s.post(&url, &li, body(&sealed.manifest, &sealed.signature, &items)).await;
    assert_eq!(status, 200);
    assert_eq!(again, receipt, "the same receipt");
    assert_eq!(stored_bundles(&s, &sealed.case_id).await, json!([receipt]));
}

#[tokio::test]
async fn a_forged_or_missing_signature_is_refused_and_nothing_stored() {
    let (s, li, sealed, items, _d) = setup().await;
    let url = format!("/v1/cases/{}/bundles", sealed.case_id);
    let mut forged = sealed.signature.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    for sig in [forged, Vec::new()] {
        let (status, err) = s.post(&url, &li, body(&sealed.manifest, &sig, &items)).await;
        assert_eq!((status, err["code"].as_str()), (422, Some("bundle_rejected")), "{err}");
        assert_eq!(err["failures"][0]["code"], "bad_signature");
    }
    // A manifest changed after signing fails the same way.
    let mut edited = sealed.manifest.clone();
    let pos = edited.windows(3).position(|w| w == b"vin").unwrap();
    edited[pos] = b'V';
    let (status, err) = s.post(&url, &li, body(&edited, &sealed.signature, &items)).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(stored_bundles(&s, &sealed.case_id).await, json!([]));
}

#[tokio::test]
async fn a_manifest_referencing_a_missing_upload_names_the_item() {
    let (s, li, sealed, mut items, _d) = setup().await;
    let url = format!("/v1/cases/{}/bundles", sealed.case_id);
    let (missing_item, _) = &sealed.items[1];
    items.insert(missing_item.clone(), json!("0123456789abcdef0123456789abcdef"));
    let (status, err) = s.post(&url, &li, body(&sealed.manifest, &sealed.signature, &items)).await;
    assert_eq!(status, 422, "{err}");
    let failures = err["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{err}");
    assert_eq!(failures[0]["item_id"], missing_item.as_str());
    assert_eq!(failures[0]["code"], "item_missing");
    // An unfinished upload does not count either.
    let partial = s.create_upload(&li, 10, &format!("case_id {}", b64(&sealed.case_id))).await;
    items.insert(missing_item.clone(), json!(partial.rsplit('/').next().unwrap()));
    let (status, _) = s.post(&url, &li, body(&sealed.manifest, &sealed.signature, &items)).await;
    assert_eq!(status, 422);
    // Nor do ids that are not upload ids.
    items.insert(missing_item.clone(), json!("../../kancha.sqlite3"));
    let (status, err) = s.post(&url, &li, body(&sealed.manifest, &sealed.signature, &items)).await;
    assert_eq!((status, err["code"].as_str()), (400, Some("invalid_bundle")));
    assert_eq!(stored_bundles(&s, &sealed.case_id).await, json!([]));
}

#[tokio::test]
async fn an_item_whose_bytes_differ_is_listed_with_its_reason() {
    let (s, li, sealed, mut items, _d) = setup().await;
    let (item, bytes) = &sealed.items[0];
    let mut changed = bytes.clone();
    changed[bytes.len() / 2] ^= 0xff;
    let path = s.create_upload(&li, changed.len() as u64, &format!("case_id {}", b64(&sealed.case_id))).await;
    assert_eq!(s.patch(&path, &li, 0, changed, &[]).await.status(), 204);
    items.insert(item.clone(), json!(path.rsplit('/').next().unwrap()));
    let (status, err) = s.post(&format!("/v1/cases/{}/bundles", sealed.case_id), &li, body(&sealed.manifest, &sealed.signature, &items)).await;
    assert_eq!(status, 422);
    assert_eq!(err["failures"][0]["item_id"], item.as_str());
    assert_eq!(err["failures"][0]["code"], "hash_mismatch");
}

#[tokio::test]
async fn a_bundle_replayed_for_another_case_is_refused() {
    let (s, li, sealed, _items, _d) = setup().await;
    s.case("GZ-OTHER", "tianhe", Some("li"), &[]).await;
    // The same items uploaded for the other case, then the first case's bundle submitted there.
    let mut other = Sealed { case_id: "GZ-OTHER".into(), manifest: vec![], signature: vec![], items: sealed.items.clone() };
    let items = upload_items(&s, &li, &other).await;
    other.manifest = sealed.manifest.clone();
    other.signature = sealed.signature.clone();
    let (status, err) = s.post("/v1/cases/GZ-OTHER/bundles", &li, body(&other.manifest, &other.signature, &items)).await;
    assert_eq!((status, err["code"].as_str()), (409, Some("bundle_for_another_case")), "{err}");
    assert_eq!(stored_bundles(&s, "GZ-OTHER").await, json!([]));
}

#[tokio::test]
async fn only_the_cases_own_people_may_submit() {
    let (s, _li, sealed, items, _d) = setup().await;
    let zhao = s.token("surveyor", Some("zhao")).await;
    let url = format!("/v1/cases/{}/bundles", sealed.case_id);
    assert_eq!(s.post(&url, &zhao, body(&sealed.manifest, &sealed.signature, &items)).await.0, 404);
    let dispatcher = s.token("dispatcher", Some("wang")).await;
    assert_eq!(s.post(&url, &dispatcher, body(&sealed.manifest, &sealed.signature, &items)).await.0, 403);
    let resp = s.req(reqwest::Method::POST, &url, None).json(&json!({})).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(stored_bundles(&s, &sealed.case_id).await, json!([]));
}

#[tokio::test]
async fn a_proven_arrival_in_the_bundle_records_the_arrival_and_an_unproven_one_does_not() {
    let s = Server::start().await;
    let li = s.token("surveyor", Some("li")).await;
    let dispatched = Utc::now() - chrono::Duration::minutes(20);
    let arrived = Utc::now() - chrono::Duration::minutes(4);
    for (case_id, proven) in [("HZ-ARR-1", true), ("HZ-ARR-2", false)] {
        let (status, _) = s
            .post("/v1/cases", &s.admin.clone(), json!({"id": case_id, "zone": "urban", "target_minutes": 30, "surveyor": "li", "dispatched_at": dispatched}))
            .await;
        assert_eq!(status, 201);
        let device = tempfile::tempdir().unwrap();
        let arrival = json!({"case_id": case_id, "arrived": {"at": arrived, "proven": proven, "proof": {"kind": "fix"}}});
        let sealed = seal_with(device.path(), case_id, SealFacts { arrival: Some(arrival), ..SealFacts::default() });
        let items = upload_items(&s, &li, &sealed).await;
        let (status, receipt) = s.post(&format!("/v1/cases/{case_id}/bundles"), &li, body(&sealed.manifest, &sealed.signature, &items)).await;
        assert_eq!(status, 201, "{receipt}");
        let case = s.get(&format!("/v1/cases/{case_id}"), &li).await.1;
        if proven {
            let at: chrono::DateTime<Utc> = serde_json::from_value(case["arrived_at"].clone()).unwrap();
            assert_eq!(at.timestamp_millis(), arrived.timestamp_millis(), "{case}");
            assert_eq!(case["arrival"]["status"], "on_time", "{case}");
        } else {
            assert_eq!(case["arrived_at"], Value::Null, "an unproven arrival is not recorded: {case}");
        }
    }
}
