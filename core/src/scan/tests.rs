//! Scans of synthetic photos whose true corners are known.

use super::synth::{photograph, render_page, Shot, Surface};
use super::*;
use sha2::{Digest, Sha256};

const W: u32 = 960;
const H: u32 = 720;

fn quad(v: [f64; 8]) -> Quad {
    Quad::from_flat(&v).unwrap()
}

/// A4 pages and ID-1 cards on four surfaces, at angles, blurred, shadowed and noisy.
fn synthetic_set() -> &'static [(Shot, RgbImage)] {
    static SET: std::sync::OnceLock<Vec<(Shot, RgbImage)>> = std::sync::OnceLock::new();
    SET.get_or_init(render_set)
}

fn render_set() -> Vec<(Shot, RgbImage)> {
    let a4 = render_page(420, 594, 1);
    let card = render_page(428, 270, 2);
    let shots = [
        (&a4, [300.0, 90.0, 640.0, 110.0, 680.0, 620.0, 270.0, 600.0], Surface::Wood, 1.0, 0.0, 4.0),
        (&a4, [380.0, 60.0, 700.0, 150.0, 570.0, 640.0, 240.0, 560.0], Surface::DarkDesk, 1.5, 0.4, 3.0),
        (&a4, [330.0, 120.0, 610.0, 100.0, 700.0, 660.0, 250.0, 680.0], Surface::GreyCloth, 1.2, 0.0, 6.0),
        (&a4, [250.0, 130.0, 580.0, 70.0, 680.0, 560.0, 330.0, 640.0], Surface::Clutter, 2.0, 0.3, 4.0),
        (&card, [200.0, 200.0, 760.0, 230.0, 740.0, 560.0, 190.0, 530.0], Surface::Wood, 1.0, 0.0, 4.0),
        (&card, [260.0, 120.0, 760.0, 370.0, 600.0, 650.0, 120.0, 400.0], Surface::DarkDesk, 1.0, 0.0, 8.0),
        (&card, [230.0, 250.0, 730.0, 210.0, 800.0, 560.0, 160.0, 580.0], Surface::GreyCloth, 1.4, 0.5, 4.0),
        (&card, [170.0, 190.0, 700.0, 160.0, 760.0, 500.0, 220.0, 540.0], Surface::Clutter, 1.2, 0.0, 5.0),
        (&a4, [320.0, 80.0, 660.0, 80.0, 690.0, 640.0, 290.0, 640.0], Surface::Wood, 2.5, 0.6, 4.0),
        (&card, [480.0, 90.0, 800.0, 400.0, 560.0, 640.0, 230.0, 330.0], Surface::DarkDesk, 1.0, 0.2, 4.0),
    ];
    shots
        .iter()
        .enumerate()
        .map(|(i, (page, c, surface, blur, shadow, noise))| {
            let shot = Shot {
                width: W,
                height: H,
                corners: Some(quad(*c)),
                surface: *surface,
                blur: *blur,
                shadow: *shadow,
                noise: *noise,
                glare: false,
                seed: 100 + i as u64,
            };
            let photo = photograph(page, &shot);
            (shot, photo)
        })
        .collect()
}

/// Mean corner distance between two outlines, allowing the starting corner to differ.
fn corner_error(found: &Quad, truth: &Quad) -> f64 {
    let t = truth.ordered();
    (0..4)
        .map(|shift| (0..4).map(|i| found.0[i].dist(t.0[(i + shift) % 4])).sum::<f64>() / 4.0)
        .fold(f64::INFINITY, f64::min)
}

#[test]
fn detected_corners_are_within_1_5_percent_of_the_page_diagonal() {
    let mut errors = Vec::new();
    for (i, (shot, photo)) in synthetic_set().iter().enumerate() {
        let truth = shot.corners.unwrap();
        let d = detect::find_page(photo, 0.5).unwrap_or_else(|e| panic!("photo {i}: {e}"));
        let rel = corner_error(&d.corners, &truth) / truth.diagonal();
        eprintln!("photo {i}: error {:.3} % of diagonal, confidence {:.2}", rel * 100.0, d.confidence);
        errors.push(rel);
    }
    let mean = errors.iter().sum::<f64>() / errors.len() as f64;
    eprintln!("mean corner error {:.3} % of the page diagonal", mean * 100.0);
    assert!(mean <= 0.015, "mean corner error {:.2} %", mean * 100.0);
}

fn bare_surface(surface: Surface, seed: u64) -> RgbImage {
    let page = render_page(16, 16, 0);
    photograph(&page, &Shot { width: W, height: H, corners: None, surface, blur: 1.0, shadow: 0.3, noise: 5.0, glare: false, seed })
}

#[test]
fn a_photo_with_no_page_is_refused_not_guessed() {
    for (i, surface) in [Surface::Wood, Surface::DarkDesk, Surface::GreyCloth, Surface::Clutter].into_iter().enumerate() {
        let photo = bare_surface(surface, 7 + i as u64);
        let err = scan_image(&photo, &ScanRequest::default(), Catalogue::builtin()).unwrap_err();
        assert!(matches!(err, ScanError::NoPageFound { .. }), "{surface:?}: {err}");
        assert!(err.retake_may_help());
    }
}

fn card_shot(corners: [f64; 8], blur: f32, glare: bool) -> (Quad, RgbImage) {
    let card = render_page(856, 540, 3);
    let q = quad(corners);
    let shot = Shot { width: W, height: H, corners: Some(q), surface: Surface::DarkDesk, blur, shadow: 0.0, noise: 3.0, glare, seed: 5 };
    (q, photograph(&card, &shot))
}

const CARD: [f64; 8] = [120.0, 130.0, 850.0, 150.0, 830.0, 600.0, 110.0, 590.0];

fn codes(scan: &Scan) -> Vec<crate::checks::FindingCode> {
    scan.verdict.findings.iter().map(|f| f.code).collect()
}

#[test]
fn a_claim_form_becomes_a_black_and_white_a4_png_with_its_hash() {
    let (shot, photo) = &synthetic_set()[0];
    let req = ScanRequest { doc_type: Some(DocType::ClaimForm), ..Default::default() };
    let scan = scan_image(photo, &req, Catalogue::builtin()).unwrap();
    assert_eq!((scan.width, scan.height), (1654, 2339));
    assert_eq!(scan.media_type, "image/png");
    assert_eq!(scan.sha256, hex::encode(Sha256::digest(&scan.image)));
    assert_eq!(scan.corner_source, CornerSource::Detected);
    assert!(corner_error(&scan.corners, &shot.corners.unwrap()) < 3.0);
    let page = image::load_from_memory(&scan.image).unwrap().into_luma8();
    let white = page.as_raw().iter().filter(|&&v| v == 255).count() as f64 / page.as_raw().len() as f64;
    let other = page.as_raw().iter().filter(|&&v| v != 0 && v != 255).count();
    assert_eq!(other, 0, "black and white only");
    assert!(white > 0.7 && white < 0.99, "white share {white}");
}

#[test]
fn a_sharp_licence_keeps_its_colour_at_id1_size_and_is_accepted() {
    let (_, photo) = card_shot(CARD, 1.0, false);
    let req = ScanRequest { doc_type: Some(DocType::DriverLicence), ..Default::default() };
    let scan = scan_image(&photo, &req, Catalogue::builtin()).unwrap();
    assert_eq!((scan.width, scan.height, scan.media_type.as_str()), (1011, 638, "image/jpeg"));
    assert!(scan.verdict.accepted, "{:?}", scan.verdict);
    let page = image::load_from_memory(&scan.image).unwrap().into_rgb8();
    // The red stamp ring stays red (75 % across, near the bottom).
    let red = page.pixels().filter(|p| p.0[0] > 150 && p.0[1] < 110 && p.0[2] < 110).count();
    assert!(red > 200, "{red} red pixels");
}

#[test]
fn a_blurred_licence_is_refused_as_blurred() {
    let (_, photo) = card_shot(CARD, 4.0, false);
    let req = ScanRequest { doc_type: Some(DocType::DriverLicence), ..Default::default() };
    let scan = scan_image(&photo, &req, Catalogue::builtin()).unwrap();
    assert!(!scan.verdict.accepted);
    assert!(codes(&scan).contains(&crate::checks::FindingCode::ScanBlurred), "{:?}", scan.verdict);
}

#[test]
fn glare_over_the_card_is_reported() {
    let (_, photo) = card_shot(CARD, 1.0, true);
    let req = ScanRequest { doc_type: Some(DocType::VehicleLicence), ..Default::default() };
    let scan = scan_image(&photo, &req, Catalogue::builtin()).unwrap();
    assert!(codes(&scan).contains(&crate::checks::FindingCode::ScanGlare), "{:?}", scan.verdict);
    assert!(!scan.verdict.accepted);
}

#[test]
fn a_card_far_away_is_too_small() {
    let (_, photo) = card_shot([400.0, 300.0, 640.0, 305.0, 636.0, 455.0, 398.0, 452.0], 1.0, false);
    let req = ScanRequest { doc_type: Some(DocType::IdCard), ..Default::default() };
    let scan = scan_image(&photo, &req, Catalogue::builtin()).unwrap();
    assert!(codes(&scan).contains(&crate::checks::FindingCode::ScanTooSmall), "{:?}", scan.verdict);
}

#[test]
fn a_card_seen_at_a_steep_angle_is_too_skewed() {
    let (_, photo) = card_shot([330.0, 200.0, 630.0, 200.0, 900.0, 620.0, 60.0, 620.0], 1.0, false);
    let req = ScanRequest { doc_type: Some(DocType::BankCard), ..Default::default() };
    let scan = scan_image(&photo, &req, Catalogue::builtin()).unwrap();
    assert!(codes(&scan).contains(&crate::checks::FindingCode::ScanTooSkewed), "{:?}", scan.verdict);
}

#[test]
fn platform_corners_a_little_off_are_fitted_to_the_page() {
    let (truth, photo) = card_shot(CARD, 1.0, false);
    let off = quad([128.0, 124.0, 842.0, 158.0, 838.0, 594.0, 104.0, 598.0]);
    let req = ScanRequest { doc_type: Some(DocType::IdCard), corners: Some(off), ..Default::default() };
    let scan = scan_image(&photo, &req, Catalogue::builtin()).unwrap();
    assert_eq!(scan.corner_source, CornerSource::Refined);
    assert!(corner_error(&scan.corners, &truth) < 1.0, "{:?}", scan.corners);
    let exact = ScanRequest { exact_corners: true, ..req };
    let kept = scan_image(&photo, &exact, Catalogue::builtin()).unwrap();
    assert_eq!((kept.corner_source, kept.corners), (CornerSource::Given, off));
}

#[test]
fn bad_corners_are_refused_with_their_reason() {
    let (_, photo) = card_shot(CARD, 1.0, false);
    let run = |v: [f64; 8]| {
        let req = ScanRequest { corners: Some(quad(v)), ..Default::default() };
        scan_image(&photo, &req, Catalogue::builtin()).unwrap_err()
    };
    assert!(matches!(run([120.0, 130.0, 850.0, 150.0, 830.0, 900.0, 110.0, 590.0]), ScanError::CornerOutsideImage { index: 3, .. }));
    assert!(matches!(run([120.0, 130.0, 830.0, 600.0, 850.0, 150.0, 110.0, 590.0]), ScanError::SelfCrossingCorners));
    assert!(matches!(run([120.0, 130.0, 121.0, 131.0, 830.0, 600.0, 110.0, 590.0]), ScanError::DegenerateCorners(_)));
    assert!(matches!(run([100.0, 100.0, 500.0, 100.0, 900.0, 100.0, 500.0, 600.0]), ScanError::DegenerateCorners(_)));
}

#[test]
fn a_tiny_image_is_refused() {
    let tiny = RgbImage::from_pixel(150, 100, image::Rgb([200, 200, 200]));
    let err = scan_image(&tiny, &ScanRequest::default(), Catalogue::builtin()).unwrap_err();
    assert!(matches!(err, ScanError::ImageTooSmall { width: 150, height: 100, .. }), "{err}");
    let not_an_image = scan_photo(b"not a photo", &ScanRequest::default()).unwrap_err();
    assert!(matches!(not_an_image, ScanError::Undecodable(_)));
}

mod filing {
    use super::*;
    use crate::capture::{capture_photo, CaptureConfig, DeviceContext};
    use crate::case::NewCase;
    use crate::evidence::ItemKind;
    use crate::store::Store;
    use file::{file_scan, FileScanError};

    fn jpeg(img: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92).encode_image(img).unwrap();
        out
    }

    #[test]
    fn a_filed_scan_is_a_derived_item_linked_to_its_untouched_photo() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let case = store.create_case(NewCase { report_no: "RPT-SCAN-1".into(), ..Default::default() }).unwrap();
        let (_, photo) = card_shot(CARD, 1.0, false);
        let bytes = jpeg(&photo);
        let device = DeviceContext { clock: chrono::Utc::now(), fix: None };
        let cfg = CaptureConfig::default();
        let original = capture_photo(&store, &case.id, "driver_licence", &bytes, &device, &cfg).unwrap().item;

        let req = ScanRequest { doc_type: Some(DocType::DriverLicence), ..Default::default() };
        let filed = file_scan(&store, &original.id, None, &req, &device, &cfg).unwrap();
        assert!(filed.created);
        let item = store.item(&filed.item.id).unwrap();
        assert_eq!(item.kind, ItemKind::Scan);
        assert_eq!(item.shot, "driver_licence");
        assert_eq!(item.case_id, case.id);
        assert_eq!(item.derived_from.as_deref(), Some(original.id.as_str()));
        assert_eq!(item.sha256, filed.scan.sha256);
        assert_ne!(item.sha256, original.sha256);
        assert_eq!(filed.scan.original_sha256.as_deref(), Some(original.sha256.as_str()));
        assert_eq!(store.read_blob(&item.sha256).unwrap(), filed.scan.image);
        assert_eq!((item.width, item.height, item.media_type.as_str()), (1011, 638, "image/jpeg"));
        let record = item.scan.expect("scan facts stored with the item");
        assert_eq!(record.doc_type, Some(DocType::DriverLicence));
        assert!(corner_error(&record.corners, &quad(CARD)) < 2.0);
        // The original is still there, byte for byte.
        assert_eq!(store.read_blob(&original.sha256).unwrap(), bytes);

        // Filing the same scan again gives the same item; scanning a scan is refused.
        let again = file_scan(&store, &original.id, None, &req, &device, &cfg).unwrap();
        assert!(!again.created);
        assert_eq!(again.item.id, filed.item.id);
        let err = file_scan(&store, &filed.item.id, None, &req, &device, &cfg).unwrap_err();
        assert!(matches!(err, FileScanError::NotAPhoto(_)), "{err}");
        assert_eq!(store.items(&case.id).unwrap().len(), 2);
    }

    #[test]
    fn a_photo_without_a_page_files_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let case = store.create_case(NewCase { report_no: "RPT-SCAN-2".into(), ..Default::default() }).unwrap();
        let bytes = jpeg(&bare_surface(Surface::Wood, 3));
        let device = DeviceContext { clock: chrono::Utc::now(), fix: None };
        let cfg = CaptureConfig::default();
        let original = capture_photo(&store, &case.id, "claim_form", &bytes, &device, &cfg).unwrap().item;
        let err = file_scan(&store, &original.id, Some("claim_form"), &ScanRequest::default(), &device, &cfg).unwrap_err();
        assert!(matches!(err, FileScanError::Scan(ScanError::NoPageFound { .. })), "{err}");
        assert!(!err.is_retryable());
        assert_eq!(store.items(&case.id).unwrap().len(), 1);
        let missing = file_scan(&store, "no-such-item", None, &ScanRequest::default(), &device, &cfg).unwrap_err();
        assert!(matches!(missing, FileScanError::Store(_)), "{missing}");
    }

    #[test]
    fn a_filed_bank_card_scan_ticks_bank_details_and_a_licence_scan_does_not() {
        use crate::checklist::{Builtin, CapturedItem, CaseFacts, Checklist, ChecklistState, Status, VehicleFacts};
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let case = store.create_case(NewCase { report_no: "RPT-SCAN-3".into(), ..Default::default() }).unwrap();
        let (_, photo) = card_shot(CARD, 1.0, false);
        let device = DeviceContext { clock: chrono::Utc::now(), fix: None };
        let cfg = CaptureConfig::default();
        // The photo itself is filed under a key no checklist has, so only scans can tick items.
        let original = capture_photo(&store, &case.id, "card_photo", &jpeg(&photo), &device, &cfg).unwrap().item;
        let facts = CaseFacts { vehicles: vec![VehicleFacts::default()], ..Default::default() };
        let list = Checklist::builtin(Builtin::Documents);
        let state = || {
            let captured: Vec<CapturedItem> = store
                .items(&case.id)
                .unwrap()
                .iter()
                .map(|i| {
                    let e = crate::checks::stored::item_evidence(i);
                    CapturedItem { id: e.id, key: e.key, vehicle: e.vehicle, party: e.party, part: e.part, passed: e.quality.is_empty(), reasons: vec![] }
                })
                .collect();
            ChecklistState::compute(&list, &facts, &captured)
        };
        let status = |st: &ChecklistState, key: &str| st.requirements.iter().find(|r| r.key == key).map(|r| r.status);
        assert_eq!(status(&state(), "bank_details"), Some(Status::Missing));

        // A licence scan ticks the licence, not the bank details.
        let licence = ScanRequest { doc_type: Some(DocType::DriverLicence), ..Default::default() };
        file_scan(&store, &original.id, Some("driver_licence/v0"), &licence, &device, &cfg).unwrap();
        let st = state();
        let licence_v0 = st.requirements.iter().find(|r| r.key == "driver_licence" && r.vehicle == Some(0)).unwrap();
        assert_eq!(licence_v0.passed, 1, "{st:?}");
        assert_eq!(status(&st, "bank_details"), Some(Status::Missing));
        // Nor can it be filed as bank details: refused before anything is stored.
        let err = file_scan(&store, &original.id, Some("bank_details/p0"), &licence, &device, &cfg).unwrap_err();
        assert!(matches!(err, FileScanError::ShotNotForDocType { doc_type: DocType::DriverLicence, .. }), "{err}");
        assert!(err.to_string().contains("driver_licence"), "{err}");
        assert_eq!(store.items(&case.id).unwrap().len(), 2);
        assert_eq!(status(&state(), "bank_details"), Some(Status::Missing));

        // A bank-card scan (of another photo: the same photo would give the same bytes, which the
        // store keeps once) ticks bank_details, the checklist's own key for it.
        let (_, card_photo) = card_shot(CARD, 1.4, false);
        let card_original = capture_photo(&store, &case.id, "card_photo", &jpeg(&card_photo), &device, &cfg).unwrap().item;
        let card = ScanRequest { doc_type: Some(DocType::BankCard), ..Default::default() };
        let filed = file_scan(&store, &card_original.id, Some("bank_details/p0"), &card, &device, &cfg).unwrap();
        assert!(filed.created);
        assert_eq!(filed.item.shot, "bank_details/p0");
        let st = state();
        assert_eq!(status(&st, "bank_details"), Some(Status::Done));
        assert_eq!(status(&st, "id_card"), Some(Status::Missing), "a bank card is not an ID card");
        assert!(st.unmatched.iter().all(|u| u.key == "card_photo"), "{:?}", st.unmatched);
    }
}
