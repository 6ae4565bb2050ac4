//! Document scans for the app: what to scan, and what was filed.

use crate::types::ItemInfo;
use kancha_core::scan::{DocType, Quad, ScanRequest};

/// How to scan a stored photo of a document.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ScanInput {
    /// Document type (`driver_licence`, `claim_form`, …); absent measures the page's own shape.
    pub doc_type: Option<String>,
    /// Corners from the platform's detector (ML Kit, VisionKit) as x1,y1,…,x4,y4 in photo
    /// pixels, clockwise from the top-left; absent lets Kancha find the page.
    pub corners: Option<Vec<f64>>,
    /// Use the given corners exactly instead of fitting them to the page's edges.
    pub exact_corners: bool,
    /// The checklist document item it is filed under (`driver_licence/v0`, `bank_details/p0`);
    /// by default the document type's first checklist item.
    #[uniffi(default = None)]
    pub shot: Option<String>,
}

impl ScanInput {
    pub(crate) fn request(&self) -> Result<ScanRequest, crate::KanchaError> {
        let invalid = |reason: String| crate::KanchaError::InvalidArgument { reason };
        let doc_type = match &self.doc_type {
            Some(t) => Some(t.parse::<DocType>().map_err(|e| invalid(e.to_string()))?),
            None => None,
        };
        let corners = match &self.corners {
            Some(v) => Some(Quad::from_flat(v).map_err(|e| invalid(e.to_string()))?),
            None => None,
        };
        Ok(ScanRequest { doc_type, corners, exact_corners: self.exact_corners, ..ScanRequest::default() })
    }
}

/// A scan filed in a case as a derived item of its original photo.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CapturedScan {
    /// The stored scan item (its `derived_from` names the original photo).
    pub item: ItemInfo,
    /// False when the same scan was already filed.
    pub created: bool,
    /// Document type, when known.
    pub doc_type: Option<String>,
    /// Corners used, x1,y1,…,x4,y4 in original-photo pixels, clockwise from the top-left.
    pub corners: Vec<f64>,
    /// `detected`, `refined` or `given`.
    pub corner_source: String,
    /// 0..1: how well the page's edges support the corners.
    pub confidence: f32,
    /// True when a person can read it; otherwise the item's reasons say why not.
    pub readable: bool,
}
