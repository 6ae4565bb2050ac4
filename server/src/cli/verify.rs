//! `kancha verify BUNDLE`: checks an exported bundle offline — signature, capture log, every byte.

use kancha_core::bundle::{self, export};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `kancha verify`.
#[derive(clap::Args)]
pub struct Args {
    /// The exported bundle (.zip).
    bundle: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs `kancha verify`; exits 1 when the bundle fails verification.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let opened = export::open(&args.bundle)?;
    let result = bundle::verify(&opened.manifest, &opened.signature, &opened);
    let (ok, report) = match &result {
        Ok(v) => (
            true,
            json!({
                "ok": true,
                "bundle_id": v.manifest.bundle_id,
                "case_id": v.manifest.case.id,
                "report_no": v.manifest.case.report_no,
                "items": v.manifest.items.len(),
                "key_id": v.manifest.signer.key_id,
                "manifest_sha256": v.manifest_sha256,
                "sealed_at": v.manifest.sealed_at,
            }),
        ),
        Err(r) => (false, json!({ "ok": false, "failures": r.failures })),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        match &result {
            Ok(v) => println!(
                "verified: bundle {} of case {} ({}), {} items, signed by key {}…",
                v.manifest.bundle_id,
                v.manifest.case.id,
                v.manifest.case.report_no,
                v.manifest.items.len(),
                &v.manifest.signer.key_id[..16]
            ),
            Err(r) => {
                println!("FAILED verification:");
                for f in &r.failures {
                    println!("  [{:?}] {}", f.code, f.message);
                }
            }
        }
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
