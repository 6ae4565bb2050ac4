//! Signs in EXIF that a photo was edited after the camera wrote it.

use super::{Finding, FindingCode, Severity};
use crate::capture::{parse_exif_datetime, ExifSummary};
use serde::Deserialize;
use std::sync::OnceLock;

#[derive(Deserialize)]
struct EditorList {
    editors: Vec<String>,
}

/// Known editors, from `core/data/editors.v1.json`.
fn editors() -> &'static [String] {
    static LIST: OnceLock<Vec<String>> = OnceLock::new();
    LIST.get_or_init(|| {
        let list: EditorList = serde_json::from_str(include_str!("../../data/editors.v1.json"))
            .expect("shipped editor list is valid");
        list.editors.into_iter().map(|e| e.to_lowercase()).collect()
    })
}

/// Findings for an edited photo: editor software, late modification, dimensions that disagree.
pub fn check(exif: &ExifSummary, width: u32, height: u32) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(sw) = &exif.software {
        let lower = sw.to_lowercase();
        if let Some(editor) = editors().iter().find(|e| lower.contains(e.as_str())) {
            out.push(
                Finding::new(
                    FindingCode::EditedBySoftware,
                    Severity::Warning,
                    format!("The photo was last saved by an image editor ({sw})."),
                )
                .with("software", sw.as_str())
                .with("editor", editor.as_str()),
            );
        }
    }
    let original = exif.date_time_original.as_deref().and_then(parse_exif_datetime);
    let modified = exif.date_time.as_deref().and_then(parse_exif_datetime);
    if let (Some(o), Some(m)) = (original, modified) {
        if m > o {
            let minutes = (m - o).num_seconds() as f64 / 60.0;
            out.push(
                Finding::new(
                    FindingCode::ModifiedAfterCapture,
                    Severity::Warning,
                    format!("The photo was modified {minutes:.1} minutes after it was taken."),
                )
                .with("minutes_after_capture", minutes),
            );
        }
    }
    if let (Some(x), Some(y)) = (exif.pixel_x_dimension, exif.pixel_y_dimension) {
        // Some cameras write the displayed (rotated) size: either orientation matches.
        if (x, y) != (width, height) && (y, x) != (width, height) {
            out.push(
                Finding::new(
                    FindingCode::DimensionMismatch,
                    Severity::Warning,
                    format!("EXIF says {x}×{y} pixels but the image is {width}×{height}: it may have been cropped or resized."),
                )
                .with("exif_width", x)
                .with("exif_height", y)
                .with("width", width)
                .with("height", height),
            );
        }
    }
    out
}
