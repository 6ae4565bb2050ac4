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

/// Earlier cases' fingerprints, indexed once so that each review only scans flat hashes.
///
/// Build it when the app starts (or after each sealed case) and reuse it for every review.
#[derive(Debug, Clone, Default)]
pub struct EarlierIndex {
    prints: Vec<Fingerprint>,
    by_sha: HashMap<String, Vec<usize>>,
    /// Perceptual hashes, contiguous, with the index of their fingerprint.
    hashes: Vec<u64>,
    owners: Vec<usize>,
}

impl EarlierIndex {
    /// Indexes fingerprints of earlier cases; the first match from another case is reported.
    pub fn new(prints: Vec<Fingerprint>) -> EarlierIndex {
        let mut by_sha = HashMap::with_capacity(prints.len());
        let (mut hashes, mut owners) = (Vec::with_capacity(prints.len()), Vec::with_capacity(prints.len()));
        for (i, f) in prints.iter().enumerate() {
            by_sha.entry(f.sha256.to_ascii_lowercase()).or_insert_with(Vec::new).push(i);
            if let Some(h) = f.phash {
                hashes.push(h);
                owners.push(i);
            }
        }
        EarlierIndex { prints, by_sha, hashes, owners }
    }

    /// Number of fingerprints indexed.
    pub fn len(&self) -> usize {
        self.prints.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.prints.is_empty()
    }

    fn exact(&self, sha: &str, case: &str) -> Option<&Fingerprint> {
        self.by_sha.get(sha)?.iter().map(|i| &self.prints[*i]).find(|f| f.case != case)
    }

    /// The closest earlier image within the threshold, from another case than `case`.
    fn closest(&self, h: u64, case: &str, max: u32) -> Option<(&Fingerprint, u32)> {
        // Almost every photo is near nothing: one branch-free pass (which the compiler vectorises)
        // settles that, and only a hit pays for the second pass that finds the owner.
        let nearest = self.hashes.iter().map(|e| (e ^ h).count_ones()).min()?;
        if nearest > max {
            return None;
        }
        let mut best: Option<(usize, u32)> = None;
        for (k, e) in self.hashes.iter().enumerate() {
            let d = (e ^ h).count_ones();
            // The cheap bit count filters first; the case comparison runs only on a hit.
            if d <= max && best.is_none_or(|(_, bd)| d < bd) && self.prints[self.owners[k]].case != case {
                best = Some((self.owners[k], d));
            }
        }
        best.map(|(i, d)| (&self.prints[i], d))
    }
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
    find_duplicates_indexed(case_items, &EarlierIndex::new(earlier.to_vec()), policy)
}

/// [`find_duplicates`] against an index built once for many reviews.
pub fn find_duplicates_indexed(
    case_items: &[Fingerprint],
    earlier: &EarlierIndex,
    policy: &DuplicatePolicy,
) -> Vec<ItemFinding> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, &Fingerprint> = HashMap::new();
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

        let near = || item.phash.and_then(|h| earlier.closest(h, &item.case, policy.max_hamming_distance));
        if let Some(old) = earlier.exact(&sha, &item.case) {
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
        } else if let Some((old, d)) = near() {
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
