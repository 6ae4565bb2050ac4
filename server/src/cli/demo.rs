//! `kancha demo`: a survey on the embedded default — sample photos captured into a local store.

use chrono::Utc;
use kancha_core::bundle::{self, manifest::DeviceFacts, SealFacts};
use kancha_core::capture::{capture_photo, CaptureConfig, DeviceContext};
use kancha_core::case::NewCase;
use kancha_core::geo::{Coord, Datum, Fix};
use kancha_core::sample;
use kancha_core::store::Store;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `kancha demo`.
#[derive(clap::Args)]
pub struct Args {
    /// Where the demo keeps its data (a fresh folder under build/demo by default).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

/// Shots the demo photographs, with the sample that stands in for each.
const SHOTS: &[(&str, &str)] = &[
    ("front_45", "front_45.jpg"),
    ("rear_45", "rear_45_no_offset.jpg"),
    ("damage_close", "blurred.jpg"),
    ("damage_far", "dark.jpg"),
    ("vin", "edited.jpg"),
    ("odometer", "no_exif.jpg"),
];

/// Runs `kancha demo`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = args.data_dir.unwrap_or_else(|| PathBuf::from("build/demo").join(Utc::now().format("%Y%m%dT%H%M%S").to_string()));
    let store = Store::open(root.join("device"))?;
    let (lat, lon) = sample::SAMPLE_SCENE_WGS84;
    let scene = Coord::new(lat, lon, Datum::Wgs84)?;
    let case = store.create_case(NewCase {
        report_no: format!("DEMO{}", Utc::now().format("%Y%m%d%H%M%S")),
        plate: Some("沪A·12345".into()),
        accident_at: Some(sample::sample_accident_time()),
        scene: Some(scene),
        dispatched_at: Some(sample::sample_accident_time() + chrono::Duration::minutes(5)),
        ..Default::default()
    })?;
    println!("case {} (report {}) at {:.4}, {:.4} ({})", case.id, case.report_no, lat, lon, scene.datum());
    let samples = sample::standard_set();
    let cfg = CaptureConfig::default();
    for (shot, name) in SHOTS {
        let spec = &samples.iter().find(|s| s.name == *name).expect("demo sample exists").spec;
        let device = DeviceContext {
            clock: Utc::now(),
            fix: Some(Fix { coord: scene, accuracy_m: Some(6.0), at: Utc::now(), mock: false }),
        };
        let got = capture_photo(&store, &case.id, shot, &spec.jpeg(), &device, &cfg)?;
        let item = &got.item;
        let verdict = if item.verdict.acceptable {
            "ok".to_string()
        } else {
            item.verdict.reasons.iter().map(|r| r.message_en.clone()).collect::<Vec<_>>().join(" ")
        };
        println!("  #{} {:<13} {}…  {}", item.seq, shot, &item.sha256[..12], verdict);
        for f in &item.findings {
            println!("       finding: {}", f.message);
        }
    }
    let key = store.device_key()?;
    let facts = SealFacts {
        device: DeviceFacts { device_id: "demo-device".into(), model: Some("demo".into()), ..Default::default() },
        ..Default::default()
    };
    let sealed = bundle::seal(&store, &case.id, &key, facts)?;
    let out = root.join(format!("bundle-{}.zip", case.report_no));
    bundle::export::export(&store, &sealed.bundle_id, &out)?;
    let opened = bundle::export::open(&out)?;
    let verified = bundle::verify(&opened.manifest, &opened.signature, &opened)?;
    println!(
        "sealed bundle {} ({} items, key {}…), exported to {} and verified offline",
        sealed.bundle_id,
        verified.manifest.items.len(),
        &verified.manifest.signer.key_id[..16],
        out.display()
    );
    let rec = store.reconcile()?;
    println!(
        "stored {} items in {}; store consistent: {}",
        store.items(&case.id)?.len(),
        store.root().display(),
        rec.is_clean()
    );
    Ok(ExitCode::SUCCESS)
}
