//! Why a scan could not be made, and whether taking the photo again could help.

/// A scan that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The bytes are not a JPEG or PNG image this build can decode.
    #[error("the photo could not be decoded: {0}")]
    Undecodable(String),
    /// The image is too small to hold a readable document.
    #[error("the photo is {width}×{height} pixels; a scan needs at least {min} pixels on its short side")]
    ImageTooSmall {
        /// Image width in pixels.
        width: u32,
        /// Image height in pixels.
        height: u32,
        /// Smallest short side accepted.
        min: u32,
    },
    /// No outline of a page could be found with enough confidence.
    #[error(
        "no document page found in the photo (best outline confidence {confidence:.2}, {needed:.2} needed): \
         photograph the whole document on a plain, contrasting surface, or give its corners"
    )]
    NoPageFound {
        /// Confidence of the best outline seen, 0 when none.
        confidence: f32,
        /// Confidence a page outline needs.
        needed: f32,
    },
    /// Corners were given, but not as eight numbers.
    #[error("corners must be 8 numbers x1,y1,x2,y2,x3,y3,x4,y4; got {0}")]
    CornerCount(usize),
    /// A given corner lies outside the image.
    #[error("corner {index} ({x:.1}, {y:.1}) lies outside the {width}×{height} image")]
    CornerOutsideImage {
        /// Which corner, from 1.
        index: usize,
        /// Its x.
        x: f64,
        /// Its y.
        y: f64,
        /// Image width.
        width: u32,
        /// Image height.
        height: u32,
    },
    /// Given corners coincide, lie on one line or are not numbers.
    #[error("the corners do not outline a page: {0}")]
    DegenerateCorners(String),
    /// Given corners are in an order where two sides cross.
    #[error("the corners cross over: give them clockwise (or anticlockwise) around the page, not zig-zag")]
    SelfCrossingCorners,
    /// Given corners outline a concave shape, which no flat page has.
    #[error("the corners outline a concave shape; a page's outline is convex")]
    ConcaveCorners,
    /// A document type name that is not in the catalogue.
    #[error("unknown document type {given:?}; known types: {known}")]
    UnknownDocType {
        /// The name given.
        given: String,
        /// The names accepted, comma-separated.
        known: String,
    },
    /// The flattened page could not be encoded (out of memory or an encoder fault).
    #[error("the flattened page could not be encoded: {0}")]
    Encode(String),
}

impl ScanError {
    /// True when photographing the document again (closer, on a plain surface) may succeed.
    pub fn retake_may_help(&self) -> bool {
        matches!(self, ScanError::NoPageFound { .. } | ScanError::ImageTooSmall { .. } | ScanError::Undecodable(_))
    }
}
