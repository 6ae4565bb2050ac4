//! Shared helpers for Kancha's end-to-end tests.

use std::path::PathBuf;

/// Where `xtask peers` installed third-party tools, when it did.
pub fn tools_dir() -> Option<PathBuf> {
    std::env::var_os("KANCHA_TOOLS").map(PathBuf::from).filter(|p| p.exists())
}

/// True when the run must fail rather than skip if a peer is missing (`xtask test` sets it).
pub fn peers_required() -> bool {
    std::env::var("KANCHA_REQUIRE_PEERS").as_deref() == Ok("1")
}

/// Returns the peer's path, or `None` after saying why the test is skipped; panics when peers are required.
pub fn peer(relative: &str) -> Option<PathBuf> {
    let found = tools_dir().map(|t| t.join(relative)).filter(|p| p.exists());
    if found.is_none() {
        assert!(!peers_required(), "peer {relative} is missing; run `cargo run -p xtask -- peers`");
        eprintln!("skipped: peer {relative} not installed (run `cargo run -p xtask -- peers`)");
    }
    found
}

pub mod fault_proxy;
pub mod node_tus;
pub mod proxy;
pub mod survey;
pub mod tus_server;
pub mod tusd;
