//! The checklist file: a versioned list of shots or documents, with labels, counts, scopes and conditions.
//!
//! The JSON Schema of this format is `core/data/checklists/checklist.schema.json`; the rules a
//! schema cannot express (unique keys, conditions that name a declared fact) are checked here.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The only checklist format version this build reads.
pub const FORMAT_VERSION: u32 = 1;

/// Why a checklist file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChecklistError {
    /// The file could not be read; retrying helps only if the path or permissions change.
    #[error("cannot read checklist file {path}: {source}")]
    Io {
        /// The file that was asked for.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// Not valid JSON, a wrong type, a missing field or an unknown field (a typo is never ignored).
    #[error("checklist is not valid: {0}")]
    Parse(#[source] serde_json::Error),
    /// The file is written for a format version this build does not read.
    #[error("checklist format {found} is not supported; this build reads format {FORMAT_VERSION}")]
    UnsupportedFormat {
        /// The version the file declares.
        found: u32,
    },
    /// A key is empty or not lower snake case (`[a-z][a-z0-9_]*`).
    #[error("key {0:?} must be lower snake case: a-z, 0-9 and _, starting with a letter")]
    BadKey(String),
    /// Two items share one key.
    #[error("item key {0:?} is used twice")]
    DuplicateItem(String),
    /// Two facts share one key.
    #[error("fact key {0:?} is declared twice")]
    DuplicateFact(String),
    /// A required count is zero or negative.
    #[error("item {item:?} requires {count} captures; the count must be at least 1")]
    BadCount {
        /// The item's key.
        item: String,
        /// The count found in the file.
        count: i64,
    },
    /// A condition names a fact the checklist does not declare.
    #[error("item {item:?} has a condition on {fact:?}, which is not a declared fact")]
    DanglingCondition {
        /// The item's key.
        item: String,
        /// The undeclared fact.
        fact: String,
    },
    /// A Chinese or English label is empty.
    #[error("{what} {key:?} has an empty {lang} label")]
    EmptyLabel {
        /// "item", "fact" or "checklist".
        what: &'static str,
        /// Its key.
        key: String,
        /// "zh" or "en".
        lang: &'static str,
    },
    /// The checklist has no items.
    #[error("checklist {0:?} has no items")]
    NoItems(String),
}

/// A text in Chinese and in English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// Simplified Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Label {
    /// A label from its two texts.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Label { zh: zh.into(), en: en.into() }
    }
}

/// Whether an item is a scene photo or a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A photo of the scene, a vehicle or a person.
    Photo,
    /// A document (单证), photographed or scanned.
    Document,
}

/// For whom an item is required: once per case, or once per vehicle, party or damaged part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Once for the whole case.
    Case,
    /// For each vehicle in the case.
    EachVehicle,
    /// For the insured vehicle only (标的车).
    InsuredVehicle,
    /// For each vehicle other than the insured one (三者车).
    OtherVehicles,
    /// For each party (driver or owner) in the case.
    EachParty,
    /// For the insured party only (the claimant, who is paid).
    InsuredParty,
    /// For each damaged part of each vehicle, as the case lists them.
    EachDamagedPart,
}

/// One fact about a case that conditions may test (e.g. `intersection`, `injury`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactDecl {
    /// The fact's key, as the case states it.
    pub key: String,
    /// What the fact means, in both languages.
    pub label: Label,
    /// The value assumed when the case does not state the fact; the state reports the assumption.
    #[serde(default)]
    pub default: bool,
}

/// One shot or document the checklist asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemSpec {
    /// Stable key a captured item refers to (e.g. `front_45_with_plate`).
    pub key: String,
    /// Photo or document.
    pub kind: ItemKind,
    /// What to capture, in both languages.
    pub label: Label,
    /// How to capture it well, in both languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Label>,
    /// Passing captures needed for each scope instance (at least 1; signed so a negative count is reported, not misparsed).
    #[serde(default = "one")]
    pub required: i64,
    /// For whom the item is required.
    #[serde(default = "case_scope")]
    pub scope: Scope,
    /// Facts that must all be true for the item to be required.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<String>,
    /// Facts of which none may be true for the item to be required.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unless: Vec<String>,
}

fn one() -> i64 {
    1
}

fn case_scope() -> Scope {
    Scope::Case
}

/// A validated checklist: shots or documents a case needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    /// Format version of the file (this build reads [`FORMAT_VERSION`]).
    pub format: u32,
    /// Stable identifier of this checklist (e.g. `surveyor-two-vehicle`).
    pub id: String,
    /// The checklist's own edition, raised by whoever edits it.
    pub version: u32,
    /// A title for people.
    pub title: Label,
    /// Facts its conditions may test.
    #[serde(default)]
    pub facts: Vec<FactDecl>,
    /// The items, in the order they should be captured.
    pub items: Vec<ItemSpec>,
}

/// The checklists shipped with Kancha; a branch can replace any of them with its own file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// Surveyor at a two-vehicle accident (双车事故现场查勘).
    SurveyorTwoVehicle,
    /// Customer self-service claim, single vehicle, minor damage (单车自助理赔).
    SelfServiceSingleVehicle,
    /// Documents to collect (单证).
    Documents,
}

impl Builtin {
    /// Every built-in checklist.
    pub const ALL: [Builtin; 3] =
        [Builtin::SurveyorTwoVehicle, Builtin::SelfServiceSingleVehicle, Builtin::Documents];

    /// The JSON text shipped in the library.
    pub fn json(self) -> &'static str {
        match self {
            Builtin::SurveyorTwoVehicle => {
                include_str!("../../data/checklists/surveyor-two-vehicle.json")
            }
            Builtin::SelfServiceSingleVehicle => {
                include_str!("../../data/checklists/self-service-single-vehicle.json")
            }
            Builtin::Documents => include_str!("../../data/checklists/documents.json"),
        }
    }
}

impl Checklist {
    /// Loads one of the shipped checklists.
    pub fn builtin(which: Builtin) -> Checklist {
        // The shipped files are checked by tests; a failure here is a build defect, not user input.
        Checklist::from_json(which.json()).expect("built-in checklist is valid")
    }

    /// Reads and validates a checklist file.
    pub fn from_path(path: &Path) -> Result<Checklist, ChecklistError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ChecklistError::Io { path: path.to_path_buf(), source })?;
        Checklist::from_json(&text)
    }

    /// Parses and validates checklist JSON.
    pub fn from_json(text: &str) -> Result<Checklist, ChecklistError> {
        // Read the format first, so a newer file gets "unsupported format" rather than a field error.
        #[derive(Deserialize)]
        struct FormatOnly {
            format: Option<u32>,
        }
        if let Ok(FormatOnly { format: Some(found) }) = serde_json::from_str::<FormatOnly>(text) {
            if found != FORMAT_VERSION {
                return Err(ChecklistError::UnsupportedFormat { found });
            }
        }
        let list: Checklist = serde_json::from_str(text).map_err(ChecklistError::Parse)?;
        list.validate()?;
        Ok(list)
    }

    /// Checks the rules the schema cannot express.
    pub fn validate(&self) -> Result<(), ChecklistError> {
        if self.format != FORMAT_VERSION {
            return Err(ChecklistError::UnsupportedFormat { found: self.format });
        }
        check_label("checklist", &self.id, &self.title)?;
        if self.items.is_empty() {
            return Err(ChecklistError::NoItems(self.id.clone()));
        }
        let mut facts = BTreeSet::new();
        for fact in &self.facts {
            check_key(&fact.key)?;
            check_label("fact", &fact.key, &fact.label)?;
            if !facts.insert(fact.key.as_str()) {
                return Err(ChecklistError::DuplicateFact(fact.key.clone()));
            }
        }
        let mut items = BTreeSet::new();
        for item in &self.items {
            check_key(&item.key)?;
            if !items.insert(item.key.as_str()) {
                return Err(ChecklistError::DuplicateItem(item.key.clone()));
            }
            check_label("item", &item.key, &item.label)?;
            if item.required < 1 {
                return Err(ChecklistError::BadCount { item: item.key.clone(), count: item.required });
            }
            for fact in item.when.iter().chain(&item.unless) {
                if !facts.contains(fact.as_str()) {
                    return Err(ChecklistError::DanglingCondition {
                        item: item.key.clone(),
                        fact: fact.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The item with this key, if the checklist has one.
    pub fn item(&self, key: &str) -> Option<&ItemSpec> {
        self.items.iter().find(|i| i.key == key)
    }

    /// The declared fact with this key, if any.
    pub fn fact(&self, key: &str) -> Option<&FactDecl> {
        self.facts.iter().find(|f| f.key == key)
    }
}

fn check_key(key: &str) -> Result<(), ChecklistError> {
    let mut chars = key.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ChecklistError::BadKey(key.to_string()))
    }
}

fn check_label(what: &'static str, key: &str, label: &Label) -> Result<(), ChecklistError> {
    for (lang, text) in [("zh", &label.zh), ("en", &label.en)] {
        if text.trim().is_empty() {
            return Err(ChecklistError::EmptyLabel { what, key: key.to_string(), lang });
        }
    }
    Ok(())
}
