//! `kancha convert`: one coordinate from one datum to another.

use kancha_core::geo::{Coord, Datum};
use std::process::ExitCode;

/// Arguments of `kancha convert`.
#[derive(clap::Args)]
#[command(allow_negative_numbers = true)]
pub struct Args {
    /// Datum of the input: wgs84, gcj02 or bd09.
    #[arg(long)]
    from: Datum,
    /// Datum wanted: wgs84, gcj02 or bd09.
    #[arg(long)]
    to: Datum,
    /// Latitude in degrees (north positive).
    lat: f64,
    /// Longitude in degrees (east positive).
    lon: f64,
}

/// Runs `kancha convert`, printing the converted point and how far the datum shift moved it.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let input = Coord::new(args.lat, args.lon, args.from)?;
    let output = input.to(args.to);
    // The shift on paper: both pairs read as if they were in the same datum.
    let on_paper = Coord::new(output.lat(), output.lon(), args.from)?;
    let out = serde_json::json!({
        "input": input,
        "output": output,
        "shift_m": (input.distance_m(&on_paper) * 100.0).round() / 100.0,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(ExitCode::SUCCESS)
}
