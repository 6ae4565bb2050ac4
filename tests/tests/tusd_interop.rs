//! The project's tus client (kancha_core::sync) against tusd, the tus reference server (Go),
//! built by `cargo run -p xtask -- peers`: a whole upload, and a restart that resumes from the
//! stored URL. A tusd install that breaks is caught here, not first in the benchmark.

use kancha_core::sync::{upload_file, CancelToken, SyncError, TusClient, TusConfig, UploadJob, UploadObserver};
use kancha_tests::tusd::Tusd;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const CHUNK: usize = 256 << 10;

/// Deterministic bytes that do not repeat with the chunk size (a misplaced chunk shows).
fn payload(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9E37_79B9;
    (0..len)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        })
        .collect()
}

/// tusd on a free port over a fresh directory, or `None` when the peer is not installed.
fn tusd() -> Option<(Tusd, tempfile::TempDir)> {
    let binary = kancha_tests::peer("go/bin/tusd")?;
    let dir = tempfile::tempdir().unwrap();
    Some((Tusd::start(&binary, dir.path(), 64 << 20).unwrap(), dir))
}

/// A file on disk and the job that uploads it.
fn job(dir: &Path, endpoint: String, bytes: &[u8], resume_url: Option<String>) -> UploadJob {
    let path: PathBuf = dir.join("photo.jpg");
    std::fs::write(&path, bytes).unwrap();
    UploadJob {
        endpoint,
        path,
        size: bytes.len() as u64,
        sha256_hex: Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect(),
        metadata: vec![("filename".into(), "photo.jpg".into()), ("case_id".into(), "c-1".into())],
        resume_url,
    }
}

fn client() -> TusClient {
    TusClient::new(TusConfig { chunk_size: CHUNK, ..Default::default() }).unwrap()
}

/// Records created URLs and progress; cancels once `cancel_at` bytes are on the server.
#[derive(Default)]
struct Log {
    created: Vec<String>,
    progress: Vec<u64>,
    cancel_at: Option<(u64, CancelToken)>,
}

impl UploadObserver for Log {
    fn created(&mut self, url: &str) -> Result<(), String> {
        self.created.push(url.to_string());
        Ok(())
    }
    fn progress(&mut self, done: u64, _total: u64) {
        self.progress.push(done);
        if let Some((at, token)) = &self.cancel_at {
            if done >= *at {
                token.cancel();
            }
        }
    }
}

/// What tusd's file store holds for the upload at `url`: the bytes and its `.info` record.
fn stored(dir: &Path, url: &str) -> (Vec<u8>, serde_json::Value) {
    let id = url.rsplit('/').next().unwrap();
    let info = std::fs::read(dir.join(format!("{id}.info"))).unwrap();
    (std::fs::read(dir.join(id)).unwrap(), serde_json::from_slice(&info).unwrap())
}

#[test]
fn the_tus_client_uploads_to_tusd_byte_for_byte() {
    let Some((server, dir)) = tusd() else { return };
    let files = tempfile::tempdir().unwrap();
    let bytes = payload(3 * CHUNK + 777);
    let c = client();
    let caps = c.discover(&server.endpoint()).unwrap();
    assert!(caps.has("creation") && caps.has("termination"), "{caps:?}");
    assert_eq!(caps.max_size, Some(64 << 20));
    // tusd offers no checksum extension: the client must not send Upload-Checksum to it.
    assert!(!caps.sha256_checksums(), "{caps:?}");

    let mut log = Log::default();
    let done = upload_file(&c, &job(files.path(), server.endpoint(), &bytes, None), &mut log, &CancelToken::new()).unwrap();
    assert_eq!(log.created, vec![done.url.clone()]);
    assert_eq!(log.progress, vec![CHUNK as u64, 2 * CHUNK as u64, 3 * CHUNK as u64, bytes.len() as u64]);
    assert_eq!(done.bytes_sent, bytes.len() as u64);
    let (on_disk, info) = stored(dir.path(), &done.url);
    assert_eq!(on_disk, bytes, "tusd stored other bytes than were sent");
    assert_eq!(info["Size"], bytes.len() as u64);
    assert_eq!(info["MetaData"]["case_id"], "c-1", "Upload-Metadata reached tusd: {info}");
    assert_eq!(info["MetaData"]["sha256"].as_str().map(str::len), Some(64), "{info}");
    assert_eq!(c.offset(&done.url).unwrap(), (bytes.len() as u64, Some(bytes.len() as u64)));
}

#[test]
fn a_restarted_client_resumes_its_tusd_upload_from_the_stored_url() {
    let Some((server, dir)) = tusd() else { return };
    let files = tempfile::tempdir().unwrap();
    let bytes = payload(8 * CHUNK);
    let size = bytes.len() as u64;
    let cancel = CancelToken::new();
    let mut first = Log { cancel_at: Some((size / 2, cancel.clone())), ..Default::default() };
    let err = upload_file(&client(), &job(files.path(), server.endpoint(), &bytes, None), &mut first, &cancel).unwrap_err();
    assert!(matches!(err, SyncError::Cancelled), "{err}");
    let url = first.created[0].clone();
    // tusd's offset is the length of its file.
    assert_eq!(stored(dir.path(), &url).0.len() as u64, size / 2, "tusd holds half");
    assert_eq!(client().offset(&url).unwrap().0, size / 2);

    let mut second = Log::default();
    let job = job(files.path(), server.endpoint(), &bytes, Some(url.clone()));
    let done = upload_file(&client(), &job, &mut second, &CancelToken::new()).unwrap();
    assert_eq!(done.url, url);
    assert!(second.created.is_empty(), "no second upload was created");
    assert_eq!((done.resumed_from, done.bytes_sent), (size / 2, size - size / 2), "only the missing half was sent");
    assert_eq!(stored(dir.path(), &url).0, bytes);
}
