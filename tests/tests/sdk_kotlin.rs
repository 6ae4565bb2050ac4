//! The SDK through its generated bindings: the Kotlin suite on the JVM (JNA) and the Swift C
//! header under clang. Builds kancha-ffi and uniffi-bindgen, generates once, compiles the Kotlin
//! suite once (kotlinc is slow), then runs it against a real kancha-server on a free loopback port.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is in the workspace").to_path_buf()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"))
}

fn run(cmd: &mut Command) -> String {
    let shown = format!("{cmd:?}");
    let out = cmd.output().unwrap_or_else(|e| panic!("starting {shown}: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{shown} failed with {}:\n{text}", out.status);
    text
}

/// Builds the debug library and generator, generates Kotlin and Swift once per test binary.
fn generated() -> &'static PathBuf {
    static GEN: OnceLock<PathBuf> = OnceLock::new();
    GEN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        run(Command::new(cargo).current_dir(root()).args(["build", "-q", "-p", "kancha-ffi", "-p", "uniffi-bindgen"]));
        let debug = target_dir().join("debug");
        let out = target_dir().join("kancha-bindings-test");
        for lang in ["kotlin", "swift"] {
            let dir = out.join(lang);
            let _ = std::fs::remove_dir_all(&dir);
            run(Command::new(debug.join("uniffi-bindgen"))
                .current_dir(root())
                .args(["generate", "--no-format", "--library"])
                .arg(debug.join("libkancha_ffi.so"))
                .args(["--language", lang, "--out-dir"])
                .arg(&dir));
        }
        out
    })
}

/// A kancha-server on the embedded default (SQLite + a folder) on 127.0.0.1, stopped on drop.
struct Server {
    base: String,
    admin: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    rt: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        use kancha_server::http::auth::issue_token;
        use kancha_server::ids::PersonId;
        use kancha_server::store::meta::Role;
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let dir = tempfile::tempdir().expect("server dir");
        let config = kancha_server::Config { data_dir: dir.path().to_owned(), ..kancha_server::Config::default() };
        let (admin, listener) = rt.block_on(async {
            let stores = kancha_server::store::open_embedded(&config.data_dir).expect("server stores");
            let admin = issue_token(stores.meta.as_ref(), Role::Admin, PersonId::parse("root").ok(), None, None).await.expect("admin token");
            (admin.token, tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("free port"))
        });
        let base = format!("http://{}", listener.local_addr().expect("bound"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = rt.spawn(kancha_server::launch_with_listener(config, listener, async {
            let _ = stopped.await;
        }));
        Server { base, admin, stop: Some(stop), task: Some(task), rt, _dir: dir }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = self.rt.block_on(task);
        }
    }
}

#[test]
fn the_kotlin_suite_drives_the_sdk_on_the_jvm() {
    let (Some(kotlinc), Some(jna)) = (kancha_tests::peer("node/node_modules/kotlin-compiler/bin/kotlinc"), kancha_tests::peer("java/jna.jar")) else {
        return;
    };
    let gen = generated();
    let kotlin_lib = kotlinc.parent().and_then(Path::parent).expect("kotlinc is in bin/").join("lib");
    let stdlib = kotlin_lib.join("kotlin-stdlib.jar");
    let kt = gen.join("kotlin/cn/kancha/sdk/kancha.kt");
    assert!(kt.exists(), "uniffi-bindgen wrote no {} (package from bindings/uniffi.toml)", kt.display());
    let suite = root().join("bindings/tests/kotlin/SdkTest.kt");
    let jar = gen.join("kotlin-suite.jar");
    run(Command::new(&kotlinc)
        .args(["-jvm-target", "17", "-nowarn", "-cp"])
        .arg(&jna)
        .arg(&kt)
        .arg(&suite)
        .arg("-d")
        .arg(&jar));
    let scratch = tempfile::tempdir().expect("scratch dir");
    let server = Server::start();
    let classpath = std::env::join_paths([&jar, &jna, &stdlib]).expect("classpath");
    let out = Command::new("java")
        .arg(format!("-Djna.library.path={}", target_dir().join("debug").display()))
        .arg("-cp")
        .arg(classpath)
        .arg("SdkTestKt")
        .arg(scratch.path())
        .arg(&server.base)
        .arg(&server.admin)
        .output()
        .expect("java runs");
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}{}", String::from_utf8_lossy(&out.stderr));
    let last = text.lines().last().unwrap_or_default();
    assert!(out.status.success() && last.ends_with(" passed, 0 failed"), "Kotlin suite failed: {last}");
    let passed: usize = last.split(' ').next().and_then(|n| n.parse().ok()).unwrap_or(0);
    assert!(passed >= 14, "expected the whole suite to run, got: {last}");
}

#[test]
fn the_generated_c_header_compiles_with_clang() {
    let on_path = Command::new("sh").args(["-c", "command -v clang"]).output().map(|o| o.status.success()).unwrap_or(false);
    if !on_path {
        assert!(!kancha_tests::peers_required(), "clang is missing; run `cargo run -p xtask -- peers`");
        eprintln!("skipped: clang not installed");
        return;
    }
    let header = generated().join("swift/KanchaFFI.h");
    assert!(header.exists(), "no Swift C header at {}", header.display());
    let probe = generated().join("swift/probe.c");
    // Including the header and naming one scaffolding function proves the declarations parse as C.
    std::fs::write(&probe, "#include \"KanchaFFI.h\"\nint main(void) { return (int)(sizeof(RustBuffer) == 0) + (uniffi_kancha_ffi_checksum_func_sdk_version() == 0); }\n").unwrap();
    run(Command::new("clang").args(["-std=c11", "-Wall", "-Werror", "-fsyntax-only"]).arg(&probe));
    let swift = std::fs::read_to_string(generated().join("swift/Kancha.swift")).expect("Kancha.swift generated");
    for name in ["class KanchaSdk", "enum KanchaError", "protocol EventListener", "protocol PlatformSigner", "func samplePhotos"] {
        assert!(swift.contains(name), "Kancha.swift lacks {name}");
    }
}
