//! `kancha serve`: runs the companion server until Ctrl-C or SIGTERM.

use kancha_server::Config;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `kancha serve`; flags override `KANCHA_*` variables, which override the file.
#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Data directory for records and blobs, created on first start (default ./kancha-data).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// TOML settings file (keys as in `Config`).
    #[arg(long)]
    config: Option<PathBuf>,
}

/// Runs `kancha serve`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut config = Config::load(args.config.as_deref(), std::env::vars())?;
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(dir) = args.data_dir {
        config.data_dir = dir;
    }
    init_logs(&config.log_format);
    keep_freed_memory();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        tracing::info!(data_dir = %config.data_dir.display(), "starting");
        kancha_server::launch_with_listener(config, listener, stop_signal()).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Lets glibc reuse freed buffers instead of returning them to the kernel at once.
///
/// Upload bodies arrive in fresh read buffers of a few hundred KiB that are freed as soon as
/// they are on disk; with glibc's adaptive defaults most of that memory is unmapped and mapped
/// again, and the page faults cost the server more CPU than parsing HTTP does.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called before the runtime starts threads.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 8 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
    }
}

/// Structured logs on stderr; `RUST_LOG` filters (default `info`).
fn init_logs(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
