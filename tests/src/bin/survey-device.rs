//! A device process for the kill tests: opens a store, captures sample photos into a case,
//! seals it and delivers it with the outbox worker, resuming whatever an earlier run left.
//!
//! `survey-device STORE_DIR SERVER_URL TOKEN CASE_ID [DIE_AT]`. With `DIE_AT` the process
//! aborts (no clean-up, like a kill) at that point: `capture-mid-write` and
//! `capture-after-blobs` (second photo), `seal-in-transaction`, `after-seal`. Kills during
//! upload come from outside (the test's proxy SIGKILLs this process). It prints one JSON line
//! per step on stdout; exit 0 means the bundle was delivered and its receipt recorded.

use chrono::Utc;
use kancha_core::bundle::{seal, SealFacts};
use kancha_core::capture::{capture_photo, CaptureConfig, DeviceContext};
use kancha_core::case::NewCase;
use kancha_core::store::{FaultPoint, Store};
use kancha_core::sync::{RetryPolicy, SyncEvent, SyncListener, SyncSettings, TusConfig, Worker};
use kancha_tests::survey::{photo, CHUNK, SHOTS};
use serde_json::json;
use std::process::ExitCode;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;


fn say(v: serde_json::Value) {
    println!("{v}");
}

/// Passes the worker's final event to the main thread.
struct Finish(Mutex<mpsc::Sender<SyncEvent>>);

impl SyncListener for Finish {
    fn on_event(&self, e: SyncEvent) {
        if let SyncEvent::Progress { done, total, .. } = &e {
            say(json!({"step": "progress", "done": done, "total": total}));
        }
        if matches!(e, SyncEvent::Delivered { .. } | SyncEvent::Rejected { .. } | SyncEvent::Corrupt { .. }) {
            let _ = self.0.lock().unwrap_or_else(|p| p.into_inner()).send(e);
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        eprintln!("usage: survey-device STORE_DIR SERVER_URL TOKEN CASE_ID [DIE_AT]");
        return ExitCode::from(2);
    }
    let (dir, server, token, case_id) = (&args[0], &args[1], &args[2], &args[3]);
    let die_at = args.get(4).map(String::as_str).unwrap_or("");
    match run(dir, server, token, case_id, die_at) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("survey-device: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(dir: &str, server: &str, token: &str, case_id: &str, die_at: &str) -> Result<(), Box<dyn std::error::Error>> {
    let store = Arc::new(Store::open(dir)?);
    say(json!({"step": "opened", "reconciliation": store.reconciliation()}));
    if store.case(case_id).is_err() {
        store.create_case(NewCase { id: Some(case_id.into()), report_no: format!("RPT-{case_id}"), ..Default::default() })?;
    }
    let have: Vec<String> = store.items(case_id)?.into_iter().map(|i| i.shot).collect();
    if store.bundle_for_case(case_id)?.is_none() {
        for (i, shot) in SHOTS.iter().enumerate() {
            if have.iter().any(|s| s == shot) {
                continue;
            }
            if i == 1 {
                match die_at {
                    "capture-mid-write" => store.inject_fault(FaultPoint::AbortMidBlobWrite),
                    "capture-after-blobs" => store.inject_fault(FaultPoint::AbortAfterBlobs),
                    _ => {}
                }
            }
            let device = DeviceContext { clock: Utc::now(), fix: None };
            capture_photo(&store, case_id, shot, &photo(i), &device, &CaptureConfig::default())?;
            say(json!({"step": "captured", "shot": shot}));
        }
    }
    say(json!({"step": "reconciled", "reconciliation": store.reconcile()?}));
    if die_at == "seal-in-transaction" {
        store.inject_fault(FaultPoint::AbortInSeal);
    }
    let bundle = seal(&store, case_id, &store.device_key()?, SealFacts::default())?;
    say(json!({"step": "sealed", "bundle_id": bundle.bundle_id}));
    if die_at == "after-seal" {
        std::process::abort();
    }

    let fast = RetryPolicy {
        base: Duration::from_millis(20),
        cap: Duration::from_millis(200),
        max_attempts: Some(20),
        deadline: None,
        seed: Some(5),
    };
    let mut settings = SyncSettings::new(server, Some(token.to_string()));
    settings.tus = TusConfig { chunk_size: CHUNK, retry: fast.clone(), ..settings.tus };
    settings.retry = fast;
    let (tx, rx) = mpsc::channel();
    let worker = Worker::start(store.clone(), settings, Arc::new(Finish(Mutex::new(tx))))?;
    let outcome = rx.recv_timeout(Duration::from_secs(60));
    worker.stop();
    match outcome {
        Ok(SyncEvent::Delivered { bundle_id, receipt }) => {
            say(json!({"step": "delivered", "bundle_id": bundle_id, "receipt": receipt}));
            Ok(())
        }
        Ok(other) => Err(format!("delivery ended with {other:?}").into()),
        Err(_) => Err(format!("not delivered within 60 s: {:?}", store.bundle(&bundle.bundle_id)?.last_error).into()),
    }
}
