//! tusd, the tus reference server (Go), run on 127.0.0.1 for interop tests and the upload benchmark.
//! Kept to std only, so a bench can include this file with `#[path]`.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Base path tusd serves uploads under.
pub const BASE_PATH: &str = "/files/";

/// A running tusd process storing uploads in a directory; killed when dropped.
pub struct Tusd {
    child: Child,
    addr: SocketAddr,
}

impl Tusd {
    /// Starts `binary` on a free loopback port, storing uploads in `dir` (one file per upload id,
    /// plus an `.info` file), accepting uploads up to `max_size` bytes.
    pub fn start(binary: &Path, dir: &Path, max_size: u64) -> std::io::Result<Self> {
        let mut child = Command::new(binary)
            .args(["-host", "127.0.0.1", "-port", "0", "-base-path", BASE_PATH])
            .arg("-upload-dir")
            .arg(dir)
            .args(["-max-size", &max_size.to_string()])
            // Per-request logs and metrics would cost it time the other servers do not spend.
            .args(["-verbose=false", "-expose-metrics=false", "-show-greeting=false", "-disable-download"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        let addr = loop {
            line.clear();
            if lines.read_line(&mut line)? == 0 {
                let _ = child.kill();
                let _ = child.wait();
                return Err(std::io::Error::other("tusd exited before listening"));
            }
            // "... You can now upload files to: http://127.0.0.1:PORT/files/"
            if let Some((_, url)) = line.split_once("You can now upload files to: ") {
                let host = url.trim().trim_start_matches("http://").trim_end_matches(BASE_PATH);
                break host.parse().map_err(|_| std::io::Error::other(format!("tusd said {line:?}")))?;
            }
        };
        // Keep reading so a full pipe never blocks tusd.
        std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
        Ok(Tusd { child, addr })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The tus creation endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://{}{}", self.addr, BASE_PATH)
    }

    /// The process id (for reading its CPU time).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Tusd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
