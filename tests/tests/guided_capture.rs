//! Guided capture end to end: real JPEGs captured into a real on-device store, read back, and
//! reviewed against the shipped self-service checklist and the shipped checks policy.

use chrono::{DateTime, Duration, TimeZone, Utc};
use kancha_core::capture::{capture_photo, CaptureConfig, DeviceContext};
use kancha_core::case::NewCase;
use kancha_core::checklist::{Builtin, CaseFacts, Checklist, Label, Role, Status, VehicleFacts};
use kancha_core::checks::review::review;
use kancha_core::checks::stored::{case_review, earlier_fingerprints};
use kancha_core::checks::{ChecksPolicy, FindingCode};
use kancha_core::geo::{Coord, Datum, Fix};
use kancha_core::sample::{sample_accident_time, ExifSpec, PhotoSpec, Scene, SAMPLE_SCENE_WGS84};
use kancha_core::store::Store;

/// Great-circle metres on one datum; refuses mixed datums (the real conversion lives in `geo`).
fn sphere(a: &Coord, b: &Coord) -> Result<f64, String> {
    if a.datum() != b.datum() {
        return Err(format!("{} vs {}", a.datum(), b.datum()));
    }
    let (p1, p2) = (a.lat().to_radians(), b.lat().to_radians());
    let h = ((p2 - p1) / 2.0).sin().powi(2)
        + p1.cos() * p2.cos() * ((b.lon() - a.lon()).to_radians() / 2.0).sin().powi(2);
    Ok(2.0 * 6_371_008.8 * h.sqrt().asin())
}

/// A phone photo taken at `taken`, `north_m` metres north of the scene, with a matching device context.
fn shot(scene: Scene, taken: DateTime<Utc>, north_m: f64) -> (Vec<u8>, DeviceContext) {
    let (lat, lon) = SAMPLE_SCENE_WGS84;
    let lat = lat + north_m / 111_195.0;
    let bytes = PhotoSpec::plain(900, 700).with_scene(scene).with_exif(ExifSpec::phone(taken, 8, 900, 700, lat, lon)).jpeg();
    let fix = Fix { coord: Coord::new(lat, lon, Datum::Wgs84).unwrap(), accuracy_m: Some(6.0), at: taken, mock: false };
    (bytes, DeviceContext { clock: taken + Duration::seconds(1), fix: Some(fix) })
}

#[test]
fn stored_self_service_case_with_blurred_far_and_reused_photos() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let cfg = CaptureConfig::default();
    let (lat, lon) = SAMPLE_SCENE_WGS84;
    let scene = Coord::new(lat, lon, Datum::Wgs84).unwrap();

    // Last year's claim on this phone, with a photo of the driver by the car.
    let old_time = Utc.with_ymd_and_hms(2025, 9, 17, 3, 0, 0).unwrap();
    let earlier = store
        .create_case(NewCase { report_no: "RPT-2025-0917".into(), accident_at: Some(old_time), scene: Some(scene), ..Default::default() })
        .unwrap();
    let (old_bytes, old_device) = shot(Scene::Street { seed: 77 }, old_time + Duration::minutes(20), 3.0);
    let old = capture_photo(&store, &earlier.id, "driver_with_vehicle/v0", &old_bytes, &old_device, &cfg).unwrap().item;

    let accident = sample_accident_time();
    let case = store
        .create_case(NewCase { report_no: "RPT-2026-1121".into(), accident_at: Some(accident), scene: Some(scene), ..Default::default() })
        .unwrap();
    let t = |m: i64| accident + Duration::minutes(25 + m);
    let mut ids = Vec::new();
    for (i, (key, scene, north_m)) in [
        ("front_45_with_plate/v0", Scene::Street { seed: 1 }, 4.0),
        ("rear_45_with_plate/v0", Scene::Street { seed: 2 }, 6.0),
        ("damage_far/v0/rear_bumper", Scene::Street { seed: 3 }, 5.0),
        ("damage_close/v0/rear_bumper", Scene::Blurred { seed: 4 }, 5.0),
        ("vin_plate/v0", Scene::Street { seed: 5 }, 2000.0),
    ]
    .into_iter()
    .enumerate()
    {
        let (bytes, device) = shot(scene, t(i as i64), north_m);
        ids.push(capture_photo(&store, &case.id, key, &bytes, &device, &cfg).unwrap().item.id);
    }
    // The old photo, submitted again today for this claim.
    let today = DeviceContext { clock: t(6), fix: old_device.fix.clone().map(|f| Fix { at: t(6), ..f }) };
    ids.push(capture_photo(&store, &case.id, "driver_with_vehicle/v0", &old_bytes, &today, &cfg).unwrap().item.id);

    let facts = CaseFacts {
        vehicles: vec![VehicleFacts { plate: Some("沪B24680".into()), role: Role::Insured, damaged_parts: vec!["rear_bumper".into()] }],
        parties: vec![],
        flags: [("object_hit".to_string(), false)].into(),
    };
    let stored = store.items(&case.id).unwrap();
    let input = case_review(&store.case(&case.id).unwrap(), facts, &stored);
    let earlier_prints = earlier_fingerprints(&store, &case.id).unwrap();
    assert_eq!(earlier_prints.len(), 1);
    let list = Checklist::builtin(Builtin::SelfServiceSingleVehicle);
    let report = review(&input, &[list], &earlier_prints, Utc::now(), &ChecksPolicy::default(), sphere);

    assert_eq!(report.case_findings, vec![]);
    let codes_of = |id: &str| {
        let mut c: Vec<FindingCode> = report.findings_for(id).map(|f| f.code).collect();
        c.sort_by_key(|c| format!("{c:?}"));
        c
    };
    for id in &ids[..4] {
        assert_eq!(codes_of(id), vec![], "item {id}");
    }
    assert_eq!(codes_of(&ids[4]), [FindingCode::FarFromScene, FindingCode::FarFromScene]);
    assert_eq!(
        codes_of(&ids[5]),
        [
            FindingCode::CapturedBeforeAccident,
            FindingCode::CapturedBeforeAccident,
            FindingCode::ClockDisagreement,
            FindingCode::ClockDisagreement,
            FindingCode::ReusedFromEarlierCase,
        ]
    );
    let reused = report.findings_for(&ids[5]).find(|f| f.code == FindingCode::ReusedFromEarlierCase).unwrap();
    assert_eq!(reused.facts["earlier_case"], earlier.id.as_str());
    assert_eq!(reused.facts["earlier_item"], old.id.as_str());

    let state = &report.checklists[0];
    let done: Vec<&str> = state.with_status(Status::Done).map(|r| r.key.as_str()).collect();
    assert_eq!(done, ["front_45_with_plate", "rear_45_with_plate", "damage_far"]);
    let rejected: Vec<(&str, Vec<Label>)> =
        state.with_status(Status::Rejected).map(|r| (r.key.as_str(), r.rejected[0].reasons.clone())).collect();
    assert_eq!(rejected[0], ("damage_close", vec![Label::new("照片模糊", "blurred")]));
    assert_eq!(rejected[1], ("vin_plate", vec![Label::new("在距现场2.0公里处拍摄", "taken 2.0 km from the scene")]));
    assert_eq!(rejected[2].0, "driver_with_vehicle");
    let en: Vec<&str> = rejected[2].1.iter().map(|l| l.en.as_str()).collect();
    assert_eq!(en, ["taken 429.9 days before the accident", "duplicate of a photo from another case"]);
    assert_eq!(state.with_status(Status::Missing).count(), 0);
}
