//! `kancha sla`: the arrival verdict of one case, replayed from its fixes and photos.

use anyhow::Context;
use chrono::{DateTime, Utc};
use kancha_core::sla::{replay, CaseFile, InputsFile, ZonePolicy};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `kancha sla`.
#[derive(clap::Args)]
pub struct Args {
    /// Zone policy file.
    #[arg(long)]
    policy: PathBuf,
    /// Evaluate at this instant (RFC 3339, server time) instead of the current time.
    #[arg(long)]
    now: Option<DateTime<Utc>>,
    /// The case: dispatch time, scene with its datum, contact, claim facts.
    case: PathBuf,
    /// The inputs: an array of fixes, or {"fixes": [...], "photos": [...]}.
    fixes: PathBuf,
}

/// Runs `kancha sla`, printing status, transitions and deadlines as JSON.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let policy = ZonePolicy::load(&args.policy)?;
    let read = |p: &PathBuf| std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()));
    let case = CaseFile::from_json(&read(&args.case)?)?;
    let inputs = InputsFile::from_json(&read(&args.fixes)?)?;
    let report = replay(&policy, &case, &inputs, args.now.unwrap_or_else(Utc::now))?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(ExitCode::SUCCESS)
}
