//! GraphQL shapes of an import session's preview (rows, row errors, CPU/GPU matches) and
//! conflicts, mapped from `transfer::import::state`.

use async_graphql::{ID, Json, SimpleObject};
use transfer::import::{cells, state};

use super::types::{
    ImportCpuAction, ImportEntity, ImportListingAction, ImportListingConflictKind, ImportMatchKind,
    ImportMatchStatus, n,
};
use crate::types::scalars::global_id;

/// A problem with one row.
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportRowIssue {
    /// Sheet name.
    pub sheet: String,
    /// Spreadsheet row (1-based; the header is row 1).
    pub row: i32,
    /// Entity field, or `attributes.<key>` for a custom field.
    pub field: String,
    /// Stable code (`missing`, `invalid_price`, `formula`, `duplicate_url`, …).
    pub code: String,
    /// Explanation.
    pub message: String,
}

impl From<cells::RowIssue> for ImportRowIssue {
    fn from(i: cells::RowIssue) -> Self {
        Self {
            sheet: i.sheet,
            row: n(i.row),
            field: i.field,
            code: i.code,
            message: i.message,
        }
    }
}

fn issues(v: Vec<cells::RowIssue>) -> Vec<ImportRowIssue> {
    v.into_iter().map(Into::into).collect()
}

/// A preview row.
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportPreviewRow {
    /// Spreadsheet row.
    pub row: i32,
    /// Mapped cells as read (`{field: text}`).
    pub values: Json<serde_json::Value>,
    /// The row's errors.
    pub errors: Vec<ImportRowIssue>,
}

/// The preview of one sheet.
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportEntityPreview {
    /// Entity of the sheet.
    pub entity: ImportEntity,
    /// Sheet name.
    pub sheet: String,
    /// Data rows.
    pub total_rows: i32,
    /// Rows without errors.
    pub valid_rows: i32,
    /// The first five rows.
    pub rows: Vec<ImportPreviewRow>,
    /// Rows with errors.
    pub error_count: i32,
    /// Row errors (the first 500).
    pub errors: Vec<ImportRowIssue>,
    /// Row warnings (the first 500), e.g. an unknown condition read as used.
    pub warnings: Vec<ImportRowIssue>,
    /// Required fields without a column.
    pub missing_required: Vec<String>,
}

/// A catalogue entry proposed for a name.
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportMatchCandidate {
    /// Catalogue name.
    pub name: String,
    /// Similarity, 0–1.
    pub score: f64,
}

/// A CPU/GPU name of the listing rows that is not an exact catalogue name.
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportNameMatch {
    /// CPU or GPU.
    pub kind: ImportMatchKind,
    /// The name in the file.
    pub name: String,
    /// Listing rows naming it.
    pub rows: i32,
    /// Match status.
    pub status: ImportMatchStatus,
    /// The best three candidates.
    pub candidates: Vec<ImportMatchCandidate>,
    /// The name the rows link to (a new CPU/GPU when not in the catalogue).
    pub resolved_to: Option<String>,
    /// Whether it is decided (review matches need a choice).
    pub resolved: bool,
}

/// The preview (§7.1 step 4).
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportPreview {
    /// One per sheet with an entity.
    pub entities: Vec<ImportEntityPreview>,
    /// Fuzzy, review and unmatched CPU/GPU names (the first 500).
    pub matches: Vec<ImportNameMatch>,
    /// Session warnings (e.g. the same file was uploaded before).
    pub warnings: Vec<String>,
    /// Rows with errors over all sheets.
    pub row_errors: i32,
}

impl From<state::Preview> for ImportPreview {
    fn from(p: state::Preview) -> Self {
        Self {
            entities: p
                .entities
                .into_iter()
                .map(|e| ImportEntityPreview {
                    entity: e.entity.into(),
                    sheet: e.sheet,
                    total_rows: n(e.total_rows),
                    valid_rows: n(e.valid_rows),
                    rows: e
                        .rows
                        .into_iter()
                        .map(|r| ImportPreviewRow {
                            row: n(r.row),
                            values: Json(serde_json::json!(r.values)),
                            errors: issues(r.errors),
                        })
                        .collect(),
                    error_count: n(e.error_count),
                    errors: issues(e.errors),
                    warnings: issues(e.warnings),
                    missing_required: e.missing_required,
                })
                .collect(),
            matches: p
                .matches
                .into_iter()
                .map(|m| ImportNameMatch {
                    kind: m.kind.into(),
                    name: m.name,
                    rows: n(m.rows),
                    status: m.status.into(),
                    candidates: m
                        .candidates
                        .into_iter()
                        .map(|c| ImportMatchCandidate {
                            name: c.name,
                            score: c.score,
                        })
                        .collect(),
                    resolved_to: m.resolved_to,
                    resolved: m.resolved,
                })
                .collect(),
            warnings: p.warnings,
            row_errors: n(p.row_errors),
        }
    }
}

/// One changed value of a CPU conflict.
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportFieldChange {
    /// CPU field.
    pub field: String,
    /// Stored value.
    pub existing: Option<String>,
    /// Value in the file.
    pub incoming: Option<String>,
}

/// A stored CPU the upload would change.
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportCpuConflict {
    /// CPU name.
    pub name: String,
    /// The stored CPU's global id.
    pub existing_id: ID,
    /// What would change.
    pub changes: Vec<ImportFieldChange>,
    /// The decision, once made.
    pub action: Option<ImportCpuAction>,
}

/// A listing row that meets a stored listing (§7.2).
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportListingConflict {
    /// Sheet name.
    pub sheet: String,
    /// Spreadsheet row.
    pub row: i32,
    /// Why.
    pub kind: ImportListingConflictKind,
    /// The stored listing's global id.
    pub existing_id: ID,
    /// The row's title.
    pub title: String,
    /// The decision (URL matches default to update).
    pub action: Option<ImportListingAction>,
}

/// Conflicts with stored rows (§7.1 step 5).
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportConflicts {
    /// CPU conflicts (the first 500).
    pub cpus: Vec<ImportCpuConflict>,
    /// Listing conflicts (the first 500).
    pub listings: Vec<ImportListingConflict>,
    /// All CPU conflicts.
    pub cpu_count: i32,
    /// All listing conflicts.
    pub listing_count: i32,
    /// Conflicts and review matches still without a decision (commit needs 0).
    pub unresolved: i32,
}

impl From<state::Conflicts> for ImportConflicts {
    fn from(c: state::Conflicts) -> Self {
        Self {
            cpus: c
                .cpus
                .into_iter()
                .map(|x| ImportCpuConflict {
                    name: x.name,
                    existing_id: global_id("Cpu", x.existing_id),
                    changes: x
                        .changes
                        .into_iter()
                        .map(|f| ImportFieldChange {
                            field: f.field,
                            existing: f.existing,
                            incoming: f.incoming,
                        })
                        .collect(),
                    action: x.action.map(Into::into),
                })
                .collect(),
            listings: c
                .listings
                .into_iter()
                .map(|x| ImportListingConflict {
                    sheet: x.sheet,
                    row: n(x.row),
                    kind: x.kind.into(),
                    existing_id: global_id("Listing", x.existing_id),
                    title: x.title,
                    action: x.action.map(Into::into),
                })
                .collect(),
            cpu_count: n(c.cpu_count),
            listing_count: n(c.listing_count),
            unresolved: n(c.unresolved),
        }
    }
}
