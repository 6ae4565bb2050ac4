//! `kancha token create`: issues a token directly in the data directory (bootstraps the first admin).

use kancha_server::http::auth::issue_token;
use kancha_server::ids::{CaseId, PersonId};
use kancha_server::store::meta::Role;
use kancha_server::Config;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `kancha token`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Creates a token and prints its secret once.
    Create(CreateArgs),
}

#[derive(clap::Args)]
struct CreateArgs {
    /// Role of the token.
    #[arg(long, value_enum)]
    role: Role,
    /// The case a customer token is scoped to.
    #[arg(long = "case")]
    case_id: Option<String>,
    /// The person the token belongs to (required for surveyor and dispatcher).
    #[arg(long)]
    person: Option<String>,
    /// Data directory of the server (default from the config file / KANCHA_DATA_DIR, else ./kancha-data).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// TOML settings file.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Print JSON (token, id, role, expires_at) instead of the bare token.
    #[arg(long)]
    json: bool,
}

/// Runs `kancha token`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Action::Create(a) = args.action;
    let mut config = Config::load(a.config.as_deref(), std::env::vars())?;
    if let Some(dir) = a.data_dir {
        config.data_dir = dir;
    }
    let person = a.person.as_deref().map(PersonId::parse).transpose().map_err(|e| anyhow::anyhow!("--person: {e}"))?;
    let case_id = a.case_id.as_deref().map(CaseId::parse).transpose().map_err(|e| anyhow::anyhow!("--case: {e}"))?;
    let expires_at = (a.role == Role::Customer)
        .then(|| chrono::Utc::now() + chrono::Duration::seconds(config.customer_token_secs.min(i64::MAX as u64 / 1000) as i64));
    let stores = kancha_server::store::open_embedded(&config.data_dir)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let issued = runtime.block_on(issue_token(stores.meta.as_ref(), a.role, person, case_id, expires_at))?;
    if a.json {
        println!("{}", serde_json::to_string(&issued)?);
    } else {
        println!("{}", issued.token);
    }
    Ok(ExitCode::SUCCESS)
}
