//! `kancha demo`: the main job on the embedded default — a server on SQLite + a local folder,
//! and a survey against it: dispatch, arrival, capture, seal, offline verify, delivery, receipt.

use chrono::Utc;
use kancha_core::bundle::{self, manifest::DeviceFacts, SealFacts};
use kancha_core::capture::{capture_photo, CaptureConfig, DeviceContext};
use kancha_core::case::NewCase;
use kancha_core::geo::{Coord, Datum, Fix};
use kancha_core::sample;
use kancha_core::store::Store;
use kancha_core::sync::tus::{CancelToken, TusClient};
use kancha_core::sync::{deliver_pending, SyncEvent, SyncListener, SyncSettings};
use kancha_server::http::auth::issue_token;
use kancha_server::ids::PersonId;
use kancha_server::store::meta::Role;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::ExitCode;

/// Prints upload progress at most every quarter of the way.
struct Progress(std::sync::Mutex<u64>);

impl SyncListener for Progress {
    fn on_event(&self, e: SyncEvent) {
        match e {
            SyncEvent::Progress { done, total, .. } => {
                let mut last = self.0.lock().unwrap_or_else(|p| p.into_inner());
                let quarter = done * 4 / total.max(1);
                if quarter > *last {
                    *last = quarter;
                    println!("  upload {:>3} % ({done} of {total} bytes)", done * 100 / total.max(1));
                }
            }
            SyncEvent::Retrying { error, delay, .. } => println!("  retrying in {delay:?}: {error}"),
            SyncEvent::Corrupt { reason, .. } => println!("  refused to send a corrupt original: {reason}"),
            _ => {}
        }
    }
}

/// Calls the demo server's API and returns the JSON answer, failing on an error status.
fn api(http: &reqwest::blocking::Client, method: reqwest::Method, url: &str, token: &str, body: Option<Value>) -> anyhow::Result<Value> {
    let mut req = http.request(method, url).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send()?;
    let status = resp.status();
    let text = resp.text()?;
    anyhow::ensure!(status.is_success(), "{url} answered {status}: {text}");
    Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

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
    // The server, embedded default: SQLite records and a blob folder under the demo directory.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let server_dir = root.join("server");
    let (admin, surveyor) = rt.block_on(async {
        let stores = kancha_server::store::open_embedded(&server_dir)?;
        let admin = issue_token(stores.meta.as_ref(), Role::Admin, PersonId::parse("demo-admin").ok(), None, None).await?;
        let surveyor =
            issue_token(stores.meta.as_ref(), Role::Surveyor, PersonId::parse("demo-surveyor").ok(), None, None).await?;
        anyhow::Ok((admin.token, surveyor.token))
    })?;
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = kancha_server::Config { data_dir: server_dir.clone(), ..kancha_server::Config::default() };
    let server = rt.spawn(kancha_server::launch_with_listener(config, listener, async {
        let _ = stopped.await;
    }));
    println!("server listening on {base} (SQLite + blobs in {})", server_dir.display());

    // Dispatch: the case is created on the server and assigned; the surveyor has 30 minutes.
    let http = reqwest::blocking::Client::new();
    let case_id = format!("DEMO-{}", Utc::now().format("%Y%m%d%H%M%S"));
    let dispatched_at = Utc::now() - chrono::Duration::minutes(24);
    api(&http, reqwest::Method::POST, &format!("{base}/v1/cases"), &admin, Some(json!({
        "id": case_id, "zone": "urban", "target_minutes": 30, "surveyor": "demo-surveyor",
        "dispatched_at": dispatched_at, "required_documents": ["driver_licence"],
    })))?;
    let arrived_at = dispatched_at + chrono::Duration::minutes(22);
    api(&http, reqwest::Method::POST, &format!("{base}/v1/cases/{case_id}/arrival"), &surveyor, Some(json!({"arrived_at": arrived_at})))?;
    println!("dispatched {case_id} to demo-surveyor; arrived after 22 of 30 minutes (on time)");

    let store = Store::open(root.join("device"))?;
    let (lat, lon) = sample::SAMPLE_SCENE_WGS84;
    let scene = Coord::new(lat, lon, Datum::Wgs84)?;
    let case = store.create_case(NewCase {
        id: Some(case_id.clone()),
        report_no: format!("RPT{}", Utc::now().format("%Y%m%d%H%M%S")),
        plate: Some("沪A·12345".into()),
        accident_at: Some(sample::sample_accident_time()),
        scene: Some(scene),
        dispatched_at: Some(dispatched_at),
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
    let store = std::sync::Arc::new(store);
    let settings = SyncSettings::new(&base, Some(surveyor.clone()));
    let delivered = {
        let (store, settings) = (store.clone(), settings.clone());
        std::thread::spawn(move || {
            let client = TusClient::new(settings.tus.clone())?;
            anyhow::Ok(deliver_pending(&store, &client, &settings, &Progress(Default::default()), &CancelToken::new())?)
        })
        .join()
        .map_err(|_| anyhow::anyhow!("the upload thread panicked"))??
    };
    let receipt = store.bundle(&sealed.bundle_id)?.receipt.unwrap_or_default();
    println!("delivered {delivered} bundle; server receipt: {receipt}");
    let report = api(&http, reqwest::Method::GET, &format!("{base}/v1/reports/arrivals"), &admin, None)?;
    println!("server arrival report: {}", serde_json::to_string(&report)?);
    let rec = store.reconcile()?;
    println!(
        "stored {} items in {}; store consistent: {}",
        store.items(&case.id)?.len(),
        store.root().display(),
        rec.is_clean()
    );
    let _ = stop.send(());
    rt.block_on(server)??;
    Ok(ExitCode::SUCCESS)
}
