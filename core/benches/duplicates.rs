//! Duplicate detection for one case against a year of earlier cases on a device, against the floor
//! measured in the same run: a bare XOR + popcount scan of every earlier hash for every item.
//!
//! Run: `cargo run -p xtask -- bench duplicates`.

use kancha_core::checks::duplicates::{find_duplicates, Fingerprint};
use kancha_core::checks::ChecksPolicy;
use std::hint::black_box;
use std::time::Instant;

/// splitmix64: well-spread, reproducible values.
fn spread(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn print(n: u64, case: &str) -> Fingerprint {
    Fingerprint {
        item: format!("item-{n}"),
        case: case.to_string(),
        sha256: format!("{:016x}{:016x}{:016x}{:016x}", spread(n), spread(n + 1), spread(n + 2), spread(n + 3)),
        phash: Some(spread(n ^ 0xabcdef)),
    }
}

fn main() {
    // ~10 cases a day × 40 photos × 250 working days.
    const EARLIER: u64 = 100_000;
    const ITEMS: u64 = 60;
    const ROUNDS: u32 = 20;
    let earlier: Vec<Fingerprint> = (0..EARLIER).map(|n| print(n * 7, &format!("C{}", n / 40))).collect();
    let mut items: Vec<Fingerprint> = (0..ITEMS).map(|n| print(10_000_000 + n * 7, "NOW")).collect();
    // One reused photo and one near-identical one, so both paths are exercised.
    items[10].sha256 = earlier[5_000].sha256.clone();
    items[20].phash = earlier[70_000].phash.map(|h| h ^ 0b1011);
    let policy = ChecksPolicy::default().duplicates;

    let started = Instant::now();
    let mut found = 0;
    for _ in 0..ROUNDS {
        found = black_box(find_duplicates(black_box(&items), black_box(&earlier), &policy)).len();
    }
    let ours = started.elapsed().as_secs_f64() * 1000.0 / ROUNDS as f64;
    assert_eq!(found, 2);

    let hashes: Vec<u64> = earlier.iter().map(|f| f.phash.unwrap()).collect();
    let started = Instant::now();
    let mut close = 0usize;
    for _ in 0..ROUNDS {
        close = 0;
        for it in black_box(&items) {
            let h = it.phash.unwrap();
            close += black_box(&hashes).iter().filter(|e| (*e ^ h).count_ones() <= 6).count();
        }
    }
    let floor = started.elapsed().as_secs_f64() * 1000.0 / ROUNDS as f64;
    black_box(close);

    println!("duplicates: {ITEMS} items against {EARLIER} earlier fingerprints");
    println!("  kancha find_duplicates (exact + Hamming ≤ 6):  {ours:8.2} ms per case");
    println!("  floor: bare XOR+popcount scan of all hashes:   {floor:8.2} ms per case");
    println!("  ratio to the floor: {:.2}", ours / floor);
}
