//! Each pure check on its own: VIN, capture-time window, scene distance, duplicates, eligibility, policy file.

use chrono::{DateTime, TimeZone, Utc};
use kancha_core::checks::clock::{check_capture_time, CaptureClocks};
use kancha_core::checks::distance::{check_scene_distance, far_from_scene, LocationSource, PhotoLocation};
use kancha_core::checks::duplicates::{find_duplicates, hamming, Fingerprint};
use kancha_core::checks::eligibility::{check_self_service, Ineligible, SelfServiceClaim};
use kancha_core::checks::vin::{check_digit, check_vin};
use kancha_core::checks::{ChecksPolicy, FindingCode, PolicyError, Severity};
use kancha_core::geo::{Coord, Datum};

fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, h, m, s).unwrap()
}

fn codes(f: &[kancha_core::checks::Finding]) -> Vec<FindingCode> {
    f.iter().map(|f| f.code).collect()
}

/// Great-circle metres between two coordinates of one datum; refuses mixed datums as geo's real function must convert.
fn sphere(a: &Coord, b: &Coord) -> Result<f64, String> {
    if a.datum() != b.datum() {
        return Err(format!("{} vs {}", a.datum(), b.datum()));
    }
    let (p1, p2) = (a.lat().to_radians(), b.lat().to_radians());
    let dp = p2 - p1;
    let dl = (b.lon() - a.lon()).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    Ok(2.0 * 6_371_008.8 * h.sqrt().asin())
}

// ---- VIN ----

#[test]
fn known_valid_vins_pass_including_chinese_ones() {
    for vin in ["1M8GDM9AXKP042788", "1HGCM82633A004352", "LSVAU033612345678", "LFV2A21K487654321"] {
        assert_eq!(check_vin(vin), vec![], "{vin}");
    }
    assert_eq!(check_digit("1M8GDM9AXKP042788"), Some('X'));
    assert_eq!(check_digit("LSVAU033012345678"), Some('6'));
}

#[test]
fn vin_with_wrong_check_digit_reports_expected_and_found() {
    let f = check_vin("LSVAU033712345678");
    assert_eq!(codes(&f), [FindingCode::VinCheckDigitMismatch]);
    assert_eq!(f[0].facts["expected"], "6");
    assert_eq!(f[0].facts["found"], "7");
}

#[test]
fn lowercase_and_blanks_are_normalised_before_checking() {
    assert_eq!(check_vin("  lsvau033612345678 "), vec![]);
}

#[test]
fn vin_with_letter_o_is_forbidden_and_check_digit_not_guessed() {
    let f = check_vin("LSVAU0336123456O8");
    assert_eq!(codes(&f), [FindingCode::VinForbiddenCharacter]);
    assert_eq!(f[0].facts["positions"], serde_json::json!([16]));
    assert_eq!(f[0].facts["characters"], serde_json::json!(["O"]));
}

#[test]
fn short_vin_reports_its_length() {
    let f = check_vin("LSVAU03361234567");
    assert_eq!(codes(&f), [FindingCode::VinWrongLength]);
    assert_eq!(f[0].facts["length"], 16);
}

// ---- clocks ----

#[test]
fn consistent_clocks_inside_the_window_give_no_finding() {
    let p = ChecksPolicy::default().clock;
    let t = at(10, 20, 0);
    let c = CaptureClocks { exif: Some(t), device: Some(at(10, 20, 30)), gps: Some(at(10, 19, 55)) };
    assert_eq!(check_capture_time(&c, Some(at(10, 0, 0)), at(11, 0, 0), &p), vec![]);
}

#[test]
fn photo_from_three_hours_before_the_accident_is_flagged_with_the_numbers() {
    let p = ChecksPolicy::default().clock;
    let c = CaptureClocks { exif: Some(at(7, 0, 0)), device: None, gps: None };
    let f = check_capture_time(&c, Some(at(10, 0, 0)), at(11, 0, 0), &p);
    assert_eq!(codes(&f), [FindingCode::CapturedBeforeAccident]);
    assert_eq!(f[0].severity, Severity::Critical);
    assert_eq!(f[0].facts["seconds_before_accident"], 3 * 3600);
    assert_eq!(f[0].facts["clock"], "exif");
    assert_eq!(f[0].facts["tolerance_s"], 1800);
}

#[test]
fn photo_just_inside_the_tolerance_before_the_accident_passes() {
    let p = ChecksPolicy::default().clock;
    let c = CaptureClocks { exif: None, device: Some(at(9, 31, 0)), gps: None };
    assert_eq!(check_capture_time(&c, Some(at(10, 0, 0)), at(11, 0, 0), &p), vec![]);
}

#[test]
fn capture_time_after_now_is_flagged() {
    let p = ChecksPolicy::default().clock;
    let c = CaptureClocks { exif: None, device: None, gps: Some(at(12, 0, 0)) };
    let f = check_capture_time(&c, Some(at(10, 0, 0)), at(11, 0, 0), &p);
    assert_eq!(codes(&f), [FindingCode::CapturedInFuture]);
    assert_eq!(f[0].facts["seconds_after_now"], 3600);
}

#[test]
fn exif_clock_set_back_disagrees_with_gps_and_device() {
    let p = ChecksPolicy::default().clock;
    let c = CaptureClocks { exif: Some(at(10, 10, 0)), device: Some(at(10, 30, 0)), gps: Some(at(10, 30, 20)) };
    let f = check_capture_time(&c, Some(at(10, 0, 0)), at(11, 0, 0), &p);
    assert_eq!(codes(&f), [FindingCode::ClockDisagreement, FindingCode::ClockDisagreement]);
    assert_eq!(f[0].facts["clocks"], serde_json::json!(["exif", "device"]));
    assert_eq!(f[0].facts["difference_s"], 1200);
    assert_eq!(f[1].facts["clocks"], serde_json::json!(["exif", "gps"]));
    assert_eq!(f[1].facts["difference_s"], 1220);
}

#[test]
fn no_clock_at_all_and_no_accident_time_are_both_explicit() {
    let p = ChecksPolicy::default().clock;
    let f = check_capture_time(&CaptureClocks::default(), None, at(11, 0, 0), &p);
    assert_eq!(codes(&f), [FindingCode::CaptureTimeMissing, FindingCode::AccidentTimeMissing]);
}

// ---- distance ----

fn scene() -> Coord {
    Coord::new(31.2304, 121.4737, Datum::Wgs84).unwrap()
}

fn loc(source: LocationSource, lat: f64, lon: f64, mock: bool) -> PhotoLocation {
    PhotoLocation { source, coord: Coord::new(lat, lon, Datum::Wgs84).unwrap(), accuracy_m: Some(15.0), mock }
}

#[test]
fn photo_two_kilometres_north_is_far_from_the_scene() {
    let p = ChecksPolicy::default().scene;
    let f = check_scene_distance(&[loc(LocationSource::ExifGps, 31.2484, 121.4737, false)], &scene(), sphere, &p);
    assert_eq!(codes(&f), [FindingCode::FarFromScene]);
    let d = f[0].facts["distance_m"].as_f64().unwrap();
    assert!((d - 2001.5).abs() < 1.0, "{d}");
    assert_eq!(f[0].facts["radius_m"], 500.0);
    assert!(f[0].message.contains("2.0 km"), "{}", f[0].message);
}

#[test]
fn accuracy_widens_the_fence_only_up_to_the_cap() {
    let p = ChecksPolicy::default().scene;
    assert!(far_from_scene(LocationSource::DeviceFix, 580.0, Some(90.0), &p).is_none());
    let f = far_from_scene(LocationSource::DeviceFix, 620.0, Some(5000.0), &p).unwrap();
    assert_eq!(f.facts["accuracy_credit_m"], 100.0);
}

#[test]
fn no_location_and_mock_location_are_findings() {
    let p = ChecksPolicy::default().scene;
    assert_eq!(codes(&check_scene_distance(&[], &scene(), sphere, &p)), [FindingCode::LocationMissing]);
    let f = check_scene_distance(&[loc(LocationSource::DeviceFix, 31.2305, 121.4737, true)], &scene(), sphere, &p);
    assert_eq!(codes(&f), [FindingCode::MockLocation]);
}

#[test]
fn exif_and_device_far_apart_disagree() {
    let p = ChecksPolicy::default().scene;
    let locs = [
        loc(LocationSource::ExifGps, 31.2304, 121.4737, false),
        loc(LocationSource::DeviceFix, 31.2340, 121.4737, false),
    ];
    let f = check_scene_distance(&locs, &scene(), sphere, &p);
    assert_eq!(codes(&f), [FindingCode::LocationDisagreement]);
    assert!((f[0].facts["distance_m"].as_f64().unwrap() - 400.3).abs() < 1.0);
}

#[test]
fn distance_refused_for_mixed_datums_is_reported_not_guessed() {
    let p = ChecksPolicy::default().scene;
    let gcj = Coord::new(31.2284, 121.4781, Datum::Gcj02).unwrap();
    let f = check_scene_distance(&[loc(LocationSource::ExifGps, 31.2304, 121.4737, false)], &gcj, sphere, &p);
    assert_eq!(codes(&f), [FindingCode::DistanceUnavailable]);
    assert_eq!(f[0].facts["other_datum"], "gcj02");
}

// ---- duplicates ----

fn fp(item: &str, case: &str, sha: &str, phash: u64) -> Fingerprint {
    Fingerprint { item: item.into(), case: case.into(), sha256: sha.into(), phash: Some(phash) }
}

#[test]
fn same_bytes_in_a_case_flag_the_later_item_only() {
    let p = ChecksPolicy::default().duplicates;
    let items = [fp("a", "C1", "AA11", 0x0f0f), fp("b", "C1", "bb22", 0xffff_0000_0000), fp("c", "C1", "aa11", 0x0f0f)];
    let f = find_duplicates(&items, &[], &p);
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].item.as_str(), f[0].finding.code), ("c", FindingCode::DuplicateInCase));
    assert_eq!(f[0].finding.facts["duplicate_of"], "a");
}

#[test]
fn near_identical_hash_within_threshold_is_similar_and_beyond_is_not() {
    let p = ChecksPolicy::default().duplicates;
    let base = 0x1234_5678_9abc_def0u64;
    let six = base ^ 0b11_1111;
    let seven = base ^ 0b111_1111 << 20;
    assert_eq!((hamming(base, six), hamming(base, seven)), (6, 7));
    let items = [fp("a", "C1", "01", base), fp("b", "C1", "02", six), fp("c", "C1", "03", seven)];
    let f = find_duplicates(&items, &[], &p);
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].item.as_str(), f[0].finding.code), ("b", FindingCode::SimilarInCase));
    assert_eq!(f[0].finding.facts["hamming_distance"], 6);
}

#[test]
fn photo_reused_from_an_earlier_case_is_critical() {
    let p = ChecksPolicy::default().duplicates;
    let earlier = [fp("old-7", "C0", "beef", 1), fp("mine", "C1", "cafe", 2)];
    let f = find_duplicates(&[fp("x", "C1", "BEEF", 99), fp("y", "C1", "cafe", 0xf0f0_f0f0)], &earlier, &p);
    assert_eq!(f.len(), 1, "an entry of the same case in `earlier` is ignored: {f:?}");
    assert_eq!(f[0].finding.code, FindingCode::ReusedFromEarlierCase);
    assert_eq!(f[0].finding.severity, Severity::Critical);
    assert_eq!(f[0].finding.facts["earlier_case"], "C0");
    assert_eq!(f[0].finding.facts["earlier_item"], "old-7");
}

// ---- eligibility ----

fn claim() -> SelfServiceClaim {
    SelfServiceClaim { vehicles: 1, injury: false, third_party_property: false, drivable: true, estimate_yuan: Some(1800.0) }
}

#[test]
fn minor_single_vehicle_claim_is_eligible() {
    assert_eq!(check_self_service(&claim(), &ChecksPolicy::default().self_service), vec![]);
}

#[test]
fn every_broken_rule_is_a_reason_with_words() {
    let p = ChecksPolicy::default().self_service;
    let c = SelfServiceClaim { vehicles: 2, injury: true, third_party_property: true, drivable: false, estimate_yuan: Some(6200.0) };
    let r = check_self_service(&c, &p);
    assert_eq!(
        r,
        [
            Ineligible::TooManyVehicles { vehicles: 2, max: 1 },
            Ineligible::Injury,
            Ineligible::ThirdPartyProperty,
            Ineligible::NotDrivable,
            Ineligible::EstimateOverLimit { estimate_yuan: 6200.0, limit_yuan: 5000.0 }
        ]
    );
    assert_eq!(r[4].words().zh, "估损6200元，超过自助理赔上限5000元");
    let f = r[4].finding();
    assert_eq!((f.code, f.facts["rule"].as_str()), (FindingCode::SelfServiceIneligible, Some("estimate_over_limit")));
}

#[test]
fn limit_comes_from_the_policy_and_a_missing_estimate_is_a_reason() {
    let mut p = ChecksPolicy::default().self_service;
    p.max_estimate_yuan = 1000.0;
    assert_eq!(check_self_service(&claim(), &p).len(), 1);
    let c = SelfServiceClaim { estimate_yuan: None, ..claim() };
    assert_eq!(check_self_service(&c, &ChecksPolicy::default().self_service), [Ineligible::EstimateMissing]);
}

// ---- policy file ----

#[test]
fn shipped_policy_has_the_documented_defaults() {
    let p = ChecksPolicy::default();
    assert_eq!((p.format, p.scene.radius_m, p.self_service.max_estimate_yuan), (1, 500.0, 5000.0));
    assert!(p.review.rejecting.contains(&FindingCode::FarFromScene));
}

#[test]
fn policy_with_unknown_field_or_negative_tolerance_is_refused() {
    let mut v: serde_json::Value = serde_json::to_value(ChecksPolicy::default()).unwrap();
    v["clock"]["tolerance"] = 5.into();
    assert!(matches!(ChecksPolicy::from_json(&v.to_string()), Err(PolicyError::Parse(_))));
    let mut v: serde_json::Value = serde_json::to_value(ChecksPolicy::default()).unwrap();
    v["clock"]["future_tolerance_s"] = (-5).into();
    match ChecksPolicy::from_json(&v.to_string()).unwrap_err() {
        PolicyError::OutOfRange { field, .. } => assert_eq!(field, "clock.future_tolerance_s"),
        e => panic!("{e}"),
    }
    let mut v: serde_json::Value = serde_json::to_value(ChecksPolicy::default()).unwrap();
    v["review"]["rejecting"] = serde_json::json!(["far_form_scene"]);
    assert!(ChecksPolicy::from_json(&v.to_string()).unwrap_err().to_string().contains("far_form_scene"));
}
