//! Document types and what each needs: paper format, output resolution, colour or black-and-white,
//! and the quality thresholds, read from the versioned `doc_types.json` catalogue.

use super::error::ScanError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::OnceLock;

/// The kinds of document a surveyor collects at the scene (单证).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocType {
    /// 驾驶证.
    DriverLicence,
    /// 行驶证.
    VehicleLicence,
    /// 身份证.
    IdCard,
    /// Bank card for the payment details (汇款信息).
    BankCard,
    /// 索赔申请书.
    ClaimForm,
    /// The parties' agreement or the traffic police simple-procedure form (协议书 / 简易程序处理单).
    AgreementOrPoliceForm,
    /// Compulsory-insurance sticker or policy (交强险标志或保单).
    InsuranceStickerOrPolicy,
    /// Repair invoice.
    RepairInvoice,
}

impl DocType {
    /// Every document type, in catalogue order.
    pub const ALL: [DocType; 8] = [
        DocType::DriverLicence,
        DocType::VehicleLicence,
        DocType::IdCard,
        DocType::BankCard,
        DocType::ClaimForm,
        DocType::AgreementOrPoliceForm,
        DocType::InsuranceStickerOrPolicy,
        DocType::RepairInvoice,
    ];

    /// The stable snake_case name used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            DocType::DriverLicence => "driver_licence",
            DocType::VehicleLicence => "vehicle_licence",
            DocType::IdCard => "id_card",
            DocType::BankCard => "bank_card",
            DocType::ClaimForm => "claim_form",
            DocType::AgreementOrPoliceForm => "agreement_or_police_form",
            DocType::InsuranceStickerOrPolicy => "insurance_sticker_or_policy",
            DocType::RepairInvoice => "repair_invoice",
        }
    }
}

impl FromStr for DocType {
    type Err = ScanError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DocType::ALL.into_iter().find(|d| d.as_str() == s).ok_or_else(|| ScanError::UnknownDocType {
            given: s.to_string(),
            known: DocType::ALL.map(DocType::as_str).join(", "),
        })
    }
}

impl std::fmt::Display for DocType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the flattened page is enhanced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Even lighting and white balance, colours kept (licences: their colours matter to a reviewer).
    Colour,
    /// Black ink on white paper (forms), smallest file and best for OCR.
    BlackWhite,
}

/// A fixed paper format.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperFormat {
    /// Long side in millimetres.
    pub long_mm: f64,
    /// Short side in millimetres.
    pub short_mm: f64,
    /// Output resolution of the flattened page.
    pub dpi: f64,
    /// Below this resolution in the photo the document is too small to read.
    pub min_dpi: f64,
}

/// Limits for pages whose aspect is measured from the corners.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasuredLimits {
    /// Cap on the flattened page's long side, in pixels.
    pub max_long_px: u32,
    /// Below this long side in the photo the document is too small.
    pub min_long_px: u32,
}

/// Thresholds behind the quality verdict.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualityLimits {
    /// A detected outline below this confidence is no page at all.
    pub min_confidence: f32,
    /// Below this confidence the verdict asks a person to check the corners.
    pub warn_confidence: f32,
    /// Longest over shortest of two opposite sides before the angle is too steep.
    pub max_side_ratio: f64,
    /// Smallest interior corner angle before the angle is too steep.
    pub min_corner_angle_deg: f64,
    /// Estimated blur (Gaussian sigma, output pixels) of the sharpest edges before "blurred".
    pub max_edge_spread_px: f64,
    /// The same in photo pixels; both must be exceeded (an enlarged small photo is not blurred).
    pub max_edge_spread_photo_px: f64,
    /// Share of the page washed out by reflections before "glare" is reported.
    pub glare_min_fraction: f64,
}

/// One catalogue entry: what a document type needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocProfile {
    /// Human-readable name (Chinese and English).
    pub label: String,
    /// A key of `formats`, or `measured`.
    pub format: String,
    /// Enhancement mode.
    pub mode: Mode,
    /// Checklist document keys a filed scan of this type may satisfy; the first is the default.
    pub checklist_items: Vec<String>,
}

/// The page geometry a profile resolves to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PageGeometry {
    /// A fixed format at its output resolution.
    Fixed(PaperFormat),
    /// The aspect measured from the corners.
    Measured(MeasuredLimits),
}

/// The whole catalogue: formats, thresholds and document types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// JSON Schema reference (ignored).
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Catalogue format version (1).
    pub version: u32,
    /// Fixed paper formats by name.
    pub formats: BTreeMap<String, PaperFormat>,
    /// Limits for measured pages.
    pub measured: MeasuredLimits,
    /// Quality thresholds.
    pub quality: QualityLimits,
    /// Profiles by document type name, plus `document` for an unnamed type.
    pub doc_types: BTreeMap<String, DocProfile>,
}

/// Why a catalogue file was refused.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// Not JSON of the documented shape.
    #[error("document-type catalogue is malformed: {0}")]
    Malformed(#[from] serde_json::Error),
    /// A version this build does not read.
    #[error("document-type catalogue version {0} is not supported (1 is)")]
    Version(u32),
    /// A document type (or `document`) has no profile.
    #[error("document-type catalogue has no entry for {0}")]
    MissingType(String),
    /// A checklist key is not lower snake case.
    #[error("document type {doc} names checklist item {key:?}, which is not a lower-snake-case key")]
    BadChecklistKey {
        /// The document type.
        doc: String,
        /// The key it names.
        key: String,
    },
    /// A profile names a format that is not defined.
    #[error("document type {doc} names unknown format {format:?}")]
    UnknownFormat {
        /// The document type.
        doc: String,
        /// The format it names.
        format: String,
    },
}

const DEFAULT_NAME: &str = "document";

impl DocProfile {
    /// The checklist key a scan of this type is filed under when the caller names none.
    pub fn default_checklist_item(&self, doc: Option<DocType>) -> &str {
        self.checklist_items.first().map(String::as_str).unwrap_or_else(|| doc.map(DocType::as_str).unwrap_or(DEFAULT_NAME))
    }

    /// Whether a scan of this type may be filed under checklist key `key`: one of its
    /// checklist items, or its own name; an untyped document may go under any key.
    pub fn may_satisfy(&self, doc: Option<DocType>, key: &str) -> bool {
        match doc {
            None => true,
            Some(d) => key == d.as_str() || self.checklist_items.iter().any(|k| k == key),
        }
    }
}

impl Catalogue {
    /// Reads and checks a catalogue (the built-in one or a branch's own).
    pub fn from_json(text: &str) -> Result<Catalogue, CatalogueError> {
        let c: Catalogue = serde_json::from_str(text)?;
        if c.version != 1 {
            return Err(CatalogueError::Version(c.version));
        }
        for name in DocType::ALL.iter().map(|d| d.as_str()).chain([DEFAULT_NAME]) {
            let p = c.doc_types.get(name).ok_or_else(|| CatalogueError::MissingType(name.into()))?;
            if p.format != "measured" && !c.formats.contains_key(&p.format) {
                return Err(CatalogueError::UnknownFormat { doc: name.into(), format: p.format.clone() });
            }
            if let Some(bad) = p.checklist_items.iter().find(|k| !is_snake_key(k)) {
                return Err(CatalogueError::BadChecklistKey { doc: name.into(), key: bad.clone() });
            }
        }
        Ok(c)
    }

    /// The catalogue shipped with Kancha (`core/src/scan/doc_types.json`).
    pub fn builtin() -> &'static Catalogue {
        static BUILTIN: OnceLock<Catalogue> = OnceLock::new();
        // The file is compiled in and checked by a unit test, so failing here is a build defect.
        BUILTIN.get_or_init(|| Catalogue::from_json(include_str!("doc_types.json")).expect("built-in doc_types.json is valid"))
    }

    /// The profile of a document type, or of an unnamed document.
    pub fn profile(&self, doc: Option<DocType>) -> &DocProfile {
        let name = doc.map(DocType::as_str).unwrap_or(DEFAULT_NAME);
        // from_json guarantees every name is present.
        &self.doc_types[name]
    }

    /// The page geometry a profile uses.
    pub fn geometry(&self, profile: &DocProfile) -> PageGeometry {
        match self.formats.get(&profile.format) {
            Some(f) => PageGeometry::Fixed(*f),
            None => PageGeometry::Measured(self.measured),
        }
    }
}

fn is_snake_key(k: &str) -> bool {
    let mut c = k.chars();
    c.next().is_some_and(|c| c.is_ascii_lowercase()) && c.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_covers_every_document_type() {
        let c = Catalogue::builtin();
        for d in DocType::ALL {
            assert_eq!(d.as_str().parse::<DocType>().unwrap(), d);
            let p = c.profile(Some(d));
            assert!(!p.label.is_empty());
        }
        assert_eq!(c.profile(Some(DocType::ClaimForm)).mode, Mode::BlackWhite);
        assert_eq!(c.profile(Some(DocType::DriverLicence)).mode, Mode::Colour);
        match c.geometry(c.profile(Some(DocType::IdCard))) {
            PageGeometry::Fixed(f) => assert_eq!((f.long_mm, f.short_mm), (85.6, 53.98)),
            other => panic!("ID card should be ID-1, got {other:?}"),
        }
    }

    #[test]
    fn unknown_document_type_names_the_known_ones() {
        let err = "passport".parse::<DocType>().unwrap_err();
        assert!(err.to_string().contains("driver_licence"), "{err}");
    }

    #[test]
    fn catalogue_missing_a_type_is_refused() {
        let mut v: serde_json::Value = serde_json::from_str(include_str!("doc_types.json")).unwrap();
        v["doc_types"].as_object_mut().unwrap().remove("bank_card");
        assert!(matches!(Catalogue::from_json(&v.to_string()), Err(CatalogueError::MissingType(t)) if t == "bank_card"));
        v["doc_types"]["bank_card"] = serde_json::json!({"label": "x", "format": "a5", "mode": "colour", "checklist_items": []});
        assert!(matches!(Catalogue::from_json(&v.to_string()), Err(CatalogueError::UnknownFormat { .. })));
        v["doc_types"]["bank_card"] = serde_json::json!({"label": "x", "format": "id1", "mode": "colour", "checklist_items": ["Bank details"]});
        assert!(matches!(Catalogue::from_json(&v.to_string()), Err(CatalogueError::BadChecklistKey { .. })));
        v["doc_types"]["bank_card"] = serde_json::json!({"label": "x", "format": "id1", "mode": "colour"});
        assert!(matches!(Catalogue::from_json(&v.to_string()), Err(CatalogueError::Malformed(_))), "the mapping is required");
    }

    #[test]
    fn every_checklist_document_has_a_scan_type_and_every_mapping_names_a_document() {
        use crate::checklist::{Builtin, Checklist, ItemKind};
        let c = Catalogue::builtin();
        let docs = Checklist::builtin(Builtin::Documents);
        let keys: Vec<&str> = docs.items.iter().filter(|i| i.kind == ItemKind::Document).map(|i| i.key.as_str()).collect();
        for name in DocType::ALL.map(|d| d.as_str()).into_iter().chain([DEFAULT_NAME]) {
            for k in &c.doc_types[name].checklist_items {
                assert!(keys.contains(&k.as_str()), "{name} maps to {k}, which the documents checklist does not list");
            }
        }
        for k in keys {
            assert!(DocType::ALL.iter().any(|d| c.profile(Some(*d)).checklist_items.iter().any(|m| m == k)), "no scan type files under {k}");
        }
        let bank = c.profile(Some(DocType::BankCard));
        assert_eq!(bank.default_checklist_item(Some(DocType::BankCard)), "bank_details");
        assert!(bank.may_satisfy(Some(DocType::BankCard), "bank_details"));
        assert!(!bank.may_satisfy(Some(DocType::BankCard), "id_card"));
        assert_eq!(c.profile(Some(DocType::RepairInvoice)).default_checklist_item(Some(DocType::RepairInvoice)), "repair_invoice");
        assert!(c.profile(None).may_satisfy(None, "claim_form"));
    }
}
