//! Project tasks: `demo` (README's run command), `test` (README's test command), `peers`, `bench`,
//! `bindings` (the mobile library and its generated Kotlin and Swift).
//!
//! Third-party peers used by tests and benchmarks (npm and PyPI packages, Debian tools) are
//! installed into `build/tools/` by `peers`, which `test` runs first, so a fresh machine needs
//! nothing but Rust, Node.js and Python.

mod bindings;
mod peers;

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    match args.first().map(String::as_str) {
        Some("demo") => demo(&root, &args[1..]),
        Some("test") => test(&root, &args[1..]),
        Some("peers") => peers::install(&root),
        Some("bench") => bench(&root, &args[1..]),
        Some("bindings") => bindings::run(&root, &args[1..]),
        _ => {
            eprintln!("usage: cargo run -p xtask -- <demo [--rust]|test|peers|bench [NAME]|bindings [--debug]>");
            bail!("unknown task")
        }
    }
}

/// The workspace root (the parent of xtask/).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// Runs a command in the workspace, failing with its name when it fails.
pub(crate) fn run(root: &Path, cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    eprintln!("xtask: {shown}");
    let status = cmd.current_dir(root).status().with_context(|| format!("starting {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}

/// The main job on the embedded default: `kancha serve` on SQLite + a folder, and the Kotlin
/// survey simulator driving the SDK against it (`--rust` runs the same survey from Rust instead).
fn demo(root: &Path, extra: &[String]) -> Result<()> {
    if extra.first().map(String::as_str) == Some("--rust") {
        let mut cmd = Command::new("cargo");
        cmd.args(["run", "--release", "-q", "-p", "kancha-server", "--bin", "kancha", "--", "demo"]);
        cmd.args(&extra[1..]);
        return run(root, &mut cmd);
    }
    bindings::survey_demo(root)
}

/// Every test: peers first, then the Rust workspace with peers required.
fn test(root: &Path, extra: &[String]) -> Result<()> {
    peers::install(root)?;
    let mut cmd = Command::new("cargo");
    cmd.args(["test", "--workspace"]).args(extra);
    peers::export_env(&mut cmd, root);
    run(root, &mut cmd)
}

/// Benchmarks: `bench capture`, or all of them.
fn bench(root: &Path, extra: &[String]) -> Result<()> {
    peers::install(root)?;
    let mut cmd = Command::new("cargo");
    cmd.args(["bench", "--workspace"]);
    if let Some(name) = extra.first() {
        cmd.args(["--bench", name]);
    }
    peers::export_env(&mut cmd, root);
    run(root, &mut cmd)
}
