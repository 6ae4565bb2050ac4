//! `kancha`: the command-line tool for developers and operators.

mod cli;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Kancha field-survey tool: inspect evidence, run the server, check arrival targets.
#[derive(Parser)]
#[command(name = "kancha", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print what capture would record for each photo.
    Inspect(cli::inspect::Args),
    /// Run the companion server (tus uploads, cases, reports).
    Serve(cli::serve::Args),
    /// Manage bearer tokens in a data directory.
    Token(cli::token::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect(args) => cli::inspect::run(args),
        Command::Serve(args) => cli::serve::run(args),
        Command::Token(args) => cli::token::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("kancha: {err:#}");
            ExitCode::from(2)
        }
    }
}
