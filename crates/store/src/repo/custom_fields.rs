//! Custom field definitions, their audit and the attribute history.

use domain::model::{AttributeHistory, CustomField, CustomFieldAudit, CustomFieldData};
use domain::model::{CustomFieldEntity, Record};
use sea_orm::{ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value as Json;

use super::parse_enum;
use crate::dec::now;
use crate::entity::{attribute_history, custom_field, custom_field_audit};
use crate::error::{ErrCtx, Result, StoreError};
use crate::store::Store;

pub(crate) fn field_record(m: custom_field::Model) -> Result<CustomField> {
    Ok(Record {
        id: m.id,
        data: CustomFieldData {
            entity: parse_enum(&m.entity)?,
            key: m.key,
            label: m.label,
            data_type: parse_enum(&m.data_type)?,
            description: m.description,
            required: m.required,
            default_value: m.default_value,
            options: m.options,
            validation: m.validation,
            is_active: m.is_active,
            is_locked: m.is_locked,
            visibility: parse_enum(&m.visibility)?,
            display_order: m.display_order,
            created_by: m.created_by,
            deleted_at: m.deleted_at,
        },
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub(super) fn audit_record(m: custom_field_audit::Model) -> Result<CustomFieldAudit> {
    Ok(CustomFieldAudit {
        id: m.id,
        field_id: m.field_id,
        entity: parse_enum(&m.entity)?,
        key: m.key,
        action: m.action,
        actor: m.actor,
        payload: m.payload,
        created_at: m.created_at,
    })
}

pub(crate) fn field_active(d: &CustomFieldData) -> custom_field::ActiveModel {
    custom_field::ActiveModel {
        entity: Set(d.entity.as_str().to_owned()),
        key: Set(d.key.clone()),
        label: Set(d.label.clone()),
        data_type: Set(d.data_type.as_str().to_owned()),
        description: Set(d.description.clone()),
        required: Set(d.required),
        default_value: Set(d.default_value.clone()),
        options: Set(d.options.clone()),
        validation: Set(d.validation.clone()),
        is_active: Set(d.is_active),
        is_locked: Set(d.is_locked),
        visibility: Set(d.visibility.as_str().to_owned()),
        display_order: Set(d.display_order),
        created_by: Set(d.created_by.clone()),
        deleted_at: Set(d.deleted_at),
        ..Default::default()
    }
}

impl Store {
    /// Creates a definition; a taken (entity, key), even soft-deleted → `Conflict`.
    pub async fn create_custom_field(&self, d: &CustomFieldData) -> Result<CustomField> {
        let mut am = field_active(d);
        let t = now();
        am.created_at = Set(t);
        am.updated_at = Set(t);
        let m = custom_field::Entity::insert(am)
            .exec_with_returning(&self.db)
            .await
            .map_err(|e| ErrCtx::write("custom_field").map(e))?;
        field_record(m)
    }

    /// Replaces a definition's fields (soft delete = set `is_active = false, deleted_at`).
    pub async fn update_custom_field(&self, id: i64, d: &CustomFieldData) -> Result<CustomField> {
        let mut am = field_active(d);
        am.id = Set(id);
        am.updated_at = Set(now());
        match custom_field::Entity::update(am).exec(&self.db).await {
            Ok(m) => field_record(m),
            Err(DbErr::RecordNotUpdated) => Err(StoreError::not_found("custom_field", id)),
            Err(e) => Err(ErrCtx::write("custom_field").map(e)),
        }
    }

    /// Hard-deletes a definition (audit and history rows keep their key, lose the link).
    pub async fn delete_custom_field(&self, id: i64) -> Result<()> {
        let res = custom_field::Entity::delete_by_id(id)
            .exec(&self.db)
            .await?;
        if res.rows_affected == 0 {
            return Err(StoreError::not_found("custom_field", id));
        }
        Ok(())
    }

    /// Definitions of an entity by (display_order, id); deleted ones only when asked.
    pub async fn custom_fields(
        &self,
        entity: CustomFieldEntity,
        include_deleted: bool,
    ) -> Result<Vec<CustomField>> {
        let mut q =
            custom_field::Entity::find().filter(custom_field::Column::Entity.eq(entity.as_str()));
        if !include_deleted {
            q = q.filter(custom_field::Column::DeletedAt.is_null());
        }
        let rows = q
            .order_by_asc(custom_field::Column::DisplayOrder)
            .order_by_asc(custom_field::Column::Id)
            .all(&self.db)
            .await?;
        rows.into_iter().map(field_record).collect()
    }

    /// Appends a custom field audit row.
    pub async fn add_custom_field_audit(
        &self,
        field_id: Option<i64>,
        entity: CustomFieldEntity,
        key: &str,
        action: &str,
        actor: Option<&str>,
        payload: Json,
    ) -> Result<CustomFieldAudit> {
        let m = custom_field_audit::Entity::insert(custom_field_audit::ActiveModel {
            field_id: Set(field_id),
            entity: Set(entity.as_str().to_owned()),
            key: Set(key.to_owned()),
            action: Set(action.to_owned()),
            actor: Set(actor.map(str::to_owned)),
            payload: Set(payload),
            created_at: Set(now()),
            ..Default::default()
        })
        .exec_with_returning(&self.db)
        .await
        .map_err(|e| ErrCtx::write("custom_field_audit").map(e))?;
        audit_record(m)
    }

    /// The audit of one field, newest first.
    pub async fn custom_field_audits(&self, field_id: i64) -> Result<Vec<CustomFieldAudit>> {
        let rows = custom_field_audit::Entity::find()
            .filter(custom_field_audit::Column::FieldId.eq(field_id))
            .order_by_desc(custom_field_audit::Column::Id)
            .all(&self.db)
            .await?;
        rows.into_iter().map(audit_record).collect()
    }

    /// Archives a removed custom value.
    pub async fn add_attribute_history(
        &self,
        field_id: Option<i64>,
        entity: CustomFieldEntity,
        record_id: i64,
        key: &str,
        previous_value: Option<Json>,
        reason: &str,
    ) -> Result<AttributeHistory> {
        let m = attribute_history::Entity::insert(attribute_history::ActiveModel {
            field_id: Set(field_id),
            entity: Set(entity.as_str().to_owned()),
            record_id: Set(record_id),
            key: Set(key.to_owned()),
            previous_value: Set(previous_value),
            reason: Set(reason.to_owned()),
            created_at: Set(now()),
            ..Default::default()
        })
        .exec_with_returning(&self.db)
        .await
        .map_err(|e| ErrCtx::write("attribute_history").map(e))?;
        Ok(AttributeHistory {
            id: m.id,
            field_id: m.field_id,
            entity: parse_enum(&m.entity)?,
            record_id: m.record_id,
            key: m.key,
            previous_value: m.previous_value,
            reason: m.reason,
            created_at: m.created_at,
        })
    }

    /// Archived values of one record, oldest first.
    pub async fn attribute_history(
        &self,
        entity: CustomFieldEntity,
        record_id: i64,
    ) -> Result<Vec<AttributeHistory>> {
        let rows = attribute_history::Entity::find()
            .filter(attribute_history::Column::Entity.eq(entity.as_str()))
            .filter(attribute_history::Column::RecordId.eq(record_id))
            .order_by_asc(attribute_history::Column::Id)
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|m| {
                Ok(AttributeHistory {
                    id: m.id,
                    field_id: m.field_id,
                    entity: parse_enum(&m.entity)?,
                    record_id: m.record_id,
                    key: m.key,
                    previous_value: m.previous_value,
                    reason: m.reason,
                    created_at: m.created_at,
                })
            })
            .collect()
    }
}
