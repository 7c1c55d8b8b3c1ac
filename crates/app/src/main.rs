//! # dealbrain — the Deal Brain binary
//!
//! Thin entry point: parses the command line and hands each subcommand to its module.
//! Layout: `main.rs` (CLI definition and dispatch), one module per subcommand.

mod check_cases;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Deal Brain: which small-form-factor PC listing is the best deal.
#[derive(Debug, Parser)]
#[command(name = "dealbrain", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the engine acceptance cases of FILE (the engine-cases.json schema) and prints one
    /// line per failing case and a summary line.
    CheckCases {
        /// Path to a JSON file of engine cases.
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::CheckCases { file } => check_cases::run(&file),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
