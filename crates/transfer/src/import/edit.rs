//! Editing an open session: mapping changes, decisions on conflicts, custom fields (§7.1
//! steps 3, 5, 6). Each re-analyses the session before saving it.

use std::path::Path;

use domain::custom_fields::CompiledDefinition;
use domain::model::{CustomFieldData, CustomFieldType, ImportSession, Visibility};
use store::Store;

use super::bad;
use super::fields::{Entity, MapStatus, field_score, round2};
use super::session::{analyse_session, dom_entity, from_json, load, require_open, to_json};
use super::state::{AttachedField, Resolutions, SheetInfo, SheetMapping};
use crate::{Result, TransferError};

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
