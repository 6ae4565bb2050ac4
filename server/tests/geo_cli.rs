//! `kancha convert`, `kancha zone` and `kancha sla` run as a user would run them.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn policy(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/data/policies").join(name)
}

fn kancha(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kancha")).args(args).output().expect("run kancha")
}

fn json_of(out: &Output) -> Value {
    assert!(out.status.success(), "kancha failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn convert_gcj02_to_wgs84() {
    let v = json_of(&kancha(&["convert", "--from", "gcj02", "--to", "wgs84", "39.9101035", "116.4037436"]));
    assert_eq!(v["output"]["datum"], "wgs84");
    assert!((v["output"]["lat"].as_f64().unwrap() - 39.9087).abs() < 1e-6);
    assert!((v["output"]["lon"].as_f64().unwrap() - 116.3975).abs() < 1e-6);
    let shift = v["shift_m"].as_f64().unwrap();
    assert!((500.0..600.0).contains(&shift), "{shift}");
}

#[test]
fn convert_refuses_swapped_and_unknown_input() {
    let out = kancha(&["convert", "--from", "wgs84", "--to", "gcj02", "116.4", "39.9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("swapped"));
    let out = kancha(&["convert", "--from", "wgs72", "--to", "gcj02", "39.9", "116.4"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown datum"));
}

#[test]
fn zone_classifies_in_the_given_datum() {
    let p = policy("default-30-60.json");
    let v = json_of(&kancha(&["zone", "--policy", p.to_str().unwrap(), "--datum", "gcj02", "30.247677961254222", "120.15470694564496"]));
    assert_eq!((v["zone"].as_str(), v["area"].as_str(), v["arrival_minutes"].as_u64()), (Some("urban"), Some("西湖区"), Some(30)));
    let v = json_of(&kancha(&["zone", "--policy", p.to_str().unwrap(), "29.80", "119.69"]));
    assert_eq!((v["zone"].as_str(), v["arrival_minutes"].as_u64()), (Some("suburban"), Some(60)));
    let strict = policy("strict-20-40.json");
    let v = json_of(&kancha(&["zone", "--policy", strict.to_str().unwrap(), "-33.86", "151.21"]));
    assert_eq!((v["zone"].as_str(), v["area"].as_null()), (Some("out_of_town"), Some(())));
}

#[test]
fn sla_prints_the_verdict_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case.json");
    let fixes = dir.path().join("fixes.json");
    std::fs::write(
        &case,
        json!({
            "case_id": "C-42",
            "dispatched_at": "2026-11-20T02:00:00Z",
            "scene": {"lat": 30.247677961254222, "lon": 120.15470694564496, "datum": "gcj02"},
            "contacted_at": "2026-11-20T02:06:30Z"
        })
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        &fixes,
        json!({
            "fixes": [
                {"coord": {"lat": 30.20, "lon": 120.15, "datum": "wgs84"}, "accuracy_m": 12.0, "at": "2026-11-20T02:12:00Z"},
                {"coord": {"lat": 30.25, "lon": 120.15, "datum": "wgs84"}, "accuracy_m": 12.0, "at": "2026-11-20T02:24:10Z", "mock": true}
            ],
            "photos": [
                {"id": "IMG_0001", "taken_at": "2026-11-20T02:26:00Z", "coord": {"lat": 30.2501, "lon": 120.1501, "datum": "wgs84"}}
            ]
        })
        .to_string(),
    )
    .unwrap();
    let p = policy("default-30-60.json");
    let v = json_of(&kancha(&[
        "sla", "--policy", p.to_str().unwrap(), "--now", "2026-11-20T03:00:00Z",
        case.to_str().unwrap(), fixes.to_str().unwrap(),
    ]));
    assert_eq!(v["status"]["arrival"], json!({"state": "arrived_on_time", "margin_minutes": 4}));
    assert_eq!(v["status"]["first_contact"], json!({"state": "contacted_late", "late_minutes": 2}));
    assert_eq!(v["status"]["arrived"]["proof"]["by"], "photo");
    assert_eq!(v["status"]["fixes"]["mock"], 1);
    let states: Vec<&str> = v["events"].as_array().unwrap().iter().filter_map(|e| e["to"].as_str()).collect();
    // The 02:12 fix is 5.5 km away: 7.2 km by road at the 30 km/h fallback is 02:26:24, past
    // the 02:25 warning line, so the case is at risk at once; the mock fix proves nothing.
    assert_eq!(states, vec!["overdue", "contacted_late", "at_risk", "arrived_on_time"]);

    std::fs::write(&case, json!({"case_id": "C-43", "dispatched_at": "2026-11-20T02:00:00Z", "scene": {"lat": 30.2, "lon": 120.1}}).to_string()).unwrap();
    let out = kancha(&["sla", "--policy", p.to_str().unwrap(), case.to_str().unwrap(), fixes.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("scene has no datum"));
}
