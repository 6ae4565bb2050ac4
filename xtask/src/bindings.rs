//! `bindings`: builds kancha-ffi unstripped, generates Kotlin and Swift into `build/bindings/`,
//! then strips a copy (`build/bindings/lib/`) and prints its size.
//!
//! The generator reads metadata symbols from the library, so it must run before stripping.
//! `--debug` builds the dev profile (fast, for tests); the default is the `sdk` profile.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Name of the shared library cargo writes on this host.
pub const LIB_FILE: &str = if cfg!(target_os = "macos") { "libkancha_ffi.dylib" } else { "libkancha_ffi.so" };

/// Builds, generates, strips a copy; prints where everything went.
pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let debug = args.iter().any(|a| a == "--debug");
    let profile = if debug { "dev" } else { "sdk" };
    let out_dir = if debug { "debug" } else { "sdk" };
    crate::run(
        root,
        Command::new("cargo").args(["build", "-p", "kancha-ffi", "-p", "uniffi-bindgen", "--profile", profile]),
    )?;
    let target = target_dir(root);
    let lib = target.join(out_dir).join(LIB_FILE);
    let bindgen = target.join(out_dir).join("uniffi-bindgen");
    let gen = root.join("build/bindings");
    generate(root, &bindgen, &lib, &gen)?;
    let lib_dir = gen.join("lib");
    std::fs::create_dir_all(&lib_dir)?;
    let stripped = lib_dir.join(LIB_FILE);
    std::fs::copy(&lib, &stripped).with_context(|| format!("copying {}", lib.display()))?;
    crate::run(root, Command::new("strip").arg("--strip-unneeded").arg(&stripped))?;
    let unstripped = std::fs::metadata(&lib)?.len();
    let size = std::fs::metadata(&stripped)?.len();
    println!("bindings: Kotlin in {}, Swift in {}", gen.join("kotlin").display(), gen.join("swift").display());
    println!(
        "library ({profile} profile): {} unstripped, {} stripped = {:.2} MB ({})",
        unstripped,
        size,
        size as f64 / 1_048_576.0,
        stripped.display()
    );
    Ok(())
}

/// Runs uniffi-bindgen in library mode: Kotlin into `out/kotlin`, Swift into `out/swift`.
pub fn generate(root: &Path, bindgen: &Path, lib: &Path, out: &Path) -> Result<()> {
    for (lang, dir) in [("kotlin", "kotlin"), ("swift", "swift")] {
        let dir = out.join(dir);
        let _ = std::fs::remove_dir_all(&dir);
        crate::run(
            root,
            Command::new(bindgen)
                .args(["generate", "--no-format", "--library"])
                .arg(lib)
                .args(["--language", lang, "--out-dir"])
                .arg(&dir),
        )?;
    }
    if !out.join("swift/KanchaFFI.h").exists() {
        bail!("uniffi-bindgen wrote no KanchaFFI.h; is bindings/uniffi.toml read?");
    }
    Ok(())
}

/// The cargo target directory (CARGO_TARGET_DIR or `target/`).
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"))
}

/// The Kotlin survey simulator (bindings/demo/) against `kancha serve` on the embedded default:
/// release server and library, bindings generated from that library, server stopped at the end.
pub fn survey_demo(root: &Path) -> Result<()> {
    crate::peers::install_jvm(root)?;
    crate::run(
        root,
        Command::new("cargo").args(["build", "--release", "-p", "kancha-server", "-p", "kancha-ffi", "-p", "uniffi-bindgen"]),
    )?;
    let release = target_dir(root).join("release");
    let out = root.join("build/demo").join(stamp());
    generate(root, &release.join("uniffi-bindgen"), &release.join(LIB_FILE), &out.join("bindings"))?;
    let tools = root.join("build/tools");
    let kotlin = tools.join("node/node_modules/kotlin-compiler");
    let jna = tools.join("java/jna.jar");
    let jar = out.join("survey-simulator.jar");
    crate::run(
        root,
        Command::new(kotlin.join("bin/kotlinc"))
            .args(["-jvm-target", "17", "-nowarn", "-cp"])
            .arg(&jna)
            .arg(out.join("bindings/kotlin/cn/kancha/sdk/kancha.kt"))
            .arg(root.join("bindings/demo/SurveySimulator.kt"))
            .arg("-d")
            .arg(&jar),
    )?;

    let kancha = release.join("kancha");
    let data = out.join("server");
    let token = Command::new(&kancha).args(["token", "create", "--role", "admin", "--data-dir"]).arg(&data).output()?;
    if !token.status.success() {
        bail!("kancha token create failed: {}", String::from_utf8_lossy(&token.stderr));
    }
    let admin = String::from_utf8(token.stdout)?.trim().to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let listen = format!("127.0.0.1:{port}");
    let mut server = Server(
        Command::new(&kancha)
            .args(["serve", "--listen", &listen, "--data-dir"])
            .arg(&data)
            .env("RUST_LOG", "warn")
            .spawn()
            .context("starting kancha serve")?,
    );
    wait_healthy(&listen, &mut server.0)?;
    println!("kancha serve on http://{listen} (records in SQLite, bytes in {})", data.display());
    let cp = std::env::join_paths([&jar, &jna, &kotlin.join("lib/kotlin-stdlib.jar")])?;
    let simulated = crate::run(
        root,
        Command::new("java")
            .arg(format!("-Djna.library.path={}", release.display()))
            .arg("-cp")
            .arg(cp)
            .arg("SurveySimulatorKt")
            .arg(format!("http://{listen}"))
            .arg(&admin)
            .arg(out.join("app-data"))
            .arg(&out),
    );
    server.stop();
    simulated?;
    println!("demo files (server data, app data, exported bundle) are in {}", out.display());
    Ok(())
}

/// The server process; stopped with SIGTERM (a graceful shutdown) when dropped.
struct Server(std::process::Child);

impl Server {
    fn stop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
            let _ = self.0.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Polls `GET /healthz` until the server answers 200 (or gives up after 30 s).
fn wait_healthy(listen: &str, child: &mut std::process::Child) -> Result<()> {
    use std::io::{Read, Write};
    for _ in 0..300 {
        if let Some(status) = child.try_wait()? {
            bail!("kancha serve exited early with {status}");
        }
        if let Ok(mut s) = std::net::TcpStream::connect(listen) {
            let _ = write!(s, "GET /healthz HTTP/1.1\r\nHost: {listen}\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            let _ = s.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") {
                return Ok(());
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    bail!("kancha serve did not become healthy on {listen} within 30 s")
}

/// A folder name for this run: seconds since the epoch.
fn stamp() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    format!("run-{secs}")
}
