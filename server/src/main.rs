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
    /// Write the standard sample photos (real JPEGs with chosen EXIF).
    Sample(cli::sample::Args),
    /// Run a demo survey on the embedded default and print the verdicts.
    Demo(cli::demo::Args),
    /// Verify an exported evidence bundle offline.
    Verify(cli::verify::Args),
    /// Convert a coordinate between datums (wgs84, gcj02, bd09).
    Convert(cli::convert::Args),
    /// Classify a point into a policy's zone and print its arrival target.
    Zone(cli::zone::Args),
    /// Print the arrival verdict, transitions and deadlines of a case as JSON.
    Sla(cli::sla::Args),
    /// Flatten and enhance a document photo; print corners, confidence and verdict as JSON.
    Scan(cli::scan::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect(args) => cli::inspect::run(args),
        Command::Serve(args) => cli::serve::run(args),
        Command::Token(args) => cli::token::run(args),
        Command::Sample(args) => cli::sample::run(args),
        Command::Demo(args) => cli::demo::run(args),
        Command::Verify(args) => cli::verify::run(args),
        Command::Convert(args) => cli::convert::run(args),
        Command::Zone(args) => cli::zone::run(args),
        Command::Sla(args) => cli::sla::run(args),
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
