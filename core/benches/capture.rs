//! Capture of a 12-megapixel JPEG, against the floor (SHA-256 + libjpeg-turbo 1/8-scale decode)
//! and against a naive full decode and resize, all measured in this run.
//!
//! Run: `cargo run -p xtask -- bench capture` (needs `djpeg` from libjpeg-turbo for the floor).

use kancha_core::capture::{self, CaptureConfig};
use kancha_core::sample;
use sha2::{Digest, Sha256};
use std::alloc::{GlobalAlloc, Layout, System};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counts live heap bytes and their peak, so each approach reports its peak memory.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static A: Counting = Counting;

const RUNS: usize = 15;

/// Median wall time of `RUNS` runs after one warm-up, and the peak heap above the baseline.
fn measure(mut f: impl FnMut()) -> (Duration, usize) {
    f();
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    (times[RUNS / 2], PEAK.load(Ordering::Relaxed) - base)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    if std::env::args().any(|a| a == "--test") {
        return; // `cargo test --benches` only checks that it builds.
    }
    let spec = sample::twelve_megapixel();
    let bytes = spec.jpeg();
    let dir = std::env::temp_dir().join(format!("kancha-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let photo = dir.join("photo_12mp.jpg");
    std::fs::write(&photo, &bytes).unwrap();
    let tiny = dir.join("tiny.jpg");
    std::fs::write(&tiny, sample::PhotoSpec::plain(16, 16).jpeg()).unwrap();
    println!("capture benchmark: {}x{} JPEG, {:.2} MB, median of {RUNS} runs", spec.width, spec.height, bytes.len() as f64 / 1e6);

    let cfg = CaptureConfig::default();
    let (ours, ours_mem) = measure(|| {
        capture::analyze(&bytes, &cfg).unwrap();
    });
    let (hash, _) = measure(|| {
        std::hint::black_box(Sha256::digest(&bytes));
    });
    let (naive, naive_mem) = measure(|| {
        let _ = Sha256::digest(&bytes);
        let img = image::load_from_memory(&bytes).unwrap();
        std::hint::black_box(img.resize(320, 320, image::imageops::FilterType::Triangle));
    });
    let djpeg = |file: &std::path::Path| {
        let st = Command::new("djpeg").args(["-scale", "1/8"]).arg(file).stdout(Stdio::null()).status();
        assert!(st.map(|s| s.success()).unwrap_or(false), "djpeg failed");
    };
    let have_djpeg = Command::new("djpeg").arg("-version").stderr(Stdio::null()).status().is_ok();

    println!("{:<44} {:>9} {:>12}", "approach", "ms/photo", "peak heap MB");
    println!("{:<44} {:>9.1} {:>12.1}", "kancha capture::analyze (hash ∥ 1/8 decode)", ms(ours), ours_mem as f64 / 1e6);
    println!("{:<44} {:>9.1} {:>12.1}", "naive: SHA-256 + image::load + resize", ms(naive), naive_mem as f64 / 1e6);
    println!("{:<44} {:>9.1}", "SHA-256 alone", ms(hash));
    if have_djpeg {
        let (dj, _) = measure(|| djpeg(&photo));
        let (start, _) = measure(|| djpeg(&tiny));
        let decode = dj.saturating_sub(start);
        let floor = hash + decode;
        println!("{:<44} {:>9.1}", "libjpeg-turbo djpeg -scale 1/8 (start-up off)", ms(decode));
        println!("{:<44} {:>9.1}", "floor: SHA-256 + libjpeg-turbo 1/8 decode", ms(floor));
        println!("ratio ours / floor = {:.2} (target ≤ 1.5)", ms(ours) / ms(floor));
    } else {
        println!("floor: djpeg (libjpeg-turbo-progs) is not installed; run `cargo run -p xtask -- peers`");
    }
    println!("speed-up over naive = {:.2}x (target ≥ 2)", ms(naive) / ms(ours));
    let _ = std::fs::remove_dir_all(&dir);
}
