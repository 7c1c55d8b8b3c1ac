//! A definition change that reaches the stored values (DOMAIN.md §6): a type change or retired
//! options. The new definition, the archived values and the rewritten records are one
//! transaction, so a failure leaves both the definition and every value as they were.

use domain::custom_fields::Reconciled;
use domain::model::{CustomField, CustomFieldData};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use serde_json::Value as Json;

use super::custom_field_usage::{check_key, push_has_value, table};
use super::custom_fields::{field_active, field_record};
use crate::dec::{Sql, now};
use crate::entity::{attribute_history, custom_field};
use crate::error::{ErrCtx, Result, StoreError};
use crate::store::Store;

/// One record whose value changes: its id, its attributes after the change, the value before.
struct Rewrite {
    id: i64,
    attributes: Json,
    previous: Json,
    reason: String,
}

impl Store {
    /// Replaces a definition like [`Store::update_custom_field`] and, in the same transaction,
    /// applies `decide` to every record holding a value for the field: values it replaces or
    /// removes are copied to the attribute history with its reason first. Returns the field and
    /// the ids of the records changed.
    pub async fn update_custom_field_reconciling(
        &self,
        id: i64,
        d: &CustomFieldData,
        decide: impl Fn(&Json) -> Reconciled,
    ) -> Result<(CustomField, Vec<i64>)> {
        check_key(&d.key)?;
        let t = table(d.entity);
        let txn = self.begin_write().await?;
        let mut q = Sql::new(self.backend);
        let attrs = if q.is_sqlite() {
            "attributes"
        } else {
            "attributes::text"
        };
        q.push(&format!("SELECT id, {attrs} AS a FROM {t} WHERE 1 = 1"));
        push_has_value(&mut q, &d.key);
        q.push(" ORDER BY id");
        if !q.is_sqlite() {
            // Rows edited meanwhile would otherwise be overwritten with stale attributes.
            q.push(" FOR UPDATE");
        }
        let mut rewrites = Vec::new();
        for row in txn.query_all_raw(q.build()).await? {
            let id: i64 = row.try_get("", "id")?;
            let text: String = row.try_get("", "a")?;
            let mut attributes: Json = serde_json::from_str(&text)
                .map_err(|e| StoreError::internal(format!("attributes of {t} {id}: {e}")))?;
            let Some(map) = attributes.as_object_mut() else {
                continue;
            };
            let Some(previous) = map.get(&d.key).cloned() else {
                continue;
            };
            let reason = match decide(&previous) {
                Reconciled::Keep => continue,
                Reconciled::Replace { value, reason } => {
                    map.insert(d.key.clone(), value);
                    reason
                }
                Reconciled::Remove { reason } => {
                    map.remove(&d.key);
                    reason
                }
            };
            rewrites.push(Rewrite {
                id,
                attributes,
                previous,
                reason,
            });
        }
        let at = now();
        if !rewrites.is_empty() {
            attribute_history::Entity::insert_many(rewrites.iter().map(|r| {
                attribute_history::ActiveModel {
                    field_id: Set(Some(id)),
                    entity: Set(d.entity.as_str().to_owned()),
                    record_id: Set(r.id),
                    key: Set(d.key.clone()),
                    previous_value: Set(Some(r.previous.clone())),
                    reason: Set(r.reason.clone()),
                    created_at: Set(at),
                    ..Default::default()
                }
            }))
            .exec(&txn)
            .await
            .map_err(|e| ErrCtx::write("attribute_history").map(e))?;
        }
        for r in &rewrites {
            let mut q = Sql::new(self.backend);
            q.push(&format!("UPDATE {t} SET attributes = "))
                .bind(r.attributes.clone())
                .push(", updated_at = ")
                .bind(at)
                .push(" WHERE id = ")
                .bind(r.id);
            txn.execute_raw(q.build()).await?;
        }
        let mut am = field_active(d);
        am.id = Set(id);
        am.updated_at = Set(at);
        let field = match custom_field::Entity::update(am).exec(&txn).await {
            Ok(m) => field_record(m)?,
            Err(DbErr::RecordNotUpdated) => return Err(StoreError::not_found("custom_field", id)),
            Err(e) => return Err(ErrCtx::write("custom_field").map(e)),
        };
        txn.commit().await?;
        Ok((field, rewrites.into_iter().map(|r| r.id).collect()))
    }
}
