//! The HTTP/1.1 exchanges sync needs: one blocking request at a time per thread, over a small
//! connection pool, with rustls for https.
//!
//! Why a blocking client without an async runtime: sync runs on its own thread and sends one
//! chunk at a time, so an async stack (runtime, HTTP/2, connection tasks) would only add size to
//! the mobile library. Everything above this module sees plain statuses, headers and bytes.

use super::error::SyncError;
use std::io::Read;
use std::time::Duration;
use ureq::http::{Request, Uri};
use ureq::Agent;

/// Most bytes of an answer's body that are read (receipts and error texts are small).
const BODY_LIMIT: u64 = 1 << 20;

/// An HTTP client: a pool, timeouts and the bearer token every request carries.
pub struct Http {
    agent: Agent,
    authorization: Option<String>,
}

/// One answer: status, headers (names lowercase) and the body read as text.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The HTTP status code.
    pub status: u16,
    headers: Vec<(String, String)>,
    /// The body, lossily decoded as UTF-8 and cut at 1 MiB.
    pub body: String,
}

impl Reply {
    /// The first value of header `name` (lowercase), trimmed.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim())
    }

    /// The value of header `name` parsed as an unsigned integer.
    pub fn header_u64(&self, name: &str) -> Option<u64> {
        self.header(name).and_then(|v| v.parse().ok())
    }

    /// Every comma-separated element of every `name` header, trimmed, empty ones dropped.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl Http {
    /// A client that never follows redirects (a tus server answers where it was asked) and
    /// sends `Authorization: Bearer token` when a token is given.
    pub fn new(connect_timeout: Duration, request_timeout: Option<Duration>, bearer_token: Option<&str>) -> Result<Self, SyncError> {
        let authorization = match bearer_token {
            Some(t) if t.bytes().any(|b| b.is_ascii_control()) || !t.is_ascii() => {
                return Err(SyncError::BadRequest("the bearer token is not a valid header value".into()))
            }
            Some(t) => Some(format!("Bearer {t}")),
            None => None,
        };
        let config = Agent::config_builder()
            .timeout_connect(Some(connect_timeout))
            .timeout_global(request_timeout)
            .max_redirects(0)
            .http_status_as_error(false)
            // tus needs OPTIONS and a body-less POST; the check is for methods unknown to HTTP.
            .allow_non_standard_methods(true)
            .user_agent(concat!("kancha-core/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Http { agent: config.new_agent(), authorization })
    }

    /// Sends one request; `body` is sent with a Content-Length (also 0), `None` sends none.
    pub fn send(
        &self,
        method: &'static str,
        url: &str,
        headers: &[(&str, String)],
        body: Option<&[u8]>,
    ) -> Result<Reply, SyncError> {
        self.send_within(method, url, headers, body, None)
    }

    /// Like [`Http::send`], with a whole-request time limit of its own instead of the client's.
    pub fn send_within(
        &self,
        method: &'static str,
        url: &str,
        headers: &[(&str, String)],
        body: Option<&[u8]>,
        timeout: Option<Duration>,
    ) -> Result<Reply, SyncError> {
        let network = |message: String| SyncError::Network { method, url: url.to_string(), message };
        let mut req = Request::builder().method(method).uri(url);
        if let Some(auth) = &self.authorization {
            req = req.header("authorization", auth);
        }
        for (name, value) in headers {
            req = req.header(*name, value);
        }
        let answer = match body {
            Some(bytes) => req.body(bytes).map(|r| self.agent.run(self.limited(r, timeout))),
            None => req.body(()).map(|r| self.agent.run(self.limited(r, timeout))),
        }
        .map_err(|e| SyncError::BadRequest(format!("{method} {url}: {e}")))?
        .map_err(|e| network(error_text(&e)))?;
        let status = answer.status().as_u16();
        let headers = answer
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let mut raw = Vec::new();
        if method != "HEAD" {
            // Reading to the end returns the connection to the pool.
            answer
                .into_body()
                .into_reader()
                .take(BODY_LIMIT)
                .read_to_end(&mut raw)
                .map_err(|e| network(format!("reading the answer: {e}")))?;
        }
        Ok(Reply { status, headers, body: String::from_utf8_lossy(&raw).into_owned() })
    }

    /// The request with its own time limit, when one is given.
    fn limited<S: ureq::AsSendBody>(&self, request: Request<S>, timeout: Option<Duration>) -> Request<S> {
        match timeout {
            Some(t) => self.agent.configure_request(request).timeout_global(Some(t)).build(),
            None => request,
        }
    }
}

/// The error and its sources in one line.
fn error_text(e: &ureq::Error) -> String {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

/// Checks that `s` is an absolute http(s) URL with a host.
pub fn parse_url(s: &str) -> Result<Uri, SyncError> {
    let bad = |reason: &str| SyncError::BadUrl { url: s.to_string(), reason: reason.to_string() };
    let uri: Uri = s.parse().map_err(|e: ureq::http::uri::InvalidUri| bad(&e.to_string()))?;
    match uri.scheme_str() {
        Some("http") | Some("https") => {}
        Some(_) => return Err(bad("only http and https are supported")),
        None => return Err(bad("not an absolute URL")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(bad("no host"));
    }
    Ok(uri)
}

/// Resolves a Location header against the URL it answered (RFC 3986 §5.2, without dot-segment
/// removal: servers answer absolute URLs or absolute paths in practice).
pub fn resolve(base: &Uri, location: &str) -> Result<String, SyncError> {
    let bad = |reason: &str| SyncError::BadUrl { url: location.to_string(), reason: reason.to_string() };
    if location.is_empty() || location.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) {
        return Err(bad("empty or contains spaces"));
    }
    let scheme = base.scheme_str().unwrap_or("http");
    let authority = base.authority().map(|a| a.as_str()).unwrap_or("");
    let joined = if location.contains("://") {
        location.to_string()
    } else if let Some(rest) = location.strip_prefix("//") {
        format!("{scheme}://{rest}")
    } else if location.starts_with('/') {
        format!("{scheme}://{authority}{location}")
    } else {
        let path = base.path();
        let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
        let dir = if dir.is_empty() { "/" } else { dir };
        format!("{scheme}://{authority}{dir}{location}")
    };
    parse_url(&joined).map_err(|_| bad("does not resolve to an http(s) URL"))?;
    Ok(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_http_urls_are_accepted() {
        assert!(matches!(parse_url("ftp://x/y"), Err(SyncError::BadUrl { .. })));
        assert!(matches!(parse_url("not a url"), Err(SyncError::BadUrl { .. })));
        assert!(matches!(parse_url("/v1/uploads"), Err(SyncError::BadUrl { .. })));
        assert!(parse_url("https://example.invalid/v1/uploads").is_ok());
        assert!(parse_url("http://127.0.0.1:8080/v1/uploads").is_ok());
    }

    #[test]
    fn locations_resolve_like_a_browser() {
        let base = parse_url("http://127.0.0.1:9/v1/uploads").unwrap();
        let r = |l| resolve(&base, l).unwrap();
        assert_eq!(r("/v1/uploads/abc"), "http://127.0.0.1:9/v1/uploads/abc");
        assert_eq!(r("uploads/abc"), "http://127.0.0.1:9/v1/uploads/abc");
        assert_eq!(r("https://other.invalid/f/1"), "https://other.invalid/f/1");
        assert_eq!(r("//other.invalid/f/1"), "http://other.invalid/f/1");
        let files = parse_url("http://h:1/files/").unwrap();
        assert_eq!(resolve(&files, "x1").unwrap(), "http://h:1/files/x1");
        assert!(resolve(&base, "").is_err());
        assert!(resolve(&base, "a b").is_err());
        assert!(resolve(&base, "ftp://x/y").is_err());
    }

    #[test]
    fn a_token_that_cannot_be_a_header_is_refused() {
        let err = Http::new(Duration::from_secs(1), None, Some("bad\ntoken")).err().unwrap();
        assert!(matches!(err, SyncError::BadRequest(_)));
        assert!(Http::new(Duration::from_secs(1), None, Some("abc.def-123")).is_ok());
    }

    #[test]
    fn a_refused_connection_is_a_network_error() {
        // A port just freed: nothing listens there.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let http = Http::new(Duration::from_secs(2), Some(Duration::from_secs(5)), None).unwrap();
        let err = http.send("OPTIONS", &format!("http://127.0.0.1:{port}/v1/uploads"), &[], None).unwrap_err();
        assert!(matches!(err, SyncError::Network { method: "OPTIONS", .. }), "{err}");
    }

    /// Serves each connection one canned answer and closes it; returns the base URL.
    fn answer_each_connection_with(answer: Vec<u8>, connections: usize) -> String {
        use std::io::Write;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(connections) {
                let mut stream = stream.unwrap();
                // Read the request head before answering, so the client sees a normal exchange.
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let _ = stream.write_all(&answer);
                // Close gracefully: dropping a socket with the request body still unread would
                // reset the connection and could throw away answer bytes the client has not read.
                let _ = stream.shutdown(std::net::Shutdown::Write);
                let _ = std::io::copy(&mut stream, &mut std::io::sink());
            }
        });
        format!("http://127.0.0.1:{port}/v1/bundles")
    }

    #[test]
    fn an_oversized_answer_is_cut_at_the_limit_and_the_client_stays_usable() {
        let body_len = 3 * BODY_LIMIT as usize + 5;
        let mut answer = format!("HTTP/1.1 400 Bad Request\r\ncontent-length: {body_len}\r\nconnection: close\r\n\r\n").into_bytes();
        answer.extend(std::iter::repeat_n(b'x', body_len));
        let url = answer_each_connection_with(answer, 2);
        let http = Http::new(Duration::from_secs(2), Some(Duration::from_secs(10)), None).unwrap();
        let reply = http.send("POST", &url, &[], Some(b"{}")).unwrap();
        assert_eq!(reply.status, 400);
        assert_eq!(reply.body.len(), BODY_LIMIT as usize, "the body is read up to the limit, no further");
        assert!(reply.body.bytes().all(|b| b == b'x'));
        // A second request on the same client gets a fresh, whole answer.
        let again = http.send("POST", &url, &[], Some(b"{}")).unwrap();
        assert_eq!((again.status, again.body.len()), (400, BODY_LIMIT as usize));
    }

    #[test]
    fn a_request_time_limit_applies_even_when_the_client_has_none() {
        // Accepts and never answers.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v1/cases/c/bundles", listener.local_addr().unwrap());
        let held = std::thread::spawn(move || listener.accept().map(|(stream, _)| stream));
        let http = Http::new(Duration::from_secs(2), None, None).unwrap();
        let err = http.send_within("POST", &url, &[], Some(b"{}"), Some(Duration::from_millis(300))).unwrap_err();
        assert!(matches!(err, SyncError::Network { method: "POST", .. }), "{err}");
        assert!(err.to_string().to_lowercase().contains("timeout"), "{err}");
        drop(held.join());
    }
}
