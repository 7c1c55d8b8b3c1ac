//! `dealbrain import FILE`: a workbook/CSV import session (DOMAIN.md §7.1) from the command
//! line. A relative FILE that does not exist is looked up under `IMPORT_ROOT`. Prints the
//! inspection, mappings, row errors, matches and conflicts; with `--commit` applies the
//! given decisions, commits in one transaction (a progress line on stderr) and requests one
//! recalculation job (cause `import`) for exactly the imported listings — run by a worker
//! with `REDIS_URL`, in this process without. Exit status 1 when the commit is refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use domain::model::{JobStatus, ValuationCause};
use store::Store;
use transfer::TransferError;
use transfer::import::Entity;
use transfer::import::session::{self, Upload};
use transfer::import::state::{
    Conflicts, CpuAction, ListingAction, Preview, Resolutions, SheetMapping,
};
use worker::{CancellationToken, JobRequester, RecalcTargets, Worker};

use crate::settings::Settings;

/// A decision for every CPU conflict.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CpuChoice {
    Update,
    Keep,
}

/// A decision for listing rows that meet stored listings.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RowChoice {
    Update,
    Skip,
    Create,
}

/// `import` flags.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// A .xlsx/.xlsm/.xls/.ods workbook or a .csv/.tsv file (relative names also under IMPORT_ROOT).
    pub file: PathBuf,
    /// Declares a sheet's entity: `SHEET=listing` (`=cpu` alone: every sheet).
    #[arg(long = "entity", value_name = "SHEET=ENTITY")]
    pub entities: Vec<String>,
    /// Commit (else the session is left open for review).
    #[arg(long)]
    pub commit: bool,
    /// Commit the valid rows even when some rows have errors.
    #[arg(long)]
    pub skip_invalid_rows: bool,
    /// What to do with stored CPUs the file changes.
    #[arg(long, value_enum)]
    pub cpu_conflicts: Option<CpuChoice>,
    /// What to do with rows whose URL matches a stored listing (default update).
    #[arg(long, value_enum)]
    pub url_matches: Option<RowChoice>,
    /// What to do with URL-less rows whose title and price match a stored listing.
    #[arg(long, value_enum)]
    pub possible_duplicates: Option<RowChoice>,
    #[command(flatten)]
    pub db: crate::migrate::DbArgs,
}

fn locate(file: &Path, root: &Path) -> PathBuf {
    if file.is_relative() && !file.exists() {
        root.join(file)
    } else {
        file.to_path_buf()
    }
}

fn declared(args: &ImportArgs) -> anyhow::Result<BTreeMap<String, Entity>> {
    args.entities
        .iter()
        .map(|d| {
            let (sheet, e) = d.rsplit_once('=').unwrap_or(("", d));
            let entity = Entity::parse(e.trim())
                .with_context(|| format!("`{e}`: cpu, gpu, ports_profile or listing"))?;
            Ok((sheet.to_owned(), entity))
        })
        .collect()
}

fn row_action(c: RowChoice) -> ListingAction {
    match c {
        RowChoice::Update => ListingAction::Update,
        RowChoice::Skip => ListingAction::Skip,
        RowChoice::Create => ListingAction::Create,
    }
}

fn print_session(s: &domain::model::ImportSession) {
    let maps: Vec<SheetMapping> = serde_json::from_value(s.mappings.clone()).unwrap_or_default();
    let preview: Preview = serde_json::from_value(s.preview.clone()).unwrap_or_default();
    let conflicts: Conflicts = serde_json::from_value(s.conflicts.clone()).unwrap_or_default();
    println!("session {} ({}): {}", s.id, s.filename, s.status.as_str());
    for w in &preview.warnings {
        println!("warning: {w}");
    }
    for m in &maps {
        let Some(e) = m.entity else {
            println!("sheet `{}`: not imported (no entity recognised)", m.sheet);
            continue;
        };
        let mapped: Vec<String> = m
            .fields
            .iter()
            .filter_map(|f| Some(format!("{}←{}", f.field, f.column.as_deref()?)))
            .collect();
        println!(
            "sheet `{}` as {}: {}",
            m.sheet,
            e.as_str(),
            mapped.join(", ")
        );
    }
    for p in &preview.entities {
        println!(
            "  {}: {} rows, {} valid, {} with errors{}",
            p.sheet,
            p.total_rows,
            p.valid_rows,
            p.error_count,
            if p.missing_required.is_empty() {
                String::new()
            } else {
                format!(
                    "; required fields without a column: {}",
                    p.missing_required.join(", ")
                )
            }
        );
        for e in p.errors.iter().take(20) {
            println!("    row {} {}: {} ({})", e.row, e.field, e.message, e.code);
        }
    }
    for m in &preview.matches {
        let best = m
            .candidates
            .first()
            .map_or(String::new(), |c| format!(" → {} ({:.2})", c.name, c.score));
        println!(
            "  {:?} `{}` ({} rows): {:?}{best}",
            m.kind, m.name, m.rows, m.status
        );
    }
    println!(
        "  conflicts: {} CPUs, {} listings, {} undecided",
        conflicts.cpu_count, conflicts.listing_count, conflicts.unresolved
    );
}

/// Runs the import.
pub fn run(args: &ImportArgs, settings: &Settings) -> anyhow::Result<ExitCode> {
    let root = settings.import_root.clone();
    let path = locate(&args.file, &root);
    let len = std::fs::metadata(&path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if len > transfer::import::MAX_BYTES as u64 {
        anyhow::bail!(
            "{}",
            transfer::import::read::too_large(usize::try_from(len).unwrap_or(usize::MAX))
        );
    }
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let filename = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("upload")
        .to_owned();
    let declared = declared(args)?;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        let store = crate::migrate::connect(settings).await?;
        store.migrate_up().await.context("applying migrations")?;
        let up = Upload { filename: &filename, bytes: &bytes, declared, actor: Some("cli".into()) };
        let s = session::create(&store, &root, up).await.map_err(user)?;
        let id = s.id.clone();
        if !args.commit {
            print_session(&s);
            println!("not committed (pass --commit)");
            return Ok(ExitCode::SUCCESS);
        }
        let res = Resolutions {
            cpu_default: args.cpu_conflicts.map(|c| match c {
                CpuChoice::Update => CpuAction::Update,
                CpuChoice::Keep => CpuAction::Keep,
            }),
            url_match_default: args.url_matches.map(row_action),
            duplicate_default: args.possible_duplicates.map(row_action),
            ..Resolutions::default()
        };
        let s = session::refresh_conflicts(&store, &root, &id, res).await.map_err(user)?;
        print_session(&s);
        let stop = CancellationToken::new();
        let ticker = tokio::spawn(progress_line(id.clone(), stop.clone()));
        let done = session::commit(&store, &root, &id, args.skip_invalid_rows).await;
        stop.cancel();
        let _ = ticker.await;
        let done = match done {
            Ok(d) => d,
            Err(TransferError::Input { message, .. }) => {
                eprintln!("not committed: {message}");
                return Ok(ExitCode::from(1));
            }
            Err(e) => return Err(e).context("committing"),
        };
        let c = &done.counts;
        println!(
            "committed: {} listings created, {} updated, {} rows skipped, {} invalid rows left out; \
             CPUs {} created, {} updated; GPUs {} created, {} updated",
            c.created_listings, c.updated_listings, c.skipped_rows, c.invalid_rows,
            c.created_cpus.len(), c.updated_cpus, c.created_gpus, c.updated_gpus
        );
        for (_, name) in &c.created_cpus {
            println!("  new CPU: {name}");
        }
        let t = done.touched;
        // One job covers the written listings and those of the changed CPUs/GPUs (DOMAIN.md
        // §8); a changed ports profile affects every listing, as `updatePortsProfile` does.
        let targets = RecalcTargets {
            all: !t.updated_ports_profile_ids.is_empty(),
            listing_ids: t.listing_ids,
            cpu_ids: t.updated_cpu_ids,
            gpu_ids: t.updated_gpu_ids,
            ..RecalcTargets::default()
        };
        if targets != RecalcTargets::default() {
            recalculate(&store, settings, &id, targets).await?;
        }
        store.close().await.ok();
        Ok(ExitCode::SUCCESS)
    })
}

fn user(e: TransferError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// `importing listings: N/M (P%)` on stderr while the commit runs.
async fn progress_line(id: String, stop: CancellationToken) {
    let mut last = None;
    loop {
        if let Some(p) = transfer::import::progress::get(&id)
            && last != Some(p)
        {
            let pct = (p.done * 100).checked_div(p.total).unwrap_or(100);
            eprint!("\rimporting listings: {}/{} ({pct}%)", p.done, p.total);
            last = Some(p);
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
    if last.is_some() {
        eprintln!();
    }
}

/// One job (cause `import`) for the imported listings; without Redis it runs here.
async fn recalculate(
    store: &Store,
    settings: &Settings,
    session_id: &str,
    targets: RecalcTargets,
) -> anyhow::Result<()> {
    let (queue, bus) = crate::worker::connect_bus(settings).await?;
    let requester = JobRequester::new(store.clone(), queue.clone(), settings.worker_config());
    let out = requester
        .request(&targets, ValuationCause::Import, Some("cli"))
        .await
        .context("requesting the recalculation")?;
    session::record_job(store, session_id, &out.job_id)
        .await
        .map_err(user)?;
    if settings.redis_url.is_some() {
        println!("recalculation job {} queued", out.job_id);
        return Ok(());
    }
    let w = Worker::new(store.clone(), queue, bus, settings.worker_config());
    let stop = CancellationToken::new();
    loop {
        w.run_once("cli-import", Duration::from_secs(1), &stop)
            .await?;
        let job = store.job(&out.job_id).await?;
        match job.map(|j| j.status) {
            Some(JobStatus::Queued | JobStatus::Running) => continue,
            Some(st) => {
                println!("recalculation job {}: {}", out.job_id, st.as_str());
                return Ok(());
            }
            None => anyhow::bail!("recalculation job {} vanished", out.job_id),
        }
    }
}
