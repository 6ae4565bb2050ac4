//! Link settings that keep the shared library small. Measured on the x86_64 `sdk` build:
//!
//! - Relative relocations packed: ~19,500 of them, otherwise 24 bytes each (≈ 450 KB). DT_RELR on
//!   Linux (loads on glibc 2.36+), Android's own packing on Android (every API level from 23).
//! - Identical code folded (`--icf=all`) where the linker is lld: the NDK's linker, and rustc's
//!   bundled one on x86_64 Linux (the default since Rust 1.90). Monomorphised Rust leaves many
//!   byte-identical functions; nothing in Kancha compares function addresses.
//!
//! Apple targets already use chained fixups, and ld64 folds on its own. `KANCHA_PLAIN_LINK=1`
//! turns all of this off for an older toolchain.

fn main() {
    println!("cargo:rerun-if-env-changed=KANCHA_PLAIN_LINK");
    if std::env::var("KANCHA_PLAIN_LINK").as_deref() == Ok("1") {
        return;
    }
    let target = std::env::var("TARGET").unwrap_or_default();
    let args: &[&str] = if target.contains("-android") {
        &["-Wl,--pack-dyn-relocs=android", "-Wl,--icf=all"]
    } else if target == "x86_64-unknown-linux-gnu" && rustc_minor() >= 90 {
        &["-Wl,-z,pack-relative-relocs", "-Wl,--icf=all"]
    } else if target.contains("-linux-gnu") {
        &["-Wl,-z,pack-relative-relocs"]
    } else {
        &[]
    };
    for arg in args {
        println!("cargo:rustc-cdylib-link-arg={arg}");
    }
}

/// The minor version of the compiler cargo runs (0 when unknown, which skips lld-only flags).
fn rustc_minor() -> u32 {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = std::process::Command::new(rustc).arg("--version").output().ok();
    let text = out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    text.split_whitespace().nth(1).and_then(|v| v.split('.').nth(1)).and_then(|m| m.parse().ok()).unwrap_or(0)
}
