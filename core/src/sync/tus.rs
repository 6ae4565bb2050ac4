//! A tus 1.0 client (core protocol, creation, creation-with-upload, checksum, termination) that
//! reads blobs from disk chunk by chunk and resumes from the server's offset.
//!
//! It adapts to what the server lists in OPTIONS: checksums are sent only when the server offers
//! the checksum extension with sha256, termination is used only when offered. Independently of
//! the server, the file's SHA-256 is computed while sending and checked before the last chunk, so
//! a file changed on disk never completes an upload.

use super::backoff::{parse_retry_after, Backoff, RetryPolicy};
use super::error::{Recovery, SyncError};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use super::http::{parse_url, resolve, Http, Reply};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

const TUS_VERSION: &str = "1.0.0";
const OCTETS: &str = "application/offset+octet-stream";

/// How the client talks to servers; every field has a default for a phone on 4G.
#[derive(Debug, Clone)]
pub struct TusConfig {
    /// Bytes per PATCH request; also the most that is re-sent after a cut.
    pub chunk_size: usize,
    /// Sent as `Authorization: Bearer …` when set.
    pub bearer_token: Option<String>,
    /// Send the first chunk with the POST when the server offers creation-with-upload. Off by
    /// default: the URL is then learnt only after those bytes were sent, so a kill during that
    /// request loses the URL and the first chunk is sent again to a new upload.
    pub creation_with_upload: bool,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for one whole request (a chunk must fit in it); `None` waits forever.
    pub request_timeout: Option<Duration>,
    /// Retry timing for one file.
    pub retry: RetryPolicy,
}

impl Default for TusConfig {
    fn default() -> Self {
        TusConfig {
            chunk_size: 4 << 20,
            bearer_token: None,
            creation_with_upload: false,
            connect_timeout: Duration::from_secs(15),
            request_timeout: Some(Duration::from_secs(120)),
            retry: RetryPolicy::default(),
        }
    }
}

/// What a tus server said it supports in its OPTIONS answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// Protocol versions (Tus-Version).
    pub versions: Vec<String>,
    /// Extensions (Tus-Extension), e.g. `creation`, `checksum`, `termination`.
    pub extensions: Vec<String>,
    /// Largest upload accepted (Tus-Max-Size).
    pub max_size: Option<u64>,
    /// Checksum algorithms (Tus-Checksum-Algorithm), lowercase.
    pub checksum_algorithms: Vec<String>,
}

impl Capabilities {
    /// True when the server lists this extension.
    pub fn has(&self, extension: &str) -> bool {
        self.extensions.iter().any(|e| e.eq_ignore_ascii_case(extension))
    }

    /// True when per-chunk `Upload-Checksum: sha256 …` headers will be understood.
    pub fn sha256_checksums(&self) -> bool {
        self.has("checksum") && self.checksum_algorithms.iter().any(|a| a == "sha256")
    }
}

/// A shareable cancellation flag, checked between chunks and while waiting to retry.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every upload holding this token to stop at its next check.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// True once `cancel` was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// One file to upload and what is known about it.
#[derive(Debug, Clone)]
pub struct UploadJob {
    /// The tus creation endpoint, e.g. `https://host/v1/uploads`.
    pub endpoint: String,
    /// The blob on disk.
    pub path: PathBuf,
    /// Its length in bytes, as recorded at capture.
    pub size: u64,
    /// Its SHA-256 (lowercase hex), as recorded at capture; also sent as metadata `sha256`.
    pub sha256_hex: String,
    /// Upload-Metadata pairs (keys: ASCII without spaces or commas).
    pub metadata: Vec<(String, String)>,
    /// An upload URL stored from an earlier `created` callback, to resume instead of creating.
    pub resume_url: Option<String>,
}

/// The result of a completed upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadDone {
    /// The upload's URL on the server.
    pub url: String,
    /// File bytes sent during this call (including any sent again after a failure).
    pub bytes_sent: u64,
    /// The server's offset when this call first learnt it (0 for a new upload).
    pub resumed_from: u64,
}

/// Receives an upload's events on the uploading thread.
pub trait UploadObserver {
    /// The server created the upload at `url`, before any file byte was sent (unless
    /// creation-with-upload is on). Store it to resume after a restart; an error stops the upload.
    fn created(&mut self, url: &str) -> Result<(), String>;
    /// `done` of `total` bytes are on the server.
    fn progress(&mut self, _done: u64, _total: u64) {}
    /// An attempt failed with `error`; the next starts after `delay`.
    fn retrying(&mut self, _error: &SyncError, _delay: Duration) {}
}

/// A tus client: an HTTP connection pool, the configuration and what each server offers.
pub struct TusClient {
    http: Http,
    config: TusConfig,
    capabilities: Mutex<HashMap<String, Capabilities>>,
}

impl TusClient {
    /// Builds a client (rustls, no redirects: a tus server answers where it was asked).
    pub fn new(config: TusConfig) -> Result<Self, SyncError> {
        if config.chunk_size == 0 {
            return Err(SyncError::BadRequest("chunk_size must be at least 1 byte".into()));
        }
        let http = Http::new(config.connect_timeout, config.request_timeout, config.bearer_token.as_deref())?;
        Ok(TusClient { http, config, capabilities: Mutex::new(HashMap::new()) })
    }

    /// The configuration in use.
    pub fn config(&self) -> &TusConfig {
        &self.config
    }

    /// The client's HTTP connection pool, for the other requests of a delivery.
    pub(crate) fn http(&self) -> &Http {
        &self.http
    }

    /// Asks the endpoint what it supports (OPTIONS); the answer is remembered per endpoint.
    pub fn discover(&self, endpoint: &str) -> Result<Capabilities, SyncError> {
        if let Some(c) = self.capabilities.lock().unwrap_or_else(|p| p.into_inner()).get(endpoint) {
            return Ok(c.clone());
        }
        parse_url(endpoint)?;
        let resp = self.http.send("OPTIONS", endpoint, &[], None)?;
        if !resp.is_success() {
            return Err(status_error("OPTIONS", endpoint, resp, 0));
        }
        let caps = Capabilities {
            versions: resp.list("tus-version"),
            extensions: resp.list("tus-extension"),
            max_size: resp.header_u64("tus-max-size"),
            checksum_algorithms: resp.list("tus-checksum-algorithm").into_iter().map(|a| a.to_ascii_lowercase()).collect(),
        };
        if !caps.versions.iter().any(|v| v == TUS_VERSION) {
            return Err(SyncError::Protocol(format!(
                "{endpoint} does not offer tus {TUS_VERSION} (Tus-Version: {:?})",
                caps.versions
            )));
        }
        self.capabilities.lock().unwrap_or_else(|p| p.into_inner()).insert(endpoint.to_string(), caps.clone());
        Ok(caps)
    }

    /// Asks the server how many bytes of the upload it has (HEAD), and the length it expects.
    pub fn offset(&self, url: &str) -> Result<(u64, Option<u64>), SyncError> {
        let resp = self.tus("HEAD", url, vec![], None)?;
        if !resp.is_success() {
            return Err(status_error("HEAD", url, resp, 0));
        }
        let offset = resp
            .header_u64("upload-offset")
            .ok_or_else(|| SyncError::Protocol(format!("HEAD {url} answered without a valid Upload-Offset")))?;
        Ok((offset, resp.header_u64("upload-length")))
    }

    /// Deletes an upload on the server (termination extension).
    pub fn terminate(&self, url: &str) -> Result<(), SyncError> {
        let resp = self.tus("DELETE", url, vec![], None)?;
        if resp.is_success() {
            Ok(())
        } else {
            Err(status_error("DELETE", url, resp, 0))
        }
    }

    /// Sends a request with the Tus-Resumable header every tus request but OPTIONS carries.
    fn tus(&self, method: &'static str, url: &str, mut headers: Vec<(&str, String)>, body: Option<&[u8]>) -> Result<Reply, SyncError> {
        parse_url(url)?;
        headers.push(("tus-resumable", TUS_VERSION.to_string()));
        self.http.send(method, url, &headers, body)
    }
}

/// Uploads one file with tus, resuming from `job.resume_url` when given, retrying per the
/// client's policy. Persists nothing: `observer.created` hands out the URL to store.
pub fn upload_file(
    client: &TusClient,
    job: &UploadJob,
    observer: &mut dyn UploadObserver,
    cancel: &CancelToken,
) -> Result<UploadDone, SyncError> {
    let endpoint = parse_url(&job.endpoint)?;
    let metadata = encode_metadata(job)?;
    let mut file = File::open(&job.path).map_err(|e| local_io(&job.path, e))?;
    let on_disk = file.metadata().map_err(|e| local_io(&job.path, e))?.len();
    if on_disk != job.size {
        return Err(SyncError::LocalMismatch {
            path: job.path.clone(),
            reason: format!("{on_disk} bytes on disk, {} recorded", job.size),
        });
    }
    if let Some(url) = &job.resume_url {
        parse_url(url)?;
    }
    let mut run = Upload {
        client,
        job,
        endpoint,
        metadata,
        observer,
        cancel,
        file: &mut file,
        url: job.resume_url.clone(),
        offset: None,
        resumed_from: None,
        hashed: Hashed::default(),
        bytes_sent: 0,
        acked: 0,
        caps: None,
        buf: Vec::new(),
    };
    let mut backoff = Backoff::new(client.config.retry.clone());
    let mut first_failure: Option<Instant> = None;
    loop {
        if cancel.is_cancelled() {
            return Err(SyncError::Cancelled);
        }
        let acked_before = run.acked;
        let err = match run.attempt() {
            Ok(()) => {
                return Ok(UploadDone {
                    url: run.url.take().unwrap_or_default(),
                    bytes_sent: run.bytes_sent,
                    resumed_from: run.resumed_from.unwrap_or(0),
                })
            }
            // A 413 does not say how large the file was; the job does.
            Err(SyncError::TooLarge { limit, .. }) => return Err(SyncError::TooLarge { size: job.size, limit }),
            Err(e) => e,
        };
        if run.acked > acked_before {
            backoff.reset();
            first_failure = None;
        }
        let recovery = err.recovery();
        if recovery == Recovery::Never {
            return Err(err);
        }
        if recovery == Recovery::CreateAnew {
            run.url = None;
        }
        run.offset = None;
        let since = *first_failure.get_or_insert_with(Instant::now);
        let Some(delay) = backoff.next_delay(since.elapsed(), err.retry_after()) else {
            return Err(SyncError::GaveUp { attempts: backoff.failures(), last: Box::new(err) });
        };
        // Only server trouble and lost connections need time; a 409/460/404 is answered at once.
        let delay = if recovery == Recovery::Wait { delay } else { Duration::ZERO };
        run.observer.retrying(&err, delay);
        sleep_unless_cancelled(delay, cancel)?;
    }
}

/// The state of one `upload_file` call across its attempts.
struct Upload<'a> {
    client: &'a TusClient,
    job: &'a UploadJob,
    endpoint: ureq::http::Uri,
    metadata: String,
    observer: &'a mut dyn UploadObserver,
    cancel: &'a CancelToken,
    file: &'a mut File,
    url: Option<String>,
    /// The server's offset, when known; `None` means ask with HEAD first.
    offset: Option<u64>,
    resumed_from: Option<u64>,
    hashed: Hashed,
    bytes_sent: u64,
    /// The highest offset the server confirmed in this call: progress that resets the backoff.
    acked: u64,
    caps: Option<Capabilities>,
    /// The chunk buffer, kept between chunks: a fresh 4 MiB allocation per chunk costs page faults.
    buf: Vec<u8>,
}

impl Upload<'_> {
    /// One attempt: discover, create or re-learn the offset, then send chunks to the end.
    fn attempt(&mut self) -> Result<(), SyncError> {
        let size = self.job.size;
        if self.caps.is_none() {
            self.caps = Some(self.client.discover(&self.job.endpoint)?);
        }
        let caps = self.caps.clone().unwrap_or_default();
        if let Some(limit) = caps.max_size {
            if size > limit {
                return Err(SyncError::TooLarge { size, limit: Some(limit) });
            }
        }
        if self.url.is_none() {
            if !caps.has("creation") {
                return Err(SyncError::Protocol(format!("{} does not offer the creation extension", self.job.endpoint)));
            }
            self.create(&caps)?;
        }
        let url = self.url.clone().unwrap_or_default();
        if self.offset.is_none() {
            let (offset, length) = self.client.offset(&url)?;
            if length.is_some_and(|l| l != size) {
                return Err(SyncError::LengthMismatch { url, remote: length.unwrap_or(0), local: size });
            }
            if offset > size {
                return Err(SyncError::Protocol(format!("{url} reports offset {offset} beyond the length {size}")));
            }
            self.offset = Some(offset);
            self.resumed_from.get_or_insert(offset);
            self.observer.progress(offset, size);
        }
        let mut offset = self.offset.unwrap_or(0);
        if size == 0 || offset == size {
            // The server has every byte: still prove the local file is the recorded one.
            self.hashed.catch_up(self.file, &self.job.path, size)?;
            return self.verify_final(self.hashed.state.clone(), &url, &caps);
        }
        while offset < size {
            if self.cancel.is_cancelled() {
                return Err(SyncError::Cancelled);
            }
            let chunk = self.prepare_chunk(offset, &url, &caps)?;
            let len = chunk.bytes.len() as u64;
            let mut headers = vec![("upload-offset", offset.to_string()), ("content-type", OCTETS.to_string())];
            if let Some(sum) = chunk.checksum {
                headers.push(("upload-checksum", sum));
            }
            self.bytes_sent += len;
            let sent = self.client.tus("PATCH", &url, headers, Some(&chunk.bytes));
            self.buf = chunk.bytes;
            let resp = sent?;
            if !resp.is_success() {
                return Err(status_error("PATCH", &url, resp, offset));
            }
            let new_offset = resp
                .header_u64("upload-offset")
                .filter(|o| *o > offset && *o <= offset + len)
                .ok_or_else(|| SyncError::Protocol(format!("PATCH {url} answered without a valid Upload-Offset")))?;
            if new_offset == offset + len {
                self.hashed = Hashed { state: chunk.state_after, at: new_offset };
            }
            offset = new_offset;
            self.offset = Some(offset);
            self.acked = self.acked.max(offset);
            self.observer.progress(offset, size);
        }
        Ok(())
    }

    /// POST: creates the upload (with the first chunk when configured and offered).
    fn create(&mut self, caps: &Capabilities) -> Result<(), SyncError> {
        let size = self.job.size;
        let endpoint = self.job.endpoint.clone();
        let mut headers = vec![("upload-length", size.to_string()), ("upload-metadata", self.metadata.clone())];
        let with_upload = self.client.config.creation_with_upload && caps.has("creation-with-upload") && size > 0;
        let mut sent = None;
        let mut body = Vec::new();
        if with_upload {
            let chunk = self.prepare_chunk(0, &endpoint, caps)?;
            headers.push(("content-type", OCTETS.to_string()));
            if let Some(sum) = chunk.checksum {
                headers.push(("upload-checksum", sum));
            }
            self.bytes_sent += chunk.bytes.len() as u64;
            sent = Some((chunk.bytes.len() as u64, chunk.state_after));
            body = chunk.bytes;
        }
        let resp = self.client.tus("POST", &endpoint, headers, Some(&body))?;
        if !resp.is_success() {
            return Err(status_error("POST", &endpoint, resp, 0));
        }
        let location = resp
            .header("location")
            .ok_or_else(|| SyncError::Protocol(format!("POST {endpoint} created an upload without a Location")))?;
        let url = resolve(&self.endpoint, location)?;
        let offset = if with_upload { resp.header_u64("upload-offset") } else { Some(0) };
        self.observer.created(&url).map_err(SyncError::Aborted)?;
        self.url = Some(url);
        self.resumed_from.get_or_insert(0);
        match (offset, sent) {
            (Some(o), Some((len, state))) if o == len => {
                self.hashed = Hashed { state, at: o };
                self.offset = Some(o);
                self.acked = self.acked.max(o);
                self.observer.progress(o, size);
            }
            (Some(0), _) => self.offset = Some(0),
            _ => self.offset = None, // learn the server's offset with HEAD
        }
        Ok(())
    }

    /// Reads the chunk at `offset`; before the last one, checks the whole file's SHA-256.
    fn prepare_chunk(&mut self, offset: u64, url: &str, caps: &Capabilities) -> Result<Chunk, SyncError> {
        let size = self.job.size;
        let len = (self.client.config.chunk_size as u64).min(size - offset) as usize;
        self.hashed.catch_up(self.file, &self.job.path, offset)?;
        let mut bytes = std::mem::take(&mut self.buf);
        bytes.clear();
        bytes.resize(len, 0);
        read_at(self.file, &self.job.path, offset, &mut bytes)?;
        let mut state_after = self.hashed.state.clone();
        state_after.update(&bytes);
        if offset + len as u64 == size {
            self.verify_final(state_after.clone(), url, caps)?;
        }
        let checksum = caps.sha256_checksums().then(|| format!("sha256 {}", B64.encode(Sha256::digest(&bytes))));
        Ok(Chunk { bytes, checksum, state_after })
    }

    /// Compares the file's hash with the recorded one; on a mismatch the partial upload is
    /// deleted when the server allows it, and nothing more is sent.
    fn verify_final(&mut self, state: Sha256, url: &str, caps: &Capabilities) -> Result<(), SyncError> {
        let actual = hex::encode(state.finalize());
        if actual == self.job.sha256_hex {
            return Ok(());
        }
        if caps.has("termination") && self.url.is_some() {
            let _ = self.client.terminate(url); // best effort: the error below is what matters
        }
        Err(SyncError::LocalMismatch {
            path: self.job.path.clone(),
            reason: format!("SHA-256 is now {actual}, {} recorded", self.job.sha256_hex),
        })
    }
}

/// One chunk ready to send, and the file hash state after it.
struct Chunk {
    bytes: Vec<u8>,
    checksum: Option<String>,
    state_after: Sha256,
}

/// The running SHA-256 of the file's first `at` bytes.
#[derive(Clone, Default)]
struct Hashed {
    state: Sha256,
    at: u64,
}

impl Hashed {
    /// Advances (or restarts) the hash so that it covers exactly the first `offset` bytes.
    fn catch_up(&mut self, file: &mut File, path: &Path, offset: u64) -> Result<(), SyncError> {
        if self.at > offset {
            *self = Hashed::default();
        }
        if self.at == offset {
            return Ok(());
        }
        file.seek(SeekFrom::Start(self.at)).map_err(|e| local_io(path, e))?;
        let mut rest = file.take(offset - self.at);
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = rest.read(&mut buf).map_err(|e| local_io(path, e))?;
            if n == 0 {
                break;
            }
            self.state.update(&buf[..n]);
            self.at += n as u64;
        }
        if self.at != offset {
            return Err(SyncError::LocalMismatch { path: path.to_path_buf(), reason: "the file shrank while uploading".into() });
        }
        Ok(())
    }
}

fn read_at(file: &mut File, path: &Path, offset: u64, buf: &mut [u8]) -> Result<(), SyncError> {
    file.seek(SeekFrom::Start(offset)).map_err(|e| local_io(path, e))?;
    file.read_exact(buf).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            SyncError::LocalMismatch { path: path.to_path_buf(), reason: "the file shrank while uploading".into() }
        }
        _ => local_io(path, e),
    })
}

/// Waits `delay`, waking every 50 ms to notice a cancellation.
fn sleep_unless_cancelled(delay: Duration, cancel: &CancelToken) -> Result<(), SyncError> {
    let until = Instant::now() + delay;
    loop {
        if cancel.is_cancelled() {
            return Err(SyncError::Cancelled);
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

/// `key base64(value)` pairs joined by commas, with the file's `sha256` added when absent.
fn encode_metadata(job: &UploadJob) -> Result<String, SyncError> {
    let hex_ok = job.sha256_hex.len() == 64 && job.sha256_hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !hex_ok {
        return Err(SyncError::BadRequest(format!("sha256 {:?} is not 64 lowercase hex digits", job.sha256_hex)));
    }
    let mut pairs: Vec<(&str, &str)> = job.metadata.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    if !pairs.iter().any(|(k, _)| *k == "sha256") {
        pairs.push(("sha256", &job.sha256_hex));
    }
    let mut out = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        if k.is_empty() || !k.bytes().all(|b| b.is_ascii_graphic() && b != b',') {
            return Err(SyncError::BadRequest(format!("metadata key {k:?} must be non-empty ASCII without spaces or commas")));
        }
        out.push(if v.is_empty() { k.to_string() } else { format!("{k} {}", B64.encode(v)) });
    }
    Ok(out.join(","))
}

/// Maps a non-success answer to the error that says what a retry must do.
fn status_error(method: &'static str, url: &str, resp: Reply, offset: u64) -> SyncError {
    let status = resp.status;
    let retry_after = resp.header("retry-after").and_then(|v| parse_retry_after(v, SystemTime::now()));
    let url = url.to_string();
    let upload_request = matches!(method, "HEAD" | "PATCH" | "DELETE");
    match status {
        409 if method == "PATCH" => SyncError::OffsetMismatch { url, sent: offset },
        460 => SyncError::ChecksumMismatch { url, offset },
        404 | 410 if upload_request => SyncError::UploadGone { url, status },
        413 => SyncError::TooLarge { size: 0, limit: None },
        401 | 403 => SyncError::Unauthorized { status },
        412 => SyncError::Protocol(format!("{method} {url}: the server does not accept Tus-Resumable {TUS_VERSION}")),
        // 423: another request still writes this upload (typically the one whose connection
        // was just cut, not yet noticed by the server); it ends on its own, so wait and re-HEAD.
        423 | 429 | 500..=599 => SyncError::Server { method, url, status, retry_after },
        _ => {
            let mut body = resp.body;
            body.truncate(body.char_indices().nth(200).map_or(body.len(), |(i, _)| i));
            SyncError::Rejected { method, url, status, body }
        }
    }
}

fn local_io(path: &Path, e: std::io::Error) -> SyncError {
    SyncError::LocalIo { path: path.to_path_buf(), message: e.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(metadata: Vec<(&str, &str)>) -> UploadJob {
        UploadJob {
            endpoint: "http://127.0.0.1:1/files".into(),
            path: "x".into(),
            size: 0,
            sha256_hex: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into(),
            metadata: metadata.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            resume_url: None,
        }
    }

    #[test]
    fn metadata_is_base64_with_the_hash_added() {
        let m = encode_metadata(&job(vec![("filename", "车.jpg"), ("empty", "")])).unwrap();
        let parts: Vec<&str> = m.split(',').collect();
        assert_eq!(parts[0], format!("filename {}", B64.encode("车.jpg")));
        assert_eq!(parts[1], "empty");
        assert!(parts[2].starts_with("sha256 "));
    }

    #[test]
    fn metadata_keys_with_spaces_or_commas_are_refused() {
        for bad in ["two words", "a,b", ""] {
            let err = encode_metadata(&job(vec![(bad, "v")])).unwrap_err();
            assert!(matches!(err, SyncError::BadRequest(_)), "{bad:?}: {err}");
        }
    }

    #[test]
    fn a_bad_hash_is_refused() {
        let mut j = job(vec![]);
        j.sha256_hex = "ABC".into();
        assert!(matches!(encode_metadata(&j), Err(SyncError::BadRequest(_))));
    }

    #[test]
    fn checksums_need_both_the_extension_and_sha256() {
        let mut caps = Capabilities { extensions: vec!["creation".into(), "checksum".into()], ..Default::default() };
        caps.checksum_algorithms = vec!["md5".into()];
        assert!(!caps.sha256_checksums());
        caps.checksum_algorithms.push("sha256".into());
        assert!(caps.sha256_checksums());
        caps.extensions.retain(|e| e != "checksum");
        assert!(!caps.sha256_checksums());
    }

    #[test]
    fn zero_chunk_size_is_refused() {
        let err = TusClient::new(TusConfig { chunk_size: 0, ..Default::default() }).err().unwrap();
        assert!(matches!(err, SyncError::BadRequest(_)));
    }
}
