//! GraphQL shapes of an import session (§7.1), mapped from what `transfer::import` stores.

use async_graphql::{ComplexObject, Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};
use domain::model as m;
use transfer::import::{fields, matching, state};

use super::preview::{ImportConflicts, ImportPreview};

use crate::types::scalars::global_id;

macro_rules! mirror {
    ($(#[$doc:meta])* $name:ident => $dom:path { $($(#[$vdoc:meta])* $v:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($(#[$vdoc])* $v,)+ }
        impl From<$dom> for $name {
            fn from(v: $dom) -> Self { use $dom as D; match v { $(D::$v => $name::$v,)+ } }
        }
        impl From<$name> for $dom {
            fn from(v: $name) -> Self { use $dom as D; match v { $($name::$v => D::$v,)+ } }
        }
    };
}

mirror!(
    /// What a sheet holds.
    ImportEntity => fields::Entity {
        /// CPUs (catalogue).
        Cpu,
        /// GPUs (catalogue).
        Gpu,
        /// Ports profiles.
        PortsProfile,
        /// Listings.
        Listing,
    }
);
mirror!(
    /// How a field got its column.
    ImportMappingStatus => fields::MapStatus {
        /// Mapped automatically (confidence ≥ 0.65).
        Auto,
        /// Chosen by a person.
        Manual,
        /// No column.
        Missing,
    }
);
mirror!(
    /// How a listing's CPU/GPU name matched the catalogue.
    ImportMatchStatus => matching::MatchStatus {
        /// Linked without asking (score ≥ 0.90).
        Auto,
        /// Needs a choice (score ≥ 0.75, or a tie).
        Review,
        /// Nothing close: a new CPU/GPU is created unless a choice redirects it.
        Unmatched,
    }
);
mirror!(
    /// CPU or GPU.
    ImportMatchKind => state::MatchKind {
        /// A CPU name.
        Cpu,
        /// A GPU name.
        Gpu,
    }
);
mirror!(
    /// What to do with a stored CPU the upload changes.
    ImportCpuAction => state::CpuAction {
        /// Incoming non-null values win.
        Update,
        /// Keep the stored CPU (`skip` means the same).
        Keep,
    }
);
mirror!(
    /// What to do with a listing row that meets a stored listing.
    ImportListingAction => state::ListingAction {
        /// Update the stored listing (URL matches; the default for them).
        Update,
        /// Leave the row out.
        Skip,
        /// Create a new listing anyway (possible duplicates).
        Create,
    }
);
mirror!(
    /// Why a listing row meets a stored listing.
    ImportListingConflictKind => state::ListingConflictKind {
        /// Same `url_key`.
        UrlMatch,
        /// No URL, and a stored listing has the same title and price.
        PossibleDuplicate,
    }
);

pub(super) fn n(x: usize) -> i32 {
    i32::try_from(x).unwrap_or(i32::MAX)
}

/// A column of a sheet.
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportColumn {
    /// Header text.
    pub name: String,
    /// Up to three sample values.
    pub samples: Vec<String>,
}

/// An inspected sheet.
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportSheet {
    /// Sheet name (the file name for CSV/TSV).
    pub name: String,
    /// Data rows (blank rows not counted).
    pub row_count: i32,
    /// Columns with samples.
    pub columns: Vec<ImportColumn>,
    /// Inferred (or declared) entity; null below confidence 0.25.
    pub entity: Option<ImportEntity>,
    /// Entity score, 0–1.15.
    pub confidence: f64,
}

impl From<state::SheetInfo> for ImportSheet {
    fn from(s: state::SheetInfo) -> Self {
        Self {
            name: s.name,
            row_count: n(s.row_count),
            columns: s
                .columns
                .into_iter()
                .map(|c| ImportColumn {
                    name: c.name,
                    samples: c.samples,
                })
                .collect(),
            entity: s.entity.map(Into::into),
            confidence: s.confidence,
        }
    }
}

/// A candidate column for a field.
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportColumnSuggestion {
    /// Column name.
    pub column: String,
    /// Similarity, 0–1.
    pub confidence: f64,
}

/// The column of one field.
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportFieldMapping {
    /// Entity field (`price_usd`, `cpu_name`, …).
    pub field: String,
    /// Whether the field is required.
    pub required: bool,
    /// The mapped column.
    pub column: Option<String>,
    /// Similarity of the mapped column (1 for an exact alias).
    pub confidence: f64,
    /// How it was mapped.
    pub status: ImportMappingStatus,
    /// The five best columns.
    pub suggestions: Vec<ImportColumnSuggestion>,
}

/// The mapping of one sheet.
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportSheetMapping {
    /// Sheet name.
    pub sheet: String,
    /// The sheet's entity (null: the sheet is not imported).
    pub entity: Option<ImportEntity>,
    /// One entry per field of the entity.
    pub fields: Vec<ImportFieldMapping>,
}

impl From<state::SheetMapping> for ImportSheetMapping {
    fn from(m: state::SheetMapping) -> Self {
        Self {
            sheet: m.sheet,
            entity: m.entity.map(Into::into),
            fields: m
                .fields
                .into_iter()
                .map(|f| ImportFieldMapping {
                    field: f.field,
                    required: f.required,
                    column: f.column,
                    confidence: f.confidence,
                    status: f.status.into(),
                    suggestions: f
                        .suggestions
                        .into_iter()
                        .map(|s| ImportColumnSuggestion {
                            column: s.column,
                            confidence: s.confidence,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// A column imported into a custom field.
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportAttachedField {
    /// Sheet name.
    pub sheet: String,
    /// Column name.
    pub column: String,
    /// Entity of the field.
    pub entity: ImportEntity,
    /// Field key.
    pub key: String,
    /// The definition's global id.
    pub field_id: ID,
}

/// A CPU created by a commit.
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportCreatedCpu {
    /// Global id.
    pub id: ID,
    /// Name.
    pub name: String,
}

/// What a commit wrote.
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportResult {
    /// CPUs created (from CPU sheets and unmatched listing CPU names).
    pub created_cpus: Vec<ImportCreatedCpu>,
    /// CPUs updated.
    pub updated_cpus: i32,
    /// GPUs created.
    pub created_gpus: i32,
    /// GPUs updated.
    pub updated_gpus: i32,
    /// Ports profiles created.
    pub created_ports_profiles: i32,
    /// Ports profiles updated.
    pub updated_ports_profiles: i32,
    /// Listings created.
    pub created_listings: i32,
    /// Listings updated (URL matches).
    pub updated_listings: i32,
    /// Listing rows left out by a decision.
    pub skipped_rows: i32,
    /// Rows with errors left out (`skipInvalidRows`).
    pub invalid_rows: i32,
    /// The recalculation job of the imported listings.
    pub job_id: Option<String>,
}

impl From<transfer::import::session::Counts> for ImportResult {
    fn from(c: transfer::import::session::Counts) -> Self {
        Self {
            created_cpus: c
                .created_cpus
                .into_iter()
                .map(|(id, name)| ImportCreatedCpu {
                    id: global_id("Cpu", id),
                    name,
                })
                .collect(),
            updated_cpus: n(c.updated_cpus),
            created_gpus: n(c.created_gpus),
            updated_gpus: n(c.updated_gpus),
            created_ports_profiles: n(c.created_ports_profiles),
            updated_ports_profiles: n(c.updated_ports_profiles),
            created_listings: n(c.created_listings),
            updated_listings: n(c.updated_listings),
            skipped_rows: n(c.skipped_rows),
            invalid_rows: n(c.invalid_rows),
            job_id: c.job_id,
        }
    }
}

/// Progress of a running commit.
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportProgress {
    /// Listings written.
    pub done: i64,
    /// Listings planned.
    pub total: i64,
}

/// An import session (workbook or CSV upload, §7.1).
#[derive(SimpleObject, Debug, Clone)]
#[graphql(complex)]
pub struct ImportSession {
    /// Session id (UUID).
    pub id: String,
    /// Uploaded file name.
    pub filename: String,
    /// Media type of the upload.
    pub content_type: String,
    /// Size in bytes.
    pub byte_size: i64,
    /// SHA-256 of the file, hex.
    pub checksum: String,
    /// Status (`mapping_required`, `ready`, `committing`, `completed`, `failed`, `cancelled`, `expired`).
    pub status: String,
    /// Why the last commit failed.
    pub error: Option<String>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When it expires (7 days after the upload).
    pub expires_at: DateTime<Utc>,
    #[graphql(skip)]
    pub inner: Box<m::ImportSession>,
}

fn blob<T: serde::de::DeserializeOwned + Default>(v: &serde_json::Value) -> T {
    serde_json::from_value(v.clone()).unwrap_or_default()
}

#[ComplexObject]
impl ImportSession {
    /// Inspected sheets.
    async fn sheets(&self) -> Vec<ImportSheet> {
        blob::<Vec<state::SheetInfo>>(&self.inner.sheets)
            .into_iter()
            .map(Into::into)
            .collect()
    }

    /// Column mappings per sheet.
    async fn mappings(&self) -> Vec<ImportSheetMapping> {
        blob::<Vec<state::SheetMapping>>(&self.inner.mappings)
            .into_iter()
            .map(Into::into)
            .collect()
    }

    /// Preview rows, row errors and CPU/GPU matches.
    async fn preview(&self) -> ImportPreview {
        blob::<state::Preview>(&self.inner.preview).into()
    }

    /// Conflicts with stored CPUs and listings.
    async fn conflicts(&self) -> ImportConflicts {
        blob::<state::Conflicts>(&self.inner.conflicts).into()
    }

    /// Columns imported into custom fields.
    async fn attached_fields(&self) -> Vec<ImportAttachedField> {
        blob::<Vec<state::AttachedField>>(&self.inner.attached_fields)
            .into_iter()
            .map(|a| ImportAttachedField {
                sheet: a.sheet,
                column: a.column,
                entity: a.entity.into(),
                key: a.key,
                field_id: global_id("CustomField", a.field_id),
            })
            .collect()
    }

    /// What the commit wrote (once completed).
    async fn result(&self) -> Option<ImportResult> {
        self.counts().map(Into::into)
    }

    /// Progress of a running commit (listings written / planned); once completed, the
    /// final count; null before.
    async fn progress(&self) -> Option<ImportProgress> {
        if let Some(p) = transfer::import::progress::get(&self.id) {
            return Some(ImportProgress {
                done: i64::try_from(p.done).unwrap_or(i64::MAX),
                total: i64::try_from(p.total).unwrap_or(i64::MAX),
            });
        }
        let r = self.counts()?;
        let total = i64::try_from(r.created_listings + r.updated_listings).unwrap_or(i64::MAX);
        (self.status == "completed").then_some(ImportProgress { done: total, total })
    }
}

impl ImportSession {
    fn counts(&self) -> Option<transfer::import::session::Counts> {
        let r = self.inner.result.as_ref()?;
        serde_json::from_value(r.clone()).ok()
    }
}

impl From<m::ImportSession> for ImportSession {
    fn from(s: m::ImportSession) -> Self {
        Self {
            id: s.id.clone(),
            filename: s.filename.clone(),
            content_type: s.content_type.clone(),
            byte_size: s.byte_size,
            checksum: s.checksum.clone(),
            status: s.status.as_str().to_owned(),
            error: s.error.clone(),
            created_at: s.created_at,
            expires_at: s.expires_at,
            inner: Box::new(s),
        }
    }
}
