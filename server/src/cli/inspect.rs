//! `kancha inspect`: what capture would record for each photo.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `kancha inspect`.
#[derive(clap::Args)]
pub struct Args {
    /// JPEG files to inspect.
    #[arg(required = true)]
    photos: Vec<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs `kancha inspect`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let _ = (args.photos, args.json);
    Ok(ExitCode::SUCCESS)
}
