//! `dealbrain export listings|cpus|gpus --format csv|xlsx|json [--out FILE]`: writes every
//! listing (with its valuation, metrics and custom fields), CPU or GPU to FILE, by default
//! `EXPORT_ROOT/<what>-<UTC timestamp>.<ext>`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use transfer::{ExportKind, Format};

use crate::settings::Settings;

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum What {
    Listings,
    Cpus,
    Gpus,
}

/// `export` flags.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// listings, cpus or gpus.
    #[arg(value_enum)]
    pub what: What,
    /// csv, xlsx or json.
    #[arg(long, default_value = "csv")]
    pub format: Format,
    /// Output file (default: EXPORT_ROOT/<what>-<timestamp>.<ext>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub db: crate::migrate::DbArgs,
}

/// Runs the export.
pub fn run(args: &ExportArgs, settings: &Settings) -> anyhow::Result<ExitCode> {
    let kind = match args.what {
        What::Listings => ExportKind::Listings(Default::default()),
        What::Cpus => ExportKind::Cpus,
        What::Gpus => ExportKind::Gpus,
    };
    let out = args.out.clone().unwrap_or_else(|| {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        settings.export_root.join(format!(
            "{}-{stamp}.{}",
            kind.name(),
            args.format.extension()
        ))
    });
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        let store = crate::migrate::connect(settings).await?;
        store.migrate_up().await.context("applying migrations")?;
        let summary = transfer::export_to_path(&store, &kind, args.format, &out)
            .await
            .with_context(|| format!("exporting to {}", out.display()))?;
        println!("wrote {} rows to {}", summary.rows, out.display());
        store.close().await.ok();
        Ok(ExitCode::SUCCESS)
    })
}
