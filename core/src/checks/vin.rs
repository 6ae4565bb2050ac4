//! VIN (车架号) validation: 17 characters, no I/O/Q, check digit in position 9.
//!
//! The check digit is mandatory in China (GB 16735) as in North America, so a mismatch on a
//! Chinese VIN means a misread, a typo or a forged plate — a finding, never a silent fix.

use super::{Finding, FindingCode, Severity};

/// Weights of positions 1–17 in the check-digit sum (position 9 is the check digit itself).
const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/// The number a VIN character stands for in the check sum, or `None` if it may not appear in a VIN.
fn value(c: char) -> Option<u32> {
    Some(match c {
        '0'..='9' => c as u32 - '0' as u32,
        'A' | 'J' => 1,
        'B' | 'K' | 'S' => 2,
        'C' | 'L' | 'T' => 3,
        'D' | 'M' | 'U' => 4,
        'E' | 'N' | 'V' => 5,
        'F' | 'W' => 6,
        'G' | 'P' | 'X' => 7,
        'H' | 'Y' => 8,
        'R' | 'Z' => 9,
        _ => return None,
    })
}

/// The check digit a 17-character VIN should carry in position 9, or `None` if it is not 17 valid characters.
pub fn check_digit(vin: &str) -> Option<char> {
    let chars: Vec<char> = vin.chars().collect();
    if chars.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in chars.iter().zip(WEIGHTS) {
        sum += value(*c)? * w;
    }
    Some(match sum % 11 {
        10 => 'X',
        r => char::from_digit(r, 10).expect("remainder below 10"),
    })
}

/// Findings on a VIN typed or read for the case; empty when it is valid. Case and surrounding blanks are ignored.
pub fn check_vin(vin: &str) -> Vec<Finding> {
    let vin = vin.trim().to_uppercase();
    let chars: Vec<char> = vin.chars().collect();
    let mut findings = Vec::new();
    if chars.len() != 17 {
        findings.push(
            Finding::new(
                FindingCode::VinWrongLength,
                Severity::Warning,
                format!("VIN {vin:?} has {} characters; a VIN has 17", chars.len()),
            )
            .with("vin", vin.as_str())
            .with("length", chars.len()),
        );
    }
    let bad: Vec<(usize, char)> =
        chars.iter().enumerate().filter(|(_, c)| value(**c).is_none()).map(|(i, c)| (i + 1, *c)).collect();
    if !bad.is_empty() {
        let listed: Vec<String> = bad.iter().map(|(p, c)| format!("{c:?} at position {p}")).collect();
        findings.push(
            Finding::new(
                FindingCode::VinForbiddenCharacter,
                Severity::Warning,
                format!(
                    "VIN {vin:?} contains {}; a VIN uses digits and letters except I, O and Q",
                    listed.join(", ")
                ),
            )
            .with("vin", vin.as_str())
            .with("characters", bad.iter().map(|(_, c)| c.to_string()).collect::<Vec<_>>())
            .with("positions", bad.iter().map(|(p, _)| *p).collect::<Vec<_>>()),
        );
    }
    if let Some(expected) = check_digit(&vin) {
        let found = chars[8];
        if found != expected {
            findings.push(
                Finding::new(
                    FindingCode::VinCheckDigitMismatch,
                    Severity::Warning,
                    format!(
                        "VIN {vin:?} has check digit {found} in position 9, but its other characters give {expected}: \
                         re-read the VIN plate"
                    ),
                )
                .with("vin", vin.as_str())
                .with("found", found.to_string())
                .with("expected", expected.to_string()),
            );
        }
    }
    findings
}
