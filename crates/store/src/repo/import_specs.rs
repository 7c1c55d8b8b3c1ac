//! The RAM specs and storage profiles of an import plan, get-or-created in bulk inside the
//! commit's transaction: one multi-row `INSERT … ON CONFLICT (dims_key) DO NOTHING` per 500
//! distinct specs, then one lookup of their ids. Both tables share [`get_or_create`]; only
//! the row each spec becomes differs.

use std::collections::HashMap;

use domain::model::{RamSpecData, StorageProfileData};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QuerySelect,
};

use super::imports::{CHUNK, ImportPlan};
use super::obj_or_empty;
use crate::dec::now;
use crate::entity::{ram_spec, storage_profile};
use crate::error::{ErrCtx, Result};

/// Inserts `rows` (keyed by `dims_key`, existing keys left alone) and returns the id of every
/// key in `keys`, old or new.
async fn get_or_create<C, E>(
    db: &C,
    table: &'static str,
    rows: Vec<E::ActiveModel>,
    keys: Vec<String>,
    dims_key: E::Column,
    id: E::Column,
) -> Result<HashMap<String, i64>>
where
    C: ConnectionTrait,
    E: EntityTrait,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    for chunk in rows.chunks(CHUNK) {
        let res = E::insert_many(chunk.to_vec())
            .on_conflict(OnConflict::column(dims_key).do_nothing().to_owned())
            .exec(db)
            .await;
        match res {
            // `RecordNotInserted`: every key of the chunk was already stored.
            Ok(_) | Err(DbErr::RecordNotInserted) => {}
            Err(e) => return Err(ErrCtx::write(table).map(e)),
        }
    }
    let mut ids = HashMap::new();
    for chunk in keys.chunks(1000) {
        ids.extend(
            E::find()
                .filter(dims_key.is_in(chunk.to_vec()))
                .select_only()
                .columns([dims_key, id])
                .into_tuple::<(String, i64)>()
                .all(db)
                .await?,
        );
    }
    Ok(ids)
}

/// Get-or-creates the plan's distinct RAM specs; dims_key → id.
pub(crate) async fn ram_specs<C: ConnectionTrait>(
    db: &C,
    plan: &ImportPlan,
) -> Result<HashMap<String, i64>> {
    let mut specs: HashMap<String, RamSpecData> = HashMap::new();
    for r in plan.listings.iter().filter_map(|l| l.ram.clone()) {
        let r = r.normalized();
        specs.entry(r.dims_key()).or_insert(r);
    }
    let t = now();
    let keys: Vec<String> = specs.keys().cloned().collect();
    let rows: Vec<ram_spec::ActiveModel> = specs
        .into_iter()
        .map(|(key, d)| ram_spec::ActiveModel {
            label: Set(d.label),
            ddr_generation: Set(d.ddr_generation.as_str().to_owned()),
            speed_mhz: Set(d.speed_mhz),
            module_count: Set(d.module_count),
            capacity_per_module_gb: Set(d.capacity_per_module_gb),
            total_capacity_gb: Set(d.total_capacity_gb),
            dims_key: Set(key),
            attributes: Set(obj_or_empty(d.attributes)),
            notes: Set(d.notes),
            created_at: Set(t),
            updated_at: Set(t),
            ..Default::default()
        })
        .collect();
    get_or_create::<_, ram_spec::Entity>(
        db,
        "ram_spec",
        rows,
        keys,
        ram_spec::Column::DimsKey,
        ram_spec::Column::Id,
    )
    .await
}

/// Get-or-creates the plan's distinct storage profiles; dims_key → id.
pub(crate) async fn storage_profiles<C: ConnectionTrait>(
    db: &C,
    plan: &ImportPlan,
) -> Result<HashMap<String, i64>> {
    let mut specs: HashMap<String, StorageProfileData> = HashMap::new();
    for s in plan
        .listings
        .iter()
        .flat_map(|l| [l.primary_storage.clone(), l.secondary_storage.clone()])
        .flatten()
    {
        let s = s.normalized();
        specs.entry(s.dims_key()).or_insert(s);
    }
    let t = now();
    let keys: Vec<String> = specs.keys().cloned().collect();
    let rows: Vec<storage_profile::ActiveModel> = specs
        .into_iter()
        .map(|(key, d)| storage_profile::ActiveModel {
            label: Set(d.label),
            medium: Set(d.medium.as_str().to_owned()),
            interface: Set(d.interface),
            form_factor: Set(d.form_factor),
            performance_tier: Set(d.performance_tier),
            capacity_gb: Set(d.capacity_gb),
            dims_key: Set(key),
            attributes: Set(obj_or_empty(d.attributes)),
            notes: Set(d.notes),
            created_at: Set(t),
            updated_at: Set(t),
            ..Default::default()
        })
        .collect();
    get_or_create::<_, storage_profile::Entity>(
        db,
        "storage_profile",
        rows,
        keys,
        storage_profile::Column::DimsKey,
        storage_profile::Column::Id,
    )
    .await
}
