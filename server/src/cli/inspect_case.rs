//! `kancha inspect --case CASE.json`: analyse a case's photos, run every check, and report
//! the findings and the checklist state. The case file format is documented in
//! `docs/inspect-case.md` (schema `docs/inspect-case.schema.json`).

use anyhow::Context;
use chrono::{DateTime, Utc};
use kancha_core::capture::{self, CaptureConfig};
use kancha_core::checklist::{Builtin, CaseFacts, Checklist, ChecklistState, Status};
use kancha_core::checks::duplicates::Fingerprint;
use kancha_core::checks::eligibility::SelfServiceClaim;
use kancha_core::checks::review::{review, CaseReview, ReviewReport};
use kancha_core::checks::stored::analysis_evidence;
use kancha_core::checks::{self, ChecksPolicy};
use kancha_core::geo::{Coord, Fix};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The case file: what `inspect --case` needs to review a case from photos on disk.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    /// Case file format (1).
    format: u32,
    case_id: String,
    #[serde(default)]
    accident_at: Option<DateTime<Utc>>,
    #[serde(default)]
    scene: Option<Coord>,
    #[serde(default)]
    facts: CaseFacts,
    #[serde(default)]
    vins: Vec<String>,
    #[serde(default)]
    self_service: Option<SelfServiceClaim>,
    /// Built-in checklist ids or paths (relative to the case file) of checklist files.
    checklists: Vec<String>,
    photos: Vec<PhotoEntry>,
    /// Fingerprints of earlier cases' photos.
    #[serde(default)]
    earlier: Vec<Fingerprint>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhotoEntry {
    /// JPEG path, relative to the case file.
    file: PathBuf,
    /// Shot reference `key[/v<N>][/p<N>][/<part>]`.
    shot: String,
    #[serde(default)]
    device_time: Option<DateTime<Utc>>,
    #[serde(default)]
    device_fix: Option<Fix>,
}

/// One photo's outcome in `--json` output.
#[derive(Serialize)]
struct PhotoReport {
    file: String,
    shot: String,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorReport>,
}

#[derive(Serialize)]
struct ErrorReport {
    code: &'static str,
    message: String,
}

#[derive(Serialize)]
struct Output<'a> {
    case_id: &'a str,
    photos: Vec<PhotoReport>,
    #[serde(flatten)]
    review: &'a ReviewReport,
}

fn load_checklist(name: &str, base: &Path) -> anyhow::Result<Checklist> {
    if let Some(b) = Builtin::ALL.into_iter().find(|b| Checklist::builtin(*b).id == name) {
        return Ok(Checklist::builtin(b));
    }
    let path = base.join(name);
    Checklist::from_path(&path).with_context(|| format!("checklist {name:?} is neither built in nor a valid file"))
}

/// Metres between two coordinates of one datum (great circle, mean Earth radius).
///
/// Mixed datums are refused, which the review reports as a finding; converting them is the
/// `geo` module's job and this function gives way to its geodesic distance once that lands.
fn same_datum_metres(a: &Coord, b: &Coord) -> Result<f64, String> {
    if a.datum() != b.datum() {
        return Err(format!("cannot compare a {} coordinate with a {} one without conversion", a.datum(), b.datum()));
    }
    let (p1, p2) = (a.lat().to_radians(), b.lat().to_radians());
    let h = ((p2 - p1) / 2.0).sin().powi(2)
        + p1.cos() * p2.cos() * ((b.lon() - a.lon()).to_radians() / 2.0).sin().powi(2);
    Ok(2.0 * 6_371_008.8 * h.sqrt().asin())
}

/// Runs `kancha inspect --case`; exits 1 when a photo was refused, 0 otherwise (findings are reported, not fatal).
pub fn run(
    case_path: &Path,
    settings: &CaptureConfig,
    policy: Option<&Path>,
    now: Option<DateTime<Utc>>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(case_path).with_context(|| format!("cannot read {}", case_path.display()))?;
    let file: CaseFile = serde_json::from_str(&text).with_context(|| format!("{} is not a valid case file", case_path.display()))?;
    anyhow::ensure!(file.format == 1, "case file format {} is not supported; this build reads format 1", file.format);
    let base = case_path.parent().unwrap_or(Path::new("."));
    let policy = match policy {
        Some(p) => ChecksPolicy::from_path(p)?,
        None => ChecksPolicy::default(),
    };
    let lists = file.checklists.iter().map(|n| load_checklist(n, base)).collect::<anyhow::Result<Vec<_>>>()?;

    let mut photos = Vec::new();
    let mut items = Vec::new();
    for entry in &file.photos {
        let name = entry.file.display().to_string();
        let analysed = std::fs::read(base.join(&entry.file))
            .map_err(|e| ErrorReport { code: "unreadable_file", message: e.to_string() })
            .and_then(|bytes| {
                capture::analyze(&bytes, settings).map_err(|e| ErrorReport { code: e.code(), message: e.to_string() })
            });
        match analysed {
            Ok(a) => {
                // What capture would record: the analysis' findings plus those on the device fix.
                let mut findings = a.findings.clone();
                findings.extend(checks::device::check_fix(entry.device_fix.as_ref()));
                items.push(analysis_evidence(&name, &entry.shot, &a, entry.device_time, entry.device_fix.as_ref(), findings));
                photos.push(PhotoReport { file: name, shot: entry.shot.clone(), ok: true, sha256: Some(a.sha256), error: None });
            }
            Err(e) => photos.push(PhotoReport { file: name, shot: entry.shot.clone(), ok: false, sha256: None, error: Some(e) }),
        }
    }
    let case = CaseReview {
        case_id: file.case_id.clone(),
        accident_at: file.accident_at,
        scene: file.scene,
        facts: file.facts,
        vins: file.vins,
        self_service: file.self_service,
        items,
    };
    let report = review(&case, &lists, &file.earlier, now.unwrap_or_else(Utc::now), &policy, same_datum_metres);
    let failed = photos.iter().any(|p| !p.ok);
    if json {
        let out = Output { case_id: &file.case_id, photos, review: &report };
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_text(&file.case_id, &photos, &report);
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn print_text(case_id: &str, photos: &[PhotoReport], report: &ReviewReport) {
    println!("case {case_id}");
    for p in photos {
        match &p.error {
            Some(e) => println!("  photo {} ({}): refused ({}): {}", p.file, p.shot, e.code, e.message),
            None => println!("  photo {} ({})", p.file, p.shot),
        }
        for f in report.findings_for(&p.file) {
            println!("    [{:?}] {:?}: {}", f.severity, f.code, f.message);
        }
    }
    for f in &report.case_findings {
        println!("  case [{:?}] {:?}: {}", f.severity, f.code, f.message);
    }
    for state in &report.checklists {
        print_state(state);
    }
}

fn print_state(state: &ChecklistState) {
    let done = state.with_status(Status::Done).count();
    println!("  checklist {} v{}: {done}/{} done", state.checklist, state.version, state.requirements.len());
    for r in state.requirements.iter().filter(|r| r.status != Status::Done) {
        let words = r.describe();
        println!("    {:?}: {} | {}", r.status, words.zh, words.en);
    }
    for a in &state.assumed_facts {
        println!("    assumed {} = {}", a.key, a.value);
    }
}
