//! A small tus 1.0 server over std's TCP, for fault tests and the upload benchmark.
//!
//! It speaks core + creation + (optionally) checksum and termination, keeps uploads in memory,
//! counts what it receives, and answers injected faults (a status code, a corrupted chunk) on
//! demand. It also takes a plain `PUT /raw` as the baseline a benchmark compares tus against.
//! Depends on std, sha2 and base64 only, so a bench can include this file with `#[path]`.

use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

/// What the server offers and demands.
#[derive(Debug, Clone, Default)]
pub struct TusOptions {
    /// Offer the checksum extension with sha256 and verify Upload-Checksum.
    pub checksum: bool,
    /// Offer termination (DELETE).
    pub termination: bool,
    /// Announce and enforce Tus-Max-Size.
    pub max_size: Option<u64>,
    /// Refuse requests without `Authorization: Bearer <token>` (401).
    pub bearer: Option<String>,
}

/// A fault to answer to the next request with a given method.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer this status without touching the upload (with Retry-After when given).
    Status { status: u16, retry_after: Option<String> },
    /// Flip one byte of the next chunk as it arrives (a real 460 when checksums are on).
    CorruptChunk,
}

/// What the server received, for assertions.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Requests per method.
    pub requests: HashMap<String, u32>,
    /// File bytes received in PATCH and POST bodies, accepted or not.
    pub body_bytes: u64,
    /// PATCH/POST requests that carried an Upload-Checksum header.
    pub checksum_headers: u32,
    /// Every status answered, in order.
    pub statuses: Vec<u16>,
}

impl Stats {
    /// Requests seen with this method.
    pub fn count(&self, method: &str) -> u32 {
        self.requests.get(method).copied().unwrap_or(0)
    }
}

/// One upload held in memory.
#[derive(Debug, Clone)]
pub struct StoredUpload {
    /// Upload-Length.
    pub length: u64,
    /// Bytes received so far (the offset is their length).
    pub data: Vec<u8>,
    /// Upload-Metadata as sent.
    pub metadata: String,
}

#[derive(Default)]
struct State {
    uploads: HashMap<String, StoredUpload>,
    faults: HashMap<String, VecDeque<Fault>>,
    stats: Stats,
    next_id: u64,
    raw: Vec<u8>,
}

/// A running server on 127.0.0.1; stops accepting when dropped.
pub struct TusServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl TusServer {
    /// Starts on a free loopback port.
    pub fn start(options: TusOptions) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        let options = Arc::new(options);
        thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (st, opts) = (st.clone(), options.clone());
                thread::spawn(move || serve(conn, &st, &opts));
            }
        });
        Ok(TusServer { addr, state, stop })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The creation endpoint, `http://127.0.0.1:PORT/files`.
    pub fn endpoint(&self) -> String {
        format!("http://{}/files", self.addr)
    }

    /// Queues a fault for the next request with `method`.
    pub fn inject(&self, method: &str, fault: Fault) {
        self.lock().faults.entry(method.to_string()).or_default().push_back(fault);
    }

    /// A copy of the counters.
    pub fn stats(&self) -> Stats {
        self.lock().stats.clone()
    }

    /// The upload at `url` (or its last path segment), if the server has it.
    pub fn upload(&self, url: &str) -> Option<StoredUpload> {
        self.lock().uploads.get(id_of(url)).cloned()
    }

    /// Drops an upload, as an expiring server would.
    pub fn forget(&self, url: &str) {
        self.lock().uploads.remove(id_of(url));
    }

    /// Bytes of the last `PUT /raw`.
    pub fn raw_len(&self) -> usize {
        self.lock().raw.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for TusServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop
    }
}

fn id_of(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

struct Request {
    method: String,
    path: String,
    headers: HashMap<String, String>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
    fn content_length(&self) -> u64 {
        self.header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0)
    }
}

/// Serves requests on one keep-alive connection until it closes.
fn serve(conn: TcpStream, state: &Mutex<State>, opts: &TusOptions) {
    let Ok(write_half) = conn.try_clone() else { return };
    let mut out = write_half;
    let mut reader = BufReader::with_capacity(256 << 10, conn);
    while let Some(req) = read_head(&mut reader) {
        let Some((status, headers)) = handle(&req, &mut reader, state, opts) else { return };
        state.lock().unwrap_or_else(|p| p.into_inner()).stats.statuses.push(status);
        let mut resp = format!("HTTP/1.1 {status} {}\r\nTus-Resumable: 1.0.0\r\n", reason(status));
        for (k, v) in headers {
            resp.push_str(&format!("{k}: {v}\r\n"));
        }
        resp.push_str("Content-Length: 0\r\n\r\n");
        if out.write_all(resp.as_bytes()).is_err() {
            return;
        }
    }
}

fn read_head(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
    }
    Some(Request { method, path, headers })
}

/// Reads a body of `len` bytes; `None` when the connection broke, with what arrived.
fn read_body(reader: &mut BufReader<TcpStream>, len: u64) -> (Vec<u8>, bool) {
    let mut body = Vec::with_capacity(len as usize);
    let complete = reader.by_ref().take(len).read_to_end(&mut body).is_ok() && body.len() as u64 == len;
    (body, complete)
}

type Answer = Option<(u16, Vec<(String, String)>)>;

fn handle(req: &Request, reader: &mut BufReader<TcpStream>, state: &Mutex<State>, opts: &TusOptions) -> Answer {
    let lock = || state.lock().unwrap_or_else(|p| p.into_inner());
    *lock().stats.requests.entry(req.method.clone()).or_default() += 1;
    let ok = |s: u16| Some((s, vec![]));
    if req.method == "PUT" && req.path == "/raw" {
        let (body, complete) = read_body(reader, req.content_length());
        if !complete {
            return None;
        }
        lock().raw = body;
        return ok(204);
    }
    if req.method == "OPTIONS" {
        let mut ext = vec!["creation"];
        if opts.checksum {
            ext.push("checksum");
        }
        if opts.termination {
            ext.push("termination");
        }
        let mut h = vec![("Tus-Version".into(), "1.0.0".into()), ("Tus-Extension".into(), ext.join(","))];
        if opts.checksum {
            h.push(("Tus-Checksum-Algorithm".into(), "md5,sha256".into()));
        }
        if let Some(m) = opts.max_size {
            h.push(("Tus-Max-Size".into(), m.to_string()));
        }
        return Some((204, h));
    }
    // Every body is read before answering, so a keep-alive connection stays in step.
    let has_body = matches!(req.method.as_str(), "PATCH" | "POST");
    let fault = lock().faults.get_mut(&req.method).and_then(VecDeque::pop_front);
    if let Some(token) = &opts.bearer {
        if req.header("authorization") != Some(&format!("Bearer {token}")) {
            if has_body && !read_body(reader, req.content_length()).1 {
                return None;
            }
            return ok(401);
        }
    }
    if let Some(Fault::Status { status, retry_after }) = &fault {
        if has_body && !read_body(reader, req.content_length()).1 {
            return None;
        }
        let h = retry_after.iter().map(|r| ("Retry-After".to_string(), r.clone())).collect();
        return Some((*status, h));
    }
    if req.header("tus-resumable") != Some("1.0.0") {
        return ok(412);
    }
    match req.method.as_str() {
        "POST" if req.path == "/files" => {
            let Some(length) = req.header("upload-length").and_then(|v| v.parse::<u64>().ok()) else { return ok(400) };
            if opts.max_size.is_some_and(|m| length > m) {
                return ok(413);
            }
            let (_, complete) = read_body(reader, req.content_length());
            if !complete {
                return None;
            }
            let mut st = lock();
            st.next_id += 1;
            let id = format!("u{}", st.next_id);
            let metadata = req.header("upload-metadata").unwrap_or("").to_string();
            st.uploads.insert(id.clone(), StoredUpload { length, data: Vec::with_capacity(length as usize), metadata });
            Some((201, vec![("Location".into(), format!("/files/{id}"))]))
        }
        "HEAD" => {
            let st = lock();
            let Some(u) = st.uploads.get(id_of(&req.path)) else { return ok(404) };
            Some((
                200,
                vec![
                    ("Upload-Offset".into(), u.data.len().to_string()),
                    ("Upload-Length".into(), u.length.to_string()),
                    ("Cache-Control".into(), "no-store".into()),
                ],
            ))
        }
        "DELETE" if opts.termination => {
            let gone = lock().uploads.remove(id_of(&req.path)).is_none();
            ok(if gone { 404 } else { 204 })
        }
        "PATCH" => {
            let (mut body, complete) = read_body(reader, req.content_length());
            let checksum = req.header("upload-checksum").map(str::to_string);
            let mut st = lock();
            st.stats.body_bytes += body.len() as u64;
            if checksum.is_some() {
                st.stats.checksum_headers += 1;
            }
            if matches!(fault, Some(Fault::CorruptChunk)) && !body.is_empty() {
                body[0] ^= 0x01;
            }
            let Some(u) = st.uploads.get_mut(id_of(&req.path)) else { return if complete { ok(404) } else { None } };
            let offset: Option<u64> = req.header("upload-offset").and_then(|v| v.parse().ok());
            if offset != Some(u.data.len() as u64) {
                return if complete { ok(409) } else { None };
            }
            if opts.checksum {
                if let Some(sum) = checksum {
                    // A chunk with a checksum is all or nothing.
                    if !complete {
                        return None;
                    }
                    let Some(("sha256", b64)) = sum.split_once(' ') else { return ok(400) };
                    let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&body));
                    if digest != b64 {
                        return ok(460);
                    }
                }
            }
            if u.data.len() as u64 + body.len() as u64 > u.length {
                return ok(400);
            }
            // Like tusd, keep what arrived before a broken connection.
            u.data.extend_from_slice(&body);
            if !complete {
                return None;
            }
            Some((204, vec![("Upload-Offset".into(), u.data.len().to_string())]))
        }
        _ => ok(405),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        409 => "Conflict",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        460 => "Checksum Mismatch",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
