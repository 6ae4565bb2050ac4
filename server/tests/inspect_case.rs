//! `kancha inspect --case`: the real binary reviews a case of real JPEGs and reports findings and checklist state.

use chrono::{Duration, Utc};
use kancha_core::sample::{sample_accident_time, ExifSpec, PhotoSpec, Scene, SAMPLE_SCENE_WGS84};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

fn write_photo(dir: &Path, name: &str, scene: Scene, minutes: i64, north_m: f64) {
    let (lat, lon) = SAMPLE_SCENE_WGS84;
    let taken = sample_accident_time() + Duration::minutes(minutes);
    let spec = PhotoSpec::plain(900, 700)
        .with_scene(scene)
        .with_exif(ExifSpec::phone(taken, 8, 900, 700, lat + north_m / 111_195.0, lon));
    std::fs::write(dir.join(name), spec.jpeg()).unwrap();
}

fn case_file(dir: &Path) -> Value {
    write_photo(dir, "front.jpg", Scene::Street { seed: 11 }, 20, 3.0);
    write_photo(dir, "rear.jpg", Scene::Blurred { seed: 12 }, 21, 3.0);
    write_photo(dir, "vin.jpg", Scene::Street { seed: 13 }, 22, 2000.0);
    let (lat, lon) = SAMPLE_SCENE_WGS84;
    json!({
        "format": 1,
        "case_id": "C-CLI",
        "accident_at": sample_accident_time(),
        "scene": {"lat": lat, "lon": lon, "datum": "wgs84"},
        "facts": {"vehicles": [{"role": "insured", "damaged_parts": []}], "flags": {"object_hit": false}},
        "vins": ["LSVAU033712345678"],
        "checklists": ["self-service-single-vehicle"],
        "photos": [
            {"file": "front.jpg", "shot": "front_45_with_plate/v0"},
            {"file": "rear.jpg", "shot": "rear_45_with_plate/v0"},
            {"file": "vin.jpg", "shot": "vin_plate/v0"}
        ]
    })
}

fn inspect(dir: &Path, case: &Value) -> (i32, Value, String) {
    let path = dir.join("case.json");
    std::fs::write(&path, case.to_string()).unwrap();
    let now = (Utc::now()).to_rfc3339();
    let out = Command::new(env!("CARGO_BIN_EXE_kancha"))
        .args(["inspect", "--json", "--now", &now, "--case"])
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap(), json, String::from_utf8_lossy(&out.stderr).to_string())
}

#[test]
fn inspect_case_reports_findings_and_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = inspect(dir.path(), &case_file(dir.path()));
    assert_eq!(code, 0, "{err}");
    let codes: Vec<&str> = out["case_findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["vin_check_digit_mismatch"]);
    let item: Vec<(&str, &str)> = out["item_findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["item"].as_str().unwrap(), f["finding"]["code"].as_str().unwrap()))
        .collect();
    // No device fix was given, so capture's own finding says so for each photo; the VIN shot is 2 km out.
    assert_eq!(
        item,
        [
            ("front.jpg", "device_fix_missing"),
            ("rear.jpg", "device_fix_missing"),
            ("vin.jpg", "device_fix_missing"),
            ("vin.jpg", "far_from_scene"),
        ]
    );
    let reqs = out["checklists"][0]["requirements"].as_array().unwrap();
    let status: Vec<(&str, &str)> =
        reqs.iter().map(|r| (r["key"].as_str().unwrap(), r["status"].as_str().unwrap())).collect();
    assert_eq!(
        status,
        [
            ("front_45_with_plate", "done"),
            ("rear_45_with_plate", "rejected"),
            ("vin_plate", "rejected"),
            ("driver_with_vehicle", "missing"),
        ]
    );
    assert_eq!(reqs[1]["rejected"][0]["reasons"][0]["en"], "blurred");
    assert_eq!(reqs[2]["rejected"][0]["reasons"][0]["zh"], "在距现场2.0公里处拍摄");
}

#[test]
fn inspect_case_without_accident_time_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut case = case_file(dir.path());
    case.as_object_mut().unwrap().remove("accident_at");
    let (code, out, err) = inspect(dir.path(), &case);
    assert_eq!(code, 0, "{err}");
    let codes: Vec<&str> = out["case_findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["accident_time_missing", "vin_check_digit_mismatch"]);
}

#[test]
fn inspect_case_refuses_a_case_file_with_an_unknown_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut case = case_file(dir.path());
    case["photos"][0]["shoot"] = "x".into();
    let (code, _, err) = inspect(dir.path(), &case);
    assert_eq!(code, 2);
    assert!(err.contains("unknown field `shoot`"), "{err}");
}

#[test]
fn inspect_case_refuses_a_bad_checklist_file_by_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("branch.json"), r#"{"format":1,"id":"b","version":1,"title":{"zh":"x","en":"x"},"items":[{"key":"a","kind":"photo","label":{"zh":"x","en":"x"},"required":-2}]}"#).unwrap();
    let mut case = case_file(dir.path());
    case["checklists"] = json!(["branch.json"]);
    let (code, _, err) = inspect(dir.path(), &case);
    assert_eq!(code, 2);
    assert!(err.contains("requires -2 captures"), "{err}");
}
