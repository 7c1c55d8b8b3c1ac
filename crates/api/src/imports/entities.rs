//! `importEntities(entity, file, dryRun)` (DOMAIN.md §9 "admin tasks"): a one-shot import of
//! one entity kind over `transfer::import::entities`, which runs the import-session pipeline
//! (same reader, auto-mapping, row parsing, plan and one-transaction commit) with fixed
//! decisions. A dry run writes nothing; a real run is all or nothing and asks for the same
//! recalculations as the equivalent edits (§8).

use async_graphql::{Context, Object, SimpleObject, Upload};
use domain::model::ApiRole;
use transfer::import::cells::RowIssue;
use transfer::import::entities::{self, Prepared};

use super::types::n;
use super::{
    ImportConflicts, ImportEntity, ImportRowIssue, ImportSession, ImportSheetMapping, api_err,
    read_upload, store,
};
use crate::auth::require;
use crate::error::ApiError;

/// How many row errors the refusal of a real run lists in `extensions.errors` (the message
/// has the exact count).
const REFUSAL_LISTED: usize = 500;

/// What `importEntities` found in the file and, unless it was a dry run, wrote.
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportEntitiesResult {
    /// The entity every sheet was read as.
    pub entity: ImportEntity,
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
    /// Whether the rows were written (false for a dry run).
    pub committed: bool,
    /// Data rows over all sheets.
    pub total_rows: i32,
    /// Records of `entity` created (or that would be created).
    pub created: i32,
    /// Stored records of `entity` updated: CPUs the file changes, GPUs and ports profiles of the same name, listings with the same `listing_url`.
    pub updated: i32,
    /// Valid rows that write nothing: stored CPUs with the same values, listing rows without a URL whose title and price a stored listing already has (possible duplicates are skipped, never doubled).
    pub skipped: i32,
    /// Rows with errors (exact count; any of them makes a real run write nothing).
    pub invalid_rows: i32,
    /// Row errors with sheet, spreadsheet row, field and a stable code (the first 500 per sheet).
    pub errors: Vec<ImportRowIssue>,
    /// Row warnings (e.g. an unknown condition read as used; the first 500 per sheet).
    pub warnings: Vec<ImportRowIssue>,
    /// The automatic column mapping of each sheet.
    pub mappings: Vec<ImportSheetMapping>,
    /// Stored CPUs and listings the rows meet, with the action taken.
    pub conflicts: ImportConflicts,
    /// Listing imports: CPU names not in the catalogue, created with their listings.
    pub new_cpus: Vec<String>,
    /// Listing imports: GPU names not in the catalogue, created with their listings.
    pub new_gpus: Vec<String>,
    /// Notes about the upload (e.g. the same file was imported before).
    pub notices: Vec<String>,
    /// The completed import session recording a real run (its `result` has the written counts and created CPU ids); null for a dry run.
    pub session: Option<ImportSession>,
    /// The recalculation job of a real run: the imported listings (cause `import`), or the listings linked to the CPUs/GPUs/ports profiles it changed; null when nothing needs one.
    pub job_id: Option<String>,
}

fn issues(v: &[RowIssue]) -> Vec<ImportRowIssue> {
    v.iter().cloned().map(Into::into).collect()
}

fn result(p: &Prepared, dry_run: bool) -> ImportEntitiesResult {
    let s = &p.summary;
    ImportEntitiesResult {
        entity: p.entity.into(),
        dry_run,
        committed: false,
        total_rows: n(s.total_rows),
        created: n(s.created),
        updated: n(s.updated),
        skipped: n(s.skipped),
        invalid_rows: n(s.invalid_rows),
        errors: issues(&p.errors),
        warnings: issues(&p.warnings),
        mappings: p.mappings.iter().cloned().map(Into::into).collect(),
        conflicts: p.analysis.conflicts.clone().into(),
        new_cpus: s.new_cpus.clone(),
        new_gpus: s.new_gpus.clone(),
        notices: p.preview.warnings.clone(),
        session: None,
        job_id: None,
    }
}

/// BAD_USER_INPUT `row_errors` on `file`: the count and first rows in the message, the rows
/// in `extensions.errors`.
fn refused(p: &Prepared) -> async_graphql::Error {
    let shown: Vec<String> = p
        .errors
        .iter()
        .take(5)
        .map(|e| {
            format!(
                "sheet `{}` row {} {}: {}",
                e.sheet, e.row, e.field, e.message
            )
        })
        .collect();
    let message = format!(
        "{} rows have errors, nothing was imported (fix them, or check with dryRun): {}",
        p.summary.invalid_rows,
        shown.join("; ")
    );
    let listed: Vec<serde_json::Value> = p
        .errors
        .iter()
        .take(REFUSAL_LISTED)
        .map(|e| {
            serde_json::json!({"sheet": e.sheet, "row": e.row, "field": e.field,
                "code": e.code, "message": e.message})
        })
        .collect();
    let errors =
        async_graphql::Value::from_json(serde_json::Value::Array(listed)).unwrap_or_default();
    async_graphql::ErrorExtensions::extend_with(
        ApiError::invalid("file", "row_errors", message).gql(),
        move |_, e| e.set("errors", errors.clone()),
    )
}

/// The one-shot import mutation.
#[derive(Debug, Default)]
pub struct ImportEntitiesMutation;

#[Object]
impl ImportEntitiesMutation {
    /// Imports one entity kind from a `.csv`/`.tsv` or workbook (`.xlsx .xlsm .xls .ods`, ≤ 20 MiB, ≤ 50,000 rows a sheet) in one call, through the import-session pipeline: every sheet is read as `entity`, its columns are mapped automatically (missing required columns are refused, naming them), and every row is parsed and checked. Stored CPUs take the file's non-null values, CPUs/GPUs/ports profiles are matched by name and listings by `listing_url` (update); a listing row without a URL that has the title and price of a stored listing is skipped; a listing's CPU/GPU name that only resembles a catalogue name is a row error. `dryRun` reports what would be created, updated and skipped and the row errors without writing. Otherwise any row error refuses the whole file (`row_errors`, rows in `extensions.errors`); else everything is written in ONE transaction, recorded as a completed import session, and one recalculation job is queued. Editor role, like `createImportSession` and `importPassmark`: it writes catalogue and listing data, never custom field definitions.
    async fn import_entities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entity every sheet of the file holds (no inference across kinds).")]
        entity: ImportEntity,
        #[graphql(desc = "The file, as a GraphQL multipart request part.")] file: Upload,
        #[graphql(default = false, desc = "Check and report only; nothing is written.")]
        dry_run: bool,
    ) -> async_graphql::Result<ImportEntitiesResult> {
        let caller = require(ctx, ApiRole::Editor)?;
        let (filename, bytes) = read_upload(ctx, &file, transfer::import::MAX_BYTES)?;
        let s = store(ctx)?;
        let prepared = entities::prepare(s, &filename, &bytes, entity.into())
            .await
            .map_err(api_err)?;
        drop(bytes);
        let mut out = result(&prepared, dry_run);
        if dry_run {
            return Ok(out);
        }
        if prepared.summary.invalid_rows > 0 {
            return Err(refused(&prepared));
        }
        let done = entities::commit(s, prepared, caller.actor())
            .await
            .map_err(api_err)?;
        out.committed = true;
        let mut session = done.session;
        out.job_id = super::recalc_touched(ctx, done.touched).await?;
        if let Some(job) = &out.job_id {
            transfer::import::session::record_job(s, &session.id, job)
                .await
                .map_err(api_err)?;
            session = transfer::import::session::load(s, &session.id)
                .await
                .map_err(api_err)?;
        }
        out.session = Some(session.into());
        Ok(out)
    }
}
