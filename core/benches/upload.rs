//! 100 MB over loopback: our tus client (chunked PATCHes, file hashed as it goes) against an HTTP
//! PUT of the same file through the same HTTP client, and a PUT written straight into the socket,
//! to the same server, measured in the same run.
//!
//! Run: `cargo run -p xtask -- bench upload`. `--test` runs a 4 MB smoke version.

#[path = "../../tests/src/tus_server.rs"]
#[allow(dead_code)]
mod tus_server;

use kancha_core::sync::{upload_file, CancelToken, TusClient, TusConfig, UploadJob, UploadObserver};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::time::{Duration, Instant};
use tus_server::{TusOptions, TusServer};

struct Quiet;
impl UploadObserver for Quiet {
    fn created(&mut self, _url: &str) -> Result<(), String> {
        Ok(())
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let smoke = std::env::args().any(|a| a == "--test");
    let (size, runs) = if smoke { (4usize << 20, 1) } else { (100usize << 20, 5) };
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("blob");
    let mut hasher = Sha256::new();
    {
        let mut f = std::fs::File::create(&path).expect("create blob");
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut block = vec![0u8; 1 << 20];
        for _ in 0..size >> 20 {
            for b in block.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            hasher.update(&block);
            f.write_all(&block).expect("write blob");
        }
    }
    let sha = hex::encode(hasher.finalize());
    let server = TusServer::start(TusOptions::default()).expect("server");
    // The floor: one PUT with the file copied straight into the socket, no HTTP library.
    let put = || {
        let t = Instant::now();
        let mut file = std::fs::File::open(&path).expect("open");
        let mut conn = std::net::TcpStream::connect(server.addr()).expect("connect");
        write!(conn, "PUT /raw HTTP/1.1\r\nHost: {}\r\nContent-Length: {size}\r\n\r\n", server.addr())
            .expect("PUT head");
        std::io::copy(&mut file, &mut conn).expect("PUT body");
        // A 204 has no body: the head is the whole answer.
        let mut answer = Vec::new();
        let mut byte = [0u8; 1];
        while !answer.ends_with(b"\r\n\r\n") && conn.read(&mut byte).expect("PUT answer") == 1 {
            answer.push(byte[0]);
        }
        assert!(answer.starts_with(b"HTTP/1.1 204"), "{}", String::from_utf8_lossy(&answer));
        assert_eq!(server.raw_len(), size);
        t.elapsed()
    };
    // The baseline the ratio uses: one PUT of the file through the HTTP client sync uses (ureq),
    // so the ratio shows what tus (chunks, offsets, the file hash) costs on top of HTTP.
    let agent: ureq::Agent = ureq::Agent::config_builder().timeout_global(None).build().into();
    let client_put = || {
        let t = Instant::now();
        let file = std::fs::File::open(&path).expect("open");
        let req = ureq::http::Request::put(format!("http://{}/raw", server.addr()))
            .header("content-length", size)
            .body(file)
            .expect("request");
        let resp = agent.run(req).expect("PUT");
        assert_eq!(resp.status().as_u16(), 204);
        assert_eq!(server.raw_len(), size);
        t.elapsed()
    };
    let job = UploadJob {
        endpoint: server.endpoint(),
        path: path.clone(),
        size: size as u64,
        sha256_hex: sha,
        metadata: vec![],
        resume_url: None,
    };
    let job = &job;
    let tus = |chunk: usize| {
        let client = TusClient::new(TusConfig { chunk_size: chunk, ..Default::default() }).expect("client");
        move || {
            let t = Instant::now();
            let done = upload_file(&client, job, &mut Quiet, &CancelToken::new()).expect("upload");
            assert_eq!(done.bytes_sent, size as u64);
            t.elapsed()
        }
    };
    let (tus4, tus16) = (tus(4 << 20), tus(16 << 20));
    put();
    client_put();
    tus4();
    let (mut raw, mut p, mut t4, mut t16) = (vec![], vec![], vec![], vec![]);
    for _ in 0..runs {
        raw.push(put());
        p.push(client_put());
        t4.push(tus4());
        t16.push(tus16());
    }
    let mbps = |d: Duration| size as f64 / 1e6 / d.as_secs_f64();
    let (raw, p, t4, t16) = (median(raw), median(p), median(t4), median(t16));
    println!("upload of {} MB over loopback, median of {runs} runs", size >> 20);
    println!("  raw HTTP PUT (file into socket)   {:>8.1} ms  {:>7.1} MB/s", raw.as_secs_f64() * 1e3, mbps(raw));
    println!("  HTTP PUT through ureq (streamed)  {:>8.1} ms  {:>7.1} MB/s", p.as_secs_f64() * 1e3, mbps(p));
    println!("  kancha tus, 4 MiB chunks          {:>8.1} ms  {:>7.1} MB/s", t4.as_secs_f64() * 1e3, mbps(t4));
    println!("  kancha tus, 16 MiB chunks         {:>8.1} ms  {:>7.1} MB/s", t16.as_secs_f64() * 1e3, mbps(t16));
    println!("ratio tus/PUT-through-ureq throughput: {:.2} (4 MiB chunks), {:.2} (16 MiB chunks)", p.as_secs_f64() / t4.as_secs_f64(), p.as_secs_f64() / t16.as_secs_f64());
}
