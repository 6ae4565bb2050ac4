//! Whole cases reviewed end to end: the exact missing items and the exact findings.

use chrono::{DateTime, Duration, TimeZone, Utc};
use kancha_core::checklist::{
    Builtin, CaseFacts, Checklist, ChecklistState, Label, Rejection, Role, Status, VehicleFacts,
};
use kancha_core::checks::clock::CaptureClocks;
use kancha_core::checks::distance::{LocationSource, PhotoLocation};
use kancha_core::checks::duplicates::Fingerprint;
use kancha_core::checks::eligibility::SelfServiceClaim;
use kancha_core::checks::review::{review, CaseReview, ItemEvidence, ReviewReport};
use kancha_core::checks::{ChecksPolicy, FindingCode};
use kancha_core::geo::{Coord, Datum};
use std::collections::BTreeMap;

const SCENE: (f64, f64) = (31.2304, 121.4737);

fn accident() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 1, 40, 0).unwrap()
}

fn now() -> DateTime<Utc> {
    accident() + Duration::hours(2)
}

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

/// A distinct, well-spread 64-bit value per photo (splitmix64), so no two photos look alike by accident.
fn spread(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A good photo taken at the scene `minutes` after the accident, `north_m` metres north of it.
fn photo(n: u64, key: &str, vehicle: Option<usize>, party: Option<usize>, part: Option<&str>, north_m: f64) -> ItemEvidence {
    let t = accident() + Duration::minutes(20 + n as i64);
    let lat = SCENE.0 + north_m / 111_195.0;
    let at = |source| PhotoLocation {
        source,
        coord: Coord::new(lat, SCENE.1, Datum::Wgs84).unwrap(),
        accuracy_m: Some(8.0),
        mock: false,
    };
    ItemEvidence {
        id: format!("item-{n:02}"),
        key: key.into(),
        vehicle,
        party,
        part: part.map(String::from),
        clocks: CaptureClocks { exif: Some(t), device: Some(t + Duration::seconds(1)), gps: Some(t) },
        locations: vec![at(LocationSource::ExifGps), at(LocationSource::DeviceFix)],
        sha256: format!("{:016x}{:016x}", spread(n), spread(n + 1000)),
        phash: Some(spread(n + 5000)),
        quality: vec![],
        findings: vec![],
    }
}

fn flags(pairs: &[(&str, bool)]) -> BTreeMap<String, bool> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn two_vehicles() -> CaseFacts {
    CaseFacts {
        vehicles: vec![
            VehicleFacts { plate: Some("沪A12345".into()), role: Role::Insured, damaged_parts: vec!["front_bumper".into()] },
            VehicleFacts {
                plate: Some("苏E67890".into()),
                role: Role::ThirdParty,
                damaged_parts: vec!["rear_bumper".into(), "tailgate".into()],
            },
        ],
        parties: vec![],
        flags: flags(&[
            ("vehicles_moved", false),
            ("intersection", true),
            ("injury", false),
            ("third_party_property", false),
            ("police_attended", false),
        ]),
    }
}

fn case(id: &str, facts: CaseFacts, items: Vec<ItemEvidence>) -> CaseReview {
    CaseReview {
        case_id: id.into(),
        accident_at: Some(accident()),
        scene: Some(Coord::new(SCENE.0, SCENE.1, Datum::Wgs84).unwrap()),
        facts,
        vins: vec![],
        self_service: None,
        items,
    }
}

fn run(c: &CaseReview, lists: &[Checklist], earlier: &[Fingerprint]) -> ReviewReport {
    review(c, lists, earlier, now(), &ChecksPolicy::default(), sphere)
}

/// "key[vehicle/party/part]" for each requirement not done, to compare whole lists at once.
fn open(state: &ChecklistState) -> Vec<String> {
    state
        .requirements
        .iter()
        .filter(|r| r.status != Status::Done)
        .map(|r| {
            let mut s = r.key.clone();
            if let Some(v) = r.vehicle {
                s += &format!(" v{v}");
            }
            if let Some(p) = r.party {
                s += &format!(" p{p}");
            }
            if let Some(part) = &r.part {
                s += &format!(" {part}");
            }
            s
        })
        .collect()
}

fn surveyor_set() -> Vec<ItemEvidence> {
    let mut n = 0;
    let mut next = |key: &str, v: Option<usize>, p: Option<usize>, part: Option<&str>| {
        n += 1;
        photo(n, key, v, p, part, 12.0)
    };
    let mut items = vec![
        next("scene_overview_front", None, None, None),
        next("scene_overview_rear", None, None, None),
        next("contact_point", None, None, None),
        next("traffic_signals", None, None, None),
    ];
    for v in 0..2 {
        for key in ["front_45_with_plate", "rear_45_with_plate", "vin_plate", "driver_with_vehicle"] {
            items.push(next(key, Some(v), None, None));
        }
    }
    for (v, part) in [(0, "front_bumper"), (1, "rear_bumper"), (1, "tailgate")] {
        items.push(next("damage_far", Some(v), None, Some(part)));
        items.push(next("damage_close", Some(v), None, Some(part)));
    }
    for v in 0..2 {
        for key in ["driver_licence", "driver_licence", "vehicle_licence", "vehicle_licence"] {
            items.push(next(key, Some(v), None, None));
        }
    }
    items.push(next("id_card", None, Some(0), None));
    items.push(next("id_card", None, Some(0), None));
    items.push(next("bank_details", None, Some(0), None));
    items.push(next("claim_form", None, None, None));
    items.push(next("parties_agreement", None, None, None));
    items.push(next("compulsory_insurance", Some(1), None, None));
    items
}

#[test]
fn complete_surveyor_set_at_a_two_vehicle_accident_is_done_with_no_findings() {
    let mut c = case("C-SURVEY", two_vehicles(), surveyor_set());
    c.vins = vec!["LSVAU033612345678".into(), "LFV2A21K487654321".into()];
    let lists = [Checklist::builtin(Builtin::SurveyorTwoVehicle), Checklist::builtin(Builtin::Documents)];
    let r = run(&c, &lists, &[]);
    assert_eq!(r.case_findings, vec![]);
    assert_eq!(r.item_findings, vec![]);
    let (shots, docs) = (&r.checklists[0], &r.checklists[1]);
    // 4 scene shots + 4 per vehicle × 2 + far and close for 3 damaged parts.
    assert_eq!(shots.requirements.len(), 18);
    // Licences ×2 vehicles ×2 kinds, ID card, bank, claim form, agreement, other car's sticker.
    assert_eq!(docs.requirements.len(), 9);
    assert!(shots.complete() && docs.complete(), "{:?} {:?}", open(shots), open(docs));
    assert_eq!(docs.assumed_facts, vec![], "multi_vehicle is derived, police_attended stated");
    // Each list sees the other's items as belonging elsewhere, not as errors.
    assert_eq!(shots.unmatched.len(), 14);
    assert_eq!(docs.unmatched.len(), 18);
}

#[test]
fn surveyor_set_without_the_second_car_is_missing_exactly_its_shots() {
    let items: Vec<ItemEvidence> = surveyor_set().into_iter().filter(|i| i.vehicle != Some(1)).collect();
    let c = case("C-SURVEY", two_vehicles(), items);
    let r = run(&c, &[Checklist::builtin(Builtin::SurveyorTwoVehicle), Checklist::builtin(Builtin::Documents)], &[]);
    assert_eq!(
        open(&r.checklists[0]),
        [
            "front_45_with_plate v1",
            "rear_45_with_plate v1",
            "damage_far v1 rear_bumper",
            "damage_far v1 tailgate",
            "damage_close v1 rear_bumper",
            "damage_close v1 tailgate",
            "vin_plate v1",
            "driver_with_vehicle v1",
        ]
    );
    assert_eq!(open(&r.checklists[1]), ["driver_licence v1", "vehicle_licence v1", "compulsory_insurance v1"]);
    assert!(r.checklists[0].with_status(Status::Missing).all(|q| q.rejected.is_empty()));
}

#[test]
fn conditions_follow_the_case_facts() {
    let mut facts = two_vehicles();
    facts.flags = flags(&[("vehicles_moved", true), ("intersection", false), ("injury", true), ("police_attended", true)]);
    let r = run(&case("C", facts, vec![]), &[Checklist::builtin(Builtin::SurveyorTwoVehicle), Checklist::builtin(Builtin::Documents)], &[]);
    let keys: Vec<&str> = r.checklists[0].requirements.iter().filter(|q| q.vehicle.is_none()).map(|q| q.key.as_str()).collect();
    assert_eq!(keys, ["scene_overview_front", "scene_overview_rear", "injury"]);
    assert_eq!(r.checklists[0].assumed_facts.len(), 1);
    assert_eq!(r.checklists[0].assumed_facts[0].key, "third_party_property");
    let docs: Vec<&str> = r.checklists[1].requirements.iter().map(|q| q.key.as_str()).collect();
    assert!(docs.contains(&"police_form") && !docs.contains(&"parties_agreement"), "{docs:?}");
}

fn single_vehicle() -> CaseFacts {
    CaseFacts {
        vehicles: vec![VehicleFacts { plate: Some("沪B24680".into()), role: Role::Insured, damaged_parts: vec!["rear_bumper".into()] }],
        parties: vec![],
        flags: flags(&[("object_hit", false), ("injury", false), ("third_party_property", false), ("drivable", true)]),
    }
}

fn self_service_set(north_m: f64) -> Vec<ItemEvidence> {
    vec![
        photo(1, "front_45_with_plate", Some(0), None, None, north_m),
        photo(2, "rear_45_with_plate", Some(0), None, None, north_m),
        photo(3, "damage_far", Some(0), None, Some("rear_bumper"), north_m),
        photo(4, "damage_close", Some(0), None, Some("rear_bumper"), north_m),
        photo(5, "vin_plate", Some(0), None, None, north_m),
        photo(6, "driver_with_vehicle", Some(0), None, None, north_m),
    ]
}

#[test]
fn self_service_set_with_one_blurred_and_one_duplicated_photo() {
    let mut items = self_service_set(5.0);
    items[3].quality = vec![Rejection::Blurred];
    // The customer submitted the front shot again as the driver-with-car shot.
    items[5].sha256 = items[0].sha256.clone();
    items[5].phash = items[0].phash;
    let mut c = case("C-SELF", single_vehicle(), items);
    c.vins = vec!["LSVAU033612345678".into()];
    c.self_service = Some(SelfServiceClaim::from_case(&c.facts, Some(1800.0)));
    let r = run(&c, &[Checklist::builtin(Builtin::SelfServiceSingleVehicle)], &[]);

    assert_eq!(r.case_findings, vec![], "eligible, VIN valid");
    assert_eq!(r.item_findings.len(), 1);
    assert_eq!(r.item_findings[0].item, "item-06");
    assert_eq!(r.item_findings[0].finding.code, FindingCode::DuplicateInCase);
    assert_eq!(r.item_findings[0].finding.facts["duplicate_of"], "item-01");

    let s = &r.checklists[0];
    let done: Vec<&str> = s.with_status(Status::Done).map(|q| q.key.as_str()).collect();
    assert_eq!(done, ["front_45_with_plate", "rear_45_with_plate", "damage_far", "vin_plate"]);
    assert_eq!(s.with_status(Status::Missing).count(), 0);
    let rejected: Vec<(&str, &str, Vec<Label>)> = s
        .with_status(Status::Rejected)
        .map(|q| (q.key.as_str(), q.rejected[0].id.as_str(), q.rejected[0].reasons.clone()))
        .collect();
    assert_eq!(
        rejected,
        [
            ("damage_close", "item-04", vec![Label::new("照片模糊", "blurred")]),
            (
                "driver_with_vehicle",
                "item-06",
                vec![Label::new("与本案已有照片重复", "duplicate of an earlier photo in this case")]
            ),
        ]
    );
    let told = s.with_status(Status::Rejected).next().unwrap().describe();
    assert_eq!(told.zh, "车辆1 损失部位近景（rear_bumper）：还需1张（未通过：照片模糊）");
    assert_eq!(told.en, "Vehicle 1: Damaged part, close-up (rear_bumper): 1 more needed (not accepted: blurred)");
}

#[test]
fn self_service_set_photographed_two_kilometres_away_counts_nothing() {
    let c = case("C-FAR", single_vehicle(), self_service_set(2000.0));
    let r = run(&c, &[Checklist::builtin(Builtin::SelfServiceSingleVehicle)], &[]);
    // Each photo: EXIF GPS and device fix both 2 km out.
    assert_eq!(r.item_findings.len(), 12);
    assert!(r.item_findings.iter().all(|f| f.finding.code == FindingCode::FarFromScene));
    for f in &r.item_findings {
        let d = f.finding.facts["distance_m"].as_f64().unwrap();
        assert!((d - 2000.0).abs() < 1.0, "{d}");
    }
    let s = &r.checklists[0];
    assert_eq!(s.with_status(Status::Rejected).count(), 6);
    assert_eq!(s.with_status(Status::Done).count(), 0);
    let q = &s.requirements[0];
    assert_eq!(q.rejected[0].reasons, vec![Label::new("在距现场2.0公里处拍摄", "taken 2.0 km from the scene")]);
}

#[test]
fn photo_reused_from_an_earlier_case_is_rejected_and_a_similar_one_only_reported() {
    let mut items = self_service_set(5.0);
    let earlier = vec![
        Fingerprint { item: "old-3".into(), case: "C-2025-0917".into(), sha256: items[2].sha256.to_uppercase(), phash: Some(1) },
        Fingerprint { item: "old-9".into(), case: "C-2025-0917".into(), sha256: "00".into(), phash: Some(items[4].phash.unwrap() ^ 0b101) },
    ];
    items[4].sha256 = "ff".repeat(32);
    let r = run(&case("C-REUSE", single_vehicle(), items), &[Checklist::builtin(Builtin::SelfServiceSingleVehicle)], &earlier);
    let found: Vec<(&str, FindingCode)> = r.item_findings.iter().map(|f| (f.item.as_str(), f.finding.code)).collect();
    assert_eq!(
        found,
        [("item-03", FindingCode::ReusedFromEarlierCase), ("item-05", FindingCode::SimilarToEarlierCase)]
    );
    assert_eq!(r.item_findings[0].finding.facts["earlier_case"], "C-2025-0917");
    assert_eq!(r.item_findings[1].finding.facts["hamming_distance"], 2);
    assert_eq!(open(&r.checklists[0]), ["damage_far v0 rear_bumper"]);
    assert_eq!(
        r.checklists[0].requirements[2].rejected[0].reasons,
        vec![Label::new("与其他案件的照片重复", "duplicate of a photo from another case")]
    );
}

#[test]
fn case_with_no_accident_time_says_so_once_and_still_checks_the_rest() {
    let mut items = self_service_set(5.0);
    items[1].clocks = CaptureClocks::default();
    items[2].clocks.exif = Some(now() + Duration::hours(3));
    let mut c = case("C-NOTIME", single_vehicle(), items);
    c.accident_at = None;
    let r = run(&c, &[Checklist::builtin(Builtin::SelfServiceSingleVehicle)], &[]);
    let case_codes: Vec<FindingCode> = r.case_findings.iter().map(|f| f.code).collect();
    assert_eq!(case_codes, [FindingCode::AccidentTimeMissing]);
    let found: Vec<(&str, FindingCode)> = r.item_findings.iter().map(|f| (f.item.as_str(), f.finding.code)).collect();
    assert_eq!(
        found,
        [
            ("item-02", FindingCode::CaptureTimeMissing),
            ("item-03", FindingCode::CapturedInFuture),
            ("item-03", FindingCode::ClockDisagreement),
            ("item-03", FindingCode::ClockDisagreement),
        ]
    );
    assert_eq!(open(&r.checklists[0]), ["rear_45_with_plate v0", "damage_far v0 rear_bumper"]);
    assert_eq!(r.checklists[0].requirements[1].rejected[0].reasons, vec![Rejection::NoTime.words()]);
}

#[test]
fn case_file_without_accident_time_parses_and_unknown_fields_are_refused() {
    let json = serde_json::json!({
        "case_id": "C-JSON",
        "scene": {"lat": SCENE.0, "lon": SCENE.1, "datum": "wgs84"},
        "facts": {"vehicles": [{"damaged_parts": ["door"]}]},
        "items": []
    });
    let c: CaseReview = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(c.accident_at, None);
    let mut bad = json;
    bad["facts"]["vehicle"] = serde_json::json!([]);
    let err = serde_json::from_value::<CaseReview>(bad).unwrap_err();
    assert!(err.to_string().contains("unknown field `vehicle`"), "{err}");
}

#[test]
fn ineligible_self_service_claim_gives_reasons_as_findings() {
    let mut facts = single_vehicle();
    facts.flags.insert("injury".into(), true);
    let mut c = case("C-INELIGIBLE", facts, self_service_set(5.0));
    c.self_service = Some(SelfServiceClaim::from_case(&c.facts, Some(7300.0)));
    let r = run(&c, &[Checklist::builtin(Builtin::SelfServiceSingleVehicle)], &[]);
    let rules: Vec<&str> = r.case_findings.iter().map(|f| f.facts["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["injury", "estimate_over_limit"]);
}
