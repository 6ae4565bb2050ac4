//! The scan module's document-type catalogue and the `kancha scan` output agree with their JSON
//! Schemas, checked by a third-party validator (Python `jsonschema`).

use kancha_core::scan::synth::{photograph, render_page, Shot, Surface};
use kancha_core::scan::{scan_image, Catalogue, DocType, Quad, ScanError, ScanRequest};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The validator's error messages for `doc` against `schema` (empty when valid).
fn errors(python: &Path, schema: &Path, doc: &serde_json::Value) -> String {
    let script = "import json,sys,jsonschema\n\
                  schema=json.load(open(sys.argv[1]))\n\
                  jsonschema.Draft202012Validator.check_schema(schema)\n\
                  print('; '.join(e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(json.load(sys.stdin))))";
    let mut child = Command::new(python).args(["-c", script]).arg(schema).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(doc.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn doc_type_catalogue_matches_its_schema_and_the_schema_refuses_a_bad_mode() {
    let Some(python) = kancha_tests::peer("venv/bin/python") else { return };
    let dir = root().join("core/src/scan");
    let schema = dir.join("doc_types.schema.json");
    let text = std::fs::read_to_string(dir.join("doc_types.json")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(errors(&python, &schema, &doc), "");
    doc["doc_types"]["claim_form"]["mode"] = "sepia".into();
    assert!(!errors(&python, &schema, &doc).is_empty());
    assert!(Catalogue::from_json(&doc.to_string()).is_err(), "the loader refuses it too");
}

#[test]
fn scan_output_and_refusal_match_the_published_schema() {
    let Some(python) = kancha_tests::peer("venv/bin/python") else { return };
    let schema = root().join("docs/scan.schema.json");
    let corners = Quad::from_flat(&[200.0, 150.0, 760.0, 170.0, 740.0, 520.0, 190.0, 500.0]).unwrap();
    let shot = Shot { width: 960, height: 720, corners: Some(corners), surface: Surface::DarkDesk, blur: 1.0, shadow: 0.0, noise: 3.0, glare: false, seed: 4 };
    let photo = photograph(&render_page(856, 540, 8), &shot);
    let req = ScanRequest { doc_type: Some(DocType::BankCard), ..Default::default() };
    let scan = scan_image(&photo, &req, Catalogue::builtin()).unwrap();
    // What `kancha scan` prints: the scan plus ok, photo and output.
    let mut out = serde_json::to_value(&scan).unwrap();
    out["ok"] = true.into();
    out["photo"] = "card.jpg".into();
    out["output"] = "card-scan.jpg".into();
    assert_eq!(errors(&python, &schema, &out), "");
    let e = ScanError::NoPageFound { confidence: 0.2, needed: 0.5 };
    let refusal = serde_json::json!({"ok": false, "error": {"code": e.code(), "message": e.to_string()}, "retake_may_help": true});
    assert_eq!(errors(&python, &schema, &refusal), "");
    out["corner_source"] = "guessed".into();
    assert!(!errors(&python, &schema, &out).is_empty());
}
