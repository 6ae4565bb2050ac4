//! The sample photo set, for demos and tests that have no camera.

use kancha_core::sample;

/// A generated sample photo: the file name says what is special about it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SamplePhoto {
    /// File name (`front_45.jpg`, `blurred.jpg`, …).
    pub name: String,
    /// JPEG bytes with EXIF as a phone writes it.
    pub bytes: Vec<u8>,
}

/// The standard sample set (good, blurred, dark, no EXIF, edited, …); takes about a second.
#[uniffi::export]
pub fn sample_photos() -> Vec<SamplePhoto> {
    sample::standard_set().into_iter().map(|s| SamplePhoto { bytes: s.spec.jpeg(), name: s.name }).collect()
}

/// A generated photo of a document, with where its corners really are.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SampleDocument {
    /// JPEG bytes: a driving licence lying at an angle on a dark desk.
    pub bytes: Vec<u8>,
    /// Its true corners, x1,y1,…,x4,y4 in photo pixels, clockwise from the top-left.
    pub corners: Vec<f64>,
}

/// A sample photo of a document for trying scans without a camera.
#[uniffi::export]
pub fn sample_document_photo() -> SampleDocument {
    let (bytes, corners) = sample::document_photo();
    SampleDocument { bytes, corners: corners.to_vec() }
}
