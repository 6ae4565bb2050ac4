//! Geo and zone policies checked against independent third-party implementations:
//! PyPI prcoords (datum conversions), shapely 2 (point in polygon), jsonschema (policy files).

use kancha_core::geo::{Coord, Datum};
use kancha_core::sla::ZonePolicy;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Runs a Python snippet with `input` on stdin and returns its stdout parsed as JSON.
fn python(py: &Path, code: &str, input: &Value) -> Value {
    let mut child = Command::new(py)
        .arg("-c")
        .arg(code)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("python printed JSON")
}

fn scatter(n: usize, lat: (f64, f64), lon: (f64, f64)) -> Vec<(f64, f64)> {
    let mut s: u64 = 0xD1B5_4A32_D192_ED03;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n).map(|_| (lat.0 + next() * (lat.1 - lat.0), lon.0 + next() * (lon.1 - lon.0))).collect()
}

#[test]
fn conversions_agree_with_prcoords() {
    let Some(py) = kancha_tests::peer("venv/bin/python") else { return };
    let pts = scatter(500, (18.5, 53.0), (74.0, 134.0));
    let code = r#"
import json, sys, warnings, prcoords
warnings.simplefilter("ignore")
pts = json.load(sys.stdin)
out = []
for lat, lon in pts:
    c = prcoords.Coords(lat, lon)
    out.append([list(prcoords.wgs_gcj(c)), list(prcoords.wgs_bd(c)), list(prcoords.gcj_wgs_bored(c)), list(prcoords.bd_wgs_bored(c))])
print(json.dumps(out))
"#;
    let theirs = python(&py, code, &json!(pts));
    let mut worst_fwd: f64 = 0.0;
    let mut worst_inv: f64 = 0.0;
    let mut worst_residual: f64 = 0.0;
    for ((lat, lon), t) in pts.iter().zip(theirs.as_array().unwrap()) {
        let get = |i: usize| (t[i][0].as_f64().unwrap(), t[i][1].as_f64().unwrap());
        let w = Coord::new(*lat, *lon, Datum::Wgs84).unwrap();
        for (i, d) in [(0, Datum::Gcj02), (1, Datum::Bd09)] {
            let ours = w.to(d);
            let (a, b) = get(i);
            worst_fwd = worst_fwd.max((ours.lat() - a).abs().max((ours.lon() - b).abs()));
        }
        for (i, d) in [(2, Datum::Gcj02), (3, Datum::Bd09)] {
            let given = Coord::new(*lat, *lon, d).unwrap();
            let ours = given.to(Datum::Wgs84);
            let (a, b) = get(i);
            worst_inv = worst_inv.max(ours.distance_m(&Coord::new(a, b, Datum::Wgs84).unwrap()));
            // Ours must map back onto the input exactly (prcoords stops at about 1e-7 degrees).
            let again = ours.to(d);
            worst_residual = worst_residual.max((again.lat() - lat).abs().max((again.lon() - lon).abs()));
        }
    }
    assert!(worst_fwd < 1e-8, "forward conversions differ by {worst_fwd} degrees");
    // Both solve the same equation by iteration; they agree far inside the 0.5 m requirement.
    assert!(worst_inv < 0.05, "inverse conversions differ by {worst_inv} m");
    assert!(worst_residual < 1e-9, "our inverse leaves a residual of {worst_residual} degrees");
}

#[test]
fn classification_agrees_with_shapely_on_the_real_city() {
    let Some(py) = kancha_tests::peer("venv/bin/python") else { return };
    let path = repo().join("core/data/policies/default-30-60.json");
    let policy = ZonePolicy::load(&path).unwrap();
    let pts = scatter(20_000, (29.1, 30.7), (118.2, 120.9));
    let code = r#"
import json, sys
import numpy as np, shapely
from shapely.geometry import shape
req = json.load(sys.stdin)
doc = json.load(open(req["policy"], encoding="utf-8"))
prio = {z["zone"]: z["priority"] for z in doc["zones"]}
feats = doc["areas"]["features"]
lat = np.array([p[0] for p in req["points"]]); lon = np.array([p[1] for p in req["points"]])
res = np.full(len(lat), -1)
for i in sorted(range(len(feats)), key=lambda i: (-prio[feats[i]["properties"]["zone"]], i)):
    g = shape(feats[i]["geometry"]); shapely.prepare(g)
    hit = shapely.contains_xy(g, lon, lat) & (res < 0)
    res[hit] = i
print(json.dumps(res.tolist()))
"#;
    let theirs = python(&py, code, &json!({"policy": path, "points": pts}));
    let theirs: Vec<i64> = theirs.as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    let mut inside = 0;
    for ((lat, lon), t) in pts.iter().zip(&theirs) {
        let ours = policy.map().locate_xy(*lon, *lat).map_or(-1, |h| h.area as i64);
        assert_eq!(ours, *t, "point {lat},{lon}");
        inside += usize::from(ours >= 0);
    }
    assert!(inside > 5000, "{inside} points inside");
}

#[test]
fn shipped_policies_match_their_json_schema() {
    let Some(py) = kancha_tests::peer("venv/bin/python") else { return };
    let dir = repo().join("core/data/policies");
    let code = r#"
import json, sys, jsonschema
req = json.load(sys.stdin)
schema = json.load(open(req["schema"], encoding="utf-8"))
v = jsonschema.Draft202012Validator(schema)
jsonschema.Draft202012Validator.check_schema(schema)
out = {}
for f in req["files"]:
    doc = json.load(open(f, encoding="utf-8"))
    out[f] = [e.message for e in v.iter_errors(doc)]
broken = json.load(open(req["files"][0], encoding="utf-8"))
del broken["datum"]
broken["geofence"]["radius_m"] = -5
out["broken"] = sorted(e.message for e in v.iter_errors(broken))
print(json.dumps(out))
"#;
    let files: Vec<String> = ["default-30-60.json", "strict-20-40.json"]
        .iter()
        .map(|f| dir.join(f).display().to_string())
        .collect();
    let out = python(&py, code, &json!({"schema": dir.join("policy.schema.json"), "files": files}));
    for f in &files {
        assert_eq!(out[f], json!([]), "{f} violates the schema");
        ZonePolicy::load(Path::new(f)).expect("and the loader accepts it");
    }
    let broken: Vec<String> = serde_json::from_value(out["broken"].clone()).unwrap();
    assert_eq!(broken.len(), 2, "{broken:?}");
    assert!(broken.iter().any(|m| m.contains("'datum' is a required property")), "{broken:?}");
}
