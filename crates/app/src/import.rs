//! `dealbrain import-passmark FILE [--create-missing]`: CPU marks from a PassMark CSV or JSON
//! file (DOMAIN.md §7.4), all or nothing. Prints the counts and every failed row (exit status
//! 1 when any row failed, nothing written); then revalues, in this process, the listings of
//! the CPUs that changed.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use domain::model::ValuationCause;
use store::{RecalcTargets, Store};

use crate::settings::Settings;

/// `import-passmark` flags.
#[derive(Debug, Clone, Args)]
pub struct PassmarkArgs {
    /// A PassMark CSV or JSON file.
    pub file: PathBuf,
    /// Create CPUs that are not in the catalogue (else they are reported as not found).
    #[arg(long)]
    pub create_missing: bool,
    #[command(flatten)]
    pub db: crate::migrate::DbArgs,
}

/// Runs the import.
pub fn run(args: &PassmarkArgs, settings: &Settings) -> anyhow::Result<ExitCode> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let parsed = transfer::passmark::parse(&bytes)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        let store = crate::migrate::connect(settings).await?;
        store.migrate_up().await.context("applying migrations")?;
        let r = transfer::passmark::apply(&store, parsed, args.create_missing)
            .await
            .context("importing")?;
        for e in &r.failed {
            let name = e.name.as_deref().unwrap_or("-");
            println!("line {}: {name}: {}", e.line, e.message);
        }
        for n in &r.not_found {
            println!("not found: {n}");
        }
        println!(
            "{} updated, {} created, {} unchanged, {} not found, {} failed{}",
            r.updated,
            r.created,
            r.unchanged,
            r.not_found.len(),
            r.failed.len(),
            if r.committed { "" } else { "; nothing written" }
        );
        let revalued = if r.changed_cpu_ids.is_empty() {
            0
        } else {
            let targets = RecalcTargets {
                cpu_ids: r.changed_cpu_ids.clone(),
                ..RecalcTargets::default()
            };
            revalue_targets(&store, &targets, ValuationCause::CpuChange).await?
        };
        if revalued > 0 {
            println!("revalued {revalued} listings");
        }
        store.close().await.ok();
        Ok(if r.committed {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    })
}

/// Revalues the listings `targets` covers in-process, a page at a time; how many. The CLI's
/// writes (PassMark import, package install) use it when no worker is asked.
pub(crate) async fn revalue_targets(
    store: &Store,
    targets: &RecalcTargets,
    cause: ValuationCause,
) -> anyhow::Result<usize> {
    let mut after = 0;
    let mut n = 0;
    loop {
        let page = store.recalc_targets(targets, after, 500).await?;
        let Some(last) = page.last() else {
            return Ok(n);
        };
        after = last.id;
        let ids: Vec<i64> = page.iter().map(|t| t.id).collect();
        store::revalue::revalue(store, &ids, cause, None)
            .await
            .context("revaluing listings")?;
        n += ids.len();
    }
}
