//! Capture reads back exactly what the sample generator wrote, judges quality, and refuses bad input.

use chrono::{DateTime, Duration, Utc};
use kancha_core::capture::{self, CaptureConfig, CaptureError, QualityReason, TimeSource};
use kancha_core::checks::FindingCode;
use kancha_core::sample::{self, ExifSpec, PhotoSpec, Scene};
use sha2::{Digest, Sha256};

fn sample_named(name: &str) -> PhotoSpec {
    sample::standard_set().into_iter().find(|s| s.name == name).expect("sample exists").spec
}

fn codes(a: &capture::PhotoAnalysis) -> Vec<FindingCode> {
    a.findings.iter().map(|f| f.code).collect()
}

#[test]
fn exif_summary_matches_what_was_written_in_both_byte_orders() {
    for name in ["front_45.jpg", "rear_45_no_offset.jpg", "santiago_southwest.jpg"] {
        let spec = sample_named(name);
        let bytes = spec.jpeg();
        let a = capture::analyze(&bytes, &CaptureConfig::default()).unwrap();
        let want = spec.exif.as_ref().unwrap();
        let e = &a.exif;
        assert_eq!(a.sha256, hex::encode(Sha256::digest(&bytes)), "{name}");
        assert_eq!(a.size, bytes.len() as u64);
        assert_eq!((a.width, a.height), (spec.width, spec.height));
        assert_eq!(e.make, want.make);
        assert_eq!(e.model, want.model);
        assert_eq!(e.date_time_original, want.date_time_original);
        assert_eq!(e.sub_sec_time_original, want.sub_sec_time_original);
        assert_eq!(e.offset_time_original, want.offset_time_original);
        assert_eq!(e.orientation, want.orientation);
        assert_eq!(e.pixel_x_dimension, want.pixel_dimensions.map(|d| d.0));
        let g = e.gps.as_ref().expect("gps");
        let wg = want.gps.as_ref().unwrap();
        assert!((g.position.lat() - wg.lat).abs() < 1e-6, "{name}: lat {}", g.position.lat());
        assert!((g.position.lon() - wg.lon).abs() < 1e-6, "{name}: lon {}", g.position.lon());
        assert_eq!(g.position.datum(), kancha_core::geo::Datum::Wgs84);
        assert_eq!(g.altitude_m, wg.altitude_m);
        assert_eq!(g.h_positioning_error_m, wg.h_error_m);
        assert_eq!(g.img_direction_deg, wg.img_direction_deg);
        assert_eq!(e.gps_time, wg.time);
        // The instant: GPS was written 2 s before the camera time.
        let taken: DateTime<Utc> = e.captured_at.unwrap().with_timezone(&Utc);
        assert_eq!(taken, wg.time.unwrap() + Duration::seconds(2), "{name}");
        let source = if want.offset_time_original.is_some() { TimeSource::ExifOffset } else { TimeSource::AssumedZone };
        assert_eq!(e.captured_at_source, Some(source));
        assert_eq!(codes(&a).contains(&FindingCode::ExifTimeZoneAssumed), want.offset_time_original.is_none());
        assert!(a.verdict.acceptable, "{name}: {:?}", a.verdict);
    }
}

#[test]
fn offset_is_kept_in_the_rfc3339_capture_time() {
    let a = capture::analyze(&sample_named("santiago_southwest.jpg").jpeg(), &CaptureConfig::default()).unwrap();
    assert_eq!(a.exif.captured_at.unwrap().offset().local_minus_utc(), -3 * 3600);
    let a = capture::analyze(&sample_named("rear_45_no_offset.jpg").jpeg(), &CaptureConfig::default()).unwrap();
    assert_eq!(a.exif.captured_at.unwrap().offset().local_minus_utc(), 8 * 3600);
}

#[test]
fn thumbnail_applies_each_of_the_eight_orientations() {
    // Stored: red top-left, green top-right, blue bottom-left, white bottom-right.
    let (red, green, blue, white) = ([220, 30, 30], [30, 200, 30], [30, 30, 220], [240, 240, 240]);
    let expect = [
        (1, red, green),
        (2, green, red),
        (3, white, blue),
        (4, blue, white),
        (5, red, blue),
        (6, blue, red),
        (7, white, green),
        (8, green, white),
    ];
    for (o, tl, tr) in expect {
        let a = capture::analyze(&sample_named(&format!("orientation_{o}.jpg")).jpeg(), &CaptureConfig::default()).unwrap();
        let thumb = image::load_from_memory(&a.thumbnail).unwrap().into_rgb8();
        let (w, h) = thumb.dimensions();
        assert_eq!(w.max(h), 320, "orientation {o}");
        assert_eq!(w < h, o >= 5, "orientation {o} should be portrait iff 5..=8");
        assert_eq!((a.quality.width < a.quality.height), o >= 5);
        let near = |p: [u8; 3], q: [u8; 3]| p.iter().zip(q).all(|(a, b)| (*a as i32 - b as i32).abs() < 30);
        assert!(near(thumb.get_pixel(8, 8).0, tl), "orientation {o}: top-left {:?}", thumb.get_pixel(8, 8));
        assert!(near(thumb.get_pixel(w - 9, 8).0, tr), "orientation {o}: top-right {:?}", thumb.get_pixel(w - 9, 8));
    }
}

#[test]
fn quality_verdicts_name_the_reason() {
    let cfg = CaptureConfig::default();
    let verdict = |name: &str| {
        let a = capture::analyze(&sample_named(name).jpeg(), &cfg).unwrap();
        a.verdict.reasons.iter().map(|r| r.code).collect::<Vec<_>>()
    };
    assert_eq!(verdict("front_45.jpg"), vec![]);
    assert_eq!(verdict("blurred.jpg"), vec![QualityReason::Blurred]);
    assert_eq!(verdict("dark.jpg"), vec![QualityReason::TooDark]);
    assert_eq!(verdict("bright.jpg"), vec![QualityReason::TooBright]);
    assert_eq!(verdict("small_640x480.jpg"), vec![QualityReason::TooSmall]);
    let a = capture::analyze(&sample_named("blurred.jpg").jpeg(), &cfg).unwrap();
    assert!(a.verdict.reasons[0].message_zh.contains("模糊"));
    assert!(a.verdict.reasons[0].message_en.contains("blurred"));
}

#[test]
fn broken_exif_is_stored_with_findings_not_refused() {
    let cfg = CaptureConfig::default();
    let check = |name: &str, want: &[FindingCode]| {
        let a = capture::analyze(&sample_named(name).jpeg(), &cfg).unwrap_or_else(|e| panic!("{name}: {e}"));
        for code in want {
            assert!(codes(&a).contains(code), "{name}: expected {code:?} in {:?}", codes(&a));
        }
        a
    };
    check("no_exif.jpg", &[FindingCode::ExifMissing]);
    let a = check("broken_offsets.jpg", &[FindingCode::ExifUnreadable]);
    assert_eq!(a.exif.make, None, "an out-of-range value must not be read");
    let a = check("ifd_loop.jpg", &[FindingCode::ExifUnreadable]);
    assert_eq!(a.exif.make.as_deref(), Some("Kancha"), "the readable part is kept");
    let a = check("lat_over_90.jpg", &[FindingCode::ExifGpsInvalid]);
    assert!(a.exif.gps.is_none());
    check("bad_lat_ref.jpg", &[FindingCode::ExifGpsInvalid]);
    let a = check("zero_date.jpg", &[FindingCode::ExifTimeInvalid]);
    assert!(a.exif.captured_at.is_none());
    check(
        "edited.jpg",
        &[FindingCode::EditedBySoftware, FindingCode::ModifiedAfterCapture, FindingCode::DimensionMismatch],
    );
    let a = check("front_45.jpg", &[]);
    assert!(a.findings.is_empty(), "a clean photo has no findings: {:?}", a.findings);
}

#[test]
fn bad_input_gets_a_typed_error() {
    let cfg = CaptureConfig::default();
    let good = sample_named("front_45.jpg").jpeg();
    assert!(matches!(capture::analyze(&[], &cfg), Err(CaptureError::Empty)));
    assert!(matches!(capture::analyze(b"\x89PNG\r\n\x1a\n rest", &cfg), Err(CaptureError::NotJpeg)));
    let truncated = &good[..good.len() * 6 / 10];
    assert!(matches!(capture::analyze(truncated, &cfg), Err(CaptureError::Truncated(_))));
    let header_only = &good[..300];
    assert!(matches!(capture::analyze(header_only, &cfg), Err(CaptureError::Truncated(_))));
    let small = CaptureConfig { max_bytes: 1000, ..CaptureConfig::default() };
    let err = capture::analyze(&good, &small).unwrap_err();
    assert!(matches!(err, CaptureError::TooLarge { limit: 1000, .. }), "{err}");
    assert!(!err.is_retryable());
}

#[test]
fn a_huge_declared_frame_is_refused_before_decoding() {
    let mut bytes = PhotoSpec::plain(64, 48).jpeg();
    // Patch the SOF0 frame header to declare 65535×65535.
    let sof = bytes.windows(2).position(|w| w == [0xFF, 0xC0]).expect("baseline SOF");
    bytes[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
    match capture::analyze(&bytes, &CaptureConfig::default()) {
        Err(CaptureError::TooManyPixels { width: 65535, height: 65535, .. }) => {}
        other => panic!("expected TooManyPixels, got {other:?}"),
    }
}

#[test]
fn garbage_after_a_valid_header_is_undecodable_not_a_panic() {
    let good = PhotoSpec::plain(320, 240).jpeg();
    let sos = good.windows(2).rposition(|w| w == [0xFF, 0xDA]).unwrap();
    let mut bad = good[..sos + 14].to_vec();
    bad.extend(std::iter::repeat_n(0xFFu8, 50).chain([0x00, 0x12, 0x34]));
    bad.extend_from_slice(&[0xFF, 0xD9]);
    let err = capture::analyze(&bad, &CaptureConfig::default());
    assert!(err.is_err() || err.as_ref().unwrap().quality.width == 320, "never a panic: {err:?}");
}

#[test]
fn perceptual_hash_survives_reencoding_and_separates_scenes() {
    let cfg = CaptureConfig::default();
    let hash = |spec: &PhotoSpec| u64::from_str_radix(&capture::analyze(&spec.jpeg(), &cfg).unwrap().phash, 16).unwrap();
    let a = PhotoSpec::plain(1280, 960);
    let a_low = PhotoSpec { jpeg_quality: 55, ..a.clone() };
    let resized = {
        let img = image::load_from_memory(&a.jpeg()).unwrap().resize_exact(800, 600, image::imageops::FilterType::Triangle);
        let mut out = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Jpeg).unwrap();
        out
    };
    let b = a.clone().with_scene(Scene::Street { seed: 99 });
    let d = capture::phash::distance;
    assert!(d(hash(&a), hash(&a_low)) <= 4, "re-encoded copy");
    let resized_hash = u64::from_str_radix(&capture::analyze(&resized, &cfg).unwrap().phash, 16).unwrap();
    assert!(d(hash(&a), resized_hash) <= 6, "resized copy");
    assert!(d(hash(&a), hash(&b)) >= 16, "another scene");
}

#[test]
fn the_generator_is_deterministic_and_writes_exif_a_third_party_reader_accepts() {
    let spec = sample_named("front_45.jpg");
    assert_eq!(spec.jpeg(), spec.jpeg());
    let spec2 = PhotoSpec::plain(400, 300).with_exif(ExifSpec { big_endian: true, ..spec.exif.clone().unwrap() });
    let bytes = spec2.jpeg();
    let parsed = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(&bytes)).unwrap();
    assert!(parsed.get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY).is_some());
}

#[test]
fn settings_files_are_validated() {
    assert!(CaptureConfig::from_json(include_str!("../data/capture.v1.json")).is_ok());
    let bad = include_str!("../data/capture.v1.json").replace("\"version\": 1", "\"version\": 7");
    assert!(matches!(CaptureConfig::from_json(&bad), Err(CaptureError::Config(_))));
    let unknown = include_str!("../data/capture.v1.json").replace("\"max_bytes\"", "\"max_byts\"");
    assert!(matches!(CaptureConfig::from_json(&unknown), Err(CaptureError::Config(_))));
}
