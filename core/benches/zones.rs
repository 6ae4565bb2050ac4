//! Zone classification and datum conversion throughput, against third-party baselines run in
//! the same process tree: shapely 2 (`prepared` + `contains_xy`) on the same polygons and the
//! same points, and PyPI prcoords for the GCJ-02/BD-09 conversions.
//!
//! Run with `cargo run -p xtask -- bench zones` (which installs the Python peers first).

use kancha_core::geo::transform;
use kancha_core::sla::ZonePolicy;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const POINTS: usize = 1_000_000;
const CONVERSIONS: usize = 1_000_000;
const PEER_CONVERSIONS: usize = 100_000;
const RUNS: usize = 3;

/// Deterministic points over the city's bounding box and a margin around it.
fn points(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut s: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut xs, mut ys) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        xs.push(118.2 + next() * 2.7);
        ys.push(29.1 + next() * 1.6);
    }
    (xs, ys)
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..runs {
        let start = Instant::now();
        let r = f();
        best = best.min(start.elapsed().as_secs_f64());
        out = Some(r);
    }
    (best, out.expect("at least one run"))
}

fn python() -> Option<PathBuf> {
    let tools = std::env::var_os("KANCHA_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../build/tools"));
    let py = tools.join("venv/bin/python");
    py.exists().then_some(py)
}

fn write_f64(path: &Path, v: &[f64]) {
    let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
    std::fs::write(path, bytes).expect("write bench data");
}

const SHAPELY: &str = r#"
import json, sys, time
import numpy as np
import shapely
from shapely.geometry import shape
policy_path, xs_path, ys_path, out_path, runs = sys.argv[1:6]
doc = json.load(open(policy_path, encoding="utf-8"))
prio = {z["zone"]: z["priority"] for z in doc["zones"]}
feats = doc["areas"]["features"]
geoms = [shape(f["geometry"]) for f in feats]
# Highest priority first, file order on ties: the first polygon that contains a point wins.
order = sorted(range(len(feats)), key=lambda i: (-prio[feats[i]["properties"]["zone"]], i))
xs = np.fromfile(xs_path, dtype="<f8"); ys = np.fromfile(ys_path, dtype="<f8")
best = None
for _ in range(int(runs)):
    t0 = time.perf_counter()
    for g in geoms:
        shapely.prepare(g)
    result = np.full(len(xs), -1, dtype=np.int32)
    for i in order:
        todo = result < 0
        hit = shapely.contains_xy(geoms[i], xs, ys)
        result[todo & hit] = i
    dt = time.perf_counter() - t0
    best = dt if best is None else min(best, dt)
    for g in geoms:
        shapely.destroy_prepared(g)
result.astype("<i4").tofile(out_path)
print(json.dumps({"seconds": best, "shapely": shapely.__version__}))
"#;

const PRCOORDS: &str = r#"
import json, sys, time
import numpy as np
import prcoords
xs = np.fromfile(sys.argv[1], dtype="<f8").tolist(); ys = np.fromfile(sys.argv[2], dtype="<f8").tolist()
pts = [prcoords.Coords(y, x) for x, y in zip(xs, ys)]
out = {}
for name, fn in [("wgs84_to_gcj02", prcoords.wgs_gcj), ("gcj02_to_wgs84_precise", prcoords.gcj_wgs_bored)]:
    t0 = time.perf_counter()
    for p in pts:
        fn(p)
    out[name] = (time.perf_counter() - t0) / len(pts)
print(json.dumps(out))
"#;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let policy_path = root.join("data/policies/default-30-60.json");
    let policy = ZonePolicy::load(&policy_path).expect("default policy loads");
    let map = policy.map();
    let vertices: usize = map.areas().iter().map(|a| a.vertices).sum();
    let (xs, ys) = points(POINTS);
    println!("zones: {} areas, {} vertices ({}), {} points", map.areas().len(), vertices, policy.name, POINTS);

    let (build_s, _) = best_of(RUNS, || ZonePolicy::load(&policy_path).expect("loads"));
    let (rust_s, ours) = best_of(RUNS, || {
        xs.iter().zip(&ys).map(|(&x, &y)| map.locate_xy(black_box(x), black_box(y)).map_or(-1, |h| h.area as i32)).collect::<Vec<i32>>()
    });
    let inside = ours.iter().filter(|&&a| a >= 0).count();
    println!("kancha: load+validate+index {:.1} ms; classify {:.3} s = {:.1} M points/s ({} inside)", build_s * 1e3, rust_s, POINTS as f64 / rust_s / 1e6, inside);

    // Conversions.
    let mut conv = Vec::new();
    let conv_pts = &xs[..CONVERSIONS.min(xs.len())];
    for (name, f) in [
        ("wgs84_to_gcj02", transform::wgs84_to_gcj02 as fn(f64, f64) -> (f64, f64)),
        ("gcj02_to_wgs84", transform::gcj02_to_wgs84),
        ("wgs84_to_bd09", |a, b| {
            let (x, y) = transform::wgs84_to_gcj02(a, b);
            transform::gcj02_to_bd09(x, y)
        }),
        ("bd09_to_wgs84", |a, b| {
            let (x, y) = transform::bd09_to_gcj02(a, b);
            transform::gcj02_to_wgs84(x, y)
        }),
    ] {
        let (s, sum) = best_of(RUNS, || {
            conv_pts.iter().zip(&ys).map(|(&lon, &lat)| f(black_box(lat), black_box(lon)).0).sum::<f64>()
        });
        black_box(sum);
        let per = s / conv_pts.len() as f64;
        println!("kancha: {name}: {:.1} ns/point = {:.1} M points/s", per * 1e9, 1.0 / per / 1e6);
        conv.push((name, per));
    }

    let Some(py) = python() else {
        println!("baseline: skipped (no build/tools/venv; run `cargo run -p xtask -- peers`)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("kancha-bench-zones-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (xp, yp, rp, sp, cp) = (dir.join("xs.f64"), dir.join("ys.f64"), dir.join("result.i32"), dir.join("baseline_shapely.py"), dir.join("baseline_prcoords.py"));
    write_f64(&xp, &xs);
    write_f64(&yp, &ys);
    std::fs::write(&sp, SHAPELY).expect("script");
    std::fs::write(&cp, PRCOORDS).expect("script");

    let out = Command::new(&py).arg(&sp).arg(&policy_path).arg(&xp).arg(&yp).arg(&rp).arg(RUNS.to_string()).output().expect("run python");
    assert!(out.status.success(), "shapely baseline failed: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("shapely output");
    let shapely_s = v["seconds"].as_f64().expect("seconds");
    let theirs: Vec<i32> = std::fs::read(&rp).expect("result").chunks(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let differ = ours.iter().zip(&theirs).filter(|(a, b)| a != b).count();
    println!("shapely {}: prepared + contains_xy {:.3} s = {:.2} M points/s", v["shapely"].as_str().unwrap_or("?"), shapely_s, POINTS as f64 / shapely_s / 1e6);
    println!("agreement: {} of {} points classified differently (points on a shared edge may differ)", differ, POINTS);
    println!("ratio: kancha is {:.1}x shapely on the same polygons and points", shapely_s / rust_s);

    let xs_small = dir.join("xs_small.f64");
    let ys_small = dir.join("ys_small.f64");
    write_f64(&xs_small, &xs[..PEER_CONVERSIONS]);
    write_f64(&ys_small, &ys[..PEER_CONVERSIONS]);
    let out = Command::new(&py).arg(&cp).arg(&xs_small).arg(&ys_small).output().expect("run python");
    assert!(out.status.success(), "prcoords baseline failed: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("prcoords output");
    for (ours_name, theirs_name) in [("wgs84_to_gcj02", "wgs84_to_gcj02"), ("gcj02_to_wgs84", "gcj02_to_wgs84_precise")] {
        let per_theirs = v[theirs_name].as_f64().expect("timing");
        let per_ours = conv.iter().find(|(n, _)| *n == ours_name).expect("measured").1;
        println!(
            "prcoords {theirs_name}: {:.0} ns/point; ratio: kancha {ours_name} is {:.0}x prcoords",
            per_theirs * 1e9,
            per_theirs / per_ours
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
