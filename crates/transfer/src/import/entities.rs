//! One-shot import of a single entity kind (DOMAIN.md §9 "admin tasks", `importEntities`):
//! the session pipeline in one call, without a stored upload or round trips. Every sheet is
//! read as the given entity, the columns are auto-mapped, and the rows go through the same
//! `book::parse` and `plan::analyse` as a session, so a one-shot import plans exactly what a
//! session would. Where a session would ask, the decisions are fixed ([`decisions`]): a
//! stored CPU takes the file's non-null values, a URL match updates its listing, a possible
//! duplicate (same title and price, no URL) is skipped rather than doubled, and a `review`
//! CPU/GPU name match — a name that is close to a catalogue entry but not close enough to
//! link on its own — is a row error instead of a silent link or a near-duplicate CPU.
//! [`commit`] writes through [`Store::commit_import`], the session commit's single
//! transaction, with a `completed` session row and its audit as the record of the import.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use domain::model::{ImportSession, ImportStatus, name_key};
use serde_json::json;
use sha2::{Digest, Sha256};
use store::{ImportCatalogue, Store};

use super::bad;
use super::book::{self, ParsedBook};
use super::cells::RowIssue;
use super::fields::Entity;
use super::matching::{MatchStatus, NameIndex};
use super::plan::{Analysis, analyse};
use super::read::{self, FileKind};
use super::rows::Parsed;
use super::session::{Counts, Touched, to_json};
use super::state::{
    CpuAction, ListingAction, MAX_LISTED, Preview, Resolutions, SheetInfo, SheetMapping,
};
use crate::Result;

/// The decisions a one-shot import takes where a session would ask (see the module doc).
pub fn decisions() -> Resolutions {
    Resolutions {
        cpu_default: Some(CpuAction::Update),
        url_match_default: Some(ListingAction::Update),
        duplicate_default: Some(ListingAction::Skip),
        ..Resolutions::default()
    }
}

/// What the rows of the file would do to the store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Data rows over all sheets.
    pub total_rows: usize,
    /// Records of the entity to create / update.
    pub created: usize,
    pub updated: usize,
    /// Valid rows that write nothing: a stored CPU with the same values, a skipped listing.
    pub skipped: usize,
    /// Rows with errors (exact); [`Prepared::errors`] lists the first 500 per sheet.
    pub invalid_rows: usize,
    /// CPUs / GPUs a listing import creates for names not in the catalogue.
    pub new_cpus: Vec<String>,
    pub new_gpus: Vec<String>,
}

/// An analysed upload: what a dry run reports and what [`commit`] writes.
#[derive(Debug)]
pub struct Prepared {
    pub entity: Entity,
    pub filename: String,
    pub content_type: String,
    pub byte_size: usize,
    pub checksum: String,
    pub sheets: Vec<SheetInfo>,
    pub mappings: Vec<SheetMapping>,
    pub preview: Preview,
    pub analysis: Analysis,
    pub summary: Summary,
    /// Row errors: the parser's (first 500 per sheet) and the `review` name matches.
    pub errors: Vec<RowIssue>,
    pub warnings: Vec<RowIssue>,
}

/// Reads, maps, parses and analyses an upload as `entity` (nothing is written). Refused as
/// a whole: the file checks of `read::read`, a file without data rows (`empty_file`), and a
/// sheet whose required fields have no column (`missing_columns`, naming them).
pub async fn prepare(
    store: &Store,
    filename: &str,
    bytes: &[u8],
    entity: Entity,
) -> Result<Prepared> {
    let kind = FileKind::of(filename)?;
    let sheets = read::read(filename, bytes)?;
    let declared = BTreeMap::from([(String::new(), entity)]);
    let infos = book::inspect(&sheets, &declared);
    if infos.iter().all(|s| s.row_count == 0) {
        return Err(bad("file", "empty_file", "the file has no data rows"));
    }
    let mappings = book::initial_mappings(&infos);
    let missing: Vec<String> = mappings
        .iter()
        .filter_map(|m| {
            let fields: Vec<&str> = m
                .fields
                .iter()
                .filter(|f| f.required && f.column.is_none())
                .map(|f| f.field.as_str())
                .collect();
            (!fields.is_empty()).then(|| format!("sheet `{}`: {}", m.sheet, fields.join(", ")))
        })
        .collect();
    if !missing.is_empty() {
        return Err(bad(
            "file",
            "missing_columns",
            format!(
                "no column for the required {} fields — {}",
                entity.as_str(),
                missing.join("; ")
            ),
        ));
    }
    let mut parsed = book::parse(&sheets, &mappings, &BTreeMap::new());
    drop(sheets);
    let (urls, titles) = parsed.listing_keys();
    let cat = store.import_catalogue(&urls, &titles).await?;
    drop_review_rows(&mut parsed, &cat);
    let analysis = analyse(&parsed, &cat, &decisions());
    let mut errors: Vec<RowIssue> = Vec::new();
    let mut warnings: Vec<RowIssue> = Vec::new();
    for s in &parsed.sheets {
        errors.extend(s.preview.errors.iter().cloned());
        warnings.extend(s.preview.warnings.iter().cloned());
    }
    let summary = summarise(entity, &parsed, &analysis);
    let checksum: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut notes = Vec::new();
    if let Some(prev) = store.import_session_by_checksum(&checksum, "").await? {
        notes.push(format!(
            "the same file was imported before (session {}, {})",
            prev.id,
            prev.status.as_str()
        ));
    }
    let preview = Preview {
        entities: parsed.sheets.iter().map(|p| p.preview.clone()).collect(),
        matches: analysis.matches.clone(),
        warnings: notes,
        row_errors: summary.invalid_rows,
    };
    Ok(Prepared {
        entity,
        filename: filename
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(filename)
            .to_owned(),
        content_type: kind.content_type(filename).to_owned(),
        byte_size: bytes.len(),
        checksum,
        sheets: infos,
        mappings,
        preview,
        analysis,
        summary,
        errors,
        warnings,
    })
}

/// Moves listing rows whose CPU or GPU name is a `review` match against the catalogue out
/// of the valid rows, into their sheet's errors. A one-entity import has no CPU/GPU sheet, so
/// the catalogue alone is what `plan::analyse` matches against: the same index, the same
/// statuses.
pub(super) fn drop_review_rows(parsed: &mut ParsedBook, cat: &ImportCatalogue) {
    let cpus = NameIndex::new(cat.cpus.iter().map(|c| c.data.name.clone()));
    let gpus = NameIndex::new(cat.gpus.iter().map(|g| g.data.name.clone()));
    let mut verdicts: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut review = |ix: &NameIndex, kind: &str, name: &str| -> Option<String> {
        verdicts
            .entry(format!("{kind}:{}", name_key(name)))
            .or_insert_with(|| {
                let (status, candidates) = ix.best(name);
                (status == MatchStatus::Review).then(|| {
                    let close: Vec<String> = candidates
                        .iter()
                        .map(|c| format!("`{}` ({:.2})", c.name, c.score))
                        .collect();
                    format!(
                        "{kind} `{name}` is close to {} but not an exact catalogue name: \
                         write the catalogue's name, or use an import session to choose",
                        close.join(", ")
                    )
                })
            })
            .clone()
    };
    for sheet in &mut parsed.sheets {
        let mut bad_rows: BTreeSet<usize> = BTreeSet::new();
        for (row, p) in &sheet.rows {
            let Parsed::Listing(l) = p else { continue };
            for (ix, kind, field, name) in [
                (&cpus, "CPU", "cpu_name", &l.cpu_name),
                (&gpus, "GPU", "gpu_name", &l.gpu_name),
            ] {
                let Some(name) = name else { continue };
                if let Some(message) = review(ix, kind, name) {
                    bad_rows.insert(*row);
                    let issue = RowIssue {
                        sheet: sheet.sheet.clone(),
                        row: *row,
                        field: field.to_owned(),
                        code: "ambiguous_match".to_owned(),
                        message,
                    };
                    if sheet.preview.errors.len() < MAX_LISTED {
                        sheet.preview.errors.push(issue);
                    }
                }
            }
        }
        if !bad_rows.is_empty() {
            sheet.rows.retain(|(row, _)| !bad_rows.contains(row));
            sheet.preview.error_count += bad_rows.len();
            sheet.preview.valid_rows = sheet.rows.len();
            sheet.preview.errors.sort_by_key(|e| e.row);
        }
    }
}

pub(super) fn summarise(entity: Entity, parsed: &ParsedBook, a: &Analysis) -> Summary {
    let split = |ids: &mut dyn Iterator<Item = bool>| {
        ids.fold(
            (0, 0),
            |(c, u), update| {
                if update { (c, u + 1) } else { (c + 1, u) }
            },
        )
    };
    let (created, updated) = match entity {
        Entity::Cpu => split(&mut a.plan.cpus.iter().map(|c| c.id.is_some())),
        Entity::Gpu => split(&mut a.plan.gpus.iter().map(|g| g.id.is_some())),
        Entity::PortsProfile => split(&mut a.plan.ports_profiles.iter().map(|p| p.id.is_some())),
        Entity::Listing => split(&mut a.plan.listings.iter().map(|l| l.update_id.is_some())),
    };
    let valid: usize = parsed.sheets.iter().map(|s| s.rows.len()).sum();
    let new_names = |names: Vec<String>| {
        if entity == Entity::Listing {
            names
        } else {
            Vec::new()
        }
    };
    Summary {
        total_rows: parsed.sheets.iter().map(|s| s.preview.total_rows).sum(),
        created,
        updated,
        skipped: valid.saturating_sub(created + updated),
        invalid_rows: parsed.error_count(),
        new_cpus: new_names(
            a.plan
                .cpus
                .iter()
                .filter(|c| c.id.is_none())
                .map(|c| c.data.name.clone())
                .collect(),
        ),
        new_gpus: new_names(
            a.plan
                .gpus
                .iter()
                .filter(|g| g.id.is_none())
                .map(|g| g.data.name.clone())
                .collect(),
        ),
    }
}

/// What [`commit`] wrote.
#[derive(Debug, Clone)]
pub struct Committed {
    /// The `completed` session recording the import; its `result` holds the [`Counts`].
    pub session: ImportSession,
    /// What the recalculation must cover.
    pub touched: Touched,
}

/// Writes a prepared upload in ONE transaction (`Store::commit_import`, with the session
/// row and its `committed` audit); refused (`row_errors`) when any row has an error, so a
/// one-shot import is all or nothing.
pub async fn commit(store: &Store, p: Prepared, actor: Option<String>) -> Result<Committed> {
    if p.summary.invalid_rows > 0 {
        return Err(bad(
            "file",
            "row_errors",
            format!(
                "{} rows have errors; nothing was imported",
                p.summary.invalid_rows
            ),
        ));
    }
    let now = Utc::now();
    let plan = &p.analysis.plan;
    let mut session = ImportSession {
        id: uuid::Uuid::new_v4().to_string(),
        filename: p.filename.clone(),
        content_type: p.content_type.clone(),
        byte_size: i64::try_from(p.byte_size).unwrap_or(i64::MAX),
        checksum: p.checksum.clone(),
        // Nothing is kept: a one-shot import has no later step that reads the file.
        storage_ref: String::new(),
        status: ImportStatus::Completed,
        sheets: to_json(&p.sheets)?,
        mappings: to_json(&p.mappings)?,
        preview: to_json(&p.preview)?,
        conflicts: to_json(&p.analysis.conflicts)?,
        attached_fields: json!([]),
        resolutions: to_json(&decisions())?,
        result: None,
        error: None,
        created_by: actor,
        expires_at: now + chrono::Duration::days(7),
        created_at: now,
        updated_at: now,
    };
    let mut counts = Counts {
        skipped_rows: p.analysis.skipped,
        ..Counts::default()
    };
    session.result = Some(to_json(&counts)?);
    let audit = json!({
        "source": "importEntities",
        "entity": p.entity.as_str(),
        "rows": p.summary.total_rows,
    });
    let outcome = store
        .commit_import(plan, &session, audit, &|_, _| {})
        .await?;
    counts = counts.written(&outcome);
    // The counts with the created CPUs' ids, as a session commit records them.
    session.result = Some(to_json(&counts)?);
    let session = store.save_import_session(&session).await?;
    Ok(Committed {
        session,
        touched: Touched::of(plan, outcome.listing_ids),
    })
}
