//! Enhancement of a flattened page: even lighting, white paper, stronger ink. Colour is kept for
//! licences and cards; forms go black-and-white.

use image::{GrayImage, RgbImage};

/// Paper brightness the colour mode aims for.
const PAPER: f32 = 245.0;

/// Black ink on white paper: each pixel against the mean of its neighbourhood (`block` pixels
/// square, odd; the page's edge rows and columns repeat outward), so shadows and uneven light do
/// not blacken the page. `offset` is how much darker than its surroundings a pixel must be to
/// count as ink. Pixel for pixel what OpenCV's `adaptiveThreshold` (mean, binary) gives.
pub fn black_and_white(gray: &GrayImage, block: u32, offset: f32) -> GrayImage {
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    if w == 0 || h == 0 {
        return GrayImage::new(w as u32, h as u32);
    }
    let src = gray.as_raw();
    let row = |y: usize| &src[y * w..y * w + w];
    let r = (block / 2) as usize;
    // Every window is full (edges repeat), so every pixel divides by the same count.
    let n = ((2 * r + 1) * (2 * r + 1)) as u32;
    let off = offset.ceil().max(0.0) as u32;
    // Column sums over the window's rows, slid down one row at a time: a few kilobytes that stay
    // in cache, instead of a whole-page integral image.
    let mut cols = vec![0u32; w];
    for k in 0..=2 * r {
        for (c, &v) in cols.iter_mut().zip(row(k.saturating_sub(r).min(h - 1))) {
            *c += v as u32;
        }
    }
    // Running sum of the column sums along the row, with the edge columns repeated r times.
    let mut run = vec![0u32; w + 2 * r + 1];
    let mut out = vec![0u8; w * h];
    for (y, dst) in out.chunks_exact_mut(w).enumerate() {
        let (first, last) = (cols[0], cols[w - 1]);
        let (left, rest) = run[1..].split_at_mut(r);
        let (mid, right) = rest.split_at_mut(w);
        let mut acc = 0u32;
        for p in left {
            acc += first;
            *p = acc;
        }
        for (p, &c) in mid.iter_mut().zip(&cols) {
            acc += c;
            *p = acc;
        }
        for p in right {
            acc += last;
            *p = acc;
        }
        // White when v > round(sum / n) - offset; as integers, without a division:
        // (v + offset)·2n > 2·sum + n. One shape of loop, which the compiler vectorises.
        let (lo, hi) = (&run[..w], &run[2 * r + 1..]);
        for (((d, &v), &a), &b) in dst.iter_mut().zip(row(y)).zip(lo).zip(hi) {
            *d = if (v as u32 + off) * 2 * n > 2 * (b - a) + n { 255 } else { 0 };
        }
        // Slide the window down one row.
        let (add, sub) = ((y + r + 1).min(h - 1), y.saturating_sub(r));
        for ((c, &a), &s) in cols.iter_mut().zip(row(add)).zip(row(sub)) {
            *c = *c + a as u32 - s as u32;
        }
    }
    GrayImage::from_raw(w as u32, h as u32, out).unwrap_or_else(|| GrayImage::new(w as u32, h as u32))
}

/// Block size and offset of the black-and-white mode at a given output resolution.
pub fn black_and_white_params(dpi: f64) -> (u32, f32) {
    // About 4 mm: wider than any pen stroke, narrower than a shadow's soft edge.
    let block = ((dpi * 0.16).round() as u32) | 1;
    (block.max(11), 12.0)
}

/// Even lighting and white balance, colours kept: each channel is divided by the paper colour
/// estimated around each pixel, then the darkest ink is stretched to black.
pub fn colour(rgb: &RgbImage) -> RgbImage {
    let (w, h) = (rgb.width() as usize, rgb.height() as usize);
    let src = rgb.as_raw();
    let cell = (w.min(h) / 12).max(8);
    let (cw, ch) = (w.div_ceil(cell), h.div_ceil(cell));
    // Paper colour per cell: the mean of its brightest quarter of pixels.
    let mut paper = vec![[PAPER; 3]; cw * ch];
    let mut hist = [0u32; 256];
    for cy in 0..ch {
        for cx in 0..cw {
            hist.fill(0);
            let (xs, xe, ys, ye) = (cx * cell, ((cx + 1) * cell).min(w), cy * cell, ((cy + 1) * cell).min(h));
            for y in ys..ye {
                for x in xs..xe {
                    hist[luma(&src[(y * w + x) * 3..])] += 1;
                }
            }
            let total: u32 = hist.iter().sum();
            let (mut cut, mut seen) = (255usize, 0u32);
            while cut > 0 && seen + hist[cut] < total / 4 {
                seen += hist[cut];
                cut -= 1;
            }
            let (mut acc, mut n) = ([0f32; 3], 0f32);
            for y in ys..ye {
                for x in xs..xe {
                    let p = &src[(y * w + x) * 3..];
                    if luma(p) >= cut {
                        for c in 0..3 {
                            acc[c] += p[c] as f32;
                        }
                        n += 1.0;
                    }
                }
            }
            if n > 0.0 {
                paper[cy * cw + cx] = acc.map(|a| (a / n).max(1.0));
            }
        }
    }
    // A cell full of photo or dark print (much darker than the brightest paper within two
    // cells) takes the mean of its paper-like neighbours instead; gradual light falloff is kept.
    let sum = |p: &[f32; 3]| p.iter().sum::<f32>();
    let grown: Vec<[f32; 3]> = (0..cw * ch)
        .map(|i| {
            let (cx, cy) = (i % cw, i / cw);
            let near = || {
                (cy.saturating_sub(2)..(cy + 3).min(ch))
                    .flat_map(move |ny| (cx.saturating_sub(2)..(cx + 3).min(cw)).map(move |nx| ny * cw + nx))
            };
            let brightest = near().map(|j| sum(&paper[j])).fold(0.0, f32::max);
            if sum(&paper[i]) >= 0.8 * brightest {
                return paper[i];
            }
            let (mut acc, mut n) = ([0f32; 3], 0f32);
            for j in near().filter(|&j| sum(&paper[j]) >= 0.8 * brightest) {
                for c in 0..3 {
                    acc[c] += paper[j][c];
                }
                n += 1.0;
            }
            acc.map(|a| a / n.max(1.0))
        })
        .collect();
    let gain: Vec<[f32; 3]> = grown.iter().map(|p| p.map(|v| (PAPER / v).clamp(0.8, 3.0))).collect();
    let mut out = vec![0u8; w * h * 3];
    let mut lum_hist = [0u32; 256];
    for y in 0..h {
        let gy = ((y as f32 + 0.5) / cell as f32 - 0.5).clamp(0.0, (ch - 1) as f32);
        let (y0, fy) = (gy as usize, gy.fract());
        let y1 = (y0 + 1).min(ch - 1);
        for x in 0..w {
            let gx = ((x as f32 + 0.5) / cell as f32 - 0.5).clamp(0.0, (cw - 1) as f32);
            let (x0, fx) = (gx as usize, gx.fract());
            let x1 = (x0 + 1).min(cw - 1);
            let i = (y * w + x) * 3;
            for c in 0..3 {
                let top = gain[y0 * cw + x0][c] * (1.0 - fx) + gain[y0 * cw + x1][c] * fx;
                let bot = gain[y1 * cw + x0][c] * (1.0 - fx) + gain[y1 * cw + x1][c] * fx;
                out[i + c] = (src[i + c] as f32 * (top * (1.0 - fy) + bot * fy)).min(255.0) as u8;
            }
            lum_hist[luma(&out[i..])] += 1;
        }
    }
    // Stretch so the darkest 1 % of the page becomes black (never past mid-grey, so a dark
    // photo on a licence is not crushed).
    let total = (w * h) as u32;
    let (mut black, mut seen) = (0usize, 0u32);
    while black < 255 && seen + lum_hist[black] < total / 100 {
        seen += lum_hist[black];
        black += 1;
    }
    let black = black.min(80) as f32;
    let scale = 255.0 / (PAPER - black).max(1.0);
    for v in out.iter_mut() {
        *v = ((*v as f32 - black) * scale).clamp(0.0, 255.0) as u8;
    }
    RgbImage::from_raw(w as u32, h as u32, out).unwrap_or_else(|| RgbImage::new(w as u32, h as u32))
}

/// BT.601 luma of an RGB triple, 0..=255.
#[inline]
fn luma(p: &[u8]) -> usize {
    ((77 * p[0] as u32 + 150 * p[1] as u32 + 29 * p[2] as u32) >> 8) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn black_and_white_keeps_ink_under_a_shadow_and_clears_the_paper() {
        // Paper fading from 230 to 90 left to right (a shadow), ink 60 below the local paper.
        let g = GrayImage::from_fn(200, 100, |x, y| {
            let paper = 230.0 - 140.0 * x as f32 / 199.0;
            let ink = (y / 10) % 2 == 0 && x % 20 < 3;
            image::Luma([(if ink { paper - 60.0 } else { paper }) as u8])
        });
        let bw = black_and_white(&g, 31, 12.0);
        assert_eq!(bw.get_pixel(181, 5).0[0], 0, "ink in the shadow stays black");
        assert_eq!(bw.get_pixel(190, 15).0[0], 255, "paper in the shadow turns white");
        assert_eq!(bw.get_pixel(1, 5).0[0], 0, "ink in the light stays black");
        assert_eq!(bw.get_pixel(10, 15).0[0], 255);
    }

    /// The threshold written the obvious way: every window summed pixel by pixel.
    fn black_and_white_reference(g: &GrayImage, block: u32, offset: f32) -> GrayImage {
        let (w, h) = (g.width() as i64, g.height() as i64);
        let r = (block / 2) as i64;
        GrayImage::from_fn(w as u32, h as u32, |x, y| {
            let mut sum = 0.0;
            for dy in -r..=r {
                for dx in -r..=r {
                    let (sx, sy) = ((x as i64 + dx).clamp(0, w - 1), (y as i64 + dy).clamp(0, h - 1));
                    sum += g.get_pixel(sx as u32, sy as u32).0[0] as f64;
                }
            }
            let mean = (sum / ((2 * r + 1) * (2 * r + 1)) as f64).round();
            image::Luma([if g.get_pixel(x, y).0[0] as f64 > mean - offset.ceil() as f64 { 255 } else { 0 }])
        })
    }

    #[test]
    fn black_and_white_equals_the_window_by_window_reference() {
        let mut seed = 7u64;
        let mut rnd = move || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as u32
        };
        // Odd sizes, windows wider than the page, blocks of every parity the caller may pass.
        for (w, h, block) in [(67, 45, 11), (40, 9, 15), (5, 30, 21), (1, 1, 3), (90, 70, 33)] {
            let g = GrayImage::from_fn(w, h, |x, y| image::Luma([((x * 7 + y * 3) % 200) as u8 + (rnd() % 40) as u8]));
            assert_eq!(black_and_white(&g, block, 12.0), black_and_white_reference(&g, block, 12.0), "{w}x{h} block {block}");
        }
    }

    #[test]
    fn colour_mode_whitens_tinted_uneven_paper_and_keeps_a_red_stamp_red() {
        // Yellowish lamp light, darker at the bottom; a red stamp in the middle.
        let img = RgbImage::from_fn(240, 160, |x, y| {
            let light = 1.0 - 0.4 * y as f32 / 159.0;
            let stamp = (100..140).contains(&x) && (60..100).contains(&y);
            let base = if stamp { [200.0, 40.0, 40.0] } else { [235.0, 215.0, 160.0] };
            image::Rgb(base.map(|v| (v * light) as u8))
        });
        let out = colour(&img);
        for (x, y) in [(10, 10), (200, 150), (20, 140)] {
            let p = out.get_pixel(x, y).0;
            assert!(p.iter().all(|&v| v >= 235), "paper at ({x},{y}) is {p:?}");
        }
        let s = out.get_pixel(120, 80).0;
        assert!(s[0] as i32 - s[1] as i32 > 80 && s[0] as i32 - s[2] as i32 > 80, "stamp is {s:?}");
    }
}
