//! Custom field lifecycle on the records (DOMAIN.md §6): how many records use a field, and
//! archiving its values to the attribute history before they are removed. Both are set-based
//! statements over the entity's table, so a field used by 100,000 listings costs three
//! statements, not a loop.

use domain::model::CustomFieldEntity;
use sea_orm::ConnectionTrait;

use crate::dec::{Sql, now};
use crate::error::{Result, StoreError};
use crate::store::Store;

pub(super) fn table(entity: CustomFieldEntity) -> &'static str {
    match entity {
        CustomFieldEntity::Listing => "listings",
        CustomFieldEntity::Cpu => "cpus",
        CustomFieldEntity::Gpu => "gpus",
        CustomFieldEntity::PortsProfile => "ports_profiles",
    }
}

/// Keys reach SQL only as bound values, but they also name a JSON member: keep to the key
/// alphabet (§6) so a path can never be malformed.
pub(super) fn check_key(key: &str) -> Result<()> {
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError::validation("key", "not a custom field key"));
    }
    Ok(())
}

/// `AND <the record has a non-null value under key>`.
pub(super) fn push_has_value(q: &mut Sql, key: &str) {
    if q.is_sqlite() {
        // json_extract yields SQL NULL for a JSON null as well as for a missing member.
        q.push(" AND json_extract(attributes, ")
            .bind(format!("$.{key}"))
            .push(") IS NOT NULL");
    } else {
        q.push(" AND COALESCE(jsonb_typeof(attributes::jsonb -> ")
            .bind(key.to_owned())
            .push("), 'null') <> 'null'");
    }
}

impl Store {
    /// How many records of `entity` hold a non-null value for `key`.
    pub async fn custom_field_usage(&self, entity: CustomFieldEntity, key: &str) -> Result<u64> {
        check_key(key)?;
        let mut q = Sql::new(self.backend);
        q.push(&format!(
            "SELECT COUNT(*) AS n FROM {} WHERE 1 = 1",
            table(entity)
        ));
        push_has_value(&mut q, key);
        let row = self
            .db
            .query_one_raw(q.build())
            .await?
            .ok_or_else(|| StoreError::internal("COUNT returned no row"))?;
        let n: i64 = row.try_get("", "n")?;
        u64::try_from(n).map_err(|_| StoreError::internal("negative count"))
    }

    /// Copies every value of `key` to the attribute history with `reason`, removes the key
    /// from those records, in one transaction; returns the ids of the records changed.
    pub async fn archive_custom_values(
        &self,
        field_id: Option<i64>,
        entity: CustomFieldEntity,
        key: &str,
        reason: &str,
    ) -> Result<Vec<i64>> {
        check_key(key)?;
        let t = table(entity);
        let txn = self.begin_write().await?;
        let mut q = Sql::new(self.backend);
        q.push(&format!("SELECT id FROM {t} WHERE 1 = 1"));
        push_has_value(&mut q, key);
        q.push(" ORDER BY id");
        let ids = txn
            .query_all_raw(q.build())
            .await?
            .iter()
            .map(|r| r.try_get::<i64>("", "id"))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        if ids.is_empty() {
            txn.commit().await?;
            return Ok(ids);
        }
        let at = now();
        let mut q = Sql::new(self.backend);
        q.push(
            "INSERT INTO custom_field_attribute_history \
             (field_id, entity, record_id, key, previous_value, reason, created_at) SELECT ",
        );
        q.bind(field_id).push(", ").bind(entity.as_str().to_owned());
        q.push(", id, ").bind(key.to_owned()).push(", ");
        if q.is_sqlite() {
            q.push("attributes -> ").bind(format!("$.{key}"));
        } else {
            q.push("attributes::jsonb -> ").bind(key.to_owned());
        }
        q.push(", ").bind(reason.to_owned()).push(", ").bind(at);
        q.push(&format!(" FROM {t} WHERE 1 = 1"));
        push_has_value(&mut q, key);
        txn.execute_raw(q.build()).await?;
        let mut q = Sql::new(self.backend);
        if q.is_sqlite() {
            q.push(&format!(
                "UPDATE {t} SET attributes = json_remove(attributes, "
            ))
            .bind(format!("$.{key}"))
            .push(")");
        } else {
            q.push(&format!("UPDATE {t} SET attributes = attributes::jsonb - "))
                .bind(key.to_owned());
        }
        q.push(", updated_at = ").bind(at).push(" WHERE 1 = 1");
        push_has_value(&mut q, key);
        txn.execute_raw(q.build()).await?;
        txn.commit().await?;
        Ok(ids)
    }
}
