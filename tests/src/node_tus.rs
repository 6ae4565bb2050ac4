//! @tus/server (with @tus/file-store) from npm, run by node on 127.0.0.1 for interop tests.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running @tus/server process; killed when dropped.
pub struct NodeTus {
    child: Child,
    addr: SocketAddr,
}

impl NodeTus {
    /// The node_modules folder holding @tus/server, or `None` (test skipped) when not installed.
    pub fn modules() -> Option<PathBuf> {
        crate::peer("node/node_modules/@tus/server")?;
        crate::peer("node/node_modules/@tus/file-store")?;
        crate::tools_dir().map(|t| t.join("node/node_modules"))
    }

    /// Starts the launcher in tests/peers/ storing uploads in `dir`, on `port` (0: a free one).
    pub fn start(modules: &Path, dir: &Path, port: u16) -> std::io::Result<Self> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/tus-server.mjs");
        let mut child = Command::new("node")
            .arg(script)
            .arg(modules)
            .arg(dir)
            .arg(port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let port: u16 = match line.trim().strip_prefix("listening ").and_then(|p| p.parse().ok()) {
            Some(p) => p,
            None => {
                let _ = child.kill();
                return Err(std::io::Error::other(format!("@tus/server did not start: {line:?}")));
            }
        };
        Ok(NodeTus { child, addr: SocketAddr::from(([127, 0, 0, 1], port)) })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for NodeTus {
    fn drop(&mut self) {
        self.kill();
    }
}
