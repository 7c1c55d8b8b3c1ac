//! `dealbrain ruleset export --id N [--id M …] [--out FILE]` and `dealbrain ruleset install
//! FILE [--strategy replace|skip|merge|version]`: ruleset packages (`.dbrs`, DOMAIN.md §7.5)
//! from the command line. Install is the store's one-transaction install, so a package with
//! any problem prints every problem with its path and writes nothing (exit status 1); after a
//! successful install the active and pending listings are revalued in this process.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Subcommand, ValueEnum};
use domain::model::{ChangeMeta, ValuationCause};
use domain::package::plan::{MergeStrategy, Outcome};
use domain::package::{self as pkg, PackageMetadata};
use store::{RecalcTargets, Store};

use crate::settings::Settings;

/// The merge strategy of an install.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Strategy {
    /// Overwrite a ruleset of the same name.
    #[default]
    Replace,
    /// Keep a ruleset of the same name.
    Skip,
    /// Merge into it by group and rule names.
    Merge,
    /// Install beside it as `<name> (v<version>)`.
    Version,
}

/// `ruleset` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Action {
    /// Writes rulesets as a version-2 package (JSON).
    Export {
        /// Ruleset id (repeat for several).
        #[arg(long = "id", required = true)]
        ids: Vec<i64>,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Package name (default: the first ruleset's name).
        #[arg(long)]
        name: Option<String>,
        /// Package version X.Y.Z.
        #[arg(long, default_value = "1.0.0")]
        version: String,
    },
    /// Installs a package file (version 2, or version 1 converted), all or nothing.
    Install {
        /// The package file.
        file: PathBuf,
        /// What to do with a ruleset whose name is taken.
        #[arg(long, value_enum, default_value_t)]
        strategy: Strategy,
    },
}

/// Runs a `ruleset` subcommand.
pub fn run(action: &Action, settings: &Settings) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        let store = crate::migrate::connect(settings).await?;
        store.migrate_up().await.context("applying migrations")?;
        let code = match action {
            Action::Export {
                ids,
                out,
                name,
                version,
            } => export(&store, ids, out.as_ref(), name.clone(), version).await?,
            Action::Install { file, strategy } => install(&store, file, *strategy).await?,
        };
        store.close().await.ok();
        Ok(code)
    })
}

async fn export(
    store: &Store,
    ids: &[i64],
    out: Option<&PathBuf>,
    name: Option<String>,
    version: &str,
) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(pkg::valid_version(version), "--version must be X.Y.Z");
    let trees = store.ruleset_trees(ids).await.context("reading rulesets")?;
    let fields: Vec<_> = store
        .custom_fields(domain::model::CustomFieldEntity::Listing, false)
        .await?
        .into_iter()
        .map(|f| f.data)
        .collect();
    let metadata = PackageMetadata {
        name: name.unwrap_or_else(|| trees.first().map(|t| t.0.name.clone()).unwrap_or_default()),
        version: version.to_owned(),
        author: None,
        description: None,
        tags: Vec::new(),
    };
    let package = pkg::export::build(metadata, &trees, &fields);
    let text = serde_json::to_string_pretty(&package)?;
    match out {
        Some(path) => {
            std::fs::write(path, text + "\n")
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {} ruleset(s) to {}", trees.len(), path.display());
        }
        None => println!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

async fn install(store: &Store, file: &PathBuf, strategy: Strategy) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let json: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not JSON", file.display()))?;
    let package = match pkg::parse(&json) {
        Ok(p) => p,
        Err(issue) => {
            println!("{}: {} [{}]", issue.path, issue.message, issue.kind);
            println!("nothing written");
            return Ok(ExitCode::from(1));
        }
    };
    let strategy = match strategy {
        Strategy::Replace => MergeStrategy::Replace,
        Strategy::Skip => MergeStrategy::Skip,
        Strategy::Merge => MergeStrategy::Merge,
        Strategy::Version => MergeStrategy::Version,
    };
    let meta = ChangeMeta {
        actor: Some("cli".into()),
        summary: Some(format!(
            "package {} {}",
            package.metadata.name, package.metadata.version
        )),
        impact: None,
    };
    let installed = match store.install_package(&package, strategy, &meta).await? {
        Ok(i) => i,
        Err(refused) => {
            for i in &refused.0.issues {
                println!("{}: {} [{}]", i.path, i.message, i.kind);
            }
            println!("{} problem(s); nothing written", refused.0.issues.len());
            return Ok(ExitCode::from(1));
        }
    };
    for f in &installed.fields {
        println!("created custom field {}.{}", f.data.entity, f.data.key);
    }
    for (p, rs) in installed.plan.rulesets.iter().zip(&installed.rulesets) {
        let (created, updated) = p.rule_counts();
        println!(
            "{:?}: {} (id {}): {created} rules created, {updated} updated",
            p.outcome, rs.data.name, rs.id
        );
    }
    if installed
        .plan
        .rulesets
        .iter()
        .any(|p| p.outcome != Outcome::Skip)
    {
        let n = crate::import::revalue_targets(
            store,
            &RecalcTargets::all(),
            ValuationCause::PackageInstall,
        )
        .await?;
        println!("revalued {n} listings");
    }
    Ok(ExitCode::SUCCESS)
}
