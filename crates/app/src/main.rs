//! # dealbrain — the Deal Brain binary
//!
//! Thin entry point: parses the command line, loads the one [`settings::Settings`] (flags over
//! environment over `.env`) and hands each subcommand to its module.
//! Layout: `main.rs` (CLI definition and dispatch), `settings/` (loading and validation),
//! `ops_routes.rs` (`/ready`, `/metrics`, the HTTP metrics layer), one module per subcommand.

mod check_cases;
mod export;
mod import;
mod import_session;
mod migrate;
mod ops_routes;
mod ruleset;
mod schema;
mod seed;
mod serve;
mod settings;
mod token;
mod worker;

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
    /// Applies (`up`, default), rolls back (`down`) or lists (`status`) database migrations.
    Migrate {
        #[command(subcommand)]
        action: Option<migrate::Action>,
        #[command(flatten)]
        db: migrate::DbArgs,
    },
    /// Loads the sample catalogue, profiles, rules and generated listings (idempotent).
    Seed {
        /// How many sample listings to generate.
        #[arg(long, default_value_t = store::seed::DEFAULT_LISTINGS)]
        listings: usize,
        #[command(flatten)]
        db: migrate::DbArgs,
    },
    /// Serves the GraphQL API (GraphiQL at /graphql).
    Serve(Box<serve::ServeArgs>),
    /// Writes the API's sorted SDL.
    Schema {
        /// Output file.
        #[arg(long, default_value = "schema/schema.graphql")]
        out: PathBuf,
    },
    /// Runs recalculation jobs from the Redis queue until SIGTERM (finishing the batch).
    Worker(Box<worker::WorkerArgs>),
    /// Exports listings (with valuations, metrics, custom fields), CPUs or GPUs as CSV, XLSX
    /// or JSON.
    Export(Box<export::ExportArgs>),
    /// Imports a workbook (.xlsx .xlsm .xls .ods) or CSV/TSV: inspects, maps and previews it;
    /// with --commit writes it in one transaction and revalues the imported listings.
    Import(Box<import_session::ImportArgs>),
    /// Imports CPU marks from a PassMark CSV or JSON file (all or nothing).
    ImportPassmark(Box<import::PassmarkArgs>),
    /// Exports rulesets as a `.dbrs` package or installs one (all or nothing).
    Ruleset {
        #[command(subcommand)]
        action: ruleset::Action,
        #[command(flatten)]
        db: migrate::DbArgs,
    },
    /// Manages API tokens.
    Token {
        #[command(subcommand)]
        action: token::Action,
        #[command(flatten)]
        db: migrate::DbArgs,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::CheckCases { file } => check_cases::run(&file),
        Command::Migrate { action, db } => db
            .settings()
            .and_then(|s| migrate::run(action.unwrap_or_default(), &s)),
        Command::Seed { listings, db } => db.settings().and_then(|s| seed::run(listings, &s)),
        Command::Serve(args) => args.settings().and_then(|s| serve::run(&args, &s)),
        Command::Schema { out } => schema::run(&out),
        Command::Ruleset { action, db } => db.settings().and_then(|s| ruleset::run(&action, &s)),
        Command::Token { action, db } => db.settings().and_then(|s| token::run(&action, &s)),
        Command::Worker(args) => args.settings().and_then(|s| worker::run(&s)),
        Command::Export(args) => args.db.settings().and_then(|s| export::run(&args, &s)),
        Command::Import(args) => args
            .db
            .settings()
            .and_then(|s| import_session::run(&args, &s)),
        Command::ImportPassmark(args) => args.db.settings().and_then(|s| import::run(&args, &s)),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
