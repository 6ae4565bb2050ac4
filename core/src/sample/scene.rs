//! Procedural pictures for sample photos: a street scene and its blurred, dark and bright variants.

use image::{Rgb, RgbImage};
use serde::{Deserialize, Serialize};

/// What a sample photo shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scene {
    /// Sky, road, lane markings, two cars and a sign: sharp, well exposed.
    Street { seed: u64 },
    /// The street scene, strongly blurred.
    Blurred { seed: u64 },
    /// The street scene at night without flash.
    Dark { seed: u64 },
    /// The street scene washed out by the sun.
    Bright { seed: u64 },
    /// Four flat quadrants (red, green / blue, white), to check orientation.
    Quadrants,
    /// The street scene with fine sensor-like texture, which makes a realistic file size.
    Detailed { seed: u64 },
}

impl Scene {
    /// Renders the scene at the given size.
    pub fn render(&self, w: u32, h: u32) -> RgbImage {
        match *self {
            Scene::Street { seed } => street(w, h, seed, 6),
            Scene::Detailed { seed } => street(w, h, seed, 20),
            Scene::Blurred { seed } => box_blur(&street(w, h, seed, 6), (w.max(h) / 90).max(3)),
            Scene::Dark { seed } => map(street(w, h, seed, 6), |v| (v as f32 * 0.10) as u8),
            Scene::Bright { seed } => map(street(w, h, seed, 6), |v| (235.0 + v as f32 * 0.08).min(255.0) as u8),
            Scene::Quadrants => RgbImage::from_fn(w, h, |x, y| match (x < w / 2, y < h / 2) {
                (true, true) => Rgb([220, 30, 30]),
                (false, true) => Rgb([30, 200, 30]),
                (true, false) => Rgb([30, 30, 220]),
                (false, false) => Rgb([240, 240, 240]),
            }),
        }
    }
}

/// A tiny deterministic generator (xorshift64*), so the same spec always gives the same bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u32) -> u32 {
        (self.next() % n.max(1) as u64) as u32
    }
}

fn street(w: u32, h: u32, seed: u64, noise: i32) -> RgbImage {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let horizon = h * (30 + rng.below(20)) / 100;
    let sky = [100 + rng.below(60), 140 + rng.below(60), 190 + rng.below(50)];
    let mut img = RgbImage::from_fn(w, h, |x, y| {
        if y < horizon {
            let t = y as f32 / horizon as f32;
            Rgb([(sky[0] as f32 + 50.0 * t) as u8, (sky[1] as f32 + 40.0 * t) as u8, (sky[2] as f32 - 20.0 * t) as u8])
        } else {
            let g = 90 + ((x / 7 + y / 5) % 9) as u8;
            Rgb([g, g, g + 4])
        }
    });
    // A skyline whose shape differs per seed, so different samples hash far apart.
    let mut x = 0;
    while x < w {
        let bw = w / 16 + rng.below(w / 8);
        let bh = h / 12 + rng.below(horizon.max(2) * 3 / 4);
        let shade = 60 + rng.below(150) as u8;
        fill(&mut img, x, horizon.saturating_sub(bh), bw, bh, Rgb([shade, shade.saturating_sub(10), shade / 2 + 40]));
        x += bw + rng.below(w / 20);
    }
    // Lane markings.
    for i in 0..8 {
        let x0 = i * w / 8 + w / 32;
        fill(&mut img, x0, h * 3 / 4, w / 24, h / 60 + 1, Rgb([235, 235, 225]));
    }
    // Two cars with windows, wheels and plates.
    for k in 0..2u32 {
        let colour = Rgb([40 + rng.below(200) as u8, 30 + rng.below(150) as u8, 40 + rng.below(200) as u8]);
        let cw = w / 4 + rng.below(w / 10);
        let ch = h / 6 + rng.below(h / 12);
        let cx = rng.below(w / 6) + k * w / 2;
        let cy = horizon + h / 8 + rng.below(h / 6);
        fill(&mut img, cx, cy, cw, ch, colour);
        fill(&mut img, cx + cw / 6, cy - ch / 2, cw * 2 / 3, ch / 2, Rgb([70, 90, 110]));
        fill(&mut img, cx + cw / 5, cy - ch * 2 / 5, cw / 4, ch / 3, Rgb([170, 200, 220]));
        fill(&mut img, cx + cw / 2, cy - ch * 2 / 5, cw / 4, ch / 3, Rgb([170, 200, 220]));
        for wx in [cx + cw / 8, cx + cw * 5 / 8] {
            fill(&mut img, wx, cy + ch * 3 / 4, cw / 4, ch / 3, Rgb([20, 20, 20]));
        }
        // Plate with glyph-like strokes.
        let (px, py, pw, ph) = (cx + cw * 3 / 8, cy + ch / 3, cw / 4, ch / 5);
        fill(&mut img, px, py, pw, ph, Rgb([20, 60, 200]));
        for g in 0..7 {
            let gx = px + 2 + g * pw / 7;
            fill(&mut img, gx, py + ph / 5, (pw / 20).max(1), ph * 3 / 5, Rgb([245, 245, 245]));
            fill(&mut img, gx, py + ph / 2, pw / 10, (ph / 10).max(1), Rgb([245, 245, 245]));
        }
    }
    // A road sign on a pole.
    let sx = w * 7 / 8;
    fill(&mut img, sx, horizon - h / 10, w / 200 + 2, h / 3, Rgb([90, 90, 90]));
    fill(&mut img, sx - w / 30, horizon - h / 6, w / 15, h / 12, Rgb([20, 110, 60]));
    // Sensor noise: fine texture that gives a realistic entropy.
    if noise > 0 {
        for p in img.pixels_mut() {
            let n = (rng.below(2 * noise as u32 + 1) as i32) - noise;
            for c in p.0.iter_mut() {
                *c = (*c as i32 + n).clamp(0, 255) as u8;
            }
        }
    }
    img
}

fn fill(img: &mut RgbImage, x: u32, y: u32, w: u32, h: u32, c: Rgb<u8>) {
    let (iw, ih) = img.dimensions();
    for yy in y.min(ih)..(y + h).min(ih) {
        for xx in x.min(iw)..(x + w).min(iw) {
            img.put_pixel(xx, yy, c);
        }
    }
}

fn map(mut img: RgbImage, f: impl Fn(u8) -> u8) -> RgbImage {
    img.pixels_mut().for_each(|p| p.0.iter_mut().for_each(|c| *c = f(*c)));
    img
}

/// Separable box blur with edge clamping, applied three times (close to a Gaussian).
fn box_blur(img: &RgbImage, r: u32) -> RgbImage {
    let mut out = img.clone();
    for _ in 0..3 {
        out = blur_pass(&out, r, true);
        out = blur_pass(&out, r, false);
    }
    out
}

fn blur_pass(img: &RgbImage, r: u32, horizontal: bool) -> RgbImage {
    let (w, h) = img.dimensions();
    let (len, lines) = if horizontal { (w, h) } else { (h, w) };
    let mut out = RgbImage::new(w, h);
    let r = r as i64;
    let at = |line: u32, i: i64| {
        let i = i.clamp(0, len as i64 - 1) as u32;
        if horizontal { img.get_pixel(i, line).0 } else { img.get_pixel(line, i).0 }
    };
    for line in 0..lines {
        let mut sum = [0i64; 3];
        for i in -r..=r {
            let p = at(line, i);
            (0..3).for_each(|c| sum[c] += p[c] as i64);
        }
        for i in 0..len as i64 {
            let v = Rgb(sum.map(|s| (s / (2 * r + 1)) as u8));
            if horizontal { out.put_pixel(i as u32, line, v) } else { out.put_pixel(line, i as u32, v) }
            let (add, sub) = (at(line, i + r + 1), at(line, i - r));
            (0..3).for_each(|c| sum[c] += add[c] as i64 - sub[c] as i64);
        }
    }
    out
}
