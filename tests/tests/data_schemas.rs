//! The shipped checklists, checks policy and an inspect case file agree with their published JSON
//! Schemas, checked by a third-party validator (Python `jsonschema`), and the schemas refuse the
//! same bad files the Rust loaders refuse.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Validates `doc` against the schema file with Python `jsonschema`; returns the validator's error, if any.
fn validate(python: &Path, schema: &Path, doc: &serde_json::Value) -> Result<(), String> {
    let script = "import json,sys,jsonschema\n\
                  schema=json.load(open(sys.argv[1]))\n\
                  jsonschema.Draft202012Validator.check_schema(schema)\n\
                  errors=[e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(json.load(sys.stdin))]\n\
                  print('; '.join(errors)); sys.exit(1 if errors else 0)";
    let mut child = Command::new(python)
        .args(["-c", script])
        .arg(schema)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(doc.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }
}

fn read(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn shipped_checklists_and_policy_match_their_schemas() {
    let Some(python) = kancha_tests::peer("venv/bin/python") else { return };
    let data = root().join("core/data");
    let schema = data.join("checklists/checklist.schema.json");
    for name in ["surveyor-two-vehicle", "self-service-single-vehicle", "documents"] {
        let doc = read(&data.join(format!("checklists/{name}.json")));
        assert_eq!(validate(&python, &schema, &doc), Ok(()), "{name}");
    }
    assert_eq!(validate(&python, &data.join("checks.schema.json"), &read(&data.join("checks.json"))), Ok(()));
}

#[test]
fn checklist_schema_refuses_what_the_loader_refuses() {
    let Some(python) = kancha_tests::peer("venv/bin/python") else { return };
    let schema = root().join("core/data/checklists/checklist.schema.json");
    let good = read(&root().join("core/data/checklists/documents.json"));
    let mut unknown = good.clone();
    unknown["items"][0]["requried"] = 2.into();
    let mut negative = good.clone();
    negative["items"][0]["required"] = (-1).into();
    let mut bad_scope = good.clone();
    bad_scope["items"][0]["scope"] = "each_wheel".into();
    for (what, doc) in [("unknown key", unknown), ("negative count", negative), ("unknown scope", bad_scope)] {
        let schema_says = validate(&python, &schema, &doc);
        assert!(schema_says.is_err(), "schema accepted a checklist with {what}");
        assert!(kancha_core::checklist::Checklist::from_json(&doc.to_string()).is_err(), "loader accepted {what}");
    }
}

#[test]
fn inspect_case_schema_accepts_a_full_case_and_refuses_a_misspelt_field() {
    let Some(python) = kancha_tests::peer("venv/bin/python") else { return };
    let schema = root().join("docs/inspect-case.schema.json");
    let case = serde_json::json!({
        "format": 1,
        "case_id": "C-1",
        "accident_at": "2026-11-21T02:00:00Z",
        "scene": {"lat": 31.2304, "lon": 121.4737, "datum": "wgs84"},
        "facts": {"vehicles": [{"plate": "沪A12345", "role": "insured", "damaged_parts": ["front_bumper"]}], "flags": {"injury": false}},
        "vins": ["LSVAU033612345678"],
        "self_service": {"vehicles": 1, "injury": false, "third_party_property": false, "drivable": true, "estimate_yuan": 1800.0},
        "checklists": ["self-service-single-vehicle", "documents"],
        "photos": [{"file": "a.jpg", "shot": "damage_close/v0/front_bumper", "device_time": "2026-11-21T02:30:00Z",
                    "device_fix": {"coord": {"lat": 31.2304, "lon": 121.4737, "datum": "wgs84"}, "accuracy_m": 5.0, "at": "2026-11-21T02:30:00Z", "mock": false}}],
        "earlier": [{"item": "x", "case": "C-0", "sha256": "ab".repeat(32), "phash": 12345}]
    });
    assert_eq!(validate(&python, &schema, &case), Ok(()));
    let mut bad = case;
    bad["photos"][0]["shoot"] = "x".into();
    assert!(validate(&python, &schema, &bad).unwrap_err().contains("shoot"));
}
