//! Upload throughput on loopback: kancha-server against @tus/server (npm) and tusd (the Go
//! reference server), same client, same files, same run. Prints MB/s, server CPU per 100 MB, p99
//! latency, and kancha's ratio to each baseline. Run with `cargo run -p xtask -- bench upload`
//! (which installs the peers).
//!
//! Two loads: one large file in one PATCH, and 100 concurrent uploads of 1 MiB each, each against
//! servers started fresh on empty directories. Each load runs `KANCHA_BENCH_ROUNDS` times
//! (default 15), the servers taking turns in an order that turns every round, so none always
//! follows another's writes. MB/s is all bytes over all time, p99 is over every upload of every
//! round. The ratio to a baseline is the median of per-round ratios: within a round the servers
//! run back to back, so a shared machine's changing speed, which moves totals by ±30% between
//! runs, mostly cancels out; the spread of those ratios is printed too.
//! `KANCHA_BENCH_LOAD=single` or `=concurrent` runs one load only.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const LARGE: usize = 256 << 20;
const SMALL: usize = 1 << 20;
const CONCURRENT: usize = 100;
const ROUNDS: usize = 15;

/// Rounds of one load against one server, added up.
#[derive(Default)]
struct Measured {
    bytes: usize,
    secs: f64,
    cpu_secs: f64,
    latencies: Vec<Duration>,
    /// MB/s of each round, in round order.
    rounds: Vec<f64>,
}

impl Measured {
    fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.secs
    }
    fn cpu_s_per_100mb(&self) -> f64 {
        self.cpu_secs / (self.bytes as f64 / 1e6) * 100.0
    }
}

/// Where and how to upload.
#[derive(Clone)]
struct Endpoint {
    name: &'static str,
    endpoint: String,
    token: Option<String>,
}

#[allow(dead_code)] // the bench uses part of the test helper
#[path = "../../tests/src/tusd.rs"]
mod tusd;

/// A server under test, as its own process so its CPU time can be read.
struct Target {
    ep: Endpoint,
    pid: u32,
    _process: Process,
}

/// The process behind a target, stopped when dropped.
enum Process {
    Child(Child),
    Tusd(#[allow(dead_code)] tusd::Tusd),
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Process::Child(child) = self {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Target {
    fn child(ep: Endpoint, child: Child) -> Target {
        Target { ep, pid: child.id(), _process: Process::Child(child) }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// User + system CPU seconds of a process, from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0 // USER_HZ is 100 on Linux
}

async fn wait_ready(url: &str) {
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.request(reqwest::Method::OPTIONS, url).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{url} did not come up");
}

fn start_kancha(dir: &Path) -> Target {
    let exe = env!("CARGO_BIN_EXE_kancha");
    let out = Command::new(exe).args(["token", "create", "--role", "surveyor", "--person", "bench", "--data-dir"]).arg(dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let port = free_port();
    let child = Command::new(exe)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Target::child(Endpoint { name: "kancha-server", endpoint: format!("http://127.0.0.1:{port}/v1/uploads"), token: Some(token) }, child)
}

fn start_tus_node(node_modules: &Path, dir: &Path) -> Target {
    let port = free_port();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/tus_node_server.cjs");
    let child = Command::new("node")
        .arg(script)
        .arg(port.to_string())
        .arg(dir)
        .env("NODE_PATH", node_modules)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    Target::child(Endpoint { name: "@tus/server", endpoint: format!("http://127.0.0.1:{port}/v1/uploads"), token: None }, child)
}

fn start_tusd(binary: &Path, dir: &Path) -> Target {
    let server = tusd::Tusd::start(binary, dir, 1 << 30).unwrap();
    let ep = Endpoint { name: "tusd", endpoint: server.endpoint(), token: None };
    Target { ep, pid: server.pid(), _process: Process::Tusd(server) }
}

/// Creates an upload and sends all bytes in one PATCH; returns the elapsed time.
async fn upload(client: &reqwest::Client, t: &Endpoint, data: bytes::Bytes) -> Duration {
    let started = Instant::now();
    let mut create = client
        .post(&t.endpoint)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", data.len().to_string());
    if let Some(tok) = &t.token {
        create = create.bearer_auth(tok);
    }
    let resp = create.send().await.unwrap();
    assert_eq!(resp.status(), 201, "{}: creation failed", t.name);
    let location = resp.headers()["location"].to_str().unwrap();
    let url = reqwest::Url::parse(&t.endpoint).unwrap().join(location).unwrap();
    let mut patch = client
        .patch(url)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "0")
        .header("Content-Type", "application/offset+octet-stream")
        .body(data.clone());
    if let Some(tok) = &t.token {
        patch = patch.bearer_auth(tok);
    }
    let resp = patch.send().await.unwrap();
    assert_eq!(resp.status(), 204, "{}: PATCH failed", t.name);
    assert_eq!(resp.headers()["upload-offset"].to_str().unwrap(), data.len().to_string());
    started.elapsed()
}

fn p99(v: &[Duration]) -> f64 {
    let mut v = v.to_vec();
    v.sort();
    let i = ((v.len() as f64) * 0.99).ceil() as usize - 1;
    v[i.min(v.len() - 1)].as_secs_f64() * 1000.0
}

/// One round of a load against one server, added to `into`. `data` is shared, never copied.
async fn measure(t: &Target, concurrent: bool, data: &bytes::Bytes, into: &mut Measured) {
    // Bytes an earlier round left unwritten (the servers that do not sync) go to disk now,
    // off the clock, rather than during whichever server runs next.
    let _ = Command::new("sync").status();
    let client = reqwest::Client::new();
    let pid = t.pid;
    let cpu0 = cpu_seconds(pid);
    let started = Instant::now();
    let (total, latencies) = if concurrent {
        let tasks: Vec<_> = (0..CONCURRENT)
            .map(|_| {
                let (client, data) = (client.clone(), data.clone());
                let ep = t.ep.clone();
                tokio::spawn(async move { upload(&client, &ep, data).await })
            })
            .collect();
        let mut lat = Vec::new();
        for task in tasks {
            lat.push(task.await.unwrap());
        }
        (SMALL * CONCURRENT, lat)
    } else {
        (LARGE, vec![upload(&client, &t.ep, data.clone()).await])
    };
    let secs = started.elapsed().as_secs_f64();
    into.rounds.push(total as f64 / 1e6 / secs);
    into.secs += secs;
    into.cpu_secs += cpu_seconds(pid) - cpu0;
    into.bytes += total;
    into.latencies.extend(latencies);
}

/// Median, lowest and highest of kancha's per-round throughput over a baseline's.
fn paired_ratio(kancha: &Measured, baseline: &Measured) -> (f64, f64, f64) {
    let mut r: Vec<f64> = kancha.rounds.iter().zip(&baseline.rounds).map(|(k, b)| k / b).collect();
    r.sort_by(f64::total_cmp);
    (r[r.len() / 2], r[0], r[r.len() - 1])
}

fn rounds() -> usize {
    std::env::var("KANCHA_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).filter(|&n| n > 0).unwrap_or(ROUNDS)
}

fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

fn node_modules() -> Option<PathBuf> {
    let p = PathBuf::from(std::env::var_os("KANCHA_TOOLS")?).join("node/node_modules");
    p.join("@tus/server").exists().then_some(p)
}

fn tusd_binary() -> Option<PathBuf> {
    let p = PathBuf::from(std::env::var_os("KANCHA_TOOLS")?).join("go/bin/tusd");
    p.exists().then_some(p)
}

fn print(name: &str, m: &Measured) {
    println!(
        "  {name:<14}: {:8.1} MB/s  {:6.2} CPU s/100 MB  p99 {:8.1} ms  ({} uploads)",
        m.mb_per_s(),
        m.cpu_s_per_100mb(),
        p99(&m.latencies),
        m.latencies.len()
    );
}

/// kancha-server and the baselines installed, each on an empty directory under `dir`.
async fn start_servers(dir: &Path) -> (Target, Vec<Target>) {
    let kancha = start_kancha(&dir.join("kancha"));
    wait_ready(&kancha.ep.endpoint).await;
    let mut baselines = Vec::new();
    match node_modules() {
        Some(nm) => {
            let d = dir.join("tus-node");
            std::fs::create_dir_all(&d).unwrap();
            baselines.push(start_tus_node(&nm, &d));
        }
        None => println!("@tus/server not installed (run `cargo run -p xtask -- peers`): no baseline"),
    }
    match tusd_binary() {
        Some(bin) => {
            let d = dir.join("tusd");
            std::fs::create_dir_all(&d).unwrap();
            baselines.push(start_tusd(&bin, &d));
        }
        None => println!("tusd not installed (run `cargo run -p xtask -- peers`): no baseline"),
    }
    for b in &baselines {
        wait_ready(&b.ep.endpoint).await;
    }
    (kancha, baselines)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let only = std::env::var("KANCHA_BENCH_LOAD").ok();
        for (label, concurrent) in [("one 256 MiB file", false), ("100 concurrent 1 MiB uploads", true)] {
            if only.as_deref().is_some_and(|o| o != if concurrent { "concurrent" } else { "single" }) {
                continue;
            }
            // Fresh servers on empty directories for each load, so each load starts from the same
            // state whichever load ran before it.
            let dir = tempfile::tempdir().unwrap();
            let (kancha, baselines) = start_servers(dir.path()).await;
            let rounds = rounds();
            println!("== {label}, {rounds} rounds");
            // The bytes are made before any clock starts.
            let data = bytes::Bytes::from(pattern(if concurrent { SMALL } else { LARGE }));
            // Index 0 is kancha, then the baselines; the order turns every round, so no server
            // always runs right after another one's writes or at the start of a round.
            let targets: Vec<&Target> = std::iter::once(&kancha).chain(&baselines).collect();
            let mut all: Vec<Measured> = targets.iter().map(|_| Measured::default()).collect();
            for round in 0..rounds {
                for i in 0..targets.len() {
                    let at = (i + round) % targets.len();
                    measure(targets[at], concurrent, &data, &mut all[at]).await;
                }
            }
            let m = all.split_off(1);
            let k = all.pop().expect("kancha measured");
            print(kancha.ep.name, &k);
            for (b, m) in baselines.iter().zip(&m) {
                print(b.ep.name, m);
            }
            for (b, m) in baselines.iter().zip(&m) {
                let (median, low, high) = paired_ratio(&k, m);
                println!(
                    "  ratio kancha/{} throughput: {median:.2}x median of rounds ({low:.2}-{high:.2}x); {:.2}x of totals",
                    b.ep.name,
                    k.mb_per_s() / m.mb_per_s()
                );
            }
        }
    });
}
