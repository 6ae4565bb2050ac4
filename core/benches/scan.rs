//! A 12-megapixel photo of an A4 form to a flattened, black-and-white page at 200 dpi, against
//! OpenCV (`warpPerspective` with linear interpolation + `adaptiveThreshold`, mean) on the same
//! pixels and corners, one thread each, measured in this run.
//!
//! Run: `cargo run -p xtask -- bench scan` (needs opencv-python-headless in build/tools/venv).

use kancha_core::scan::{self, doctype::PageGeometry, enhance, synth, warp, Catalogue, DocType, Interpolation, Mode, Quad, ScanRequest};
use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// OpenCV's side: the same pipeline, timed inside Python so start-up and import are left out.
const OPENCV: &str = r#"
import sys, time, json
import numpy as np, cv2
cv2.setNumThreads(1)
raw, w, h, ow, oh, block, offset, runs, out = sys.argv[1], *map(int, sys.argv[2:8]), int(sys.argv[8]), sys.argv[9]
corners = np.array(json.loads(sys.argv[10]), dtype=np.float32).reshape(4, 2)
img = np.fromfile(raw, dtype=np.uint8).reshape(h, w, 3)
rect = np.array([[0, 0], [ow - 1, 0], [ow - 1, oh - 1], [0, oh - 1]], dtype=np.float32)
M = cv2.getPerspectiveTransform(corners, rect)
def gray_first():
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    flat = cv2.warpPerspective(g, M, (ow, oh), flags=cv2.INTER_LINEAR)
    return cv2.adaptiveThreshold(flat, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, offset)
def colour_first():
    flat = cv2.warpPerspective(img, M, (ow, oh), flags=cv2.INTER_LINEAR)
    g = cv2.cvtColor(flat, cv2.COLOR_RGB2GRAY)
    return cv2.adaptiveThreshold(g, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, offset)
res = {}
for name, f in (("gray_first", gray_first), ("colour_first", colour_first)):
    f()
    t = []
    for _ in range(runs):
        s = time.perf_counter(); r = f(); t.append(time.perf_counter() - s)
    res[name] = sorted(t)[len(t) // 2] * 1000
gray_first().tofile(out)
res["opencv"] = cv2.__version__
print(json.dumps(res))
"#;

/// Median wall time of `runs` runs after one warm-up.
fn measure(runs: usize, mut f: impl FnMut()) -> Duration {
    f();
    let mut t: Vec<Duration> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    t[runs / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn python() -> Option<PathBuf> {
    let p = std::env::var_os("KANCHA_TOOLS").map(PathBuf::from)?.join("venv/bin/python");
    p.exists().then_some(p)
}

fn main() {
    // `cargo test --benches` passes --test: run once, small, to prove the bench works.
    let quick = std::env::args().any(|a| a == "--test");
    let (w, h, runs) = if quick { (1000, 750, 1) } else { (4000, 3000, 9) };
    let s = w as f64 / 4000.0;
    let corners = Quad::from_flat(&[1050.0, 200.0, 2950.0, 260.0, 3100.0, 2840.0, 900.0, 2760.0].map(|v| v * s)).unwrap();
    let page = synth::render_page(1654, 2339, 42);
    let shot = synth::Shot { width: w, height: h, corners: Some(corners), surface: synth::Surface::Wood, blur: 1.2, shadow: 0.35, noise: 4.0, glare: false, seed: 1 };
    let photo = synth::photograph(&page, &shot);
    let cat = Catalogue::builtin();
    let geometry = cat.geometry(cat.profile(Some(DocType::ClaimForm)));
    let (ow, oh) = warp::output_size(&corners, &geometry);
    let dpi = match geometry {
        PageGeometry::Fixed(f) => f.dpi,
        PageGeometry::Measured(_) => 200.0,
    };
    let (block, offset) = enhance::black_and_white_params(dpi);
    println!("scan bench: {w}×{h} photo → {ow}×{oh} black-and-white A4 (block {block}, offset {offset}), median of {runs}");

    let mut ours = None;
    let flat_bw = measure(runs, || {
        let f = scan::flatten(&photo, &corners, &geometry, Mode::BlackWhite, Interpolation::Linear);
        ours = Some(black_box(scan::enhance_page(&f, Mode::BlackWhite)));
    });
    let smooth = measure(runs, || {
        let f = scan::flatten(&photo, &corners, &geometry, Mode::BlackWhite, Interpolation::Smooth);
        black_box(scan::enhance_page(&f, Mode::BlackWhite));
    });
    let detect = measure(runs, || {
        black_box(scan::detect::find_page(&photo, cat.quality.min_confidence).unwrap());
    });
    let req = ScanRequest { doc_type: Some(DocType::ClaimForm), ..Default::default() };
    let full = measure(runs.min(5), || {
        black_box(scan::scan_image(&photo, &req, cat).unwrap());
    });
    println!("  kancha  flatten (linear) + black-and-white   {:8.1} ms", ms(flat_bw));
    println!("  kancha  flatten (smooth) + black-and-white   {:8.1} ms", ms(smooth));
    println!("  kancha  page detection (reduced copy)        {:8.1} ms", ms(detect));
    println!("  kancha  whole scan: detect, flatten, verdict, enhance, PNG {:8.1} ms", ms(full));

    let Some(py) = python() else {
        assert!(std::env::var("KANCHA_REQUIRE_PEERS").as_deref() != Ok("1"), "build/tools/venv with OpenCV is missing");
        println!("  OpenCV baseline skipped: run `cargo run -p xtask -- peers` first");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (raw, script, out) = (dir.path().join("photo.rgb"), dir.path().join("opencv.py"), dir.path().join("bw.gray"));
    std::fs::write(&raw, photo.as_raw()).unwrap();
    std::fs::write(&script, OPENCV).unwrap();
    let result = Command::new(py)
        .arg(&script)
        .arg(&raw)
        .args([w, h, ow, oh, block].map(|v| v.to_string()))
        .arg(offset.to_string())
        .arg(runs.to_string())
        .arg(&out)
        .arg(serde_json::to_string(&corners.to_flat()).unwrap())
        .output()
        .unwrap();
    assert!(result.status.success(), "OpenCV run failed: {}", String::from_utf8_lossy(&result.stderr));
    let cv: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    let (gray_first, colour_first) = (cv["gray_first"].as_f64().unwrap(), cv["colour_first"].as_f64().unwrap());
    let baseline = gray_first.min(colour_first);
    println!("  OpenCV {} cvtColor + warpPerspective + adaptiveThreshold {:8.1} ms", cv["opencv"].as_str().unwrap_or("?"), gray_first);
    println!("  OpenCV warpPerspective (colour) + cvtColor + adaptiveThreshold {:8.1} ms", colour_first);
    let theirs = std::fs::read(&out).unwrap();
    let mine = ours.unwrap().into_luma8().into_raw();
    let same = mine.iter().zip(&theirs).filter(|(a, b)| a == b).count() as f64 / mine.len() as f64;
    println!("  pixels equal to OpenCV's page: {:.2} %", same * 100.0);
    println!("  ratio kancha / OpenCV (faster of the two): {:.2}×", ms(flat_bw) / baseline);
}
