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
    let (hom, samples) = mapping(quad, w, h, interp);
    // Convert only the part of the photo under the page to grey, once: the warp then reads one
    // byte per tap instead of three, and a smaller block of memory.
    let region = GrayRegion::new(img, quad);
    let mut out = vec![0u8; (w * h) as usize];
    if samples == 1 {
        linear_gray(&region, &hom, w, &mut out, Kernel::best());
    } else {
        smooth_gray(&region, &hom, w, samples, &mut out, Kernel::best());
    }
    GrayImage::from_raw(w, h, out).unwrap_or_else(|| GrayImage::new(w, h))
}

/// Which implementation of the inner loops runs: chosen once per call from what the CPU offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kernel {
    /// Plain Rust, any CPU.
    Scalar,
    /// x86-64 with AVX2: eight pixels at a time, taps fetched with gathers.
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl Kernel {
    /// The fastest kernel this CPU runs.
    fn best() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            return Kernel::Avx2;
        }
        Kernel::Scalar
    }
}

/// One row of BT.601 luma from packed RGB, with OpenCV's fixed-point weights (14 bits), so both
/// sides of the benchmark see the same grey.
fn luma_row(rgb: &[u8], dst: &mut [u8], kernel: Kernel) {
    let done = match kernel {
        // SAFETY: Avx2 is only chosen when the CPU reports AVX2 (which implies SSSE3).
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => unsafe { simd::luma_row(rgb, dst) },
        Kernel::Scalar => 0,
    };
    for (d, p) in dst[done..].iter_mut().zip(rgb[done * 3..].chunks_exact(3)) {
        *d = luma(p[0], p[1], p[2]);
    }
}

/// BT.601 luma in OpenCV's 14-bit fixed point.
#[inline(always)]
fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((r as u32 * 4899 + g as u32 * 9617 + b as u32 * 1868 + 8192) >> 14) as u8
}

/// Everything the per-row warp needs: the mapping in f32 and the clamping limits.
struct RowWarp<'a> {
    g: &'a [u8],
    stride: usize,
    m: [f32; 9],
    /// Region origin in fixed point, subtracted from photo positions.
    origin: (f32, f32),
    /// Largest fixed-point position whose 2×2 taps stay inside the region.
    max: (i32, i32),
}

impl<'a> RowWarp<'a> {
    /// The per-row warp of `region` through the output-to-photo mapping `m`.
    fn new(region: &'a GrayRegion, m: [f64; 9]) -> RowWarp<'a> {
        RowWarp {
            g: &region.px,
            stride: region.w,
            m: m.map(|v| v as f32),
            // Source positions in fixed point with 8 fractional bits (OpenCV's INTER_LINEAR uses 5).
            origin: (region.x0 as f32 * 256.0, region.y0 as f32 * 256.0),
            // Clamped in integers so a pixel on the page's very edge never reads outside.
            max: (((region.w - 2) * 256 + 255) as i32, ((region.h - 2) * 256 + 255) as i32),
        }
    }

    /// Output row `v` (fractional for sub-pixel samples), with the given kernel.
    fn row(&self, v: f32, row: &mut [u8], kernel: Kernel) {
        let done = match kernel {
            // SAFETY: Avx2 is only chosen when the CPU reports AVX2; the region has the 4 spare
            // bytes the gathers need.
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => unsafe { simd::warp_row(self, v, row) },
            Kernel::Scalar => 0,
        };
        warp_row_scalar(self, v, row, done);
    }
}

/// The bilinear warp for one sample per pixel, row by row, in 8-bit fixed point. The vector and
/// scalar kernels do the same arithmetic in the same order, so they give the same bytes.
fn linear_gray(region: &GrayRegion, hom: &Homography, w: u32, out: &mut [u8], kernel: Kernel) {
    let rw = RowWarp::new(region, hom.0);
    for (v, row) in out.chunks_exact_mut(w as usize).enumerate() {
        rw.row(v as f32, row, kernel);
    }
}

/// `n`×`n` bilinear samples spread evenly over each output pixel, averaged: the same fast rows,
/// shifted by a fraction of a pixel.
fn smooth_gray(region: &GrayRegion, hom: &Homography, w: u32, n: u32, out: &mut [u8], kernel: Kernel) {
    let offset = |k: u32| (k as f64 + 0.5) / n as f64 - 0.5;
    // Shifting u by a constant is a change of the mapping's last column.
    let shifted: Vec<RowWarp> = (0..n)
        .map(|sx| {
            let (m, d) = (hom.0, offset(sx));
            RowWarp::new(region, [m[0], m[1], m[0] * d + m[2], m[3], m[4], m[3] * d + m[5], m[6], m[7], m[6] * d + m[8]])
        })
        .collect();
    let count = (n * n) as usize;
    // Rounded means of every possible sum (at most 9 × 255), looked up instead of divided.
    let mean: Vec<u8> = (0..=count * 255).map(|s| ((s + count / 2) / count) as u8).collect();
    let mut sum = vec![0u16; w as usize];
    let mut sample = vec![0u8; w as usize];
    for (v, row) in out.chunks_exact_mut(w as usize).enumerate() {
        sum.fill(0);
        for sy in 0..n {
            let vv = (v as f64 + offset(sy)) as f32;
            for rw in &shifted {
                rw.row(vv, &mut sample, kernel);
                for (s, &p) in sum.iter_mut().zip(&sample) {
                    *s += p as u16;
                }
            }
        }
        for (o, &s) in row.iter_mut().zip(&sum) {
            *o = mean[s as usize];
        }
    }
}

/// The bilinear warp of one output row from pixel `from` on, one pixel at a time.
fn warp_row_scalar(rw: &RowWarp, v: f32, row: &mut [u8], from: usize) {
    let (m, g, stride) = (&rw.m, rw.g, rw.stride);
    let (bx, by, bw) = (m[1] * v + m[2], m[4] * v + m[5], m[7] * v + m[8]);
    for (u, px) in row.iter_mut().enumerate().skip(from) {
        let uf = u as f32;
        let iw = 256.0 / (m[6] * uf + bw);
        let xf = (((m[0] * uf + bx) * iw - rw.origin.0) as i32).clamp(0, rw.max.0);
        let yf = (((m[3] * uf + by) * iw - rw.origin.1) as i32).clamp(0, rw.max.1);
        let (fx, fy) = ((xf & 255) as u32, (yf & 255) as u32);
        let i = (yf >> 8) as usize * stride + (xf >> 8) as usize;
        let (r0, r1) = (&g[i..i + 2], &g[i + stride..i + stride + 2]);
        let top = r0[0] as u32 * (256 - fx) + r0[1] as u32 * fx;
        let bot = r1[0] as u32 * (256 - fx) + r1[1] as u32 * fx;
        *px = ((top * (256 - fy) + bot * fy + 32768) >> 16) as u8;
    }
}

/// The grey copy of the photo's rectangle around a page, at least 2×2 pixels.
struct GrayRegion {
    x0: usize,
    y0: usize,
    w: usize,
    h: usize,
    px: Vec<u8>,
}

impl GrayRegion {
    fn new(img: &RgbImage, quad: &Quad) -> GrayRegion {
        let (iw, ih) = (img.width() as usize, img.height() as usize);
        let xs = quad.0.map(|p| p.x);
        let ys = quad.0.map(|p| p.y);
        let lo = |v: [f64; 4], max: usize| (v.iter().copied().fold(f64::INFINITY, f64::min).floor() as isize - 2).clamp(0, max as isize - 2) as usize;
        let hi = |v: [f64; 4], max: usize| (v.iter().copied().fold(f64::NEG_INFINITY, f64::max).ceil() as isize + 2).clamp(1, max as isize - 1) as usize;
        let (x0, y0) = (lo(xs, iw), lo(ys, ih));
        let (x1, y1) = (hi(xs, iw).max(x0 + 1), hi(ys, ih).max(y0 + 1));
        let (w, h) = (x1 - x0 + 1, y1 - y0 + 1);
        let src = img.as_raw();
        // Four spare bytes at the end: the vector warp reads a whole 32-bit word at each tap.
        let mut px = vec![0u8; w * h + 4];
        let kernel = Kernel::best();
        for (y, dst) in (y0..=y1).zip(px.chunks_exact_mut(w)) {
            luma_row(&src[(y * iw + x0) * 3..(y * iw + x1 + 1) * 3], dst, kernel);
        }
        GrayRegion { x0, y0, w, h, px }
    }
}

#[cfg(target_arch = "x86_64")]
mod simd {
    //! AVX2 versions of the two hot loops: eight output pixels per step.
    use super::RowWarp;
    use std::arch::x86_64::*;

    /// Luma of as many whole 16-pixel groups of `rgb` as fit; returns how many pixels were done.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn luma_row(rgb: &[u8], dst: &mut [u8]) -> usize {
        let n = dst.len().min(rgb.len() / 3);
        // A 16-byte load at every 12th byte holds four whole pixels; the shuffles spread them
        // into (r, g) and (b, 0) pairs of 16-bit lanes for two multiply-adds.
        let rg = _mm_setr_epi8(0, -1, 1, -1, 3, -1, 4, -1, 6, -1, 7, -1, 9, -1, 10, -1);
        let bb = _mm_setr_epi8(2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1);
        let wrg = _mm_setr_epi16(4899, 9617, 4899, 9617, 4899, 9617, 4899, 9617);
        let wb = _mm_setr_epi16(1868, 0, 1868, 0, 1868, 0, 1868, 0);
        let half = _mm_set1_epi32(8192);
        let mut i = 0;
        // The last load of a group reads 4 bytes past its pixels: stop while they are in `rgb`.
        while i + 16 <= n && (i + 16) * 3 + 4 <= rgb.len() {
            let mut q = [_mm_setzero_si128(); 4];
            for (k, q) in q.iter_mut().enumerate() {
                let v = _mm_loadu_si128(rgb.as_ptr().add((i + 4 * k) * 3) as *const __m128i);
                let s = _mm_add_epi32(_mm_madd_epi16(_mm_shuffle_epi8(v, rg), wrg), _mm_madd_epi16(_mm_shuffle_epi8(v, bb), wb));
                *q = _mm_srli_epi32(_mm_add_epi32(s, half), 14);
            }
            let packed = _mm_packus_epi16(_mm_packs_epi32(q[0], q[1]), _mm_packs_epi32(q[2], q[3]));
            _mm_storeu_si128(dst.as_mut_ptr().add(i) as *mut __m128i, packed);
            i += 16;
        }
        i
    }

    /// The warp of as many whole 8-pixel groups of one output row as fit; returns how many
    /// pixels were done. Same arithmetic as `warp_row_scalar`, lane by lane.
    ///
    /// # Safety
    /// The CPU must support AVX2, and `rw.g` must hold 4 bytes past the region's last pixel.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn warp_row(rw: &RowWarp, v: f32, row: &mut [u8]) -> usize {
        let m = &rw.m;
        debug_assert!(rw.g.len() >= rw.stride * (rw.max.1 as usize / 256 + 2) + 4);
        let (bx, by, bw) = (m[1] * v + m[2], m[4] * v + m[5], m[7] * v + m[8]);
        let lanes = _mm256_setr_ps(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0);
        let (m0, m3, m6) = (_mm256_set1_ps(m[0]), _mm256_set1_ps(m[3]), _mm256_set1_ps(m[6]));
        let (bx, by, bw) = (_mm256_set1_ps(bx), _mm256_set1_ps(by), _mm256_set1_ps(bw));
        let (ox, oy) = (_mm256_set1_ps(rw.origin.0), _mm256_set1_ps(rw.origin.1));
        let (xmax, ymax) = (_mm256_set1_epi32(rw.max.0), _mm256_set1_epi32(rw.max.1));
        let zero = _mm256_setzero_si256();
        let one = _mm256_set1_ps(256.0);
        let (i256, mask) = (_mm256_set1_epi32(256), _mm256_set1_epi32(255));
        let stride = _mm256_set1_epi32(rw.stride as i32);
        // Bytes 0 and 1 of each 32-bit tap word (the left and right pixel) as two 16-bit lanes.
        let spread = _mm256_setr_epi8(
            0, -1, 1, -1, 4, -1, 5, -1, 8, -1, 9, -1, 12, -1, 13, -1, 0, -1, 1, -1, 4, -1, 5, -1, 8, -1, 9, -1, 12, -1, 13, -1,
        );
        let pick = _mm256_setr_epi8(
            0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        );
        let half = _mm256_set1_epi32(32768);
        let above = rw.g.as_ptr() as *const i32;
        let below = rw.g.as_ptr().add(rw.stride) as *const i32;
        let mut u = 0;
        while u + 8 <= row.len() {
            let uf = _mm256_add_ps(_mm256_set1_ps(u as f32), lanes);
            let iw = _mm256_div_ps(one, _mm256_add_ps(_mm256_mul_ps(m6, uf), bw));
            let xf = _mm256_sub_ps(_mm256_mul_ps(_mm256_add_ps(_mm256_mul_ps(m0, uf), bx), iw), ox);
            let yf = _mm256_sub_ps(_mm256_mul_ps(_mm256_add_ps(_mm256_mul_ps(m3, uf), by), iw), oy);
            let xi = _mm256_min_epi32(_mm256_max_epi32(_mm256_cvttps_epi32(xf), zero), xmax);
            let yi = _mm256_min_epi32(_mm256_max_epi32(_mm256_cvttps_epi32(yf), zero), ymax);
            let idx = _mm256_add_epi32(_mm256_mullo_epi32(_mm256_srli_epi32(yi, 8), stride), _mm256_srli_epi32(xi, 8));
            let top = _mm256_i32gather_epi32::<1>(above, idx);
            let bot = _mm256_i32gather_epi32::<1>(below, idx);
            let (fx, fy) = (_mm256_and_si256(xi, mask), _mm256_and_si256(yi, mask));
            let wx = _mm256_or_si256(_mm256_sub_epi32(i256, fx), _mm256_slli_epi32(fx, 16));
            let t = _mm256_madd_epi16(_mm256_shuffle_epi8(top, spread), wx);
            let b = _mm256_madd_epi16(_mm256_shuffle_epi8(bot, spread), wx);
            // t·(256 − fy) + b·fy, as t·256 + (b − t)·fy.
            let mixed = _mm256_add_epi32(_mm256_slli_epi32(t, 8), _mm256_mullo_epi32(_mm256_sub_epi32(b, t), fy));
            let p = _mm256_shuffle_epi8(_mm256_srli_epi32(_mm256_add_epi32(mixed, half), 16), pick);
            let dst = row.as_mut_ptr().add(u) as *mut u32;
            dst.write_unaligned(_mm_cvtsi128_si32(_mm256_castsi256_si128(p)) as u32);
            dst.add(1).write_unaligned(_mm_cvtsi128_si32(_mm256_extracti128_si256::<1>(p)) as u32);
            u += 8;
        }
        u
    }
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

    /// The flattening written the obvious way: f64 everywhere, luma from the exact weights.
    fn reference_gray(img: &RgbImage, quad: &Quad, size: (u32, u32)) -> GrayImage {
        reference_smooth(img, quad, size, 1)
    }

    /// The obvious `n`×`n` supersampled flattening.
    fn reference_smooth(img: &RgbImage, quad: &Quad, (w, h): (u32, u32), n: u32) -> GrayImage {
        let (wf, hf) = ((w - 1) as f64, (h - 1) as f64);
        let rect = [Point::new(0.0, 0.0), Point::new(wf, 0.0), Point::new(wf, hf), Point::new(0.0, hf)];
        let hom = Homography::from_points(&rect, &quad.0).unwrap();
        let (iw, ih) = (img.width() as f64, img.height() as f64);
        let luma = |x: f64, y: f64| {
            let p = img.get_pixel(x as u32, y as u32).0;
            0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64
        };
        let bilinear = |u: f64, v: f64| {
            let p = hom.apply(Point::new(u, v));
            let (x, y) = (p.x.clamp(0.0, iw - 1.0), p.y.clamp(0.0, ih - 1.0));
            let (x0, y0) = (x.floor().min(iw - 2.0), y.floor().min(ih - 2.0));
            let (fx, fy) = (x - x0, y - y0);
            let top = luma(x0, y0) * (1.0 - fx) + luma(x0 + 1.0, y0) * fx;
            let bot = luma(x0, y0 + 1.0) * (1.0 - fx) + luma(x0 + 1.0, y0 + 1.0) * fx;
            top * (1.0 - fy) + bot * fy
        };
        let off = |k: u32| (k as f64 + 0.5) / n as f64 - 0.5;
        GrayImage::from_fn(w, h, |u, v| {
            let mut sum = 0.0;
            for sy in 0..n {
                for sx in 0..n {
                    sum += bilinear(u as f64 + off(sx), v as f64 + off(sy));
                }
            }
            image::Luma([(sum / (n * n) as f64).round() as u8])
        })
    }

    /// A photo with smooth shading, hard-edged print and noise, so every error shows.
    fn busy_photo(w: u32, h: u32, seed: u64) -> RgbImage {
        let mut s = seed;
        RgbImage::from_fn(w, h, |x, y| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let noise = ((s >> 40) % 24) as f64;
            let shade = 120.0 + 60.0 * ((x as f64 / 37.0).sin() + (y as f64 / 23.0).cos()) / 2.0;
            let ink = if (x / 9 + y / 13) % 5 == 0 { -90.0 } else { 0.0 };
            let v = |k: f64| (shade * k + ink + noise).clamp(0.0, 255.0) as u8;
            image::Rgb([v(1.1), v(1.0), v(0.8)])
        })
    }

    #[test]
    fn the_fast_warp_matches_a_plain_reference_on_random_pages() {
        let mut s = 11u64;
        let mut rnd = move |lo: f64, hi: f64| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            lo + (hi - lo) * ((s >> 11) as f64 / (1u64 << 53) as f64)
        };
        let img = busy_photo(640, 480, 3);
        let (mut checked, mut within, mut worst) = (0usize, 0usize, 0u8);
        let mut pages = 0;
        while pages < 24 {
            // A page seen from a random angle: each corner moved independently, some past the
            // photo's edge (clamped reads), some shrunk, some enlarged.
            let quad = Quad([
                Point::new(rnd(-20.0, 250.0), rnd(-20.0, 200.0)),
                Point::new(rnd(390.0, 660.0), rnd(-20.0, 200.0)),
                Point::new(rnd(390.0, 660.0), rnd(280.0, 500.0)),
                Point::new(rnd(-20.0, 250.0), rnd(280.0, 500.0)),
            ]);
            let Ok(quad) = quad.validated(640, 480) else { continue };
            pages += 1;
            let size = (rnd(60.0, 700.0) as u32, rnd(60.0, 700.0) as u32 | 1);
            let want = reference_gray(&img, &quad, size);
            let (hom, _) = mapping(&quad, size.0, size.1, Interpolation::Linear);
            let region = GrayRegion::new(&img, &quad);
            let run = |kernel| {
                let mut out = vec![0u8; (size.0 * size.1) as usize];
                linear_gray(&region, &hom, size.0, &mut out, kernel);
                out
            };
            let (fast, plain) = (run(Kernel::best()), run(Kernel::Scalar));
            let first_diff = fast.iter().zip(&plain).position(|(a, b)| a != b);
            assert_eq!(first_diff, None, "vector and scalar kernels differ on page {pages} ({size:?})");
            assert!(flatten_gray(&img, &quad, size, Interpolation::Linear).into_raw() == fast, "flatten_gray takes the fast path");
            for (a, b) in fast.iter().zip(want.as_raw()) {
                let d = a.abs_diff(*b);
                worst = worst.max(d);
                within += (d <= 1) as usize;
            }
            checked += fast.len();
        }
        let share = within as f64 / checked as f64;
        assert!(share >= 0.999, "{:.4} % of {checked} pixels within 1 grey level (worst {worst})", share * 100.0);
        assert!(worst <= 2, "worst difference {worst} grey levels");
    }

    #[test]
    fn smooth_flattening_averages_like_a_plain_supersampler() {
        let img = busy_photo(640, 480, 9);
        // Shrunk 2.6× and 1.6×: three and two samples per axis.
        for (quad, size, n) in [
            (Quad([Point::new(20.0, 30.0), Point::new(610.0, 10.0), Point::new(630.0, 470.0), Point::new(5.0, 440.0)]), (240, 180), 3),
            (Quad([Point::new(40.0, 20.0), Point::new(600.0, 60.0), Point::new(560.0, 450.0), Point::new(30.0, 400.0)]), (360, 270), 2),
        ] {
            assert_eq!(mapping(&quad, size.0, size.1, Interpolation::Smooth).1, n);
            let got = flatten_gray(&img, &quad, size, Interpolation::Smooth);
            let want = reference_smooth(&img, &quad, size, n);
            let within = got.as_raw().iter().zip(want.as_raw()).filter(|(a, b)| a.abs_diff(**b) <= 1).count();
            let worst = got.as_raw().iter().zip(want.as_raw()).map(|(a, b)| a.abs_diff(*b)).max().unwrap();
            assert!(within as f64 >= 0.999 * got.as_raw().len() as f64 && worst <= 2, "{n} samples: {within} of {} within 1, worst {worst}", got.as_raw().len());
        }
    }

    #[test]
    fn the_fast_grey_conversion_matches_the_scalar_one_for_every_row_length() {
        let img = busy_photo(97, 3, 5);
        for len in 0..=97usize {
            let rgb = &img.as_raw()[..len * 3];
            let (mut fast, mut plain) = (vec![0u8; len], vec![0u8; len]);
            luma_row(rgb, &mut fast, Kernel::best());
            luma_row(rgb, &mut plain, Kernel::Scalar);
            assert_eq!(fast, plain, "row of {len} pixels");
        }
    }
}
