//! The session workflow over the store and the upload directory (§7.1): create (store the
//! file, inspect, auto-map, preview), update mappings, resolve conflicts, attach custom
//! fields, commit, cancel. Every step re-reads the stored file and re-runs the pure analysis,
//! so the preview always reflects the current mappings, resolutions and catalogue.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::Utc;
use domain::custom_fields::CompiledDefinition;
use domain::model::{CustomFieldData, CustomFieldType, ImportSession, ImportStatus, Visibility};
use serde::Serialize;
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};
use store::{ImportOutcome, Store};

use super::book::{self, ParsedBook};
use super::fields::{Entity, MapStatus, field_score, round2};
use super::plan::{Analysis, analyse};
use super::read::{self, FileKind, Sheet};
use super::rows::AttachedColumn;
use super::state::{AttachedField, Preview, Resolutions, SheetInfo, SheetMapping};
use super::{bad, progress};
use crate::{Result, TransferError};

fn to_json<T: Serialize>(v: &T) -> Result<Json> {
    serde_json::to_value(v).map_err(|e| TransferError::Invalid(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned + Default>(v: &Json) -> T {
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
    /// Every listing written: the recalculation's scope (not stored with the session).
    #[serde(skip)]
    pub listing_ids: Vec<i64>,
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

fn dom_entity(e: Entity) -> Result<domain::model::CustomFieldEntity> {
    e.as_str()
        .parse()
        .map_err(|_| TransferError::Invalid(format!("entity {}", e.as_str())))
}

fn require_open(s: &ImportSession) -> Result<()> {
    match s.status {
        ImportStatus::MappingRequired | ImportStatus::Ready => Ok(()),
        other => Err(bad(
            "id",
            "session_closed",
            format!("the session is {}; start a new import", other.as_str()),
        )),
    }
}

fn read_file(root: &Path, s: &ImportSession) -> Result<Vec<Sheet>> {
    let bytes = std::fs::read(root.join(&s.storage_ref))?;
    read::read(&s.filename, &bytes)
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
async fn analyse_session(
    store: &Store,
    root: &Path,
    s: &mut ImportSession,
) -> Result<(ParsedBook, Analysis)> {
    let sheets = read_file(root, s)?;
    let mappings: Vec<SheetMapping> = from_json(&s.mappings);
    let attached: Vec<AttachedField> = from_json(&s.attached_fields);
    let res: Resolutions = from_json(&s.resolutions);
    let cols = attached_columns(store, &sheets, &attached).await?;
    let parsed = book::parse(&sheets, &mappings, &cols);
    drop(sheets);
    let (urls, titles) = parsed.listing_keys();
    let cat = store.import_catalogue(&urls, &titles).await?;
    let analysis = analyse(&parsed, &cat, &res);
    let old: Preview = from_json(&s.preview);
    let preview = Preview {
        entities: parsed.sheets.iter().map(|p| p.preview.clone()).collect(),
        matches: analysis.matches.clone(),
        warnings: old.warnings,
        row_errors: parsed.error_count(),
    };
    s.preview = to_json(&preview)?;
    s.conflicts = to_json(&analysis.conflicts)?;
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
    let sheets = read::read(up.filename, up.bytes)?;
    for name in up.declared.keys() {
        if !name.is_empty() && !sheets.iter().any(|s| &s.name == name) {
            return Err(bad(
                "declaredEntities",
                "unknown_sheet",
                format!("the file has no sheet `{name}`"),
            ));
        }
    }
    let infos: Vec<SheetInfo> = book::inspect(&sheets, &up.declared);
    let mappings = book::initial_mappings(&infos);
    drop(sheets);
    let id = uuid::Uuid::new_v4().to_string();
    let checksum: String = Sha256::digest(up.bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
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
    analyse_session(store, root, &mut s).await?;
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

/// One mapping change: the sheet's entity and/or a field's column (`None` unmaps it).
#[derive(Debug, Clone)]
pub struct MappingChange {
    pub sheet: String,
    pub entity: Option<Entity>,
    pub field: Option<String>,
    pub column: Option<String>,
}

/// Merges user choices into the mappings (status `manual`) and re-analyses.
pub async fn update_mappings(
    store: &Store,
    root: &Path,
    id: &str,
    changes: &[MappingChange],
) -> Result<ImportSession> {
    let mut s = load(store, id).await?;
    require_open(&s)?;
    let infos: Vec<SheetInfo> = from_json(&s.sheets);
    let mut maps: Vec<SheetMapping> = from_json(&s.mappings);
    for (i, c) in changes.iter().enumerate() {
        let path = format!("mappings.{i}");
        let info = infos.iter().find(|x| x.name == c.sheet).ok_or_else(|| {
            bad(
                &format!("{path}.sheet"),
                "unknown_sheet",
                format!("no sheet `{}`", c.sheet),
            )
        })?;
        let cols: Vec<String> = info.columns.iter().map(|c| c.name.clone()).collect();
        let Some(m) = maps.iter_mut().find(|m| m.sheet == c.sheet) else {
            continue;
        };
        if let Some(e) = c.entity
            && m.entity != Some(e)
        {
            m.entity = Some(e);
            m.fields = super::fields::auto_map(e, &cols);
        }
        let Some(field) = &c.field else { continue };
        let entity = m.entity.ok_or_else(|| {
            bad(
                &format!("{path}.entity"),
                "no_entity",
                "choose the sheet's entity first",
            )
        })?;
        let spec = entity.field(field).ok_or_else(|| {
            bad(
                &format!("{path}.field"),
                "unknown_field",
                format!("{} has no field `{field}`", entity.as_str()),
            )
        })?;
        if let Some(col) = &c.column
            && !cols.contains(col)
        {
            return Err(bad(
                &format!("{path}.column"),
                "unknown_column",
                format!("sheet `{}` has no column `{col}`", c.sheet),
            ));
        }
        for f in &mut m.fields {
            if f.field == *field {
                f.column.clone_from(&c.column);
                f.status = if c.column.is_some() {
                    MapStatus::Manual
                } else {
                    MapStatus::Missing
                };
                f.confidence = c
                    .column
                    .as_deref()
                    .map_or(0.0, |col| round2(field_score(spec, col)));
            } else if c.column.is_some() && f.column == c.column {
                // A column serves one field.
                f.column = None;
                f.status = MapStatus::Missing;
                f.confidence = 0.0;
            }
        }
    }
    s.mappings = to_json(&maps)?;
    analyse_session(store, root, &mut s).await?;
    Ok(store.save_import_session(&s).await?)
}

/// Merges decisions (non-empty maps and set defaults win) and recomputes the conflicts.
pub async fn refresh_conflicts(
    store: &Store,
    root: &Path,
    id: &str,
    patch: Resolutions,
) -> Result<ImportSession> {
    let mut s = load(store, id).await?;
    require_open(&s)?;
    let mut r: Resolutions = from_json(&s.resolutions);
    r.cpus.extend(patch.cpus);
    r.listings.extend(patch.listings);
    r.matches.extend(patch.matches);
    r.cpu_default = patch.cpu_default.or(r.cpu_default);
    r.url_match_default = patch.url_match_default.or(r.url_match_default);
    r.duplicate_default = patch.duplicate_default.or(r.duplicate_default);
    s.resolutions = to_json(&r)?;
    analyse_session(store, root, &mut s).await?;
    Ok(store.save_import_session(&s).await?)
}

/// Imports a column into a custom field of the sheet's entity, creating the definition when
/// its key is free and reusing an active one with that key (§7.1 step 6).
pub async fn attach_custom_field(
    store: &Store,
    root: &Path,
    id: &str,
    sheet: &str,
    column: &str,
    key: Option<&str>,
    data_type: CustomFieldType,
) -> Result<ImportSession> {
    let mut s = load(store, id).await?;
    require_open(&s)?;
    let maps: Vec<SheetMapping> = from_json(&s.mappings);
    let infos: Vec<SheetInfo> = from_json(&s.sheets);
    let entity = maps
        .iter()
        .find(|m| m.sheet == sheet)
        .and_then(|m| m.entity)
        .ok_or_else(|| {
            bad(
                "sheet",
                "no_entity",
                format!("sheet `{sheet}` has no entity"),
            )
        })?;
    if !infos
        .iter()
        .any(|i| i.name == sheet && i.columns.iter().any(|c| c.name == column))
    {
        return Err(bad(
            "column",
            "unknown_column",
            format!("sheet `{sheet}` has no column `{column}`"),
        ));
    }
    let dom_entity = dom_entity(entity)?;
    let key_entity = domain::custom_fields::CustomFieldEntity::parse(entity.as_str())
        .ok_or_else(|| TransferError::Invalid("entity".into()))?;
    let key = domain::custom_fields::normalize_key(key_entity, key, column)
        .map_err(|e| bad("key", e.kind.as_str(), e.message))?;
    let existing = store
        .custom_fields(dom_entity, true)
        .await?
        .into_iter()
        .find(|d| d.data.key == key);
    let field_id = match existing {
        Some(d) if d.data.is_active && d.data.deleted_at.is_none() => d.id,
        Some(_) => {
            return Err(bad(
                "key",
                "key_taken",
                format!("custom field `{key}` is deleted or inactive"),
            ));
        }
        None => {
            let d = CustomFieldData {
                entity: dom_entity,
                key: key.clone(),
                label: column.chars().take(128).collect(),
                data_type,
                description: Some(format!("Imported from `{}`", s.filename)),
                required: false,
                default_value: None,
                options: None,
                validation: None,
                is_active: true,
                is_locked: false,
                visibility: Visibility::Public,
                display_order: 100,
                created_by: s.created_by.clone(),
                deleted_at: None,
            };
            CompiledDefinition::from_json(&to_json(&d)?)
                .map_err(|e| bad("dataType", e.kind.as_str(), e.message))?;
            store.create_custom_field(&d).await?.id
        }
    };
    let mut attached: Vec<AttachedField> = from_json(&s.attached_fields);
    attached.retain(|a| !(a.sheet == sheet && (a.column == column || a.key == key)));
    attached.push(AttachedField {
        sheet: sheet.to_owned(),
        column: column.to_owned(),
        entity,
        key,
        field_id,
    });
    s.attached_fields = to_json(&attached)?;
    analyse_session(store, root, &mut s).await?;
    Ok(store.save_import_session(&s).await?)
}

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
    let counts_of = |o: &ImportOutcome| Counts {
        created_cpus: o.created_cpus.clone(),
        updated_cpus: o.updated_cpus,
        created_gpus: o.created_gpus,
        updated_gpus: o.updated_gpus,
        created_ports_profiles: o.created_ports_profiles,
        updated_ports_profiles: o.updated_ports_profiles,
        created_listings: o.created_listings,
        updated_listings: o.updated_listings,
        skipped_rows: analysis.skipped,
        invalid_rows: invalid,
        job_id: None,
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
                listing_ids: o.listing_ids,
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
