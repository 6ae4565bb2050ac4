//! `kancha demo` runs a survey against its own server and exports the bundle; `kancha verify`
//! accepts it and names a tampered item.

use serde_json::Value;
use std::process::Command;

fn kancha(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kancha")).args(args).output().expect("kancha runs")
}

#[test]
fn the_demo_bundle_verifies_and_a_flipped_byte_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = kancha(&["demo", "--data-dir", dir.path().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("The photo is blurred"), "{stdout}");
    assert!(stdout.contains("store consistent: true"), "{stdout}");
    assert!(stdout.contains("delivered 1 bundle; server receipt: {"), "the demo delivers to its server: {stdout}");
    assert!(stdout.contains("\"on_time\":1"), "the server reports the on-time arrival: {stdout}");
    let zip = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "zip"))
        .expect("the demo exports a bundle");
    let ok = kancha(&["verify", "--json", zip.to_str().unwrap()]);
    assert!(ok.status.success());
    let report: Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(report["items"], 6);

    let mut bytes = std::fs::read(&zip).unwrap();
    let at = bytes.windows(4).rposition(|w| w == [0xFF, 0xD8, 0xFF, 0xE1]).unwrap();
    bytes[at + 5000] ^= 0x20;
    let bad = dir.path().join("tampered.zip");
    std::fs::write(&bad, bytes).unwrap();
    let out = kancha(&["verify", "--json", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], false);
    let failures = report["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0]["code"], "hash_mismatch");
    assert!(failures[0]["item_id"].is_string());
}
