//! `kancha zone`: which zone of a policy a point falls in, and its arrival target.

use kancha_core::geo::{Coord, Datum};
use kancha_core::sla::ZonePolicy;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `kancha zone`.
#[derive(clap::Args)]
#[command(allow_negative_numbers = true)]
pub struct Args {
    /// Zone policy file (JSON, see core/data/policies/policy.schema.json).
    #[arg(long)]
    policy: PathBuf,
    /// Datum of LAT LON: wgs84 (phone GNSS, the default), gcj02 (Amap, Tencent) or bd09 (Baidu).
    #[arg(long, default_value = "wgs84")]
    datum: Datum,
    /// Latitude in degrees.
    lat: f64,
    /// Longitude in degrees.
    lon: f64,
}

/// Runs `kancha zone`, printing the classification as JSON.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let policy = ZonePolicy::load(&args.policy)?;
    let point = Coord::new(args.lat, args.lon, args.datum)?;
    let class = policy.classify(&point);
    let out = serde_json::json!({
        "policy": format!("{}@{}", policy.id, policy.revision),
        "point": point,
        "point_in_policy_datum": point.to(policy.map().datum()),
        "zone": class.zone,
        "area": class.area,
        "arrival_minutes": class.arrival_minutes,
        "first_contact_minutes": policy.deadlines.first_contact_minutes,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(ExitCode::SUCCESS)
}
