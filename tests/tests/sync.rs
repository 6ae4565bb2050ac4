//! The tus client against real servers: @tus/server from npm (interop, kills, cuts) and a small
//! Rust tus server that answers chosen status codes (500, 409, 460, 404, 401, 413).

use kancha_core::sync::{upload_file, CancelToken, RetryPolicy, SyncError, TusClient, TusConfig, UploadJob, UploadObserver};
use kancha_tests::node_tus::NodeTus;
use kancha_tests::proxy::Proxy;
use kancha_tests::tus_server::{Fault, TusOptions, TusServer};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CHUNK: usize = 256 << 10;

/// Deterministic, non-repeating bytes (so a misplaced chunk cannot go unnoticed).
fn payload(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

struct Blob {
    _dir: tempfile::TempDir,
    path: PathBuf,
    bytes: Vec<u8>,
    sha: String,
}

fn blob(len: usize) -> Blob {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blob");
    let bytes = payload(len);
    std::fs::write(&path, &bytes).unwrap();
    let sha = hex(&Sha256::digest(&bytes));
    Blob { _dir: dir, path, bytes, sha }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn job(endpoint: String, b: &Blob, resume_url: Option<String>) -> UploadJob {
    UploadJob {
        endpoint,
        path: b.path.clone(),
        size: b.bytes.len() as u64,
        sha256_hex: b.sha.clone(),
        metadata: vec![("filename".into(), "blob.jpg".into())],
        resume_url,
    }
}

fn client(config: TusConfig) -> TusClient {
    TusClient::new(config).unwrap()
}

fn fast() -> TusConfig {
    TusConfig {
        chunk_size: CHUNK,
        retry: RetryPolicy {
            base: Duration::from_millis(20),
            cap: Duration::from_millis(200),
            max_attempts: Some(20),
            deadline: None,
            seed: Some(1),
        },
        ..Default::default()
    }
}

/// Records every event; optionally cancels once `cancel_at` bytes are on the server.
#[derive(Default)]
struct Log {
    created: Vec<String>,
    progress: Vec<(u64, u64)>,
    retries: Vec<(String, Duration)>,
    cancel_at: Option<(u64, CancelToken)>,
    refuse_url: bool,
}

impl UploadObserver for Log {
    fn created(&mut self, url: &str) -> Result<(), String> {
        self.created.push(url.to_string());
        if self.refuse_url {
            return Err("disk full".into());
        }
        Ok(())
    }
    fn progress(&mut self, done: u64, total: u64) {
        self.progress.push((done, total));
        if let Some((at, token)) = &self.cancel_at {
            if done >= *at {
                token.cancel();
            }
        }
    }
    fn retrying(&mut self, error: &SyncError, delay: Duration) {
        self.retries.push((error.to_string(), delay));
    }
}

/// The bytes @tus/file-store wrote for the upload at `url`.
fn stored(dir: &Path, url: &str) -> Vec<u8> {
    std::fs::read(dir.join(url.rsplit('/').next().unwrap())).unwrap()
}

// ---- against @tus/server (npm) ----

#[test]
fn uploads_byte_identical_to_tus_node_server() {
    let Some(modules) = NodeTus::modules() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = NodeTus::start(&modules, dir.path(), 0).unwrap();
    let b = blob(3 * CHUNK + 1234);
    let mut log = Log::default();
    let c = client(fast());
    let done = upload_file(&c, &job(format!("http://{}/files", server.addr()), &b, None), &mut log, &CancelToken::new()).unwrap();
    assert_eq!(stored(dir.path(), &done.url), b.bytes);
    assert_eq!(done.bytes_sent, b.bytes.len() as u64);
    assert_eq!(log.created, vec![done.url.clone()]);
    assert_eq!(log.progress.last(), Some(&(b.bytes.len() as u64, b.bytes.len() as u64)));
    assert_eq!(log.progress.len(), 4, "one progress event per chunk: {:?}", log.progress);
    let caps = c.discover(&format!("http://{}/files", server.addr())).unwrap();
    assert!(caps.has("creation") && caps.has("termination") && !caps.sha256_checksums());
}

#[test]
fn creation_with_upload_sends_the_first_chunk_with_the_post() {
    let Some(modules) = NodeTus::modules() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = NodeTus::start(&modules, dir.path(), 0).unwrap();
    let b = blob(2 * CHUNK + 7);
    let mut log = Log::default();
    let c = client(TusConfig { creation_with_upload: true, ..fast() });
    let done = upload_file(&c, &job(format!("http://{}/files", server.addr()), &b, None), &mut log, &CancelToken::new()).unwrap();
    assert_eq!(stored(dir.path(), &done.url), b.bytes);
    assert_eq!(log.progress.first(), Some(&(CHUNK as u64, b.bytes.len() as u64)), "first chunk went with the POST");
    assert_eq!(done.bytes_sent, b.bytes.len() as u64);
}

#[test]
fn connection_cut_at_half_resumes_resending_at_most_one_chunk() {
    let Some(modules) = NodeTus::modules() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = NodeTus::start(&modules, dir.path(), 0).unwrap();
    let proxy = Proxy::start(server.addr()).unwrap();
    let b = blob(8 * CHUNK);
    let size = b.bytes.len() as u64;
    proxy.cut_after(size / 2);
    let mut log = Log::default();
    let done = upload_file(&client(fast()), &job(format!("http://{}/files", proxy.addr()), &b, None), &mut log, &CancelToken::new()).unwrap();
    assert_eq!(stored(dir.path(), &done.url), b.bytes);
    assert!(!log.retries.is_empty(), "the cut must have caused a retry");
    let resent = done.bytes_sent - size;
    eprintln!("cut at 50 %: {resent} bytes re-sent (chunk {CHUNK}), {} bytes on the wire for {size}", proxy.bytes_sent());
    assert!(resent <= CHUNK as u64, "re-sent {resent} bytes, more than one chunk ({CHUNK})");
    // On the wire too (headers are under 1 KiB per request).
    let requests = log.progress.len() as u64 + log.retries.len() as u64 * 2 + 4;
    assert!(proxy.bytes_sent() <= size + CHUNK as u64 + requests * 1024, "{} bytes on the wire", proxy.bytes_sent());
}

#[test]
fn server_killed_mid_upload_restarts_and_the_upload_resumes() {
    let Some(modules) = NodeTus::modules() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = Arc::new(Mutex::new(NodeTus::start(&modules, dir.path(), 0).unwrap()));
    let proxy = Arc::new(Proxy::start(server.lock().unwrap().addr()).unwrap());
    let b = blob(8 * CHUNK);
    let size = b.bytes.len() as u64;
    // A watcher kills node (SIGKILL) once half the file has crossed the proxy, then starts a new one.
    let (p, s, d, m) = (proxy.clone(), server.clone(), dir.path().to_path_buf(), modules.clone());
    let watcher = std::thread::spawn(move || {
        while p.bytes_sent() < size / 2 {
            std::thread::sleep(Duration::from_millis(1));
        }
        s.lock().unwrap().kill();
        std::thread::sleep(Duration::from_millis(100));
        let fresh = NodeTus::start(&m, &d, 0).unwrap();
        p.set_upstream(fresh.addr());
        *s.lock().unwrap() = fresh;
    });
    // Node may take seconds to start on a loaded machine: retry on a deadline, not a count.
    let patient = TusConfig { retry: RetryPolicy { max_attempts: None, deadline: Some(Duration::from_secs(60)), ..fast().retry }, ..fast() };
    let mut log = Log::default();
    let done = upload_file(&client(patient), &job(format!("http://{}/files", proxy.addr()), &b, None), &mut log, &CancelToken::new()).unwrap();
    watcher.join().unwrap();
    assert_eq!(stored(dir.path(), &done.url), b.bytes);
    assert!(!log.retries.is_empty());
    eprintln!("server killed at 50 %: {} bytes re-sent (chunk {CHUNK})", done.bytes_sent - size);
    assert!(done.bytes_sent - size <= CHUNK as u64, "re-sent {} bytes", done.bytes_sent - size);
}

#[test]
fn client_restart_resumes_from_the_stored_url_without_resending() {
    let Some(modules) = NodeTus::modules() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = NodeTus::start(&modules, dir.path(), 0).unwrap();
    let endpoint = format!("http://{}/files", server.addr());
    let b = blob(8 * CHUNK);
    let size = b.bytes.len() as u64;
    let cancel = CancelToken::new();
    let mut first = Log { cancel_at: Some((size / 2, cancel.clone())), ..Default::default() };
    let err = upload_file(&client(fast()), &job(endpoint.clone(), &b, None), &mut first, &cancel).unwrap_err();
    assert!(matches!(err, SyncError::Cancelled), "{err}");
    let stored_url = first.created[0].clone(); // what the outbox would have persisted
    let mut second = Log::default();
    let done = upload_file(&client(fast()), &job(endpoint, &b, Some(stored_url.clone())), &mut second, &CancelToken::new()).unwrap();
    assert_eq!(done.url, stored_url);
    assert!(second.created.is_empty(), "no second upload created");
    assert_eq!(done.resumed_from, size / 2);
    assert_eq!(done.bytes_sent, size - size / 2, "only the missing half is sent");
    assert_eq!(stored(dir.path(), &done.url), b.bytes);
}

#[test]
fn a_file_changed_on_disk_never_completes_and_the_upload_is_terminated() {
    let Some(modules) = NodeTus::modules() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = NodeTus::start(&modules, dir.path(), 0).unwrap();
    let mut b = blob(3 * CHUNK);
    b.bytes[CHUNK + 5] ^= 0x40; // a flipped bit after the hash was recorded
    std::fs::write(&b.path, &b.bytes).unwrap();
    let mut log = Log::default();
    let err = upload_file(&client(fast()), &job(format!("http://{}/files", server.addr()), &b, None), &mut log, &CancelToken::new()).unwrap_err();
    assert!(matches!(err, SyncError::LocalMismatch { .. }), "{err}");
    assert!(!err.is_retryable());
    assert_eq!(log.progress.last().map(|p| p.0), Some(2 * CHUNK as u64), "the last chunk is never sent");
    let id = log.created[0].rsplit('/').next().unwrap().to_string();
    assert!(!dir.path().join(id).exists(), "the partial upload was terminated");
}

// ---- status-code faults, against the Rust tus server ----

#[test]
fn checksums_are_sent_only_when_the_server_offers_sha256() {
    let b = blob(2 * CHUNK + 1);
    for offered in [true, false] {
        let server = TusServer::start(TusOptions { checksum: offered, ..Default::default() }).unwrap();
        let done = upload_file(&client(fast()), &job(server.endpoint(), &b, None), &mut Log::default(), &CancelToken::new()).unwrap();
        assert_eq!(server.upload(&done.url).unwrap().data, b.bytes);
        assert_eq!(server.stats().checksum_headers, if offered { 3 } else { 0 }, "offered: {offered}");
    }
}

#[test]
fn checksum_mismatch_460_resends_the_chunk() {
    let server = TusServer::start(TusOptions { checksum: true, ..Default::default() }).unwrap();
    let b = blob(3 * CHUNK);
    server.inject("PATCH", Fault::CorruptChunk);
    let mut log = Log::default();
    let done = upload_file(&client(fast()), &job(server.endpoint(), &b, None), &mut log, &CancelToken::new()).unwrap();
    assert_eq!(server.upload(&done.url).unwrap().data, b.bytes);
    assert!(server.stats().statuses.contains(&460));
    assert_eq!(server.stats().count("PATCH"), 4, "three chunks and one resent");
    assert_eq!(done.bytes_sent, 4 * CHUNK as u64);
}

#[test]
fn server_error_503_waits_for_retry_after() {
    let server = TusServer::start(TusOptions::default()).unwrap();
    let b = blob(2 * CHUNK);
    server.inject("PATCH", Fault::Status { status: 503, retry_after: Some("1".into()) });
    let mut log = Log::default();
    let started = std::time::Instant::now();
    let done = upload_file(&client(fast()), &job(server.endpoint(), &b, None), &mut log, &CancelToken::new()).unwrap();
    assert_eq!(server.upload(&done.url).unwrap().data, b.bytes);
    assert_eq!(log.retries.len(), 1);
    assert!(log.retries[0].1 >= Duration::from_secs(1), "Retry-After honoured: {:?}", log.retries[0]);
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[test]
fn server_error_500_is_retried_then_gives_up() {
    let server = TusServer::start(TusOptions::default()).unwrap();
    let b = blob(CHUNK);
    for _ in 0..10 {
        server.inject("PATCH", Fault::Status { status: 500, retry_after: None });
    }
    let config = TusConfig { retry: RetryPolicy { max_attempts: Some(4), ..fast().retry }, ..fast() };
    let mut log = Log::default();
    let err = upload_file(&client(config), &job(server.endpoint(), &b, None), &mut log, &CancelToken::new()).unwrap_err();
    let SyncError::GaveUp { attempts, last } = err else { panic!("expected GaveUp") };
    assert_eq!(attempts, 4);
    assert!(matches!(*last, SyncError::Server { status: 500, .. }));
    assert_eq!(server.stats().count("PATCH"), 4);
    assert_eq!(server.stats().count("POST"), 1, "retries resume the same upload");
}

#[test]
fn offset_mismatch_409_reheads_and_resumes() {
    let server = TusServer::start(TusOptions::default()).unwrap();
    let b = blob(3 * CHUNK);
    server.inject("PATCH", Fault::Status { status: 409, retry_after: None });
    let mut log = Log::default();
    let done = upload_file(&client(fast()), &job(server.endpoint(), &b, None), &mut log, &CancelToken::new()).unwrap();
    assert_eq!(server.upload(&done.url).unwrap().data, b.bytes);
    assert_eq!(server.stats().count("HEAD"), 1, "one HEAD after the 409");
    assert_eq!(log.retries.len(), 1);
    assert_eq!(log.retries[0].1, Duration::ZERO, "a 409 needs no wait");
}

#[test]
fn upload_gone_404_creates_a_new_upload() {
    let server = TusServer::start(TusOptions::default()).unwrap();
    let b = blob(2 * CHUNK);
    let cancel = CancelToken::new();
    let mut first = Log { cancel_at: Some((1, cancel.clone())), ..Default::default() };
    upload_file(&client(fast()), &job(server.endpoint(), &b, None), &mut first, &cancel).unwrap_err();
    let old = first.created[0].clone();
    server.forget(&old); // expired on the server
    let mut log = Log::default();
    let done = upload_file(&client(fast()), &job(server.endpoint(), &b, Some(old.clone())), &mut log, &CancelToken::new()).unwrap();
    assert_ne!(done.url, old);
    assert_eq!(log.created, vec![done.url.clone()], "the new URL is reported for storing");
    assert_eq!(server.upload(&done.url).unwrap().data, b.bytes);
}

#[test]
fn too_large_is_refused_before_creating() {
    let server = TusServer::start(TusOptions { max_size: Some(CHUNK as u64), ..Default::default() }).unwrap();
    let b = blob(CHUNK + 1);
    let err = upload_file(&client(fast()), &job(server.endpoint(), &b, None), &mut Log::default(), &CancelToken::new()).unwrap_err();
    assert!(matches!(err, SyncError::TooLarge { limit: Some(_), .. }), "{err}");
    assert!(!err.is_retryable());
    assert_eq!(server.stats().count("POST"), 0);
}

#[test]
fn status_413_on_creation_is_not_retried() {
    let server = TusServer::start(TusOptions::default()).unwrap();
    server.inject("POST", Fault::Status { status: 413, retry_after: None });
    let b = blob(10);
    let err = upload_file(&client(fast()), &job(server.endpoint(), &b, None), &mut Log::default(), &CancelToken::new()).unwrap_err();
    assert!(matches!(err, SyncError::TooLarge { size: 10, limit: None }), "{err}");
    assert_eq!(server.stats().count("POST"), 1);
}

#[test]
fn bearer_token_is_sent_and_a_refusal_is_not_retried() {
    let server = TusServer::start(TusOptions { bearer: Some("s3cret".into()), ..Default::default() }).unwrap();
    let b = blob(CHUNK + 3);
    let wrong = client(TusConfig { bearer_token: Some("nope".into()), ..fast() });
    let err = upload_file(&wrong, &job(server.endpoint(), &b, None), &mut Log::default(), &CancelToken::new()).unwrap_err();
    assert!(matches!(err, SyncError::Unauthorized { status: 401 }), "{err}");
    assert_eq!(server.stats().count("POST"), 1);
    let right = client(TusConfig { bearer_token: Some("s3cret".into()), ..fast() });
    let done = upload_file(&right, &job(server.endpoint(), &b, None), &mut Log::default(), &CancelToken::new()).unwrap();
    assert_eq!(server.upload(&done.url).unwrap().data, b.bytes);
}

#[test]
fn a_refused_url_store_stops_before_any_byte_is_sent() {
    let server = TusServer::start(TusOptions::default()).unwrap();
    let b = blob(CHUNK);
    let mut log = Log { refuse_url: true, ..Default::default() };
    let err = upload_file(&client(fast()), &job(server.endpoint(), &b, None), &mut log, &CancelToken::new()).unwrap_err();
    assert!(matches!(err, SyncError::Aborted(_)), "{err}");
    assert_eq!(server.stats().count("PATCH"), 0);
}

#[test]
fn metadata_carries_the_hash_and_the_callers_pairs() {
    let server = TusServer::start(TusOptions::default()).unwrap();
    let b = blob(100);
    let done = upload_file(&client(fast()), &job(server.endpoint(), &b, None), &mut Log::default(), &CancelToken::new()).unwrap();
    let meta = server.upload(&done.url).unwrap().metadata;
    assert!(meta.starts_with("filename YmxvYi5qcGc=,sha256 "), "{meta}");
}

#[test]
fn an_empty_file_is_created_complete() {
    let server = TusServer::start(TusOptions::default()).unwrap();
    let b = blob(0);
    let done = upload_file(&client(fast()), &job(server.endpoint(), &b, None), &mut Log::default(), &CancelToken::new()).unwrap();
    assert_eq!(server.upload(&done.url).unwrap().length, 0);
    assert_eq!(server.stats().count("PATCH"), 0);
}

#[test]
fn local_size_mismatch_and_missing_file_are_typed_errors() {
    let server = TusServer::start(TusOptions::default()).unwrap();
    let b = blob(100);
    let mut j = job(server.endpoint(), &b, None);
    j.size = 99;
    let err = upload_file(&client(fast()), &j, &mut Log::default(), &CancelToken::new()).unwrap_err();
    assert!(matches!(err, SyncError::LocalMismatch { .. }), "{err}");
    j.path = b.path.with_file_name("missing");
    let err = upload_file(&client(fast()), &j, &mut Log::default(), &CancelToken::new()).unwrap_err();
    assert!(matches!(err, SyncError::LocalIo { .. }), "{err}");
    assert_eq!(server.stats().count("POST"), 0);
}

#[test]
fn a_dead_server_gives_up_with_a_network_error() {
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    }; // closed again: nothing listens there
    let b = blob(10);
    let config = TusConfig { retry: RetryPolicy { max_attempts: Some(3), ..fast().retry }, ..fast() };
    let err = upload_file(&client(config), &job(format!("http://{addr}/files"), &b, None), &mut Log::default(), &CancelToken::new()).unwrap_err();
    let SyncError::GaveUp { last, .. } = err else { panic!("expected GaveUp, got {err}") };
    assert!(matches!(*last, SyncError::Network { .. }), "{last}");
}

#[test]
fn cancellation_interrupts_a_retry_wait() {
    let server = TusServer::start(TusOptions::default()).unwrap();
    server.inject("PATCH", Fault::Status { status: 503, retry_after: Some("30".into()) });
    let b = blob(CHUNK);
    let cancel = CancelToken::new();
    let c2 = cancel.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        c2.cancel();
    });
    let started = std::time::Instant::now();
    let err = upload_file(&client(fast()), &job(server.endpoint(), &b, None), &mut Log::default(), &cancel).unwrap_err();
    t.join().unwrap();
    assert!(matches!(err, SyncError::Cancelled), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
}
