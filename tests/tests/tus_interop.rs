//! Interoperability: third-party tus clients (tus-js-client from npm, tuspy from PyPI) upload
//! to the real server through a proxy that cuts the connection once mid-upload; each client
//! must resume and the stored bytes must equal the file.

use kancha_server::http::auth::issue_token;
use kancha_server::ids::PersonId;
use kancha_server::store::meta::Role;
use kancha_server::Config;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A TCP proxy that forwards to `upstream` and, once, closes the connection after
/// `cut_after` bytes from client to server (a dropped mobile link mid-upload).
struct CuttingProxy {
    addr: std::net::SocketAddr,
    cuts: Arc<AtomicUsize>,
    connections: Arc<AtomicUsize>,
}

impl CuttingProxy {
    async fn start(upstream: std::net::SocketAddr, cut_after: u64) -> CuttingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let sent = Arc::new(AtomicU64::new(0));
        let cut = Arc::new(AtomicBool::new(false));
        let cuts = Arc::new(AtomicUsize::new(0));
        let connections = Arc::new(AtomicUsize::new(0));
        let (c2, n2) = (cuts.clone(), connections.clone());
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else { return };
                n2.fetch_add(1, Ordering::SeqCst);
                let server = TcpStream::connect(upstream).await.unwrap();
                tokio::spawn(pipe(client, server, sent.clone(), cut.clone(), c2.clone(), cut_after));
            }
        });
        CuttingProxy { addr, cuts, connections }
    }
}

async fn pipe(
    client: TcpStream,
    server: TcpStream,
    sent: Arc<AtomicU64>,
    cut: Arc<AtomicBool>,
    cuts: Arc<AtomicUsize>,
    cut_after: u64,
) {
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let down = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut sr, &mut cw).await;
        let _ = cw.shutdown().await;
    });
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match cr.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let before = sent.fetch_add(n as u64, Ordering::SeqCst);
        if before + n as u64 > cut_after && !cut.swap(true, Ordering::SeqCst) {
            // Forward up to the cut point, then drop both sides.
            let keep = cut_after.saturating_sub(before) as usize;
            let _ = sw.write_all(&buf[..keep]).await;
            cuts.fetch_add(1, Ordering::SeqCst);
            down.abort();
            return;
        }
        if sw.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = sw.shutdown().await;
    let _ = down.await;
}

struct Running {
    addr: std::net::SocketAddr,
    token: String,
    data_dir: PathBuf,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// Starts the server with one surveyor token and a case assigned to them.
async fn server() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let config = Config { data_dir: dir.path().to_owned(), ..Config::default() };
    let stores = kancha_server::store::open_embedded(&config.data_dir).unwrap();
    let admin = issue_token(stores.meta.as_ref(), Role::Admin, None, None, None).await.unwrap().token;
    let token = issue_token(stores.meta.as_ref(), Role::Surveyor, Some(PersonId::parse("li").unwrap()), None, None)
        .await
        .unwrap()
        .token;
    drop(stores);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(kancha_server::launch_with_listener(config, listener, async {
        let _ = rx.await;
    }));
    // The case the uploads belong to, created over the API like a dispatcher would.
    let case = serde_json::json!({"id": "SH-1", "zone": "pudong", "target_minutes": 30, "surveyor": "li"});
    let resp = http_post(addr, "/v1/cases", &admin, &case.to_string()).await;
    assert!(resp.starts_with("HTTP/1.1 201"), "{resp}");
    Running { addr, token, data_dir: dir.path().to_owned(), _dir: dir, stop: Some(tx) }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// A minimal HTTP/1.1 POST (keeps an HTTP client out of this crate).
async fn http_post(addr: std::net::SocketAddr, path: &str, token: &str, body: &str) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

fn sample_file(dir: &Path, len: usize) -> (PathBuf, Vec<u8>) {
    let data: Vec<u8> = (0..len).map(|i| ((i * 7919) % 256) as u8).collect();
    let path = dir.join("upload.bin");
    std::fs::write(&path, &data).unwrap();
    (path, data)
}

fn stored(run: &Running, url: &str) -> Vec<u8> {
    let id = url.trim_end_matches('/').rsplit('/').next().unwrap();
    std::fs::read(run.data_dir.join("blobs/uploads").join(id)).unwrap()
}

async fn run_peer(program: &Path, args: &[&str], env: &[(&str, &Path)]) -> serde_json::Value {
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args).kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), cmd.output())
        .await
        .expect("peer finishes within 60 s")
        .unwrap();
    assert!(
        out.status.success(),
        "{program:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8(out.stdout).unwrap();
    serde_json::from_str(line.lines().last().unwrap()).unwrap()
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("peers").join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tus_js_client_uploads_is_cut_off_and_resumes() {
    let Some(module) = kancha_tests::peer("node/node_modules/tus-js-client") else { return };
    let node_modules = module.parent().unwrap().to_owned();
    let run = server().await;
    let tmp = tempfile::tempdir().unwrap();
    let (file, data) = sample_file(tmp.path(), 3 << 20);
    let proxy = CuttingProxy::start(run.addr, 1 << 20).await;
    let endpoint = format!("http://{}/v1/uploads", proxy.addr);
    let out = run_peer(
        Path::new("node"),
        &[script("tus_js_upload.cjs").to_str().unwrap(), &endpoint, &run.token, file.to_str().unwrap(), "SH-1"],
        &[("NODE_PATH", &node_modules)],
    )
    .await;
    assert_eq!(proxy.cuts.load(Ordering::SeqCst), 1, "the connection was cut once");
    assert!(proxy.connections.load(Ordering::SeqCst) >= 2, "the client reconnected");
    assert_eq!(stored(&run, out["url"].as_str().unwrap()), data, "stored bytes equal the file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tuspy_uploads_with_checksums_is_cut_off_and_resumes() {
    let Some(python) = kancha_tests::peer("venv/bin/python") else { return };
    let run = server().await;
    let tmp = tempfile::tempdir().unwrap();
    let (file, data) = sample_file(tmp.path(), 1 << 20);
    let proxy = CuttingProxy::start(run.addr, 600 << 10).await;
    let endpoint = format!("http://{}/v1/uploads", proxy.addr);
    let out = run_peer(
        &python,
        &[script("tuspy_upload.py").to_str().unwrap(), &endpoint, &run.token, file.to_str().unwrap(), "SH-1"],
        &[],
    )
    .await;
    assert_eq!(proxy.cuts.load(Ordering::SeqCst), 1, "the connection was cut once");
    assert_eq!(stored(&run, out["url"].as_str().unwrap()), data, "cut upload: stored bytes equal the file");
    assert_eq!(out["resumed_from"], (data.len() / 2) as u64, "a fresh uploader resumed from the server's offset");
    assert_eq!(stored(&run, out["resumed_url"].as_str().unwrap()), data, "resumed upload: stored bytes equal the file");
}
