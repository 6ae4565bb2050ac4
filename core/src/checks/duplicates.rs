//! Duplicate photos: the same bytes (SHA-256) or a near-identical image (64-bit perceptual hash),
//! within a case and against earlier cases on the device. The server repeats this across devices.

use super::policy::DuplicatePolicy;
use super::{Finding, FindingCode, Severity};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What duplicate detection needs to know about one captured photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fingerprint {
    /// The evidence item's id.
    pub item: String,
    /// The case it was captured for.
    pub case: String,
    /// SHA-256 of the original bytes, hex (either case).
    pub sha256: String,
    /// 64-bit perceptual hash of the image, when one was computed.
    pub phash: Option<u64>,
}

/// A finding about one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemFinding {
    /// The evidence item's id.
    pub item: String,
    /// What was found.
    pub finding: Finding,
}

/// Bits that differ between two perceptual hashes.
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Findings on `case_items` (in capture order): repeats inside the case and reuse of photos from `earlier` cases.
///
/// A repeat is reported on the later item only, against the first match; exact copies win over
/// near-identical images. Entries of `earlier` that belong to the same case are ignored.
pub fn find_duplicates(
    case_items: &[Fingerprint],
    earlier: &[Fingerprint],
    policy: &DuplicatePolicy,
) -> Vec<ItemFinding> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, &Fingerprint> = HashMap::new();
    let mut earlier_by_sha: HashMap<String, &Fingerprint> = HashMap::new();
    let current_cases: std::collections::HashSet<&str> = case_items.iter().map(|f| f.case.as_str()).collect();
    let earlier: Vec<&Fingerprint> = earlier.iter().filter(|f| !current_cases.contains(f.case.as_str())).collect();
    for f in &earlier {
        earlier_by_sha.entry(f.sha256.to_ascii_lowercase()).or_insert(f);
    }
    for (i, item) in case_items.iter().enumerate() {
        let sha = item.sha256.to_ascii_lowercase();
        if let Some(first) = seen.get(&sha) {
            out.push(ItemFinding {
                item: item.item.clone(),
                finding: Finding::new(
                    FindingCode::DuplicateInCase,
                    Severity::Warning,
                    format!("same bytes as item {} already in this case", first.item),
                )
                .with("duplicate_of", first.item.as_str())
                .with("sha256", sha.as_str()),
            });
        } else if let Some((first, d)) = closest(item, case_items[..i].iter(), policy) {
            out.push(ItemFinding {
                item: item.item.clone(),
                finding: Finding::new(
                    FindingCode::SimilarInCase,
                    Severity::Info,
                    format!(
                        "near-identical to item {} in this case (perceptual hashes {d} bits apart, threshold {})",
                        first.item, policy.max_hamming_distance
                    ),
                )
                .with("similar_to", first.item.as_str())
                .with("hamming_distance", d)
                .with("threshold", policy.max_hamming_distance),
            });
        }
        seen.entry(sha.clone()).or_insert(item);

        if let Some(old) = earlier_by_sha.get(&sha) {
            out.push(ItemFinding {
                item: item.item.clone(),
                finding: Finding::new(
                    FindingCode::ReusedFromEarlierCase,
                    Severity::Critical,
                    format!("same bytes as item {} of earlier case {}", old.item, old.case),
                )
                .with("earlier_case", old.case.as_str())
                .with("earlier_item", old.item.as_str())
                .with("sha256", sha.as_str()),
            });
        } else if let Some((old, d)) = closest(item, earlier.iter().copied(), policy) {
            out.push(ItemFinding {
                item: item.item.clone(),
                finding: Finding::new(
                    FindingCode::SimilarToEarlierCase,
                    Severity::Warning,
                    format!(
                        "near-identical to item {} of earlier case {} (perceptual hashes {d} bits apart, threshold {})",
                        old.item, old.case, policy.max_hamming_distance
                    ),
                )
                .with("earlier_case", old.case.as_str())
                .with("earlier_item", old.item.as_str())
                .with("hamming_distance", d)
                .with("threshold", policy.max_hamming_distance),
            });
        }
    }
    out
}

/// The closest candidate within the threshold (first one on ties), with its distance.
fn closest<'a>(
    item: &Fingerprint,
    candidates: impl Iterator<Item = &'a Fingerprint>,
    policy: &DuplicatePolicy,
) -> Option<(&'a Fingerprint, u32)> {
    let h = item.phash?;
    let mut best: Option<(&Fingerprint, u32)> = None;
    for c in candidates {
        let Some(ch) = c.phash else { continue };
        let d = hamming(h, ch);
        if d <= policy.max_hamming_distance && best.is_none_or(|(_, bd)| d < bd) {
            best = Some((c, d));
        }
    }
    best
}
