//! An HTTP/1.1 fault-injecting proxy on 127.0.0.1 that understands requests: it sits between
//! a client and a real server and, on a schedule, answers a status itself, rewrites the
//! `Upload-Offset`, flips a body byte, cuts the connection mid-body, delays, or calls a hook
//! (the kill tests SIGKILL the client there). It logs every exchange for assertions.
//!
//! One request per connection: each request goes upstream with `Connection: close` and the
//! answer comes back whole, so a log entry is exactly one request and one answer.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// Called by the proxy at a chosen moment (e.g. to kill the client process).
pub type Hook = Arc<dyn Fn() + Send + Sync>;

/// What the proxy does to one request.
#[derive(Clone)]
pub enum Action {
    /// Answer this status without forwarding (the body is read and dropped).
    Respond(u16),
    /// Forward with `Upload-Offset` moved by this many bytes (the server answers 409).
    ShiftOffset(i64),
    /// Forward with one body byte flipped (with a checksum, the server answers 460).
    FlipBodyByte,
    /// Forward the headers and half the body, then close both connections.
    CutMidBody,
    /// Wait this long, then forward.
    Delay(Duration),
    /// Forward the headers and half the body, close the client's connection at once but keep
    /// the server's open this long (the server still holds the upload while the client retries).
    StallMidBody(Duration),
    /// Forward the headers and this many body bytes, call the hook, then close both connections.
    HookMidBody(usize, Hook),
    /// Call the hook instead of forwarding, then close the client connection.
    HookBeforeForward(Hook),
    /// Forward, read the whole answer, call the hook, and never pass the answer on.
    HookAfterAnswer(Hook),
}

impl Action {
    fn name(&self) -> &'static str {
        match self {
            Action::Respond(_) => "respond",
            Action::ShiftOffset(_) => "shift_offset",
            Action::FlipBodyByte => "flip_body_byte",
            Action::CutMidBody => "cut_mid_body",
            Action::StallMidBody(_) => "stall_mid_body",
            Action::Delay(_) => "delay",
            Action::HookMidBody(..) => "hook_mid_body",
            Action::HookBeforeForward(_) => "hook_before_forward",
            Action::HookAfterAnswer(_) => "hook_after_answer",
        }
    }
}

/// Applies `action` to the `nth` (1-based) request whose method is `method` and whose path
/// contains `path_part`; one shot.
#[derive(Clone)]
pub struct Rule {
    /// HTTP method to match.
    pub method: &'static str,
    /// A substring the path must contain (`""` matches every path).
    pub path_part: &'static str,
    /// Which matching request (1 = the first).
    pub nth: usize,
    /// What to do to it.
    pub action: Action,
}

impl Rule {
    /// The `nth` request with this method and a path containing `path_part`.
    pub fn new(method: &'static str, path_part: &'static str, nth: usize, action: Action) -> Rule {
        Rule { method, path_part, nth, action }
    }
}

/// One request the proxy saw, and what became of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exchange {
    /// Request method.
    pub method: String,
    /// Request path.
    pub path: String,
    /// The `Upload-Offset` the client sent.
    pub offset: Option<u64>,
    /// Body bytes the client sent.
    pub body_len: usize,
    /// Body bytes passed on to the server.
    pub forwarded: usize,
    /// The fault applied, if any.
    pub fault: Option<&'static str>,
    /// The status the server answered (or the proxy, for `Respond`); `None` when cut.
    pub status: Option<u16>,
    /// The `Upload-Offset` the server answered.
    pub new_offset: Option<u64>,
    /// True when the client received the answer.
    pub delivered: bool,
}

#[derive(Default)]
struct Shared {
    rules: Mutex<Vec<(Rule, usize)>>,
    log: Mutex<Vec<Exchange>>,
    stop: AtomicBool,
}

/// A running proxy; stops accepting when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` on a free loopback port with these rules.
    pub fn start(upstream: SocketAddr, rules: Vec<Rule>) -> std::io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared { rules: Mutex::new(rules.into_iter().map(|r| (r, 0)).collect()), ..Default::default() });
        let sh = shared.clone();
        thread::spawn(move || {
            for client in listener.incoming() {
                if sh.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let sh = sh.clone();
                thread::spawn(move || {
                    let _ = serve(client, upstream, &sh);
                });
            }
        });
        Ok(FaultProxy { addr, shared })
    }

    /// The base URL clients use, e.g. `http://127.0.0.1:40123`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every exchange so far, in the order requests arrived.
    pub fn log(&self) -> Vec<Exchange> {
        self.shared.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Rules that have not fired yet (method, path part, nth).
    pub fn unfired(&self) -> Vec<(&'static str, &'static str, usize)> {
        let rules = self.shared.rules.lock().unwrap_or_else(|p| p.into_inner());
        rules.iter().filter(|(r, seen)| *seen < r.nth).map(|(r, _)| (r.method, r.path_part, r.nth)).collect()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn head_bytes(&self) -> Vec<u8> {
        let mut out = format!("{} {} HTTP/1.1\r\n", self.method, self.path);
        for (k, v) in &self.headers {
            if !k.eq_ignore_ascii_case("connection") {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        out.push_str("connection: close\r\n\r\n");
        out.into_bytes()
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or_default().to_string(), parts.next().unwrap_or_default().to_string());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 {
            return Ok(None);
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let mut req = Request { method, path, headers, body: Vec::new() };
    let len: usize = req.header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    req.body = vec![0; len];
    reader.read_exact(&mut req.body)?;
    Ok(Some(req))
}

/// Picks the rule that fires for this request, counting matches.
fn pick(shared: &Shared, req: &Request) -> Option<Action> {
    let mut rules = shared.rules.lock().unwrap_or_else(|p| p.into_inner());
    let mut fired = None;
    for (rule, seen) in rules.iter_mut() {
        if rule.method == req.method && req.path.contains(rule.path_part) && *seen < rule.nth {
            *seen += 1;
            if *seen == rule.nth && fired.is_none() {
                fired = Some(rule.action.clone());
            }
        }
    }
    fired
}

fn serve(client: TcpStream, upstream: SocketAddr, shared: &Shared) -> std::io::Result<()> {
    client.set_nodelay(true)?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut client = client;
    let Some(mut req) = read_request(&mut reader)? else { return Ok(()) };
    let action = pick(shared, &req);
    let mut ex = Exchange {
        method: req.method.clone(),
        path: req.path.clone(),
        offset: req.header("upload-offset").and_then(|v| v.parse().ok()),
        body_len: req.body.len(),
        fault: action.as_ref().map(Action::name),
        ..Default::default()
    };
    let index = {
        let mut log = shared.log.lock().unwrap_or_else(|p| p.into_inner());
        log.push(ex.clone());
        log.len() - 1
    };
    let record = |ex: &Exchange| shared.log.lock().unwrap_or_else(|p| p.into_inner())[index] = ex.clone();
    let mut body_limit = req.body.len();
    let mut after_answer = None;
    match &action {
        Some(Action::Respond(status)) => {
            let answer = format!(
                "HTTP/1.1 {status} Injected\r\ntus-resumable: 1.0.0\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
            ex.status = Some(*status);
            ex.delivered = client.write_all(answer.as_bytes()).is_ok();
            record(&ex);
            return client.shutdown(Shutdown::Both);
        }
        Some(Action::HookBeforeForward(hook)) => {
            hook();
            record(&ex);
            return client.shutdown(Shutdown::Both);
        }
        Some(Action::ShiftOffset(by)) => {
            if let Some((_, v)) = req.headers.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case("upload-offset")) {
                *v = (v.parse::<i64>().unwrap_or(0) + by).to_string();
            }
        }
        Some(Action::FlipBodyByte) => {
            let middle = req.body.len() / 2;
            if let Some(b) = req.body.get_mut(middle) {
                *b ^= 0x20;
            }
        }
        Some(Action::CutMidBody | Action::StallMidBody(_)) => body_limit = req.body.len() / 2,
        Some(Action::HookMidBody(n, _)) => body_limit = (*n).min(req.body.len()),
        Some(Action::Delay(d)) => thread::sleep(*d),
        Some(Action::HookAfterAnswer(hook)) => after_answer = Some(hook.clone()),
        None => {}
    }
    let mut server = TcpStream::connect(upstream)?;
    server.set_nodelay(true)?;
    server.write_all(&req.head_bytes())?;
    server.write_all(&req.body[..body_limit])?;
    ex.forwarded = body_limit;
    if body_limit < req.body.len() {
        // Give the server the partial body before the cut, as a dying link would.
        server.flush()?;
        thread::sleep(Duration::from_millis(20));
        if let Some(Action::HookMidBody(_, hook)) = &action {
            hook();
        }
        if let Some(Action::StallMidBody(stall)) = &action {
            let _ = client.shutdown(Shutdown::Both);
            thread::sleep(*stall);
        }
        let _ = server.shutdown(Shutdown::Both);
        let _ = client.shutdown(Shutdown::Both);
        record(&ex);
        return Ok(());
    }
    let mut answer = Vec::new();
    server.read_to_end(&mut answer)?;
    let (status, new_offset) = parse_answer(&answer);
    ex.status = status;
    ex.new_offset = new_offset;
    if let Some(hook) = after_answer {
        hook();
        record(&ex);
        return client.shutdown(Shutdown::Both);
    }
    ex.delivered = client.write_all(&answer).is_ok();
    record(&ex);
    client.shutdown(Shutdown::Both)
}

/// The status code and `Upload-Offset` of a raw HTTP answer.
fn parse_answer(raw: &[u8]) -> (Option<u16>, Option<u64>) {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|s| s.parse().ok());
    let offset = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("upload-offset"))
        .and_then(|(_, v)| v.trim().parse().ok());
    (status, offset)
}
