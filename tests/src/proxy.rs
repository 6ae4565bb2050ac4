//! A fault-injecting TCP proxy on 127.0.0.1: counts the bytes a client sends, cuts every
//! connection once a byte budget is spent, and can be pointed at a restarted server.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

#[derive(Default)]
struct Shared {
    /// Client-to-server bytes forwarded, over all connections.
    sent: AtomicU64,
    /// Client connections accepted.
    accepted: AtomicU64,
    /// When set, connections are cut as soon as `sent` reaches this total.
    cut_at: Mutex<Option<u64>>,
    /// Live connections (both sockets), so a cut closes them all.
    live: Mutex<Vec<(TcpStream, TcpStream)>>,
    stop: AtomicBool,
}

/// A running proxy; stops accepting when dropped.
pub struct Proxy {
    addr: SocketAddr,
    upstream: Arc<Mutex<SocketAddr>>,
    shared: Arc<Shared>,
}

impl Proxy {
    /// Starts a proxy to `upstream` on a free loopback port.
    pub fn start(upstream: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let upstream = Arc::new(Mutex::new(upstream));
        let shared = Arc::new(Shared::default());
        let (up, sh) = (upstream.clone(), shared.clone());
        thread::spawn(move || {
            for client in listener.incoming() {
                if sh.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                sh.accepted.fetch_add(1, Ordering::SeqCst);
                let target = *up.lock().unwrap_or_else(|p| p.into_inner());
                match TcpStream::connect(target) {
                    Ok(server) => relay(client, server, sh.clone()),
                    Err(_) => drop(client), // like a dead server: the client sees the connection close
                }
            }
        });
        Ok(Proxy { addr, upstream, shared })
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Sends new connections to another server (a restarted one).
    pub fn set_upstream(&self, upstream: SocketAddr) {
        *self.upstream.lock().unwrap_or_else(|p| p.into_inner()) = upstream;
    }

    /// Client-to-server bytes forwarded so far (request lines, headers and bodies).
    pub fn bytes_sent(&self) -> u64 {
        self.shared.sent.load(Ordering::SeqCst)
    }

    /// Client connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// Cuts every connection once `more` further client bytes have been forwarded (one shot).
    pub fn cut_after(&self, more: u64) {
        *self.shared.cut_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(self.bytes_sent() + more);
    }

    /// Closes every live connection now.
    pub fn cut_now(&self) {
        cut_all(&self.shared);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        cut_all(&self.shared);
    }
}

fn cut_all(shared: &Shared) {
    for (c, s) in shared.live.lock().unwrap_or_else(|p| p.into_inner()).drain(..) {
        let _ = c.shutdown(Shutdown::Both);
        let _ = s.shutdown(Shutdown::Both);
    }
}

fn relay(client: TcpStream, server: TcpStream, shared: Arc<Shared>) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else { return };
    if let (Ok(c3), Ok(s3)) = (client.try_clone(), server.try_clone()) {
        shared.live.lock().unwrap_or_else(|p| p.into_inner()).push((c3, s3));
    }
    let up = shared.clone();
    thread::spawn(move || pump_up(client, server, &up));
    thread::spawn(move || {
        let (mut from, mut to) = (s2, c2);
        let mut buf = vec![0u8; 64 << 10];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 || to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    });
}

/// Client to server, counting, and cutting everything when the budget runs out.
fn pump_up(mut from: TcpStream, mut to: TcpStream, shared: &Shared) {
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut cut = shared.cut_at.lock().unwrap_or_else(|p| p.into_inner());
        let sent = shared.sent.load(Ordering::SeqCst);
        let allowed = cut.map_or(n as u64, |at| at.saturating_sub(sent).min(n as u64)) as usize;
        if allowed > 0 && to.write_all(&buf[..allowed]).is_err() {
            break;
        }
        shared.sent.fetch_add(allowed as u64, Ordering::SeqCst);
        if allowed < n {
            *cut = None;
            drop(cut);
            cut_all(shared);
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}
