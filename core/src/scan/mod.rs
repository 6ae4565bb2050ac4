//! Document scans: find or accept a page's corners in a photo, flatten it to the document's real
//! shape, even out its lighting, and judge whether a person can read it.
//!
//! The photo itself is never changed: a scan is a new image with its own hash, the document type
//! and the corners used, so a reviewer can always go back to the untouched original.
//!
//! `detect` finds the page, `warp` flattens it, `enhance` makes it readable, `quality` judges it,
//! `doctype` says what each document needs, `file` stores a scan as evidence derived from its
//! photo, `synth` makes the test photos.

pub mod detect;
pub mod doctype;
pub mod enhance;
mod error;
pub mod file;
pub mod geometry;
pub mod quality;
pub mod synth;
pub mod warp;

pub use doctype::{Catalogue, DocType, Mode};
pub use error::ScanError;
pub use geometry::{Point, Quad};
pub use quality::Verdict;
pub use warp::Interpolation;

use doctype::PageGeometry;
use image::{DynamicImage, GrayImage, RgbImage};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Smallest short side of a photo worth scanning, in pixels.
pub const MIN_PHOTO_SIDE: u32 = 160;

/// How the scanned page is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// Lossless; the default for black-and-white pages.
    Png,
    /// JPEG at a quality 1..=100; the default (90) for colour pages.
    Jpeg(u8),
}

/// What to scan and how.
#[derive(Debug, Clone, Default)]
pub struct ScanRequest {
    /// The document type; `None` measures the page's shape and keeps its colour.
    pub doc_type: Option<DocType>,
    /// Corners from the platform's detector or a person, in photo pixels; `None` detects them.
    pub corners: Option<Quad>,
    /// Use the given corners exactly, without fitting them to the page's edges.
    pub exact_corners: bool,
    /// Output encoding; `None` picks PNG for black-and-white, JPEG for colour.
    pub encoding: Option<Encoding>,
    /// Sampling used when flattening.
    pub interpolation: Interpolation,
}

/// Where the corners of a scan came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CornerSource {
    /// Found in the photo by Kancha.
    Detected,
    /// Given, then fitted to the page's edges nearby.
    Refined,
    /// Given and used as they were.
    Given,
}

/// A finished scan: the flattened, enhanced page and everything needed to file it as a derived
/// item of its original photo.
#[derive(Debug, Clone, Serialize)]
pub struct Scan {
    /// The encoded page.
    #[serde(skip)]
    pub image: Vec<u8>,
    /// `image/png` or `image/jpeg`.
    pub media_type: String,
    /// SHA-256 of `image`, lowercase hex.
    pub sha256: String,
    /// SHA-256 of the original photo's bytes, when the scan was made from them: the link back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_sha256: Option<String>,
    /// Page width in pixels.
    pub width: u32,
    /// Page height in pixels.
    pub height: u32,
    /// Document type, when known.
    pub doc_type: Option<DocType>,
    /// Enhancement applied.
    pub mode: Mode,
    /// Corners used, in original-photo pixels, clockwise from the top-left.
    pub corners: Quad,
    /// Where the corners came from.
    pub corner_source: CornerSource,
    /// 0..1: how well the page's edges support the corners.
    pub confidence: f32,
    /// Whether a person can read it, and why not.
    pub verdict: Verdict,
}

/// What a stored scan records about how it was made (kept on its evidence item).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanRecord {
    /// Document type, when known.
    pub doc_type: Option<DocType>,
    /// Enhancement applied.
    pub mode: Mode,
    /// Corners used, in original-photo pixels (stored pixel order), clockwise from the top-left.
    pub corners: Quad,
    /// Where the corners came from.
    pub corner_source: CornerSource,
    /// 0..1: how well the page's edges support the corners.
    pub confidence: f32,
    /// The scan's quality verdict.
    pub verdict: Verdict,
}

impl Scan {
    /// The facts to keep with the stored scan.
    pub fn record(&self) -> ScanRecord {
        ScanRecord {
            doc_type: self.doc_type,
            mode: self.mode,
            corners: self.corners,
            corner_source: self.corner_source,
            confidence: self.confidence,
            verdict: self.verdict.clone(),
        }
    }
}

/// A flattened page before enhancement.
pub struct Flattened {
    /// The page in grey (always present: the verdict reads it).
    pub gray: GrayImage,
    /// The page in colour, for colour mode.
    pub colour: Option<RgbImage>,
    /// Output resolution, dots per inch (estimated for measured pages).
    pub dpi: f64,
}

/// Flattens the page inside `corners` (validated, photo pixels) to its document's shape.
pub fn flatten(img: &RgbImage, corners: &Quad, geometry: &PageGeometry, mode: Mode, interp: Interpolation) -> Flattened {
    let size = warp::output_size(corners, geometry);
    let dpi = match geometry {
        PageGeometry::Fixed(f) => f.dpi,
        // Unknown paper: assume the long side is an A4's, which sizes the ink filter sensibly.
        PageGeometry::Measured(_) => size.0.max(size.1) as f64 / (297.0 / 25.4),
    };
    match mode {
        Mode::BlackWhite => Flattened { gray: warp::flatten_gray(img, corners, size, interp), colour: None, dpi },
        Mode::Colour => {
            let rgb = warp::flatten_rgb(img, corners, size, interp);
            let gray = DynamicImage::ImageRgb8(rgb.clone()).into_luma8();
            Flattened { gray, colour: Some(rgb), dpi }
        }
    }
}

/// Enhances a flattened page in the given mode.
pub fn enhance_page(page: &Flattened, mode: Mode) -> DynamicImage {
    match (mode, &page.colour) {
        (Mode::Colour, Some(rgb)) => DynamicImage::ImageRgb8(enhance::colour(rgb)),
        _ => {
            let (block, offset) = enhance::black_and_white_params(page.dpi);
            DynamicImage::ImageLuma8(enhance::black_and_white(&page.gray, block, offset))
        }
    }
}

/// Scans an encoded photo (JPEG or PNG) with the built-in document catalogue.
pub fn scan_photo(bytes: &[u8], req: &ScanRequest) -> Result<Scan, ScanError> {
    let img = image::load_from_memory(bytes).map_err(|e| ScanError::Undecodable(e.to_string()))?.into_rgb8();
    let mut scan = scan_image(&img, req, Catalogue::builtin())?;
    scan.original_sha256 = Some(hex::encode(Sha256::digest(bytes)));
    Ok(scan)
}

/// Scans a decoded photo (stored pixel order; EXIF orientation is not applied) with a catalogue.
pub fn scan_image(img: &RgbImage, req: &ScanRequest, catalogue: &Catalogue) -> Result<Scan, ScanError> {
    let (w, h) = img.dimensions();
    if w.min(h) < MIN_PHOTO_SIDE {
        return Err(ScanError::ImageTooSmall { width: w, height: h, min: MIN_PHOTO_SIDE });
    }
    let limits = &catalogue.quality;
    let (corners, confidence, source) = match &req.corners {
        Some(given) => {
            let given = given.validated(w, h)?;
            if req.exact_corners {
                (given, 1.0, CornerSource::Given)
            } else {
                let (d, moved) = detect::refine_corners(img, &given);
                (d.corners, d.confidence, if moved { CornerSource::Refined } else { CornerSource::Given })
            }
        }
        None => {
            let d = detect::find_page(img, limits.min_confidence)?;
            (d.corners, d.confidence, CornerSource::Detected)
        }
    };
    let profile = catalogue.profile(req.doc_type);
    let geometry = catalogue.geometry(profile);
    let flat = flatten(img, &corners, &geometry, profile.mode, req.interpolation);
    let verdict = quality::assess(
        &quality::Evidence {
            page: &flat.gray,
            corners: &corners,
            geometry: &geometry,
            confidence: (source != CornerSource::Given || !req.exact_corners).then_some(confidence),
        },
        limits,
    );
    let page = enhance_page(&flat, profile.mode);
    let encoding = req.encoding.unwrap_or(match profile.mode {
        Mode::BlackWhite => Encoding::Png,
        Mode::Colour => Encoding::Jpeg(90),
    });
    let (image, media_type) = encode(&page, encoding)?;
    Ok(Scan {
        sha256: hex::encode(Sha256::digest(&image)),
        original_sha256: None,
        image,
        media_type: media_type.to_string(),
        width: page.width(),
        height: page.height(),
        doc_type: req.doc_type,
        mode: profile.mode,
        corners,
        corner_source: source,
        confidence,
        verdict,
    })
}

fn encode(page: &DynamicImage, encoding: Encoding) -> Result<(Vec<u8>, &'static str), ScanError> {
    let mut out = Vec::new();
    let err = |e: image::ImageError| ScanError::Encode(e.to_string());
    match encoding {
        Encoding::Png => {
            page.write_with_encoder(image::codecs::png::PngEncoder::new(&mut out)).map_err(err)?;
            Ok((out, "image/png"))
        }
        Encoding::Jpeg(q) => {
            let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, q.clamp(1, 100));
            page.to_rgb8().write_with_encoder(enc).map_err(err)?;
            Ok((out, "image/jpeg"))
        }
    }
}

#[cfg(test)]
mod tests;
