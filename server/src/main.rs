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
    /// Write the standard sample photos (real JPEGs with chosen EXIF).
    Sample(cli::sample::Args),
    /// Run a demo survey on the embedded default and print the verdicts.
    Demo(cli::demo::Args),
    /// Flatten and enhance a document photo; print corners, confidence and verdict as JSON.
    Scan(cli::scan::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect(args) => cli::inspect::run(args),
        Command::Sample(args) => cli::sample::run(args),
        Command::Demo(args) => cli::demo::run(args),
        Command::Scan(args) => cli::scan::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("kancha: {err:#}");
            ExitCode::from(2)
        }
    }
}
