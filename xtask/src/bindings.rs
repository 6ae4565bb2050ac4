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

/// `sdk-demo`: the Kotlin survey simulator (bindings/demo/) on the JVM against the debug library.
pub fn demo(root: &Path) -> Result<()> {
    crate::peers::install(root)?;
    run(root, &["--debug".to_string()])?;
    let tools = root.join("build/tools");
    let kotlinc = tools.join("node/node_modules/kotlin-compiler/bin/kotlinc");
    let stdlib = tools.join("node/node_modules/kotlin-compiler/lib/kotlin-stdlib.jar");
    let jna = tools.join("java/jna.jar");
    let jar = root.join("build/sdk-demo/survey-simulator.jar");
    std::fs::create_dir_all(jar.parent().expect("jar has a folder"))?;
    crate::run(
        root,
        Command::new(&kotlinc)
            .args(["-jvm-target", "17", "-nowarn", "-cp"])
            .arg(&jna)
            .arg(root.join("build/bindings/kotlin/cn/kancha/sdk/kancha.kt"))
            .arg(root.join("bindings/demo/SurveySimulator.kt"))
            .arg("-d")
            .arg(&jar),
    )?;
    let cp = std::env::join_paths([&jar, &jna, &stdlib])?;
    crate::run(
        root,
        Command::new("java")
            .arg(format!("-Djna.library.path={}", target_dir(root).join("debug").display()))
            .arg("-cp")
            .arg(cp)
            .arg("SurveySimulatorKt"),
    )
}
