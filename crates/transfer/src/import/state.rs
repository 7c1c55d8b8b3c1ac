//! What a session keeps between requests, as stored in its JSON columns: sheet inspection,
//! mappings, attached custom fields, resolutions, preview and conflicts. Plain serde types;
//! the API maps them to GraphQL objects.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::cells::RowIssue;
use super::fields::{Entity, FieldMapping};
use super::matching::{Candidate, MatchStatus};

/// A column of a sheet with a few sample values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnInfo {
    pub name: String,
    pub samples: Vec<String>,
}

/// One inspected sheet (§7.1 step 2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetInfo {
    pub name: String,
    pub row_count: usize,
    pub columns: Vec<ColumnInfo>,
    pub entity: Option<Entity>,
    pub confidence: f64,
}

/// The mapping of one sheet (§7.1 step 3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetMapping {
    pub sheet: String,
    pub entity: Option<Entity>,
    pub fields: Vec<FieldMapping>,
}

/// A column imported into a custom field (§7.1 step 6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachedField {
    pub sheet: String,
    pub column: String,
    pub entity: Entity,
    pub key: String,
    pub field_id: i64,
}

/// What to do with an existing CPU that the upload changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CpuAction {
    /// Incoming non-null values win.
    Update,
    /// The stored CPU stays as it is.
    Keep,
}

/// What to do with a listing row that matches an existing listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingAction {
    Update,
    Skip,
    Create,
}

/// The choice for a `review` (or any) name match: an existing name, or `None` = create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchChoice {
    pub existing: Option<String>,
}

/// The user's decisions, merged by `refreshImportConflicts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Resolutions {
    /// By CPU `name_key`.
    pub cpus: BTreeMap<String, CpuAction>,
    /// For CPU conflicts without their own choice.
    pub cpu_default: Option<CpuAction>,
    /// By `sheet!row`.
    pub listings: BTreeMap<String, ListingAction>,
    /// For URL matches without their own choice (`update` when unset).
    pub url_match_default: Option<ListingAction>,
    /// For possible duplicates without their own choice (none: they must be resolved).
    pub duplicate_default: Option<ListingAction>,
    /// By `cpu:<name_key>` / `gpu:<name_key>`.
    pub matches: BTreeMap<String, MatchChoice>,
}

/// The key of a listing row in [`Resolutions::listings`].
pub fn row_key(sheet: &str, row: usize) -> String {
    format!("{sheet}!{row}")
}

/// A preview row: the mapped cells as read, and the row's problems.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewRow {
    pub row: usize,
    pub values: BTreeMap<String, String>,
    pub errors: Vec<RowIssue>,
}

/// The preview of one sheet's entity (§7.1 step 4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityPreview {
    pub entity: Entity,
    pub sheet: String,
    pub total_rows: usize,
    pub valid_rows: usize,
    /// The first five rows.
    pub rows: Vec<PreviewRow>,
    pub error_count: usize,
    /// The first [`MAX_LISTED`] row errors.
    pub errors: Vec<RowIssue>,
    pub warnings: Vec<RowIssue>,
    /// Required fields without a column.
    pub missing_required: Vec<String>,
}

/// How many row errors, conflicts or matches a session lists (counts stay exact).
pub const MAX_LISTED: usize = 500;

/// CPU or GPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    Cpu,
    Gpu,
}

/// A distinct CPU/GPU name of the listing rows and its match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NameMatch {
    pub kind: MatchKind,
    pub name: String,
    /// Listing rows naming it.
    pub rows: usize,
    pub status: MatchStatus,
    pub candidates: Vec<Candidate>,
    /// The name the rows will link to (`None` = a new CPU/GPU of this name), once decided.
    pub resolved_to: Option<String>,
    /// Whether the rows are linked without further input.
    pub resolved: bool,
}

/// The whole preview.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    pub entities: Vec<EntityPreview>,
    pub matches: Vec<NameMatch>,
    /// Session-level warnings (e.g. the same file uploaded before).
    pub warnings: Vec<String>,
    pub row_errors: usize,
}

/// One changed value of a CPU conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub existing: Option<String>,
    pub incoming: Option<String>,
}

/// An existing CPU the upload would change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CpuConflict {
    pub name: String,
    pub existing_id: i64,
    pub changes: Vec<FieldChange>,
    pub action: Option<CpuAction>,
}

/// Why a listing row meets an existing listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingConflictKind {
    UrlMatch,
    PossibleDuplicate,
}

/// A listing row that meets an existing listing (§7.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListingConflict {
    pub sheet: String,
    pub row: usize,
    pub kind: ListingConflictKind,
    pub existing_id: i64,
    pub title: String,
    pub action: Option<ListingAction>,
}

/// Conflicts with stored rows (§7.1 step 5).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Conflicts {
    pub cpus: Vec<CpuConflict>,
    pub listings: Vec<ListingConflict>,
    pub cpu_count: usize,
    pub listing_count: usize,
    /// Conflicts and review matches still without a decision.
    pub unresolved: usize,
}
