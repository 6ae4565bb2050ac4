//! `kancha sample`: writes the standard sample photos and the spec each was made from.

use kancha_core::sample;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `kancha sample`.
#[derive(clap::Args)]
pub struct Args {
    /// Directory to write the photos and `samples.json` into.
    #[arg(long, short)]
    out: PathBuf,
    /// Also write a 12-megapixel photo (`photo_12mp.jpg`, about 4–5 MB).
    #[arg(long)]
    large: bool,
}

/// Runs `kancha sample`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&args.out)?;
    let mut set = sample::standard_set();
    if args.large {
        set.push(sample::Sample { name: "photo_12mp.jpg".into(), spec: sample::twelve_megapixel() });
    }
    for s in &set {
        std::fs::write(args.out.join(&s.name), s.spec.jpeg())?;
    }
    std::fs::write(args.out.join("samples.json"), serde_json::to_string_pretty(&set)?)?;
    eprintln!("wrote {} sample photos and samples.json to {}", set.len(), args.out.display());
    Ok(ExitCode::SUCCESS)
}
