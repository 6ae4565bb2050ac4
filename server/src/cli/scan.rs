//! `kancha scan`: flatten and enhance a document photo, print what was done as JSON.

use anyhow::Context;
use kancha_core::scan::{self, DocType, Encoding, Quad, ScanRequest};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `kancha scan`.
#[derive(clap::Args)]
pub struct Args {
    /// The document photo (JPEG or PNG).
    photo: PathBuf,
    /// Document type: driver_licence, vehicle_licence, id_card, bank_card, claim_form,
    /// agreement_or_police_form, insurance_sticker_or_policy, repair_invoice.
    #[arg(long)]
    doc_type: Option<String>,
    /// Page corners x1,y1,x2,y2,x3,y3,x4,y4 in photo pixels (e.g. from the platform's detector);
    /// fitted to the page's edges unless --exact-corners.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    corners: Option<Vec<f64>>,
    /// Use --corners as given, without fitting them.
    #[arg(long)]
    exact_corners: bool,
    /// Where to write the flattened page (.png or .jpg; otherwise PNG for forms, JPEG for cards).
    #[arg(short, long)]
    output: PathBuf,
}

/// Runs `kancha scan`: exit 0 when the scan is accepted, 1 when its verdict refuses it, 3 when
/// no scan could be made (the reason is printed as JSON).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.photo).with_context(|| format!("reading {}", args.photo.display()))?;
    let request = match build_request(&args) {
        Ok(r) => r,
        Err(e) => return Ok(refuse(&e)),
    };
    let scan = match scan::scan_photo(&bytes, &request) {
        Ok(s) => s,
        Err(e) => return Ok(refuse(&e)),
    };
    std::fs::write(&args.output, &scan.image).with_context(|| format!("writing {}", args.output.display()))?;
    let mut report = serde_json::to_value(&scan)?;
    report["photo"] = args.photo.display().to_string().into();
    report["output"] = args.output.display().to_string().into();
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(if scan.verdict.accepted { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn build_request(args: &Args) -> Result<ScanRequest, scan::ScanError> {
    let doc_type = args.doc_type.as_deref().map(str::parse::<DocType>).transpose()?;
    let corners = args.corners.as_deref().map(Quad::from_flat).transpose()?;
    let ext = args.output.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let encoding = match ext.as_deref() {
        Some("png") => Some(Encoding::Png),
        Some("jpg" | "jpeg") => Some(Encoding::Jpeg(90)),
        _ => None,
    };
    Ok(ScanRequest { doc_type, corners, exact_corners: args.exact_corners, encoding, ..Default::default() })
}

/// Prints why no scan was made and returns exit code 3.
fn refuse(e: &scan::ScanError) -> ExitCode {
    let report = serde_json::json!({ "error": e.to_string(), "retake_may_help": e.retake_may_help() });
    println!("{report:#}");
    ExitCode::from(3)
}
