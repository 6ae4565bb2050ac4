//! `kancha inspect`: what capture would record for each photo, without storing anything.

use kancha_core::capture::{self, CaptureConfig, PhotoAnalysis};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `kancha inspect`.
#[derive(clap::Args)]
pub struct Args {
    /// JPEG files to inspect.
    #[arg(required_unless_present = "case")]
    photos: Vec<PathBuf>,
    /// Review a whole case described by this file (docs/inspect-case.md): findings and checklist state.
    #[arg(long, conflicts_with = "photos")]
    case: Option<PathBuf>,
    /// Checks policy file for `--case` (defaults to the shipped core/data/checks.json).
    #[arg(long, requires = "case")]
    policy: Option<PathBuf>,
    /// The present moment for `--case` time checks (RFC 3339; defaults to the system clock).
    #[arg(long, requires = "case")]
    now: Option<chrono::DateTime<chrono::Utc>>,
    /// Print JSON (documented in docs/cli.md) instead of text.
    #[arg(long)]
    json: bool,
    /// Capture settings file (defaults to the shipped core/data/capture.v1.json).
    #[arg(long)]
    settings: Option<PathBuf>,
}

/// One file's result in `--json` output.
#[derive(Serialize)]
struct Report {
    file: String,
    #[serde(flatten)]
    outcome: Outcome,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Outcome {
    Ok { ok: bool, #[serde(flatten)] analysis: Box<PhotoAnalysis> },
    Err { ok: bool, error: ErrorReport },
}

#[derive(Serialize)]
struct ErrorReport {
    code: &'static str,
    message: String,
}

/// Runs `kancha inspect`; exits 1 when any file was refused.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let cfg = match &args.settings {
        Some(path) => CaptureConfig::from_json(&std::fs::read_to_string(path)?)?,
        None => CaptureConfig::default(),
    };
    if let Some(case) = &args.case {
        return super::inspect_case::run(case, &cfg, args.policy.as_deref(), args.now, args.json);
    }
    let mut reports = Vec::new();
    for path in &args.photos {
        let outcome = match std::fs::read(path) {
            Err(e) => Outcome::Err { ok: false, error: ErrorReport { code: "unreadable_file", message: e.to_string() } },
            Ok(bytes) => match capture::analyze(&bytes, &cfg) {
                Ok(a) => Outcome::Ok { ok: true, analysis: Box::new(a) },
                Err(e) => Outcome::Err { ok: false, error: ErrorReport { code: e.code(), message: e.to_string() } },
            },
        };
        reports.push(Report { file: path.display().to_string(), outcome });
    }
    let failed = reports.iter().any(|r| matches!(r.outcome, Outcome::Err { .. }));
    if args.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else {
        for r in &reports {
            print_text(r);
        }
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn print_text(r: &Report) {
    println!("{}", r.file);
    match &r.outcome {
        Outcome::Err { error, .. } => println!("  refused ({}): {}", error.code, error.message),
        Outcome::Ok { analysis: a, .. } => {
            println!("  sha256   {}  ({} bytes, {}x{})", a.sha256, a.size, a.width, a.height);
            let e = &a.exif;
            let camera = [e.make.as_deref(), e.model.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
            println!("  camera   {}", if camera.is_empty() { "-" } else { &camera });
            match &e.captured_at {
                Some(t) => println!("  taken    {}", t.to_rfc3339()),
                None => println!("  taken    -"),
            }
            match &e.gps {
                Some(g) => println!(
                    "  gps      {:.6}, {:.6} ({}){}",
                    g.position.lat(),
                    g.position.lon(),
                    g.position.datum(),
                    g.h_positioning_error_m.map(|m| format!(" ±{m} m")).unwrap_or_default()
                ),
                None => println!("  gps      -"),
            }
            let q = &a.quality;
            println!(
                "  quality  sharpness {:.0}, mean luma {:.0}, {}",
                q.sharpness,
                q.mean_luma,
                if a.verdict.acceptable { "acceptable".to_string() } else {
                    a.verdict.reasons.iter().map(|r| format!("{:?}", r.code)).collect::<Vec<_>>().join(", ")
                }
            );
            println!("  phash    {}", a.phash);
            for f in &a.findings {
                println!("  finding  [{:?}] {}", f.severity, f.message);
            }
        }
    }
}
