//! `kancha scan` run as a developer would: a synthetic document photo in, a page and JSON out.

use kancha_core::scan::synth::{photograph, render_page, Shot, Surface};
use kancha_core::scan::Quad;
use sha2::{Digest, Sha256};
use std::process::Command;

const TRUTH: [f64; 8] = [300.0, 90.0, 640.0, 110.0, 680.0, 620.0, 270.0, 600.0];

fn photo(dir: &std::path::Path, with_page: bool) -> std::path::PathBuf {
    let page = render_page(420, 594, 11);
    let shot = Shot {
        width: 960,
        height: 720,
        corners: with_page.then(|| Quad::from_flat(&TRUTH).unwrap()),
        surface: Surface::Wood,
        blur: 1.0,
        shadow: 0.3,
        noise: 4.0,
        glare: false,
        seed: 9,
    };
    let path = dir.join(if with_page { "form.jpg" } else { "table.jpg" });
    photograph(&page, &shot).save(&path).unwrap();
    path
}

fn kancha(args: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_kancha")).arg("scan").args(args).output().unwrap();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} / {}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), json)
}

#[test]
fn scan_prints_corners_confidence_and_verdict_and_writes_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let input = photo(dir.path(), true);
    let out = dir.path().join("form.png");
    let (code, json) = kancha(&[input.to_str().unwrap(), "--doc-type", "claim_form", "-o", out.to_str().unwrap()]);
    assert!(code == 0 || code == 1, "exit {code}: {json}");
    assert_eq!(json["verdict"]["accepted"], code == 0);
    let corners: Vec<f64> = json["corners"].as_array().unwrap().iter().flat_map(|p| [p["x"].as_f64().unwrap(), p["y"].as_f64().unwrap()]).collect();
    let diag = (TRUTH[0] - TRUTH[4]).hypot(TRUTH[1] - TRUTH[5]);
    for i in 0..4 {
        let err = (corners[2 * i] - TRUTH[2 * i]).hypot(corners[2 * i + 1] - TRUTH[2 * i + 1]);
        assert!(err < 0.015 * diag, "corner {i} off by {err:.1} px: {json}");
    }
    assert!(json["confidence"].as_f64().unwrap() > 0.7);
    assert_eq!(json["doc_type"], "claim_form");
    let page = std::fs::read(&out).unwrap();
    assert_eq!(json["sha256"], hex::encode(Sha256::digest(&page)));
    assert_eq!(json["original_sha256"], hex::encode(Sha256::digest(std::fs::read(&input).unwrap())));
    assert_eq!((json["width"].as_u64(), json["height"].as_u64()), (Some(1654), Some(2339)));
}

#[test]
fn scan_of_a_photo_without_a_page_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let input = photo(dir.path(), false);
    let out = dir.path().join("none.png");
    let (code, json) = kancha(&[input.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 3, "{json}");
    assert!(json["error"].as_str().unwrap().contains("no document page"), "{json}");
    assert_eq!(json["retake_may_help"], true);
    assert!(!out.exists(), "no page must not produce a file");
}

#[test]
fn scan_refuses_crossing_corners_and_unknown_types() {
    let dir = tempfile::tempdir().unwrap();
    let input = photo(dir.path(), true);
    let out = dir.path().join("x.png");
    let (code, json) = kancha(&[input.to_str().unwrap(), "--corners", "300,90,680,620,640,110,270,600", "-o", out.to_str().unwrap()]);
    assert_eq!(code, 3);
    assert!(json["error"].as_str().unwrap().contains("cross"), "{json}");
    let (code, json) = kancha(&[input.to_str().unwrap(), "--corners", "-300,90,640,110,680,620,270,600", "-o", out.to_str().unwrap()]);
    assert_eq!(code, 3);
    assert!(json["error"].as_str().unwrap().contains("outside"), "{json}");
    let (code, json) = kancha(&[input.to_str().unwrap(), "--doc-type", "passport", "-o", out.to_str().unwrap()]);
    assert_eq!(code, 3);
    assert!(json["error"].as_str().unwrap().contains("driver_licence"), "{json}");
    assert_eq!(json["retake_may_help"], false);
}
