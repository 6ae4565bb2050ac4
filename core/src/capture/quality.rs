//! Photo quality: sharpness, exposure and resolution, and a verdict a customer understands.

use image::GrayImage;
use serde::{Deserialize, Serialize};

/// Limits a photo must meet to count; a branch can change them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualityRules {
    /// Smallest acceptable long side in pixels.
    pub min_long_side: u32,
    /// Smallest acceptable short side in pixels.
    pub min_short_side: u32,
    /// Variance of the Laplacian on the thumbnail below which the photo is blurred.
    pub min_sharpness: f64,
    /// Mean luma (0–255) below which the photo is too dark.
    pub min_mean_luma: f64,
    /// Mean luma above which the photo is too bright.
    pub max_mean_luma: f64,
    /// Fraction of pixels at or below luma 16 above which shadows are lost.
    pub max_shadow_clip: f64,
    /// Fraction of pixels at or above luma 240 above which highlights are lost.
    pub max_highlight_clip: f64,
}

impl Default for QualityRules {
    fn default() -> Self {
        QualityRules {
            min_long_side: 800,
            min_short_side: 600,
            min_sharpness: 40.0,
            min_mean_luma: 45.0,
            max_mean_luma: 215.0,
            max_shadow_clip: 0.5,
            max_highlight_clip: 0.5,
        }
    }
}

/// Measurements taken on the thumbnail, plus the original's pixel size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityMetrics {
    /// Variance of the 4-neighbour Laplacian of the thumbnail's luma.
    pub sharpness: f64,
    /// Mean luma, 0–255.
    pub mean_luma: f64,
    /// Fraction of pixels with luma ≤ 16.
    pub shadow_clip: f64,
    /// Fraction of pixels with luma ≥ 240.
    pub highlight_clip: f64,
    /// Width of the original as displayed (orientation applied).
    pub width: u32,
    /// Height of the original as displayed.
    pub height: u32,
}

/// One reason a photo does not count, in words for the person holding the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityReason {
    /// Not sharp enough to read details.
    Blurred,
    /// Too dark.
    TooDark,
    /// Too bright or washed out.
    TooBright,
    /// Fewer pixels than the minimum.
    TooSmall,
}

impl QualityReason {
    /// What to tell the person in English.
    pub fn message_en(self) -> &'static str {
        match self {
            QualityReason::Blurred => "The photo is blurred. Hold the phone still and tap to focus, then retake it.",
            QualityReason::TooDark => "The photo is too dark. Turn on the flash or move to more light, then retake it.",
            QualityReason::TooBright => "The photo is too bright. Avoid pointing at the sun or strong lights, then retake it.",
            QualityReason::TooSmall => "The photo is too small (below 800×600). Use the camera's full resolution.",
        }
    }

    /// What to tell the person in Chinese.
    pub fn message_zh(self) -> &'static str {
        match self {
            QualityReason::Blurred => "照片模糊，请拿稳手机并点击对焦后重拍。",
            QualityReason::TooDark => "照片太暗，请打开闪光灯或到光线充足处重拍。",
            QualityReason::TooBright => "照片过亮，请避免对着太阳或强光拍摄后重拍。",
            QualityReason::TooSmall => "照片分辨率过低（小于800×600），请使用相机的完整分辨率。",
        }
    }
}

/// A reason with its messages, as it appears in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReasonText {
    /// Stable code.
    pub code: QualityReason,
    /// English sentence.
    pub message_en: String,
    /// Chinese sentence.
    pub message_zh: String,
}

/// Whether the photo counts, and why not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityVerdict {
    /// True when no reason applies.
    pub acceptable: bool,
    /// Every reason that applies, in a fixed order.
    pub reasons: Vec<ReasonText>,
}

/// Measures the thumbnail's luma; `width`/`height` are the original's displayed size.
pub fn measure(luma: &GrayImage, width: u32, height: u32) -> QualityMetrics {
    let (w, h) = luma.dimensions();
    let px = luma.as_raw();
    let n = px.len().max(1) as f64;
    let mut sum = 0u64;
    let (mut dark, mut bright) = (0usize, 0usize);
    for &v in px {
        sum += v as u64;
        dark += (v <= 16) as usize;
        bright += (v >= 240) as usize;
    }
    QualityMetrics {
        sharpness: laplacian_variance(px, w as usize, h as usize),
        mean_luma: sum as f64 / n,
        shadow_clip: dark as f64 / n,
        highlight_clip: bright as f64 / n,
        width,
        height,
    }
}

/// Variance of the 4-neighbour Laplacian over the interior pixels.
fn laplacian_variance(px: &[u8], w: usize, h: usize) -> f64 {
    if w < 3 || h < 3 {
        return 0.0;
    }
    let (mut sum, mut sum_sq, mut count) = (0f64, 0f64, 0f64);
    for y in 1..h - 1 {
        let row = y * w;
        for x in 1..w - 1 {
            let c = px[row + x] as i32;
            let lap = px[row + x - 1] as i32 + px[row + x + 1] as i32 + px[row - w + x] as i32
                + px[row + w + x] as i32
                - 4 * c;
            let l = lap as f64;
            sum += l;
            sum_sq += l * l;
            count += 1.0;
        }
    }
    let mean = sum / count;
    sum_sq / count - mean * mean
}

/// The verdict for measured metrics under the given rules.
pub fn judge(m: &QualityMetrics, rules: &QualityRules) -> QualityVerdict {
    let mut reasons = Vec::new();
    let (long, short) = (m.width.max(m.height), m.width.min(m.height));
    if long < rules.min_long_side || short < rules.min_short_side {
        reasons.push(QualityReason::TooSmall);
    }
    if m.mean_luma < rules.min_mean_luma || m.shadow_clip > rules.max_shadow_clip {
        reasons.push(QualityReason::TooDark);
    } else if m.mean_luma > rules.max_mean_luma || m.highlight_clip > rules.max_highlight_clip {
        reasons.push(QualityReason::TooBright);
    }
    // A very dark or very bright frame has little contrast for the Laplacian to see:
    // call it blurred only when exposure is not already the explanation.
    if m.sharpness < rules.min_sharpness && reasons.iter().all(|r| *r == QualityReason::TooSmall) {
        reasons.push(QualityReason::Blurred);
    }
    QualityVerdict {
        acceptable: reasons.is_empty(),
        reasons: reasons
            .into_iter()
            .map(|code| ReasonText {
                code,
                message_en: code.message_en().to_string(),
                message_zh: code.message_zh().to_string(),
            })
            .collect(),
    }
}
