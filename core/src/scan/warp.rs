//! Flattening: maps the page outline in the photo onto an upright rectangle of the document's
//! real shape, sampling the photo through the inverse homography.

use super::doctype::PageGeometry;
use super::geometry::{Homography, Point, Quad};
use image::{GrayImage, RgbImage};
use serde::{Deserialize, Serialize};

/// How source pixels are blended into each output pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Interpolation {
    /// Bilinear from the four nearest pixels (what OpenCV calls INTER_LINEAR).
    Linear,
    /// Bilinear, plus several samples per output pixel where the page is shrunk, so fine print
    /// does not alias. Slower when shrinking by more than 1.3×.
    #[default]
    Smooth,
}

/// Width and height of the flattened page in pixels.
pub fn output_size(quad: &Quad, geometry: &PageGeometry) -> (u32, u32) {
    let [top, right, bottom, left] = quad.sides();
    let (mw, mh) = ((top + bottom) / 2.0, (left + right) / 2.0);
    match geometry {
        PageGeometry::Fixed(f) => {
            let long = (f.long_mm / 25.4 * f.dpi).round().max(16.0) as u32;
            let short = (f.short_mm / 25.4 * f.dpi).round().max(16.0) as u32;
            if mw >= mh {
                (long, short)
            } else {
                (short, long)
            }
        }
        PageGeometry::Measured(m) => {
            let s = (m.max_long_px as f64 / mw.max(mh)).min(1.0);
            ((mw * s).round().max(16.0) as u32, (mh * s).round().max(16.0) as u32)
        }
    }
}

/// The mapping from output pixels to photo pixels, and how many samples per axis to take.
fn mapping(quad: &Quad, w: u32, h: u32, interp: Interpolation) -> (Homography, u32) {
    let (wf, hf) = ((w - 1).max(1) as f64, (h - 1).max(1) as f64);
    let rect = [Point::new(0.0, 0.0), Point::new(wf, 0.0), Point::new(wf, hf), Point::new(0.0, hf)];
    // A validated quad always gives an invertible mapping; the identity only guards the impossible.
    let hom = Homography::from_points(&rect, &quad.0).unwrap_or(Homography([1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]));
    let [top, right, bottom, left] = quad.sides();
    let shrink = (top.max(bottom) / wf).max(right.max(left) / hf);
    let samples = match interp {
        Interpolation::Linear => 1,
        Interpolation::Smooth if shrink > 1.3 => (shrink.ceil() as u32).min(3),
        Interpolation::Smooth => 1,
    };
    (hom, samples)
}

/// Visits every output pixel with the photo positions to sample for it.
#[inline(always)]
fn for_each_sample<F: FnMut(usize, f32, f32, f32)>(hom: &Homography, w: u32, h: u32, samples: u32, mut f: F) {
    let m = hom.0.map(|v| v as f32);
    let n = samples as f32;
    let weight = 1.0 / (n * n);
    for v in 0..h {
        for su in 0..samples {
            let vv = v as f32 + (su as f32 + 0.5) / n - 0.5;
            let (bx, by, bw) = (m[1] * vv + m[2], m[4] * vv + m[5], m[7] * vv + m[8]);
            for sx in 0..samples {
                let off = (sx as f32 + 0.5) / n - 0.5;
                let row = (v * w) as usize;
                for u in 0..w {
                    let uu = u as f32 + off;
                    let iw = 1.0 / (m[6] * uu + bw);
                    f(row + u as usize, (m[0] * uu + bx) * iw, (m[3] * uu + by) * iw, weight);
                }
            }
        }
    }
}

/// Top-left tap index and the two fractions of a bilinear sample, clamped to the image.
#[inline(always)]
fn tap(x: f32, y: f32, iw: u32, ih: u32) -> (usize, usize, usize, f32, f32) {
    let xc = x.clamp(0.0, (iw - 1) as f32);
    let yc = y.clamp(0.0, (ih - 1) as f32);
    let (x0, y0) = (xc as u32, yc as u32);
    let dx = if x0 + 1 < iw { 1 } else { 0 };
    let dy = if y0 + 1 < ih { iw as usize } else { 0 };
    ((y0 * iw + x0) as usize, dx, dy, xc - x0 as f32, yc - y0 as f32)
}

/// The page flattened to `w`×`h`, in colour.
pub fn flatten_rgb(img: &RgbImage, quad: &Quad, (w, h): (u32, u32), interp: Interpolation) -> RgbImage {
    let (iw, ih) = img.dimensions();
    let src = img.as_raw();
    let (hom, samples) = mapping(quad, w, h, interp);
    let mut acc = vec![0f32; (w * h * 3) as usize];
    for_each_sample(&hom, w, h, samples, |o, x, y, wt| {
        let (i, dx, dy, fx, fy) = tap(x, y, iw, ih);
        for c in 0..3 {
            let p = |k: usize| src[(i + k) * 3 + c] as f32;
            let top = p(0) + (p(dx) - p(0)) * fx;
            let bot = p(dy) + (p(dy + dx) - p(dy)) * fx;
            acc[o * 3 + c] += (top + (bot - top) * fy) * wt;
        }
    });
    RgbImage::from_raw(w, h, acc.into_iter().map(|v| (v + 0.5).min(255.0) as u8).collect()).unwrap_or_else(|| RgbImage::new(w, h))
}

/// The page flattened to `w`×`h`, in grey (ITU-R BT.601 luma, as OpenCV's RGB2GRAY).
pub fn flatten_gray(img: &RgbImage, quad: &Quad, (w, h): (u32, u32), interp: Interpolation) -> GrayImage {
    let (iw, ih) = img.dimensions();
    let src = img.as_raw();
    let (hom, samples) = mapping(quad, w, h, interp);
    let luma = |k: usize| 0.299 * src[k * 3] as f32 + 0.587 * src[k * 3 + 1] as f32 + 0.114 * src[k * 3 + 2] as f32;
    let mut out = vec![0u8; (w * h) as usize];
    if samples == 1 {
        for_each_sample(&hom, w, h, 1, |o, x, y, _| {
            let (i, dx, dy, fx, fy) = tap(x, y, iw, ih);
            let (a, b, c, d) = (luma(i), luma(i + dx), luma(i + dy), luma(i + dy + dx));
            let top = a + (b - a) * fx;
            let bot = c + (d - c) * fx;
            out[o] = (top + (bot - top) * fy + 0.5).min(255.0) as u8;
        });
    } else {
        let mut acc = vec![0f32; (w * h) as usize];
        for_each_sample(&hom, w, h, samples, |o, x, y, wt| {
            let (i, dx, dy, fx, fy) = tap(x, y, iw, ih);
            let (a, b, c, d) = (luma(i), luma(i + dx), luma(i + dy), luma(i + dy + dx));
            let top = a + (b - a) * fx;
            let bot = c + (d - c) * fx;
            acc[o] += (top + (bot - top) * fy) * wt;
        });
        for (o, v) in out.iter_mut().zip(acc) {
            *o = (v + 0.5).min(255.0) as u8;
        }
    }
    GrayImage::from_raw(w, h, out).unwrap_or_else(|| GrayImage::new(w, h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::doctype::{Catalogue, DocType};

    #[test]
    fn a_card_seen_in_landscape_flattens_to_id1_at_300_dpi() {
        let c = Catalogue::builtin();
        let g = c.geometry(c.profile(Some(DocType::DriverLicence)));
        let quad = Quad([Point::new(10.0, 10.0), Point::new(810.0, 30.0), Point::new(800.0, 520.0), Point::new(20.0, 500.0)]);
        assert_eq!(output_size(&quad, &g), (1011, 638));
        let a4 = c.geometry(c.profile(Some(DocType::ClaimForm)));
        let tall = Quad([Point::new(10.0, 10.0), Point::new(500.0, 10.0), Point::new(500.0, 700.0), Point::new(10.0, 700.0)]);
        assert_eq!(output_size(&tall, &a4), (1654, 2339));
    }

    #[test]
    fn flattening_an_upright_rectangle_copies_its_pixels() {
        let img = RgbImage::from_fn(40, 30, |x, y| image::Rgb([(x * 6) as u8, (y * 8) as u8, 100]));
        let quad = Quad([Point::new(5.0, 4.0), Point::new(24.0, 4.0), Point::new(24.0, 19.0), Point::new(5.0, 19.0)]);
        let out = flatten_rgb(&img, &quad, (20, 16), Interpolation::Linear);
        assert_eq!(out.get_pixel(0, 0), img.get_pixel(5, 4));
        assert_eq!(out.get_pixel(19, 15), img.get_pixel(24, 19));
        assert_eq!(out.get_pixel(7, 9), img.get_pixel(12, 13));
        let gray = flatten_gray(&img, &quad, (20, 16), Interpolation::Linear);
        let p = img.get_pixel(12, 13).0;
        let want = 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32;
        assert!((gray.get_pixel(7, 9).0[0] as f32 - want).abs() <= 1.0);
    }
}
