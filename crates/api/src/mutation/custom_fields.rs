//! Custom field lifecycle and values (DOMAIN.md §6): values set on any record, options added,
//! and deletion with its usage check, `force`, archival of the values and the audit row.

use std::collections::BTreeMap;

use async_graphql::{Context, ID, Json, Object, SimpleObject};
use chrono::Utc;
use domain::custom_fields::{CompiledDefinition, validate_attributes};
use domain::model::{self as m, ApiRole, ValuationCause};
use serde_json::{Map, Value, json};
use store::Store;

use super::{Deleted, recalc};
use crate::auth::require;
use crate::error::{ApiError, ApiResultExt, Code};
use crate::query::store;
use crate::recalc::RecalcScope;
use crate::types::enums::CustomFieldEntity;
use crate::types::rules::CustomField;
use crate::types::scalars::{global_id, id_of};

type JsonMap = Json<Map<String, Value>>;

/// The custom values of one record after a write.
#[derive(SimpleObject, Debug, Clone)]
pub struct CustomFieldValues {
    /// The record's entity.
    pub entity: CustomFieldEntity,
    /// The record's global id.
    pub record_id: ID,
    /// All its custom values now (`{key: value}`).
    pub values: Json<Value>,
}

/// Validates `values` against the active definitions of `entity` (§6); the stored forms of
/// the non-null ones (a null asks to remove the key).
pub(crate) async fn validate_values(
    s: &Store,
    entity: m::CustomFieldEntity,
    values: &Map<String, Value>,
    on_create: bool,
) -> Result<Map<String, Value>, ApiError> {
    let mut compiled = BTreeMap::new();
    for d in s.custom_fields(entity, false).await? {
        if !d.data.is_active {
            continue;
        }
        let json = serde_json::to_value(&d.data).map_err(|e| ApiError::internal(&e))?;
        if let Ok(c) = CompiledDefinition::from_json(&json) {
            compiled.insert(d.data.key.clone(), c);
        }
    }
    Ok(validate_attributes(&compiled, values, on_create)?)
}

/// `attributes` with the keys of `values` replaced by their checked forms (null removes).
pub(crate) fn merged(
    attributes: &Value,
    values: &Map<String, Value>,
    checked: Map<String, Value>,
) -> Value {
    let mut attrs = attributes.as_object().cloned().unwrap_or_default();
    for k in values.keys() {
        attrs.remove(k);
    }
    attrs.extend(checked);
    Value::Object(attrs)
}

/// A definition by id, whichever entity it belongs to (soft-deleted ones when asked).
pub(crate) async fn find_field(
    s: &Store,
    id: i64,
    include_deleted: bool,
) -> Result<m::CustomField, ApiError> {
    for e in m::CustomFieldEntity::ALL {
        if let Some(f) = s
            .custom_fields(*e, include_deleted)
            .await?
            .into_iter()
            .find(|f| f.id == id)
        {
            return Ok(f);
        }
    }
    Err(ApiError::not_found("custom field", id))
}

/// The recalculation a change to the custom values of these records needs (§8).
fn scope_of(entity: m::CustomFieldEntity, ids: Vec<i64>) -> RecalcScope {
    match entity {
        m::CustomFieldEntity::Listing => RecalcScope::Listings(ids),
        m::CustomFieldEntity::Cpu => RecalcScope::Cpus(ids),
        m::CustomFieldEntity::Gpu => RecalcScope::Gpus(ids),
        // Listings reach ports profiles through a link the scopes do not model.
        m::CustomFieldEntity::PortsProfile => RecalcScope::All,
    }
}

/// Refuses to remove a field that records still use unless `force` is set.
pub(crate) async fn check_unused(
    s: &Store,
    f: &m::CustomField,
    force: bool,
    what: &str,
) -> Result<u64, ApiError> {
    let usage = s.custom_field_usage(f.data.entity, &f.data.key).await?;
    if usage > 0 && !force {
        return Err(ApiError {
            code: Code::Conflict,
            message: format!(
                "custom field {} is used by {usage} record(s); pass force: true to {what} it",
                f.data.key
            ),
            kind: Some("in_use".into()),
            field: Some("force".into()),
        });
    }
    Ok(usage)
}

/// Custom field value and lifecycle mutations.
#[derive(Debug, Default)]
pub struct CustomFieldMutation;

#[Object]
impl CustomFieldMutation {
    /// Sets custom values on one record (editor): each value is validated against the active definitions, `null` removes a key, other keys are kept. A listing is valued at once; the listings of a CPU, GPU or ports profile are recalculated by the worker.
    async fn set_custom_field_values(
        &self,
        ctx: &Context<'_>,
        entity: CustomFieldEntity,
        id: ID,
        values: JsonMap,
    ) -> async_graphql::Result<CustomFieldValues> {
        require(ctx, ApiRole::Editor)?;
        let s = store(ctx);
        let dom: m::CustomFieldEntity = entity.into();
        let kind = match dom {
            m::CustomFieldEntity::Listing => "Listing",
            m::CustomFieldEntity::Cpu => "Cpu",
            m::CustomFieldEntity::Gpu => "Gpu",
            m::CustomFieldEntity::PortsProfile => "PortsProfile",
        };
        let n = id_of(kind, &id, "id").api()?;
        let checked = validate_values(s, dom, &values.0, false)
            .await
            .map_err(|e| ApiError {
                field: e
                    .field
                    .map(|f| format!("values.{}", f.trim_start_matches("attributes."))),
                ..e
            })
            .api()?;
        let missing = || ApiError::not_found(kind, n);
        let now = match dom {
            m::CustomFieldEntity::Listing => {
                let mut w = super::listings::current(s, n).await.api()?;
                w.data.attributes = merged(&w.data.attributes, &values.0, checked);
                s.update_listing(n, &w).await.api()?;
                let l = super::listings::value_now(s, n, ValuationCause::ListingEdit).await?;
                l.0.data.attributes
            }
            m::CustomFieldEntity::Cpu => {
                let mut d = s.cpu(n).await.api()?.ok_or_else(missing)?.data;
                d.attributes = merged(&d.attributes, &values.0, checked);
                let c = s.update_cpu(n, &d).await.api()?;
                recalc(ctx, scope_of(dom, vec![n]), ValuationCause::CpuChange)
                    .await
                    .api()?;
                c.data.attributes
            }
            m::CustomFieldEntity::Gpu => {
                let mut d = s.gpu(n).await.api()?.ok_or_else(missing)?.data;
                d.attributes = merged(&d.attributes, &values.0, checked);
                let g = s.update_gpu(n, &d).await.api()?;
                recalc(ctx, scope_of(dom, vec![n]), ValuationCause::GpuChange)
                    .await
                    .api()?;
                g.data.attributes
            }
            m::CustomFieldEntity::PortsProfile => {
                let mut d = s.ports_profile(n).await.api()?.ok_or_else(missing)?.data;
                d.attributes = merged(&d.attributes, &values.0, checked);
                let p = s.update_ports_profile(n, &d).await.api()?;
                recalc(ctx, scope_of(dom, vec![n]), ValuationCause::CatalogChange)
                    .await
                    .api()?;
                p.data.attributes
            }
        };
        Ok(CustomFieldValues {
            entity,
            record_id: global_id(kind, n),
            values: Json(now),
        })
    }

    /// Adds an option to an `ENUM`/`MULTI_SELECT` field (admin); an option already there (ignoring case) is a `CONFLICT`.
    async fn add_custom_field_option(
        &self,
        ctx: &Context<'_>,
        id: ID,
        option: String,
    ) -> async_graphql::Result<CustomField> {
        let caller = require(ctx, ApiRole::Admin)?;
        let s = store(ctx);
        let n = id_of("CustomField", &id, "id").api()?;
        let f = find_field(s, n, false).await.api()?;
        if !matches!(
            f.data.data_type,
            m::CustomFieldType::Enum | m::CustomFieldType::MultiSelect
        ) {
            return Err(ApiError::invalid(
                "id",
                "invalid_definition",
                "only ENUM and MULTI_SELECT fields have options",
            )
            .into());
        }
        let option = option.trim().to_owned();
        if option.is_empty() || option.chars().count() > 128 {
            return Err(
                ApiError::invalid("option", "invalid_value", "must be 1–128 characters").into(),
            );
        }
        let before: Vec<String> = f
            .data
            .options
            .as_ref()
            .and_then(|o| serde_json::from_value(o.clone()).ok())
            .unwrap_or_default();
        if before
            .iter()
            .any(|o| o.to_lowercase() == option.to_lowercase())
        {
            return Err(ApiError {
                code: Code::Conflict,
                message: format!("option {option:?} already exists"),
                kind: Some("conflict".into()),
                field: Some("option".into()),
            }
            .into());
        }
        let mut after = before.clone();
        after.push(option);
        let mut d = f.data.clone();
        d.options = Some(json!(after));
        let def = serde_json::to_value(&d).map_err(|e| ApiError::internal(&e))?;
        CompiledDefinition::from_json(&def)
            .map_err(|e| ApiError::from(e.within("option")))
            .api()?;
        let updated = s.update_custom_field(n, &d).await.api()?;
        s.add_custom_field_audit(
            Some(n),
            d.entity,
            &d.key,
            "option_added",
            caller.actor().as_deref(),
            json!({"before": {"options": before}, "after": {"options": after}}),
        )
        .await
        .api()?;
        Ok(CustomField(updated))
    }

    /// Deletes a custom field (admin). A field records still use needs `force` (else `CONFLICT` naming the usage); its values are archived to the attribute history (`field_deleted`) and removed, and the affected listings recalculated. Soft by default (inactive, key kept taken); `hard` drops the definition. A locked field stays.
    async fn delete_custom_field(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] hard: bool,
        #[graphql(default)] force: bool,
    ) -> async_graphql::Result<Deleted> {
        let caller = require(ctx, ApiRole::Admin)?;
        let s = store(ctx);
        let n = id_of("CustomField", &id, "id").api()?;
        // A soft-deleted field may still be dropped for good.
        let f = find_field(s, n, hard).await.api()?;
        if f.data.is_locked {
            return Err(
                ApiError::invalid("id", "locked", "a locked field cannot be deleted").into(),
            );
        }
        check_unused(s, &f, force, "delete").await.api()?;
        let removed = s
            .archive_custom_values(Some(n), f.data.entity, &f.data.key, "field_deleted")
            .await
            .api()?;
        let before = serde_json::to_value(&f.data).map_err(|e| ApiError::internal(&e))?;
        s.add_custom_field_audit(
            Some(n),
            f.data.entity,
            &f.data.key,
            if hard { "hard_deleted" } else { "deleted" },
            caller.actor().as_deref(),
            json!({"before": before, "after": null, "archived_values": removed.len()}),
        )
        .await
        .api()?;
        if hard {
            s.delete_custom_field(n).await.api()?;
        } else if f.data.deleted_at.is_none() {
            let mut d = f.data.clone();
            d.is_active = false;
            d.deleted_at = Some(Utc::now());
            s.update_custom_field(n, &d).await.api()?;
        }
        if !removed.is_empty() {
            recalc(
                ctx,
                scope_of(f.data.entity, removed),
                ValuationCause::CustomFieldChange,
            )
            .await
            .api()?;
        }
        Ok(Deleted {
            deleted_id: global_id("CustomField", n),
        })
    }
}
