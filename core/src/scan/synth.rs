//! Synthetic document photos with known corners: pages with text-like print, ruled lines, a photo
//! box and a stamp, laid on a surface at a chosen angle, then blurred, shadowed and made noisy.
//! They are the ground truth the scan tests and benchmark measure against.

use super::geometry::{Homography, Point, Quad};
use image::{Rgb, RgbImage};

/// A small deterministic random source (64-bit LCG), so every test image is reproducible.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407))
    }

    /// Uniform in 0..1.
    pub fn unit(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32) / (1u64 << 24) as f32
    }

    /// Uniform in lo..hi.
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }

    /// Roughly normal, mean 0, deviation 1.
    pub fn normal(&mut self) -> f32 {
        (0..4).map(|_| self.unit()).sum::<f32>().mul_add(1.732, -3.464)
    }
}

fn fill(img: &mut RgbImage, x0: f32, y0: f32, x1: f32, y1: f32, c: [u8; 3]) {
    let (w, h) = img.dimensions();
    let xs = x0.max(0.0) as u32;
    let ys = y0.max(0.0) as u32;
    let xe = (x1.max(0.0) as u32).min(w);
    let ye = (y1.max(0.0) as u32).min(h);
    for y in ys..ye {
        for x in xs..xe {
            img.put_pixel(x, y, Rgb(c));
        }
    }
}

/// A flat page `w`×`h`: title, lines of word-like print, ruled fields, a photo box, a red stamp.
pub fn render_page(w: u32, h: u32, seed: u64) -> RgbImage {
    let mut rng = Rng::new(seed);
    let mut img = RgbImage::from_pixel(w, h, Rgb([236, 234, 228]));
    let (wf, hf) = (w as f32, h as f32);
    let unit = wf.min(hf) / 60.0;
    let margin = 0.07 * wf.min(hf);
    let ink = [28, 30, 42];
    // Title.
    let mut x = margin;
    while x < wf * 0.55 {
        let cw = unit * rng.range(1.2, 1.8);
        fill(&mut img, x, margin, x + cw * 0.35, margin + 2.2 * unit, ink);
        fill(&mut img, x, margin + 0.9 * unit, x + cw, margin + 1.3 * unit, ink);
        x += cw * 1.4;
    }
    // Photo box (as on a licence) with a border.
    let (px0, py0, px1, py1) = (wf * 0.68, margin, wf - margin, margin + (hf - 2.0 * margin) * 0.45);
    fill(&mut img, px0 - 0.3 * unit, py0 - 0.3 * unit, px1 + 0.3 * unit, py1 + 0.3 * unit, [60, 60, 70]);
    for y in py0 as u32..(py1 as u32).min(h) {
        for x in px0 as u32..(px1 as u32).min(w) {
            let t = (y as f32 - py0) / (py1 - py0);
            let s = (x as f32 - px0) / (px1 - px0);
            img.put_pixel(x, y, Rgb([(90.0 + 110.0 * s) as u8, (120.0 + 60.0 * t) as u8, (170.0 - 80.0 * t) as u8]));
        }
    }
    // Lines of "words" made of strokes, left of the photo box then across the page.
    let line_h = 2.4 * unit;
    let mut y = margin + 4.0 * unit;
    let mut row = 0;
    while y + line_h < hf - margin {
        let right = if y < py1 + unit { px0 - 2.0 * unit } else { wf - margin };
        let mut x = margin;
        while x < right - 3.0 * unit {
            let letters = 2 + (rng.unit() * 6.0) as u32;
            for _ in 0..letters {
                let cw = unit * rng.range(0.7, 1.1);
                if x + cw > right {
                    break;
                }
                let stroke = (0.18 * unit).max(1.0);
                let top = y + rng.range(0.0, 0.4) * unit;
                fill(&mut img, x, top, x + stroke, y + 1.2 * unit, ink);
                match (rng.unit() * 3.0) as u32 {
                    0 => fill(&mut img, x, y + 0.55 * unit, x + cw * 0.8, y + 0.55 * unit + stroke, ink),
                    1 => fill(&mut img, x + cw * 0.7, top, x + cw * 0.7 + stroke, y + 1.2 * unit, ink),
                    _ => fill(&mut img, x, top, x + cw * 0.8, top + stroke, ink),
                }
                x += cw;
            }
            x += unit * rng.range(0.8, 1.4);
        }
        // Every third line is a form field: a ruled line under it.
        if row % 3 == 2 {
            fill(&mut img, margin, y + 1.6 * unit, wf - margin, y + 1.6 * unit + (0.1 * unit).max(1.0), [90, 90, 100]);
        }
        y += line_h;
        row += 1;
    }
    // A red stamp ring near the bottom right.
    let (cx, cy, r) = (wf * 0.75, hf - margin - 5.0 * unit, 4.0 * unit);
    for yy in (cy - r - 1.0).max(0.0) as u32..((cy + r + 1.0) as u32).min(h) {
        for xx in (cx - r - 1.0).max(0.0) as u32..((cx + r + 1.0) as u32).min(w) {
            let d = (xx as f32 - cx).hypot(yy as f32 - cy);
            if d <= r && d >= r - 0.5 * unit {
                img.put_pixel(xx, yy, Rgb([200, 40, 45]));
            }
        }
    }
    img
}

/// What the page lies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// Brown wood grain.
    Wood,
    /// A dark desk.
    DarkDesk,
    /// Light grey cloth: low contrast with the paper.
    GreyCloth,
    /// A car seat with stitching and scattered objects.
    Clutter,
}

/// How the synthetic photo is taken.
#[derive(Debug, Clone, Copy)]
pub struct Shot {
    /// Photo width.
    pub width: u32,
    /// Photo height.
    pub height: u32,
    /// Where the page's corners land, clockwise from the page's top-left; `None` for no page.
    pub corners: Option<Quad>,
    /// The surface under the page.
    pub surface: Surface,
    /// Gaussian blur sigma in photo pixels.
    pub blur: f32,
    /// Darkening of a shadow across part of the photo, 0..1.
    pub shadow: f32,
    /// Sensor noise deviation in grey levels.
    pub noise: f32,
    /// A reflection washing out the middle of the page.
    pub glare: bool,
    /// Seed for the surface texture and the noise.
    pub seed: u64,
}

fn surface(s: Surface, x: f32, y: f32, blobs: &[(f32, f32, f32, [f32; 3])]) -> [f32; 3] {
    match s {
        Surface::Wood => {
            let g = 18.0 * (y * 0.045 + 3.0 * (x * 0.004).sin()).sin() + 6.0 * (y * 0.31).sin();
            [128.0 + g, 86.0 + 0.7 * g, 52.0 + 0.4 * g]
        }
        Surface::DarkDesk => {
            let g = 5.0 * (x * 0.013 + y * 0.007).sin();
            [48.0 + g, 50.0 + g, 57.0 + g]
        }
        Surface::GreyCloth => {
            let g = 4.0 * (x * 0.9).sin() * (y * 0.9).sin() + 6.0 * (x * 0.002 - y * 0.003).sin();
            [168.0 + g, 164.0 + g, 156.0 + g]
        }
        Surface::Clutter => {
            let mut c = [92.0, 88.0, 96.0];
            if (x + 0.3 * y) as i32 % 97 < 3 {
                c = [140.0, 140.0, 130.0];
            }
            for &(bx, by, r, col) in blobs {
                if (x - bx).hypot(y - by) < r {
                    c = col;
                }
            }
            c
        }
    }
}

/// Photographs `page` as `shot` says.
pub fn photograph(page: &RgbImage, shot: &Shot) -> RgbImage {
    let mut rng = Rng::new(shot.seed);
    let (w, h) = (shot.width, shot.height);
    let (pw, ph) = (page.width() as f64, page.height() as f64);
    let rect = [Point::new(0.0, 0.0), Point::new(pw - 1.0, 0.0), Point::new(pw - 1.0, ph - 1.0), Point::new(0.0, ph - 1.0)];
    let inverse = shot.corners.and_then(|q| Homography::from_points(&q.0, &rect));
    let blobs: Vec<(f32, f32, f32, [f32; 3])> = (0..6)
        .map(|_| {
            let c = [rng.range(20.0, 230.0), rng.range(20.0, 230.0), rng.range(20.0, 230.0)];
            (rng.range(0.0, w as f32), rng.range(0.0, h as f32), rng.range(0.03, 0.12) * w as f32, c)
        })
        .collect();
    let src = page.as_raw();
    let sample = |x: f64, y: f64| -> Option<[f32; 3]> {
        if !(x >= 0.0 && y >= 0.0 && x <= pw - 1.0 && y <= ph - 1.0) {
            return None;
        }
        let (x0, y0) = (x as usize, y as usize);
        let (x1, y1) = ((x0 + 1).min(pw as usize - 1), (y0 + 1).min(ph as usize - 1));
        let (fx, fy) = ((x - x0 as f64) as f32, (y - y0 as f64) as f32);
        let at = |xx: usize, yy: usize, c: usize| src[(yy * pw as usize + xx) * 3 + c] as f32;
        Some([0, 1, 2].map(|c| {
            let t = at(x0, y0, c) * (1.0 - fx) + at(x1, y0, c) * fx;
            let b = at(x0, y1, c) * (1.0 - fx) + at(x1, y1, c) * fx;
            t * (1.0 - fy) + b * fy
        }))
    };
    let page_centre = shot.corners.map(|q| {
        let c = q.0.iter().fold(Point::new(0.0, 0.0), |a, p| Point::new(a.x + p.x / 4.0, a.y + p.y / 4.0));
        (c, q.diagonal())
    });
    let mut buf = vec![0f32; (w * h * 3) as usize];
    for y in 0..h {
        for x in 0..w {
            let mut acc = [0f32; 3];
            // 2×2 samples per pixel so the page's outline and print are anti-aliased.
            for (ox, oy) in [(-0.25, -0.25), (0.25, -0.25), (-0.25, 0.25), (0.25, 0.25)] {
                let (sx, sy) = (x as f64 + ox, y as f64 + oy);
                let c = inverse
                    .map(|hm| hm.apply(Point::new(sx, sy)))
                    .and_then(|p| sample(p.x, p.y))
                    .unwrap_or_else(|| surface(shot.surface, sx as f32, sy as f32, &blobs));
                for k in 0..3 {
                    acc[k] += c[k] / 4.0;
                }
            }
            // A soft shadow falling across the lower-left part of the photo.
            let t = ((x as f32 / w as f32) - (y as f32 / h as f32) + 0.1) * 6.0;
            let shade = 1.0 - shot.shadow * (1.0 / (1.0 + t.exp()));
            let mut boost = 0.0;
            if let (true, Some((c, d))) = (shot.glare, page_centre) {
                let r = (x as f64 - c.x).hypot(y as f64 - c.y) / (0.14 * d);
                boost = 400.0 * (-(r * r) as f32).exp();
            }
            let i = ((y * w + x) * 3) as usize;
            for k in 0..3 {
                buf[i + k] = acc[k] * shade + boost;
            }
        }
    }
    if shot.blur > 0.0 {
        gaussian(&mut buf, w as usize, h as usize, shot.blur);
    }
    let out: Vec<u8> = buf.iter().map(|v| (v + shot.noise * rng.normal()).clamp(0.0, 255.0) as u8).collect();
    RgbImage::from_raw(w, h, out).unwrap_or_else(|| RgbImage::new(w, h))
}

/// Separable Gaussian blur of an interleaved RGB float buffer.
fn gaussian(buf: &mut [f32], w: usize, h: usize, sigma: f32) {
    let r = (3.0 * sigma).ceil() as isize;
    let k: Vec<f32> = (-r..=r).map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp()).collect();
    let sum: f32 = k.iter().sum();
    let k: Vec<f32> = k.iter().map(|v| v / sum).collect();
    let mut tmp = vec![0f32; buf.len()];
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                let mut a = 0.0;
                for (j, kv) in k.iter().enumerate() {
                    let xx = (x as isize + j as isize - r).clamp(0, w as isize - 1) as usize;
                    a += kv * buf[(y * w + xx) * 3 + c];
                }
                tmp[(y * w + x) * 3 + c] = a;
            }
        }
    }
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                let mut a = 0.0;
                for (j, kv) in k.iter().enumerate() {
                    let yy = (y as isize + j as isize - r).clamp(0, h as isize - 1) as usize;
                    a += kv * tmp[(yy * w + x) * 3 + c];
                }
                buf[(y * w + x) * 3 + c] = a;
            }
        }
    }
}
