//! The outbox against the real kancha-server under the issue's faults: a device process really
//! killed during capture, during sealing, mid-upload and around the manifest; and a network that
//! answers 500, 409 and 460, cuts connections and delays. Every case must end with the bundle
//! delivered byte-identical and verified, exactly once, without re-sending completed chunks.

use chrono::Utc;
use kancha_core::bundle::{seal, verify, ItemSource, ManifestItem, SealFacts};
use kancha_core::capture::{capture_photo, CaptureConfig, DeviceContext};
use kancha_core::case::{CaseState, NewCase};
use kancha_core::store::{BundleState, Store};
use kancha_core::sync::{RetryPolicy, SyncEvent, SyncListener, SyncSettings, TusConfig, Worker};
use kancha_server::http::auth::issue_token;
use kancha_server::ids::{CaseId, PersonId};
use kancha_server::store::meta::{CaseRecord, Role};
use kancha_server::store::{open_embedded, Stores};
use kancha_server::Config;
use kancha_tests::fault_proxy::{Action, Exchange, FaultProxy, Hook, Rule};
use kancha_tests::proxy::Proxy;
use kancha_tests::survey::{photo, CHUNK, SHOTS};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncReadExt;

const SIGABRT: i32 = 6;
const SIGKILL: i32 = 9;

/// A running kancha-server with one case assigned to surveyor `li`, and li's token.
struct Rig {
    stores: Stores,
    addr: std::net::SocketAddr,
    token: String,
    case_id: String,
    dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Rig {
    async fn start(case_id: &str) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("server");
        let stores = open_embedded(&data).unwrap();
        let now = Utc::now();
        stores
            .meta
            .create_case(CaseRecord {
                id: CaseId::parse(case_id).unwrap(),
                zone: "urban".into(),
                target_minutes: 30,
                surveyor: Some(PersonId::parse("li").unwrap()),
                dispatched_at: Some(now),
                arrived_at: None,
                required_documents: vec![],
                note: String::new(),
                created_at: now,
            })
            .await
            .unwrap();
        let token = issue_token(stores.meta.as_ref(), Role::Surveyor, Some(PersonId::parse("li").unwrap()), None, None)
            .await
            .unwrap()
            .token;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let config = Config { data_dir: data, max_upload_bytes: 8 << 20, ..Config::default() };
        tokio::spawn(kancha_server::launch_with_stores(config, stores.clone(), listener, async {
            let _ = stopped.await;
        }));
        Rig { stores, addr, token, case_id: case_id.into(), dir, _stop: stop }
    }

    fn device(&self) -> DeviceArgs {
        DeviceArgs { store: self.dir.path().join("device"), token: self.token.clone(), case_id: self.case_id.clone() }
    }

    fn open_device_store(&self) -> Store {
        Store::open(self.dir.path().join("device")).unwrap()
    }

    /// The uploaded bytes of one server upload.
    async fn upload_bytes(&self, id: &kancha_server::ids::UploadId) -> Vec<u8> {
        let mut out = Vec::new();
        self.stores.blobs.read(id).await.unwrap().read_to_end(&mut out).await.unwrap();
        out
    }

    fn case(&self) -> CaseId {
        CaseId::parse(&self.case_id).unwrap()
    }
}

/// What the device process is started with.
#[derive(Clone)]
struct DeviceArgs {
    store: PathBuf,
    token: String,
    case_id: String,
}

/// Where the device process is, so a proxy hook can SIGKILL it.
#[derive(Clone, Default)]
struct Slot(Arc<Mutex<Option<Child>>>);

impl Slot {
    fn killer(&self) -> Hook {
        let slot = self.0.clone();
        Arc::new(move || {
            if let Some(child) = slot.lock().unwrap().as_mut() {
                let _ = child.kill(); // SIGKILL: no destructor, no flush, no goodbye to the server
                let _ = child.wait();
            }
        })
    }
}

/// Runs `survey-device` until it ends or dies; returns its exit status and stdout.
async fn run_device(args: &DeviceArgs, slot: &Slot, base: &str, die_at: &str) -> (ExitStatus, String) {
    let (args, slot, base, die_at) = (args.clone(), slot.clone(), base.to_string(), die_at.to_string());
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_survey-device"))
            .args([args.store.to_str().unwrap(), &base, &args.token, &args.case_id, &die_at])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stdout.read_to_string(&mut s);
            s
        });
        *slot.0.lock().unwrap() = Some(child);
        let deadline = std::time::Instant::now() + Duration::from_secs(90);
        let status = loop {
            if let Some(status) = slot.0.lock().unwrap().as_mut().unwrap().try_wait().unwrap() {
                break status;
            }
            assert!(std::time::Instant::now() < deadline, "survey-device still running after 90 s");
            std::thread::sleep(Duration::from_millis(10));
        };
        *slot.0.lock().unwrap() = None;
        (status, reader.join().unwrap())
    })
    .await
    .unwrap()
}

/// Runs the device to a successful delivery.
async fn run_to_delivery(args: &DeviceArgs, slot: &Slot, base: &str) {
    let (status, out) = run_device(args, slot, base, "").await;
    assert!(status.success(), "the resumed device failed ({status}): {out}");
    assert!(out.contains("\"step\":\"delivered\""), "{out}");
}

/// Item bytes as the server holds them, for the verifier.
struct Served(HashMap<String, Vec<u8>>);

impl ItemSource for Served {
    fn open(&self, item: &ManifestItem) -> Option<Box<dyn Read + '_>> {
        self.0.get(&item.id).map(|b| Box::new(b.as_slice()) as Box<dyn Read>)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// File bytes sent in PATCH bodies and how many of them were sent more than once.
#[derive(Debug)]
struct Resent {
    sent: u64,
    file_bytes: u64,
}

impl Resent {
    fn extra(&self) -> u64 {
        self.sent - self.file_bytes
    }
}

/// Checks that no PATCH carried bytes the server had already acknowledged, and counts bytes.
fn no_completed_chunk_resent(log: &[Exchange], file_bytes: u64) -> Resent {
    let mut acked: BTreeMap<&str, Vec<(u64, u64)>> = BTreeMap::new();
    let mut sent = 0;
    for ex in log.iter().filter(|e| e.method == "PATCH") {
        let start = ex.offset.expect("PATCH carries Upload-Offset");
        let end = start + ex.body_len as u64;
        let done = acked.entry(ex.path.as_str()).or_default();
        assert!(
            !done.iter().any(|(a, b)| start < *b && *a < end),
            "bytes {start}..{end} of {} were sent again after the server acknowledged them: {done:?}",
            ex.path
        );
        if let (Some(204), Some(new)) = (ex.status, ex.new_offset) {
            done.push((start, new));
        }
        sent += ex.body_len as u64;
    }
    assert!(sent >= file_bytes, "only {sent} of {file_bytes} bytes were sent");
    Resent { sent, file_bytes }
}

fn count(log: &[Exchange], method: &str, path_part: &str) -> usize {
    log.iter().filter(|e| e.method == method && e.path.contains(path_part)).count()
}

/// The issue's "done": the device recorded the receipt, the server holds exactly one bundle
/// with that receipt, its items are byte-identical to the device's originals and verify, and
/// each item was completed on exactly one upload. Returns the re-sent byte count.
async fn assert_delivered_once(rig: &Rig, log: &[Exchange]) -> Resent {
    let store = rig.open_device_store();
    assert!(store.reconciliation().is_clean(), "{:?}", store.reconciliation());
    let bundle = store.bundle_for_case(&rig.case_id).unwrap().expect("the case is sealed");
    assert_eq!(bundle.state, BundleState::Delivered, "{:?}", bundle.last_error);
    assert_eq!(store.case(&rig.case_id).unwrap().state, CaseState::Delivered);
    let receipt: serde_json::Value = serde_json::from_str(bundle.receipt.as_deref().expect("receipt recorded")).unwrap();
    let on_server = rig.stores.meta.case_bundles(&rig.case()).await.unwrap();
    assert_eq!(on_server.len(), 1, "exactly one bundle on the server");
    let stored = &on_server[0];
    assert_eq!(stored.bundle_id, bundle.bundle_id);
    assert_eq!(receipt["receipt_id"], stored.receipt_id.as_str(), "the device holds the server's receipt");
    assert_eq!(stored.manifest, bundle.manifest, "the manifest arrived byte for byte");
    let manifest: kancha_core::bundle::Manifest = serde_json::from_slice(&stored.manifest).unwrap();
    assert_eq!(manifest.items.len(), SHOTS.len());
    let uploads: HashMap<String, _> = stored.items.iter().cloned().collect();
    let mut served = HashMap::new();
    for item in &manifest.items {
        let bytes = rig.upload_bytes(&uploads[&item.id]).await;
        assert_eq!(hex(&Sha256::digest(&bytes)), item.sha256, "server bytes of {} hash as sealed", item.shot);
        assert_eq!(bytes, store.read_blob(&item.sha256).unwrap(), "server bytes of {} equal the original", item.shot);
        served.insert(item.id.clone(), bytes);
    }
    verify(&stored.manifest, &stored.signature, &Served(served)).expect("the delivered bundle verifies");
    let server_uploads = rig.stores.meta.case_uploads(&rig.case()).await.unwrap();
    let completed = server_uploads.iter().filter(|u| u.completed_at.is_some()).count();
    assert_eq!(completed, SHOTS.len(), "each original completed on exactly one upload");
    let file_bytes = manifest.items.iter().map(|i| i.size).sum();
    no_completed_chunk_resent(log, file_bytes)
}

fn died_of(status: ExitStatus, signal: i32, out: &str) {
    assert_eq!(status.signal(), Some(signal), "the device should have died of signal {signal} ({status}): {out}");
}

// ---- The device process killed ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_writing_a_photo_the_store_drops_the_partial_file_and_delivers_once() {
    let rig = Rig::start("KILL-CAPTURE-WRITE").await;
    let (slot, proxy) = (Slot::default(), FaultProxy::start(rig.addr, vec![]).unwrap());
    let (status, out) = run_device(&rig.device(), &slot, &proxy.base(), "capture-mid-write").await;
    died_of(status, SIGABRT, &out);
    {
        let store = rig.open_device_store();
        let found = store.reconciliation().clone();
        assert_eq!(found.removed_temporaries, 1, "the half-written photo is removed: {found:?}");
        assert!(found.is_clean(), "{found:?}");
        assert_eq!(store.items(&rig.case_id).unwrap().len(), 1, "the photo captured before the kill is kept");
        assert!(store.bundle_for_case(&rig.case_id).unwrap().is_none());
    }
    run_to_delivery(&rig.device(), &slot, &proxy.base()).await;
    let resent = assert_delivered_once(&rig, &proxy.log()).await;
    assert_eq!(resent.extra(), 0, "{resent:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_between_a_photos_blobs_and_its_record_the_recapture_adopts_them_and_delivers_once() {
    let rig = Rig::start("KILL-CAPTURE-ROW").await;
    let (slot, proxy) = (Slot::default(), FaultProxy::start(rig.addr, vec![]).unwrap());
    let (status, out) = run_device(&rig.device(), &slot, &proxy.base(), "capture-after-blobs").await;
    died_of(status, SIGABRT, &out);
    {
        let store = rig.open_device_store();
        let found = store.reconciliation().clone();
        assert_eq!(found.orphan_blobs.len(), 2, "original and thumbnail without a record are reported: {found:?}");
        assert!(found.missing_blobs.is_empty(), "no record without its bytes: {found:?}");
        assert_eq!(store.items(&rig.case_id).unwrap().len(), 1);
    }
    run_to_delivery(&rig.device(), &slot, &proxy.base()).await;
    // The re-capture of the same bytes referenced the orphans: the store is clean again.
    let resent = assert_delivered_once(&rig, &proxy.log()).await;
    assert_eq!(resent.extra(), 0, "{resent:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_inside_the_sealing_transaction_no_bundle_exists_and_sealing_again_delivers_once() {
    let rig = Rig::start("KILL-SEAL").await;
    let (slot, proxy) = (Slot::default(), FaultProxy::start(rig.addr, vec![]).unwrap());
    let (status, out) = run_device(&rig.device(), &slot, &proxy.base(), "seal-in-transaction").await;
    died_of(status, SIGABRT, &out);
    {
        let store = rig.open_device_store();
        assert!(store.reconciliation().is_clean(), "{:?}", store.reconciliation());
        assert!(store.bundle_for_case(&rig.case_id).unwrap().is_none(), "no half-sealed bundle");
        assert!(store.pending_bundles().unwrap().is_empty());
        assert_eq!(store.case(&rig.case_id).unwrap().state, CaseState::Dispatched, "the case is not sealed");
        assert_eq!(store.items(&rig.case_id).unwrap().len(), SHOTS.len());
    }
    assert!(proxy.log().is_empty(), "nothing reached the network");
    run_to_delivery(&rig.device(), &slot, &proxy.base()).await;
    let resent = assert_delivered_once(&rig, &proxy.log()).await;
    assert_eq!(resent.extra(), 0, "{resent:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_right_after_sealing_the_queued_bundle_is_the_one_delivered() {
    let rig = Rig::start("KILL-SEALED").await;
    let (slot, proxy) = (Slot::default(), FaultProxy::start(rig.addr, vec![]).unwrap());
    let (status, out) = run_device(&rig.device(), &slot, &proxy.base(), "after-seal").await;
    died_of(status, SIGABRT, &out);
    let sealed = {
        let store = rig.open_device_store();
        let bundle = store.bundle_for_case(&rig.case_id).unwrap().expect("the seal committed");
        assert_eq!(bundle.state, BundleState::Queued);
        assert_eq!(store.pending_bundles().unwrap().len(), 1, "the bundle is in the outbox");
        bundle.bundle_id
    };
    run_to_delivery(&rig.device(), &slot, &proxy.base()).await;
    let resent = assert_delivered_once(&rig, &proxy.log()).await;
    assert_eq!(resent.extra(), 0, "{resent:?}");
    assert_eq!(rig.stores.meta.case_bundles(&rig.case()).await.unwrap()[0].bundle_id, sealed, "not sealed twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_upload_resumes_the_same_uploads_resending_at_most_the_chunk_in_flight() {
    let rig = Rig::start("KILL-UPLOAD").await;
    let slot = Slot::default();
    // The 5th PATCH is cut after 5,000 bytes, and the device is SIGKILLed right there.
    let rules = vec![Rule::new("PATCH", "/v1/uploads/", 5, Action::HookMidBody(5000, slot.killer()))];
    let proxy = FaultProxy::start(rig.addr, rules).unwrap();
    let (status, out) = run_device(&rig.device(), &slot, &proxy.base(), "").await;
    died_of(status, SIGKILL, &out);
    assert!(proxy.unfired().is_empty());
    let before = proxy.log();
    assert!(count(&before, "PATCH", "") >= 5 && rig.stores.meta.case_bundles(&rig.case()).await.unwrap().is_empty());
    run_to_delivery(&rig.device(), &slot, &proxy.base()).await;
    let log = proxy.log();
    let resent = assert_delivered_once(&rig, &log).await;
    assert_eq!(count(&log, "POST", "/v1/uploads"), SHOTS.len(), "no upload was created twice: the URL was resumed");
    // At most the chunk in flight (plus the chunk of any PATCH the server refused with 423
    // because it had not yet noticed the dead connection).
    let locked = log.iter().filter(|e| e.status == Some(423)).count() as u64;
    assert!(resent.extra() <= (1 + locked) * CHUNK as u64, "re-sent {} bytes: {resent:?}", resent.extra());
    eprintln!("killed mid-upload: {resent:?}, re-sent {} bytes", resent.extra());
    assert_eq!(count(&log, "POST", "/bundles"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_between_the_last_blob_and_the_manifest_it_submits_without_sending_a_byte_again() {
    let rig = Rig::start("KILL-MANIFEST").await;
    let slot = Slot::default();
    let rules = vec![Rule::new("POST", "/bundles", 1, Action::HookBeforeForward(slot.killer()))];
    let proxy = FaultProxy::start(rig.addr, rules).unwrap();
    let (status, out) = run_device(&rig.device(), &slot, &proxy.base(), "").await;
    died_of(status, SIGKILL, &out);
    assert!(rig.stores.meta.case_bundles(&rig.case()).await.unwrap().is_empty(), "the manifest never arrived");
    let at_kill = proxy.log().len();
    run_to_delivery(&rig.device(), &slot, &proxy.base()).await;
    let log = proxy.log();
    let resent = assert_delivered_once(&rig, &log).await;
    let after: Vec<_> = log[at_kill..].iter().map(|e| format!("{} {}", e.method, e.path)).collect();
    assert!(after.iter().all(|r| !r.starts_with("PATCH") && r != "POST /v1/uploads"), "{after:?}");
    assert_eq!(resent.extra(), 0, "{resent:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_after_the_server_stored_the_manifest_the_resubmission_gets_the_same_receipt() {
    let rig = Rig::start("KILL-RECEIPT").await;
    let slot = Slot::default();
    let rules = vec![Rule::new("POST", "/bundles", 1, Action::HookAfterAnswer(slot.killer()))];
    let proxy = FaultProxy::start(rig.addr, rules).unwrap();
    let (status, out) = run_device(&rig.device(), &slot, &proxy.base(), "").await;
    died_of(status, SIGKILL, &out);
    {
        let store = rig.open_device_store();
        let bundle = store.bundle_for_case(&rig.case_id).unwrap().unwrap();
        assert_eq!((bundle.state, bundle.receipt), (BundleState::Queued, None), "the receipt never reached the device");
    }
    assert_eq!(rig.stores.meta.case_bundles(&rig.case()).await.unwrap().len(), 1, "the server had stored it");
    run_to_delivery(&rig.device(), &slot, &proxy.base()).await;
    let log = proxy.log();
    assert_delivered_once(&rig, &log).await;
    let answers: Vec<_> = log.iter().filter(|e| e.path.contains("/bundles")).map(|e| e.status).collect();
    assert_eq!(answers, [Some(201), Some(200)], "stored once; the second submission is answered with the same receipt");
}

// ---- The network between the worker and kancha-server ----

/// Records every sync event and hands over the final one.
struct Recorder {
    seen: Mutex<Vec<SyncEvent>>,
    done: Mutex<mpsc::Sender<SyncEvent>>,
}

impl SyncListener for Recorder {
    fn on_event(&self, e: SyncEvent) {
        self.seen.lock().unwrap().push(e.clone());
        if matches!(e, SyncEvent::Delivered { .. } | SyncEvent::Rejected { .. } | SyncEvent::Corrupt { .. }) {
            let _ = self.done.lock().unwrap().send(e);
        }
    }
}

/// Captures the sample survey in-process with these device clocks, one per shot, and seals it.
async fn seal_sample(rig: &Rig, clocks: Vec<chrono::DateTime<Utc>>) -> Arc<Store> {
    let (dir, case_id) = (rig.device().store, rig.case_id.clone());
    tokio::task::spawn_blocking(move || {
        let store = Arc::new(Store::open(dir).unwrap());
        store.create_case(NewCase { id: Some(case_id.clone()), report_no: format!("RPT-{case_id}"), ..Default::default() }).unwrap();
        for (i, (shot, clock)) in SHOTS.iter().zip(clocks).enumerate() {
            let device = DeviceContext { clock, fix: None };
            capture_photo(&store, &case_id, shot, &photo(i), &device, &CaptureConfig::default()).unwrap();
        }
        seal(&store, &case_id, &store.device_key().unwrap(), SealFacts::default()).unwrap();
        store
    })
    .await
    .unwrap()
}

/// Runs the outbox worker against `base` until it reports delivered, rejected or corrupt.
async fn run_worker(store: &Arc<Store>, base: &str, token: &str) -> (SyncEvent, Arc<Recorder>) {
    let fast = RetryPolicy {
        base: Duration::from_millis(20),
        cap: Duration::from_millis(200),
        max_attempts: Some(20),
        deadline: None,
        seed: Some(7),
    };
    let mut settings = SyncSettings::new(base, Some(token.to_string()));
    settings.tus = TusConfig { chunk_size: CHUNK, retry: fast.clone(), ..settings.tus };
    settings.retry = fast;
    let (tx, rx) = mpsc::channel();
    let events = Arc::new(Recorder { seen: Mutex::new(Vec::new()), done: Mutex::new(tx) });
    let (st, ev) = (store.clone(), events.clone());
    // The worker owns a blocking HTTP client: it lives on a plain thread, as in the SDK.
    let last = tokio::task::spawn_blocking(move || {
        let worker = Worker::start(st, settings, ev).unwrap();
        let last = rx.recv_timeout(Duration::from_secs(60));
        worker.stop();
        last
    })
    .await
    .unwrap();
    let pending = store.pending_bundles().unwrap();
    let last = last.unwrap_or_else(|e| panic!("{e:?}; last error {:?}", pending.first().map(|b| &b.last_error)));
    (last, events)
}

/// Seals the sample survey and lets the worker deliver it through a proxy with these rules;
/// returns the proxy (its log) and the worker's events.
async fn deliver_through(rig: &Rig, rules: Vec<Rule>) -> (FaultProxy, Arc<Recorder>) {
    let proxy = FaultProxy::start(rig.addr, rules).unwrap();
    let store = seal_sample(rig, vec![Utc::now(); SHOTS.len()]).await;
    let (last, events) = run_worker(&store, &proxy.base(), &rig.token).await;
    assert!(matches!(last, SyncEvent::Delivered { .. }), "{last:?}");
    (proxy, events)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_500_409_460_cuts_and_delays_the_worker_delivers_once_byte_identical() {
    let rig = Rig::start("NET-FAULTS").await;
    let rules = vec![
        Rule::new("PATCH", "/v1/uploads/", 2, Action::Delay(Duration::from_millis(300))),
        Rule::new("PATCH", "/v1/uploads/", 3, Action::Respond(500)),
        Rule::new("PATCH", "/v1/uploads/", 5, Action::ShiftOffset(1)),
        Rule::new("PATCH", "/v1/uploads/", 7, Action::FlipBodyByte),
        Rule::new("PATCH", "/v1/uploads/", 9, Action::CutMidBody),
        Rule::new("PATCH", "/v1/uploads/", 11, Action::Respond(409)),
        Rule::new("HEAD", "/v1/uploads/", 2, Action::Respond(503)),
        Rule::new("POST", "/v1/uploads", 2, Action::Respond(500)),
        Rule::new("POST", "/bundles", 1, Action::Respond(500)),
    ];
    let (proxy, events) = deliver_through(&rig, rules).await;
    let log = proxy.log();
    assert!(proxy.unfired().is_empty(), "every fault was applied: {:?}", proxy.unfired());
    let faults: Vec<_> = log.iter().filter_map(|e| e.fault.map(|f| (f, e.status))).collect();
    for (fault, status) in [
        ("delay", Some(204)),
        ("respond", Some(500)),
        ("shift_offset", Some(409)),
        ("flip_body_byte", Some(460)),
        ("cut_mid_body", None),
        ("respond", Some(409)),
        ("respond", Some(503)),
    ] {
        assert!(faults.contains(&(fault, status)), "{fault} answered {status:?} by the real server: {faults:?}");
    }
    let resent = assert_delivered_once(&rig, &log).await;
    let answers: Vec<_> = log.iter().filter(|e| e.path.contains("/bundles")).map(|e| e.status).collect();
    assert_eq!(answers, [Some(500), Some(201)], "the manifest was stored once");
    // Exactly the chunks the server did not acknowledge (refused, corrupted, cut) went out again.
    // A retry right after the cut may find the server still finishing the cut request: it answers
    // 423, the client waits and sends that chunk again; how often depends on timing.
    let (locked, unacked): (Vec<_>, Vec<_>) =
        log.iter().filter(|e| e.method == "PATCH" && e.status != Some(204)).partition(|e| e.status == Some(423));
    assert_eq!(unacked.len(), 5, "{unacked:?}");
    let cut_at = log.iter().find(|e| e.fault == Some("cut_mid_body")).and_then(|e| e.offset);
    assert!(locked.iter().all(|e| e.offset == cut_at), "only the chunk cut mid-body met a lock: {locked:?}");
    let refused: u64 = unacked.iter().chain(&locked).map(|e| e.body_len as u64).sum();
    assert_eq!(resent.extra(), refused, "{resent:?}");
    eprintln!("network faults: {resent:?}, re-sent {} bytes in {} chunks", resent.extra(), unacked.len() + locked.len());

    let seen = events.seen.lock().unwrap().clone();
    let progress: Vec<(u64, u64)> =
        seen.iter().filter_map(|e| if let SyncEvent::Progress { done, total, .. } = e { Some((*done, *total)) } else { None }).collect();
    assert!(progress.windows(2).all(|w| w[0].0 <= w[1].0), "progress never goes back: {progress:?}");
    assert_eq!(progress.last().map(|p| p.0), Some(resent.file_bytes));
    assert!(progress.iter().all(|p| p.1 == resent.file_bytes));
    assert!(seen.iter().any(|e| matches!(e, SyncEvent::Retrying { .. })), "the failed manifest post was retried");
    let receipt = rig.open_device_store().bundle_for_case(&rig.case_id).unwrap().unwrap().receipt;
    assert!(matches!(seen.last(), Some(SyncEvent::Delivered { receipt: r, .. }) if Some(r) == receipt.as_ref()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_while_the_server_still_holds_the_cut_upload_waits_out_423_and_delivers_once() {
    let rig = Rig::start("NET-LOCKED").await;
    // The client's connection is cut at once while the server keeps receiving the chunk for
    // 400 ms: the client's resumed PATCH finds the upload locked.
    let rules = vec![Rule::new("PATCH", "/v1/uploads/", 3, Action::StallMidBody(Duration::from_millis(400)))];
    let (proxy, events) = deliver_through(&rig, rules).await;
    let log = proxy.log();
    assert!(log.iter().any(|e| e.method == "PATCH" && e.status == Some(423)), "the server answered 423 Locked");
    let resent = assert_delivered_once(&rig, &log).await;
    // Re-sent: the stalled chunk, and the chunk each PATCH refused with 423 carried.
    let unacked: Vec<_> = log.iter().filter(|e| e.method == "PATCH" && e.status != Some(204)).collect();
    assert!(unacked.iter().all(|e| e.fault == Some("stall_mid_body") || e.status == Some(423)), "{unacked:?}");
    assert_eq!(resent.extra(), unacked.iter().map(|e| e.body_len as u64).sum::<u64>(), "{resent:?}");
    eprintln!("423 locked: {resent:?}, {} PATCHes refused with 423", unacked.len() - 1);
    assert!(matches!(events.seen.lock().unwrap().last(), Some(SyncEvent::Delivered { .. })));
}

// ---- The device's own faults, delivered through the same path ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flipped_byte_is_never_sent_and_once_the_original_is_back_it_is_delivered_once() {
    let rig = Rig::start("NET-FLIPPED").await;
    let proxy = FaultProxy::start(rig.addr, vec![]).unwrap();
    let store = seal_sample(&rig, vec![Utc::now(); SHOTS.len()]).await;
    let victim = store.items(&rig.case_id).unwrap()[1].clone();
    let path = store.blob_path(&victim.sha256);
    let original = std::fs::read(&path).unwrap();
    let mut flipped = original.clone();
    flipped[original.len() / 2] ^= 0x01;
    std::fs::write(&path, &flipped).unwrap();
    let (last, _) = run_worker(&store, &proxy.base(), &rig.token).await;
    assert!(matches!(&last, SyncEvent::Corrupt { item_id, .. } if *item_id == victim.id), "{last:?}");
    let log = proxy.log();
    assert_eq!(count(&log, "POST", "/v1/uploads"), 1, "only the photo before it was uploaded");
    assert_eq!(count(&log, "POST", "/bundles"), 0, "no manifest without every original");
    let uploads = rig.stores.meta.case_uploads(&rig.case()).await.unwrap();
    assert_eq!(uploads.iter().map(|u| u.length).collect::<Vec<_>>(), [store.items(&rig.case_id).unwrap()[0].size]);
    // The true bytes come back (restored from the camera roll): the same bundle goes out.
    std::fs::write(&path, &original).unwrap();
    let (last, _) = run_worker(&store, &proxy.base(), &rig.token).await;
    assert!(matches!(last, SyncEvent::Delivered { .. }), "{last:?}");
    drop(store);
    let log = proxy.log();
    let resent = assert_delivered_once(&rig, &log).await;
    assert_eq!(resent.extra(), 0, "the first photo was not sent again: {resent:?}");
    assert_eq!(count(&log, "POST", "/v1/uploads"), SHOTS.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_survey_whose_clock_moved_backwards_is_delivered_once_in_capture_order() {
    let rig = Rig::start("NET-CLOCK").await;
    let proxy = FaultProxy::start(rig.addr, vec![]).unwrap();
    let now = Utc::now();
    let clocks = vec![now, now - chrono::Duration::hours(3), now - chrono::Duration::hours(1)];
    let store = seal_sample(&rig, clocks.clone()).await;
    let (last, _) = run_worker(&store, &proxy.base(), &rig.token).await;
    assert!(matches!(last, SyncEvent::Delivered { .. }), "{last:?}");
    drop(store);
    assert_delivered_once(&rig, &proxy.log()).await;
    let stored = rig.stores.meta.case_bundles(&rig.case()).await.unwrap().remove(0);
    let manifest: kancha_core::bundle::Manifest = serde_json::from_slice(&stored.manifest).unwrap();
    let order: Vec<_> = manifest.items.iter().map(|i| (i.seq, i.shot.as_str(), i.device_time.timestamp_millis())).collect();
    let expected: Vec<_> =
        SHOTS.iter().zip(&clocks).enumerate().map(|(i, (s, c))| (i as u64 + 1, *s, c.timestamp_millis())).collect();
    assert_eq!(order, expected, "capture order is kept, and so is the clock the device showed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_sends_its_uploads_and_its_manifest_over_one_connection() {
    // On a phone each new connection is a TLS handshake over a slow network; the manifest
    // submission goes over the connection the uploads kept open.
    let rig = Rig::start("NET-ONE-CONN").await;
    let proxy = Proxy::start(rig.addr).unwrap();
    let store = seal_sample(&rig, vec![Utc::now(); SHOTS.len()]).await;
    let (last, _) = run_worker(&store, &format!("http://{}", proxy.addr()), &rig.token).await;
    assert!(matches!(last, SyncEvent::Delivered { .. }), "{last:?}");
    assert_eq!(rig.stores.meta.case_bundles(&rig.case()).await.unwrap().len(), 1);
    assert_eq!(proxy.connections(), 1, "every request of the delivery reused the first connection");
}
