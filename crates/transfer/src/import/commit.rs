//! Committing (one transaction, §7.1 step 7) and cancelling a session.

use std::path::Path;

use domain::model::{ImportSession, ImportStatus};
use serde_json::{Value as Json, json};
use store::{ImportOutcome, Store};

use super::session::{CommitResult, Counts, Touched, analyse_session, load, require_open, to_json};
use super::{bad, progress};
use crate::Result;

/// Commits the session in one transaction (§7.1 step 7); refused while mappings, conflicts,
/// review matches or (without `skip_invalid_rows`) row errors remain. A failed write leaves
/// the database as it was and the session `failed`.
pub async fn commit(
    store: &Store,
    root: &Path,
    id: &str,
    skip_invalid_rows: bool,
) -> Result<CommitResult> {
    let mut s = load(store, id).await?;
    require_open(&s)?;
    let (parsed, analysis) = analyse_session(store, root, &mut s).await?;
    if s.status != ImportStatus::Ready {
        return Err(bad(
            "id",
            "mapping_required",
            "map the required fields of every sheet first",
        ));
    }
    if analysis.conflicts.unresolved > 0 {
        return Err(bad(
            "resolutions",
            "unresolved_conflicts",
            format!(
                "{} conflicts or review matches need a decision (refreshImportConflicts)",
                analysis.conflicts.unresolved
            ),
        ));
    }
    let invalid = parsed.error_count();
    if invalid > 0 && !skip_invalid_rows {
        let first = parsed.sheets.iter().flat_map(|p| &p.preview.errors).next();
        let detail = first.map_or(String::new(), |e| {
            format!(
                "; first: sheet `{}` row {} {}: {}",
                e.sheet, e.row, e.field, e.message
            )
        });
        return Err(bad(
            "skipInvalidRows",
            "row_errors",
            format!("{invalid} rows have errors{detail}"),
        ));
    }
    drop(parsed);
    s.status = ImportStatus::Committing;
    let mut s = store.save_import_session(&s).await?;
    let counts_of = |o: &ImportOutcome| {
        Counts {
            skipped_rows: analysis.skipped,
            invalid_rows: invalid,
            ..Counts::default()
        }
        .written(o)
    };
    let mut done = s.clone();
    done.status = ImportStatus::Completed;
    let planned = Counts {
        created_listings: analysis
            .plan
            .listings
            .iter()
            .filter(|l| l.update_id.is_none())
            .count(),
        updated_listings: analysis
            .plan
            .listings
            .iter()
            .filter(|l| l.update_id.is_some())
            .count(),
        ..counts_of(&ImportOutcome::default())
    };
    done.result = Some(to_json(&planned)?);
    let sid = id.to_owned();
    let report = move |d: u64, t: u64| progress::set(&sid, d, t);
    let res = store
        .commit_import(&analysis.plan, &done, to_json(&planned)?, &report)
        .await;
    progress::clear(id);
    match res {
        Ok(o) => {
            let counts = counts_of(&o);
            done.result = Some(to_json(&counts)?);
            store.save_import_session(&done).await?;
            Ok(CommitResult {
                counts,
                touched: Touched::of(&analysis.plan, o.listing_ids),
            })
        }
        Err(e) => {
            s.status = ImportStatus::Failed;
            s.error = Some(e.to_string());
            store.save_import_session(&s).await?;
            store
                .add_import_audit(id, "commit_failed", Some(&e.to_string()), json!({}))
                .await?;
            Err(e.into())
        }
    }
}

/// Records the recalculation job of a committed session in its result.
pub async fn record_job(store: &Store, id: &str, job_id: &str) -> Result<()> {
    let mut s = load(store, id).await?;
    if let Some(Json::Object(r)) = &mut s.result {
        r.insert("job_id".into(), Json::String(job_id.to_owned()));
    }
    store.save_import_session(&s).await?;
    Ok(())
}

/// Cancels an open session and deletes its stored file.
pub async fn cancel(store: &Store, root: &Path, id: &str) -> Result<ImportSession> {
    let mut s = load(store, id).await?;
    require_open(&s)?;
    s.status = ImportStatus::Cancelled;
    let s = store.save_import_session(&s).await?;
    // The file is no longer needed; a missing one is not an error.
    let _ = std::fs::remove_file(root.join(&s.storage_ref));
    store
        .add_import_audit(id, "cancelled", None, json!({}))
        .await?;
    Ok(s)
}
