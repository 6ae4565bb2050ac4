//! The quality verdict on a scan: too small, too steep an angle, blurred, washed out by glare,
//! or an outline nobody should trust without a look — each as a sentence a person can act on.

use super::doctype::{PageGeometry, QualityLimits};
use super::geometry::Quad;
use crate::checks::{Finding, FindingCode, Severity};
use image::GrayImage;
use serde::{Deserialize, Serialize};

/// Whether a scan is good enough, and why not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// True when nothing critical was found.
    pub accepted: bool,
    /// Everything found, worst first.
    pub findings: Vec<Finding>,
}

/// What the verdict looks at.
pub struct Evidence<'a> {
    /// The flattened page before enhancement, in grey.
    pub page: &'a GrayImage,
    /// The outline used, in photo pixels.
    pub corners: &'a Quad,
    /// The page geometry of the document type.
    pub geometry: &'a PageGeometry,
    /// Outline confidence; `None` when a person or platform gave the corners as final.
    pub confidence: Option<f32>,
}

/// Judges a flattened page.
pub fn assess(e: &Evidence<'_>, limits: &QualityLimits) -> Verdict {
    let mut findings = Vec::new();
    findings.extend(too_small(e));
    findings.extend(too_steep(e.corners, limits));
    findings.extend(blurred(e, limits));
    findings.extend(glare(e.page, limits));
    if let Some(c) = e.confidence.filter(|c| *c < limits.warn_confidence) {
        findings.push(
            Finding::new(
                FindingCode::ScanCornersUncertain,
                Severity::Warning,
                format!(
                    "The edges of the document are hard to see (confidence {c:.2}): check that the outline sits on \
                     its corners, or photograph it on a plain, contrasting surface."
                ),
            )
            .with("confidence", c as f64)
            .with("message_zh", "证件边缘不清晰，请确认轮廓是否落在证件四角，或放在纯色、对比明显的平面上重拍。"),
        );
    }
    findings.sort_by_key(|b| std::cmp::Reverse(b.severity));
    Verdict { accepted: findings.iter().all(|f| f.severity < Severity::Critical), findings }
}

fn too_small(e: &Evidence<'_>) -> Option<Finding> {
    let [top, right, bottom, left] = e.corners.sides();
    let (across, down) = ((top + bottom) / 2.0, (left + right) / 2.0);
    match e.geometry {
        PageGeometry::Fixed(f) => {
            let (long_px, short_px) = if across >= down { (across, down) } else { (down, across) };
            let dpi = (long_px / f.long_mm).min(short_px / f.short_mm) * 25.4;
            (dpi < f.min_dpi).then(|| {
                Finding::new(
                    FindingCode::ScanTooSmall,
                    Severity::Critical,
                    format!(
                        "The document is too small in the photo (about {dpi:.0} dots per inch, {:.0} needed to read it): \
                         move closer so it fills most of the frame.",
                        f.min_dpi
                    ),
                )
                .with("dpi", dpi.round())
                .with("message_zh", "证件在照片中太小，请靠近拍摄，让证件占满大部分画面。")
                .with("min_dpi", f.min_dpi)
            })
        }
        PageGeometry::Measured(m) => {
            let long = across.max(down);
            (long < m.min_long_px as f64).then(|| {
                Finding::new(
                    FindingCode::ScanTooSmall,
                    Severity::Critical,
                    format!(
                        "The document is too small in the photo ({long:.0} pixels across, {} needed): move closer so it \
                         fills most of the frame.",
                        m.min_long_px
                    ),
                )
                .with("long_side_px", long.round())
                .with("message_zh", "证件在照片中太小，请靠近拍摄，让证件占满大部分画面。")
                .with("min_long_px", m.min_long_px)
            })
        }
    }
}

fn too_steep(q: &Quad, limits: &QualityLimits) -> Option<Finding> {
    let [top, right, bottom, left] = q.sides();
    let ratio = (top.max(bottom) / top.min(bottom)).max(right.max(left) / right.min(left));
    let min_angle = q.angles().into_iter().fold(180.0, f64::min);
    (ratio > limits.max_side_ratio || min_angle < limits.min_corner_angle_deg).then(|| {
        Finding::new(
            FindingCode::ScanTooSkewed,
            Severity::Critical,
            format!(
                "The photo was taken at too steep an angle (one edge looks {ratio:.1}× as long as the opposite one, \
                 sharpest corner {min_angle:.0}°): hold the phone straight above the document."
            ),
        )
        .with("side_ratio", (ratio * 100.0).round() / 100.0)
        .with("message_zh", "拍摄角度太斜，请将手机与证件保持平行后重拍。")
        .with("min_corner_angle_deg", min_angle.round())
    })
}

/// Estimated blur of the page's sharpest edges (Gaussian sigma, pixels), or `None` on a page
/// with too little print to judge.
pub fn edge_spread(page: &GrayImage) -> Option<f64> {
    let (w, h) = (page.width() as usize, page.height() as usize);
    let (mx, my) = (w / 50 + 1, h / 50 + 1);
    if w < 2 * mx + 3 || h < 2 * my + 3 {
        return None;
    }
    let p = page.as_raw();
    let mut level = [0u32; 256];
    let mut grad = vec![0u32; 256];
    for y in my..h - my {
        for x in mx..w - mx {
            let i = y * w + x;
            level[p[i] as usize] += 1;
            let gx = (p[i + 1] as i32 - p[i - 1] as i32).abs();
            let gy = (p[i + w] as i32 - p[i - w] as i32).abs();
            // Central differences halved: about the step per pixel.
            grad[(gx.max(gy) / 2) as usize] += 1;
        }
    }
    let total: u32 = level.iter().sum();
    let pct = |hist: &[u32], q: f64| {
        let want = (q * total as f64) as u32;
        let mut seen = 0;
        hist.iter().position(|&n| {
            seen += n;
            seen > want
        })
        .unwrap_or(hist.len() - 1) as f64
    };
    let contrast = pct(&level, 0.95) - pct(&level, 0.02);
    let sharpest = pct(&grad, 0.997).max(1.0);
    // A Gaussian-blurred step of height C has a steepest slope of C / (σ·√(2π)).
    (contrast >= 40.0).then(|| contrast / (sharpest * (2.0 * std::f64::consts::PI).sqrt()))
}

fn blurred(e: &Evidence<'_>, limits: &QualityLimits) -> Option<Finding> {
    let spread = edge_spread(e.page)?;
    let [top, right, bottom, left] = e.corners.sides();
    let photo_px_per_page_px =
        ((top + bottom) / 2.0 / e.page.width() as f64 + (left + right) / 2.0 / e.page.height() as f64) / 2.0;
    let in_photo = spread * photo_px_per_page_px;
    (spread > limits.max_edge_spread_px && in_photo > limits.max_edge_spread_photo_px).then(|| {
        Finding::new(
            FindingCode::ScanBlurred,
            Severity::Critical,
            format!(
                "The scan is blurred (edges smeared over about {spread:.1} pixels, {:.1} at most to read it): hold the \
                 phone still, tap to focus, and take it again.",
                limits.max_edge_spread_px
            ),
        )
        .with("edge_spread_px", (spread * 10.0).round() / 10.0)
        .with("edge_spread_photo_px", (in_photo * 10.0).round() / 10.0)
        .with("message_zh", "扫描件模糊，请拿稳手机并点击对焦后重拍。")
    })
}

/// Share of the page washed out by reflections: blocks almost all at full white while the
/// paper around them is not.
pub fn glare_fraction(page: &GrayImage) -> f64 {
    let (w, h) = (page.width() as usize, page.height() as usize);
    let p = page.as_raw();
    let mut sorted: Vec<u8> = p.iter().step_by(7).copied().collect();
    let mid = sorted.len() / 2;
    if sorted.is_empty() {
        return 0.0;
    }
    let paper = *sorted.select_nth_unstable(mid).1;
    // When the paper itself is at full white, a reflection cannot be told from it.
    if paper >= 240 {
        return 0.0;
    }
    let b = (w.min(h) / 40).max(4);
    let (mut blocks, mut washed) = (0u32, 0u32);
    for by in (0..h.saturating_sub(b - 1)).step_by(b) {
        for bx in (0..w.saturating_sub(b - 1)).step_by(b) {
            let mut bright = 0;
            for y in by..by + b {
                bright += p[y * w + bx..y * w + bx + b].iter().filter(|&&v| v >= 250).count();
            }
            blocks += 1;
            if bright * 10 >= b * b * 7 {
                washed += 1;
            }
        }
    }
    if blocks == 0 {
        0.0
    } else {
        washed as f64 / blocks as f64
    }
}

fn glare(page: &GrayImage, limits: &QualityLimits) -> Option<Finding> {
    let share = glare_fraction(page);
    (share >= limits.glare_min_fraction).then(|| {
        Finding::new(
            FindingCode::ScanGlare,
            Severity::Critical,
            format!(
                "A reflection washes out about {:.0} % of the document: tilt it or step away from the light, and take \
                 it again.",
                (share * 100.0).max(1.0)
            ),
        )
        .with("glare_fraction", (share * 1000.0).round() / 1000.0)
        .with("message_zh", "证件有反光，请调整证件角度或避开光源后重拍。")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::doctype::Catalogue;
    use crate::scan::geometry::Point;

    fn limits() -> QualityLimits {
        Catalogue::builtin().quality
    }

    fn rect(w: f64, h: f64) -> Quad {
        Quad([Point::new(0.0, 0.0), Point::new(w, 0.0), Point::new(w, h), Point::new(0.0, h)])
    }

    #[test]
    fn a_steep_trapezoid_is_too_skewed() {
        let q = Quad([Point::new(400.0, 0.0), Point::new(600.0, 0.0), Point::new(1000.0, 800.0), Point::new(0.0, 800.0)]);
        let f = too_steep(&q, &limits()).expect("too steep");
        assert_eq!(f.code, FindingCode::ScanTooSkewed);
        assert!(too_steep(&rect(800.0, 600.0), &limits()).is_none());
    }

    #[test]
    fn a_card_a_few_hundred_pixels_wide_is_too_small() {
        let c = Catalogue::builtin();
        let g = c.geometry(c.profile(Some(crate::scan::DocType::IdCard)));
        let page = GrayImage::new(100, 60);
        let small = rect(300.0, 189.0);
        let e = Evidence { page: &page, corners: &small, geometry: &g, confidence: None };
        assert!(too_small(&e).is_some_and(|f| f.code == FindingCode::ScanTooSmall && f.message.contains("89 dots")));
        let big = rect(1000.0, 630.0);
        let e = Evidence { page: &page, corners: &big, geometry: &g, confidence: None };
        assert!(too_small(&e).is_none());
    }

    #[test]
    fn a_white_patch_on_grey_paper_is_glare() {
        let page = GrayImage::from_fn(400, 300, |x, y| {
            let spot = (x as i32 - 200).pow(2) + (y as i32 - 150).pow(2) < 60 * 60;
            image::Luma([if spot { 255 } else if x % 13 == 0 { 40 } else { 205 }])
        });
        let share = glare_fraction(&page);
        assert!(share > 0.05 && share < 0.15, "{share}");
        let plain = GrayImage::from_fn(400, 300, |x, _| image::Luma([if x % 13 == 0 { 40 } else { 205 }]));
        assert_eq!(glare_fraction(&plain), 0.0);
    }
}
