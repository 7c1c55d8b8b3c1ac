//! The session workflow over the store and the upload directory (§7.1): create (store the
//! file, inspect, auto-map, preview) here; mappings, conflicts and custom fields in `edit`;
//! commit and cancel in `commit`. Every step re-reads the stored file and re-runs the pure
//! analysis, so the preview always reflects the current mappings, resolutions and catalogue.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::Utc;
use domain::custom_fields::CompiledDefinition;
use domain::model::{ImportSession, ImportStatus};
use serde::Serialize;
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};
use store::Store;

use super::bad;
use super::book::{self, ParsedBook};
use super::fields::Entity;
use super::plan::{Analysis, analyse};
use super::read::{self, FileKind, Sheet};
use super::rows::AttachedColumn;
use super::state::{AttachedField, Preview, Resolutions, SheetInfo, SheetMapping};
use crate::{Result, TransferError};

pub(super) fn to_json<T: Serialize>(v: &T) -> Result<Json> {
    serde_json::to_value(v).map_err(|e| TransferError::Invalid(e.to_string()))
}

pub(super) fn from_json<T: serde::de::DeserializeOwned + Default>(v: &Json) -> T {
    // Blobs are written by this module only; an unreadable one (older shape) starts empty.
    serde_json::from_value(v.clone()).unwrap_or_default()
}

/// A new upload.
#[derive(Debug)]
pub struct Upload<'a> {
    pub filename: &'a str,
    pub bytes: &'a [u8],
    /// Declared entity by sheet name (`""` = every sheet).
    pub declared: BTreeMap<String, Entity>,
    pub actor: Option<String>,
}

/// What a commit did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CommitResult {
    #[serde(flatten)]
    pub counts: Counts,
    /// What the recalculation must cover (not stored with the session).
    #[serde(skip)]
    pub touched: Touched,
}

/// What an import wrote that valuations depend on (DOMAIN.md §8): the listings it wrote and
/// the stored CPUs, GPUs and ports profiles it changed (their listings need new values too).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    pub listing_ids: Vec<i64>,
    pub updated_cpu_ids: Vec<i64>,
    pub updated_gpu_ids: Vec<i64>,
    pub updated_ports_profile_ids: Vec<i64>,
}

impl Touched {
    /// From the committed `plan` (rows with an id updated a stored row) and the ids of the
    /// listings the commit wrote.
    pub fn of(plan: &store::ImportPlan, listing_ids: Vec<i64>) -> Touched {
        Touched {
            listing_ids,
            updated_cpu_ids: plan.cpus.iter().filter_map(|c| c.id).collect(),
            updated_gpu_ids: plan.gpus.iter().filter_map(|g| g.id).collect(),
            updated_ports_profile_ids: plan.ports_profiles.iter().filter_map(|p| p.id).collect(),
        }
    }
}

/// Counts of a commit, as stored in the session's `result`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Counts {
    pub created_cpus: Vec<(i64, String)>,
    pub updated_cpus: usize,
    pub created_gpus: usize,
    pub updated_gpus: usize,
    pub created_ports_profiles: usize,
    pub updated_ports_profiles: usize,
    pub created_listings: usize,
    pub updated_listings: usize,
    pub skipped_rows: usize,
    pub invalid_rows: usize,
    pub job_id: Option<String>,
}

impl Counts {
    /// These counts with what the store wrote (skipped and invalid rows and the job are kept).
    pub fn written(self, o: &store::ImportOutcome) -> Counts {
        Counts {
            created_cpus: o.created_cpus.clone(),
            updated_cpus: o.updated_cpus,
            created_gpus: o.created_gpus,
            updated_gpus: o.updated_gpus,
            created_ports_profiles: o.created_ports_profiles,
            updated_ports_profiles: o.updated_ports_profiles,
            created_listings: o.created_listings,
            updated_listings: o.updated_listings,
            ..self
        }
    }
}

/// Loads a session; unknown → `NotFound`; past `expires_at` → marked `expired`.
pub async fn load(store: &Store, id: &str) -> Result<ImportSession> {
    let mut s = store
        .import_session(id)
        .await
        .map_err(|_| TransferError::NotFound(id.to_owned()))?
        .ok_or_else(|| TransferError::NotFound(id.to_owned()))?;
    let open = matches!(
        s.status,
        ImportStatus::MappingRequired | ImportStatus::Ready
    );
    if open && s.expires_at < Utc::now() {
        s.status = ImportStatus::Expired;
        s = store.save_import_session(&s).await?;
    }
    Ok(s)
}

pub(super) fn dom_entity(e: Entity) -> Result<domain::model::CustomFieldEntity> {
    e.as_str()
        .parse()
        .map_err(|_| TransferError::Invalid(format!("entity {}", e.as_str())))
}

pub(super) fn require_open(s: &ImportSession) -> Result<()> {
    match s.status {
        ImportStatus::MappingRequired | ImportStatus::Ready => Ok(()),
        other => Err(bad(
            "id",
            "session_closed",
            format!("the session is {}; start a new import", other.as_str()),
        )),
    }
}

/// Runs CPU-heavy import work (reading a workbook, parsing every row, planning) on tokio's
/// blocking pool: a 50,000-row upload takes seconds, which must not stall the async threads
/// serving other requests.
pub(super) async fn blocking<T, F>(f: F) -> Result<T>
where
    F: FnOnce() -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| TransferError::Invalid(format!("the import work stopped: {e}")))?
}

async fn read_file(root: &Path, s: &ImportSession) -> Result<Vec<Sheet>> {
    let path = root.join(&s.storage_ref);
    let name = s.filename.clone();
    blocking(move || read::read(&name, &std::fs::read(path)?)).await
}

async fn attached_columns(
    store: &Store,
    sheets: &[Sheet],
    attached: &[AttachedField],
) -> Result<BTreeMap<String, Vec<AttachedColumn>>> {
    let mut out: BTreeMap<String, Vec<AttachedColumn>> = BTreeMap::new();
    for a in attached {
        let entity = dom_entity(a.entity)?;
        let Some(def) = store
            .custom_fields(entity, false)
            .await?
            .into_iter()
            .find(|d| d.id == a.field_id && d.data.is_active)
        else {
            continue;
        };
        let def = CompiledDefinition::from_json(&to_json(&def.data)?)
            .map_err(|e| TransferError::Invalid(e.to_string()))?;
        let Some(column) = sheets
            .iter()
            .find(|s| s.name == a.sheet)
            .and_then(|s| s.column_index(&a.column))
        else {
            continue;
        };
        out.entry(a.sheet.clone())
            .or_default()
            .push(AttachedColumn {
                column,
                key: a.key.clone(),
                def,
            });
    }
    Ok(out)
}

/// Re-reads the file and recomputes preview, conflicts and status into `s`.
pub(super) async fn analyse_session(
    store: &Store,
    root: &Path,
    s: &mut ImportSession,
) -> Result<(ParsedBook, Analysis)> {
    let sheets = read_file(root, s).await?;
    analyse_sheets(store, s, sheets).await
}

/// [`analyse_session`] over sheets already read (a new upload is not read twice).
async fn analyse_sheets(
    store: &Store,
    s: &mut ImportSession,
    sheets: Vec<Sheet>,
) -> Result<(ParsedBook, Analysis)> {
    let mappings: Vec<SheetMapping> = from_json(&s.mappings);
    let attached: Vec<AttachedField> = from_json(&s.attached_fields);
    let res: Resolutions = from_json(&s.resolutions);
    let cols = attached_columns(store, &sheets, &attached).await?;
    // The sheets are dropped on the blocking thread too: freeing 50,000 rows of cells is work.
    let (parsed, urls, titles) = blocking(move || {
        let parsed = book::parse(&sheets, &mappings, &cols);
        let (urls, titles) = parsed.listing_keys();
        Ok((parsed, urls, titles))
    })
    .await?;
    let cat = store.import_catalogue(&urls, &titles).await?;
    let warnings = from_json::<Preview>(&s.preview).warnings;
    let (parsed, analysis, preview, conflicts) = blocking(move || {
        let analysis = analyse(&parsed, &cat, &res);
        let preview = Preview {
            entities: parsed.sheets.iter().map(|p| p.preview.clone()).collect(),
            matches: analysis.matches.clone(),
            warnings,
            row_errors: parsed.error_count(),
        };
        let (preview, conflicts) = (to_json(&preview)?, to_json(&analysis.conflicts)?);
        Ok((parsed, analysis, preview, conflicts))
    })
    .await?;
    s.preview = preview;
    s.conflicts = conflicts;
    s.status = if parsed.mapped() {
        ImportStatus::Ready
    } else {
        ImportStatus::MappingRequired
    };
    Ok((parsed, analysis))
}

/// Creates a session from an upload (§7.1 steps 1–4).
pub async fn create(store: &Store, root: &Path, up: Upload<'_>) -> Result<ImportSession> {
    let kind = FileKind::of(up.filename)?;
    if up.bytes.len() > read::MAX_BYTES {
        return Err(read::too_large(up.bytes.len()));
    }
    // The blocking pool needs owned input: a copy of the upload (at most 20 MiB) is cheap
    // next to reading it.
    let (filename, bytes, declared) = (up.filename.to_owned(), up.bytes.to_vec(), up.declared);
    let (sheets, infos, mappings, checksum) = blocking(move || {
        let sheets = read::read(&filename, &bytes)?;
        for name in declared.keys() {
            if !name.is_empty() && !sheets.iter().any(|s| &s.name == name) {
                return Err(bad(
                    "declaredEntities",
                    "unknown_sheet",
                    format!("the file has no sheet `{name}`"),
                ));
            }
        }
        let infos: Vec<SheetInfo> = book::inspect(&sheets, &declared);
        let mappings = book::initial_mappings(&infos);
        let checksum: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok((sheets, infos, mappings, checksum))
    })
    .await?;
    let id = uuid::Uuid::new_v4().to_string();
    let mut warnings = Vec::new();
    if let Some(prev) = store.import_session_by_checksum(&checksum, &id).await? {
        warnings.push(format!(
            "the same file was uploaded before (session {}, {})",
            prev.id,
            prev.status.as_str()
        ));
    }
    let ext = up
        .filename
        .rsplit_once('.')
        .map_or("", |(_, e)| e)
        .to_ascii_lowercase();
    let storage_ref = format!("sessions/{id}.{ext}");
    let path = root.join(&storage_ref);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, up.bytes)?;
    let now = Utc::now();
    let mut s = ImportSession {
        id: id.clone(),
        filename: up
            .filename
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(up.filename)
            .to_owned(),
        content_type: kind.content_type(up.filename).to_owned(),
        byte_size: i64::try_from(up.bytes.len()).unwrap_or(i64::MAX),
        checksum,
        storage_ref,
        status: ImportStatus::MappingRequired,
        sheets: to_json(&infos)?,
        mappings: to_json(&mappings)?,
        preview: to_json(&Preview {
            warnings,
            ..Preview::default()
        })?,
        conflicts: json!({}),
        attached_fields: json!([]),
        resolutions: json!({}),
        result: None,
        error: None,
        created_by: up.actor,
        expires_at: now + chrono::Duration::days(7),
        created_at: now,
        updated_at: now,
    };
    analyse_sheets(store, &mut s, sheets).await?;
    let s = store.save_import_session(&s).await?;
    store
        .add_import_audit(
            &id,
            "created",
            Some(&s.filename),
            json!({"bytes": s.byte_size}),
        )
        .await?;
    Ok(s)
}

pub use super::commit::{cancel, commit, record_job};
pub use super::edit::{MappingChange, attach_custom_field, refresh_conflicts, update_mappings};
