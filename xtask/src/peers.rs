//! Third-party peers for tests and benchmarks, installed into `build/tools/`.
//!
//! Tests find them through `KANCHA_TOOLS` and, with `KANCHA_REQUIRE_PEERS=1` (set by
//! `xtask test`), fail instead of skipping when one is missing.

use anyhow::Result;
use std::path::Path;
use std::process::Command;

/// Debian packages: (command, or absolute file, that proves it is installed; package).
/// libjna-java is JNA for the Kotlin suite on the JVM; clang checks the generated Swift C header.
const APT: &[(&str, &str)] = &[
    JAVA,
    NODE,
    ("exiftool", "libimage-exiftool-perl"),
    ("djpeg", "libjpeg-turbo-progs"),
    ("unzip", "unzip"),
    JNA,
    ("clang", "clang"),
];

/// Jars from Debian packages, copied under build/tools so tests find them like any other peer.
const JARS: &[(&str, &str)] = &[("/usr/share/java/jna.jar", "java/jna.jar")];

/// npm packages, installed into build/tools/node: tus peers for interop tests and benchmarks;
/// kotlin-compiler is kotlinc for the Kotlin suite (it ships kotlin-stdlib in its lib/).
const NPM: &[&str] = &["tus-js-client@4", "@tus/server@2.4.5", "@tus/file-store@2.1.1", KOTLINC];

/// kotlinc, from npm.
const KOTLINC: &str = "kotlin-compiler@2.4.20";
/// JNA, from Debian.
const JNA: (&str, &str) = ("/usr/share/java/jna.jar", "libjna-java");
/// A JVM for the Kotlin suite and the simulator, from Debian when none is installed.
const JAVA: (&str, &str) = ("java", "default-jre-headless");
/// npm (with Node.js) for the npm peers, from Debian when none is installed.
const NODE: (&str, &str) = ("npm", "npm");

/// PyPI packages, installed into the venv build/tools/venv.
const PIP: &[&str] = &[
    // Zone benchmark baseline and classification cross-check (geo).
    "shapely",
    // Independent GCJ-02/BD-09 implementation to check conversions against (geo).
    "prcoords",
    // Validates the shipped zone policies against their JSON Schema (sla).
    "jsonschema",
    // Scan benchmark baseline (scan).
    "opencv-python-headless",
    "numpy",
    // Third-party tus client for interop tests (server).
    "tuspy==1.1.0",
];

/// Go programs: (binary under build/tools/go/bin; its package), each pinned with checksums by a
/// module in xtask/go/<binary>/ (go.mod + go.sum). tusd is the tus reference server, a baseline
/// for the upload benchmark and an interop peer for the tus client.
const GO: &[(&str, &str)] = &[("tusd", "github.com/tus/tusd/v2/cmd/tusd")];

/// What the Kotlin survey simulator needs (README's run command): a JVM, JNA and kotlinc.
const JVM_APT: &[(&str, &str)] = &[JAVA, NODE, JNA];
const JVM_NPM: &[&str] = &[KOTLINC];

/// Installs every missing peer; cheap when all are present.
pub fn install(root: &Path) -> Result<()> {
    let tools = root.join("build/tools");
    std::fs::create_dir_all(&tools)?;
    apt_install(root, APT)?;
    copy_jars(&tools)?;
    npm_install(root, &tools, NPM)?;
    if !PIP.is_empty() {
        let venv = tools.join("venv");
        if !venv.join("bin/python").exists() {
            crate::run(root, Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        }
        let stamp = venv.join(".kancha-pip");
        let want = PIP.join("\n");
        if std::fs::read_to_string(&stamp).ok().as_deref() != Some(want.as_str()) {
            crate::run(root, Command::new(venv.join("bin/pip")).args(["install", "-q", "--disable-pip-version-check"]).args(PIP))?;
            std::fs::write(&stamp, want)?;
        }
    }
    install_go(root, &tools)?;
    Ok(())
}

/// Installs only the peers the Kotlin survey simulator needs (no test or benchmark baselines).
pub fn install_jvm(root: &Path) -> Result<()> {
    let tools = root.join("build/tools");
    std::fs::create_dir_all(&tools)?;
    apt_install(root, JVM_APT)?;
    copy_jars(&tools)?;
    npm_install(root, &tools, JVM_NPM)
}

/// Installs the Debian packages of `wanted` whose proof is missing.
fn apt_install(root: &Path, wanted: &[(&str, &str)]) -> Result<()> {
    let missing: Vec<&str> = wanted.iter().filter(|(bin, _)| !installed(bin)).map(|(_, pkg)| *pkg).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let sudo = if is_root() { vec![] } else { vec!["sudo"] };
    let mut update = Command::new(sudo.first().copied().unwrap_or("apt-get"));
    if !sudo.is_empty() {
        update.arg("apt-get");
    }
    crate::run(root, update.args(["update", "-q"]))?;
    let mut inst = Command::new(sudo.first().copied().unwrap_or("apt-get"));
    if !sudo.is_empty() {
        inst.arg("apt-get");
    }
    inst.env("DEBIAN_FRONTEND", "noninteractive").args(["install", "-y", "-q", "--no-install-recommends"]);
    crate::run(root, inst.args(&missing))
}

/// Copies the jars of Debian packages under build/tools.
fn copy_jars(tools: &Path) -> Result<()> {
    for (from, to) in JARS {
        let to = tools.join(to);
        if !to.exists() {
            std::fs::create_dir_all(to.parent().expect("a jar path has a folder"))?;
            std::fs::copy(from, &to)?;
        }
    }
    Ok(())
}

/// Installs the npm packages of `wanted` into build/tools/node unless all are there.
fn npm_install(root: &Path, tools: &Path, wanted: &[&str]) -> Result<()> {
    let node = tools.join("node");
    std::fs::create_dir_all(&node)?;
    if wanted.iter().all(|p| node.join("node_modules").join(package_name(p)).exists()) {
        return Ok(());
    }
    crate::run(
        root,
        Command::new("npm").arg("install").arg("--prefix").arg(&node).args(["--no-audit", "--no-fund", "--loglevel=error"]).args(wanted),
    )
}

/// Builds each Go peer from its pinned module; rebuilt only when the module's go.mod changes.
///
/// `go build` inside a checked-in module rather than `go install pkg@version`: the latter also
/// asks the module proxy for the version list (to report deprecations), which a proxy may refuse,
/// while the pinned go.sum makes the build reproducible either way.
fn install_go(root: &Path, tools: &Path) -> Result<()> {
    let gopath = tools.join("go");
    let mut go = None;
    for (bin, package) in GO {
        let module = root.join("xtask/go").join(bin);
        let pins = std::fs::read_to_string(module.join("go.mod"))?;
        let out = gopath.join("bin").join(bin);
        let stamp = gopath.join("bin").join(format!(".{bin}.go.mod"));
        if out.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(pins.as_str()) {
            continue;
        }
        let go = match &go {
            Some(go) => go,
            None => go.insert(find_go()?),
        };
        let mut build = Command::new(go);
        build
            .env("GOPATH", &gopath)
            .env("GOMODCACHE", gopath.join("pkg/mod"))
            .env("GOCACHE", gopath.join("cache"))
            // Never download another toolchain: build with the Go that is installed.
            .env("GOTOOLCHAIN", "local")
            .args(["build", "-o"])
            .arg(&out)
            .arg(package);
        crate::run(&module, &mut build)?;
        std::fs::write(&stamp, pins)?;
    }
    Ok(())
}

/// The Go toolchain: `go` on PATH, else the standard /usr/local/go install.
fn find_go() -> Result<std::path::PathBuf> {
    if on_path("go") {
        return Ok("go".into());
    }
    let standard = Path::new("/usr/local/go/bin/go");
    if standard.exists() {
        return Ok(standard.to_path_buf());
    }
    anyhow::bail!(
        "Go is needed to build the Go peers ({}) but `go` is not on PATH nor at /usr/local/go/bin/go; \
         install Go 1.24 or newer",
        GO.iter().map(|(bin, _)| *bin).collect::<Vec<_>>().join(", ")
    )
}

/// Tells tests where the peers are and that they must be there.
pub fn export_env(cmd: &mut Command, root: &Path) {
    cmd.env("KANCHA_TOOLS", root.join("build/tools")).env("KANCHA_REQUIRE_PEERS", "1");
}

/// The package name without a version suffix (`@tus/server@1.2` → `@tus/server`).
fn package_name(spec: &str) -> &str {
    match spec.rfind('@') {
        Some(0) | None => spec,
        Some(i) => &spec[..i],
    }
}

/// A command on PATH, or an absolute file that exists.
fn installed(what: &str) -> bool {
    if what.starts_with('/') {
        return Path::new(what).exists();
    }
    on_path(what)
}

fn on_path(bin: &str) -> bool {
    Command::new("sh").arg("-c").arg(format!("command -v {bin} >/dev/null")).status().map(|s| s.success()).unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}
