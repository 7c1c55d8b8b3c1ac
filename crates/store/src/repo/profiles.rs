//! Ports profiles (with their ports), RAM specs and storage profiles (get-or-create by
//! `dims_key`).

use std::collections::HashMap;

use domain::model::{Port, PortsProfile, PortsProfileData, RamSpec, RamSpecData, Record};
use domain::model::{StorageProfile, StorageProfileData, name_key};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use sea_orm::{ConnectionTrait, DbErr};

use super::catalogue::{id_page, id_window};
use super::{obj_or_empty, parse_enum};
use crate::dec::now;
use crate::entity::{port, ports_profile, ram_spec, storage_profile};
use crate::error::{ErrCtx, Result, StoreError};
use crate::page::{Page, PageRequest};
use crate::store::Store;

fn ram_record(m: ram_spec::Model) -> Result<RamSpec> {
    Ok(Record {
        id: m.id,
        data: RamSpecData {
            label: m.label,
            ddr_generation: parse_enum(&m.ddr_generation)?,
            speed_mhz: m.speed_mhz,
            module_count: m.module_count,
            capacity_per_module_gb: m.capacity_per_module_gb,
            total_capacity_gb: m.total_capacity_gb,
            attributes: m.attributes,
            notes: m.notes,
        },
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn storage_record(m: storage_profile::Model) -> Result<StorageProfile> {
    Ok(Record {
        id: m.id,
        data: StorageProfileData {
            label: m.label,
            medium: parse_enum(&m.medium)?,
            interface: m.interface,
            form_factor: m.form_factor,
            performance_tier: m.performance_tier,
            capacity_gb: m.capacity_gb,
            attributes: m.attributes,
            notes: m.notes,
        },
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub(crate) async fn insert_ports<C: ConnectionTrait>(
    db: &C,
    profile_id: i64,
    ports: &[Port],
) -> Result<()> {
    if ports.is_empty() {
        return Ok(());
    }
    let t = now();
    let rows = ports.iter().map(|p| port::ActiveModel {
        ports_profile_id: Set(profile_id),
        port_type: Set(p.port_type.as_str().to_owned()),
        count: Set(p.count),
        spec_notes: Set(p.spec_notes.trim().to_owned()),
        created_at: Set(t),
        updated_at: Set(t),
        ..Default::default()
    });
    port::Entity::insert_many(rows)
        .exec(db)
        .await
        .map_err(|e| ErrCtx::write("port").map(e))?;
    Ok(())
}

fn check_name(name: &str) -> Result<&str> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 255 {
        return Err(StoreError::validation("name", "must be 1–255 characters"));
    }
    Ok(n)
}

impl Store {
    /// Creates a ports profile with its ports, in one transaction.
    pub async fn create_ports_profile(&self, data: &PortsProfileData) -> Result<PortsProfile> {
        let name = check_name(&data.name)?;
        let txn = self.begin_write().await?;
        let t = now();
        let m = ports_profile::Entity::insert(ports_profile::ActiveModel {
            name: Set(name.to_owned()),
            name_key: Set(name_key(name)),
            description: Set(data.description.clone()),
            attributes: Set(obj_or_empty(data.attributes.clone())),
            created_at: Set(t),
            updated_at: Set(t),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await
        .map_err(|e| ErrCtx::write("ports_profile").map(e))?;
        insert_ports(&txn, m.id, &data.ports).await?;
        txn.commit().await?;
        self.ports_profile(m.id)
            .await?
            .ok_or_else(|| StoreError::not_found("ports_profile", m.id))
    }

    /// Replaces a ports profile's fields and ports.
    pub async fn update_ports_profile(
        &self,
        id: i64,
        data: &PortsProfileData,
    ) -> Result<PortsProfile> {
        let name = check_name(&data.name)?;
        let txn = self.begin_write().await?;
        let am = ports_profile::ActiveModel {
            id: Set(id),
            name: Set(name.to_owned()),
            name_key: Set(name_key(name)),
            description: Set(data.description.clone()),
            attributes: Set(obj_or_empty(data.attributes.clone())),
            updated_at: Set(now()),
            ..Default::default()
        };
        match ports_profile::Entity::update(am).exec(&txn).await {
            Ok(_) => {}
            Err(DbErr::RecordNotUpdated) => return Err(StoreError::not_found("ports_profile", id)),
            Err(e) => return Err(ErrCtx::write("ports_profile").map(e)),
        }
        port::Entity::delete_many()
            .filter(port::Column::PortsProfileId.eq(id))
            .exec(&txn)
            .await?;
        insert_ports(&txn, id, &data.ports).await?;
        txn.commit().await?;
        self.ports_profile(id)
            .await?
            .ok_or_else(|| StoreError::not_found("ports_profile", id))
    }

    /// Deletes a ports profile (its ports cascade, listings keep no link).
    pub async fn delete_ports_profile(&self, id: i64) -> Result<()> {
        let res = ports_profile::Entity::delete_by_id(id)
            .exec(&self.db)
            .await
            .map_err(|e| ErrCtx::delete("ports_profile", id).map(e))?;
        if res.rows_affected == 0 {
            return Err(StoreError::not_found("ports_profile", id));
        }
        Ok(())
    }

    /// One ports profile with its ports.
    pub async fn ports_profile(&self, id: i64) -> Result<Option<PortsProfile>> {
        Ok(self.ports_profiles_by_ids(&[id]).await?.remove(&id))
    }

    /// Ports profiles by id with their ports (two queries), for DataLoaders.
    pub async fn ports_profiles_by_ids(&self, ids: &[i64]) -> Result<HashMap<i64, PortsProfile>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let profiles = ports_profile::Entity::find()
            .filter(ports_profile::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        let ports = port::Entity::find()
            .filter(port::Column::PortsProfileId.is_in(ids.to_vec()))
            .order_by_asc(port::Column::Id)
            .all(&self.db)
            .await?;
        let mut by_profile: HashMap<i64, Vec<Port>> = HashMap::new();
        for p in ports {
            by_profile
                .entry(p.ports_profile_id)
                .or_default()
                .push(Port {
                    port_type: parse_enum(&p.port_type)?,
                    count: p.count,
                    spec_notes: p.spec_notes,
                });
        }
        Ok(profiles
            .into_iter()
            .map(|m| {
                let rec = Record {
                    id: m.id,
                    data: PortsProfileData {
                        name: m.name,
                        description: m.description,
                        attributes: m.attributes,
                        ports: by_profile.remove(&m.id).unwrap_or_default(),
                    },
                    created_at: m.created_at,
                    updated_at: m.updated_at,
                };
                (rec.id, rec)
            })
            .collect())
    }

    /// The id of the ports profile with this name (ignoring case).
    pub async fn ports_profile_id_by_name(&self, name: &str) -> Result<Option<i64>> {
        Ok(ports_profile::Entity::find()
            .select_only()
            .column(ports_profile::Column::Id)
            .filter(ports_profile::Column::NameKey.eq(name_key(name)))
            .into_tuple()
            .one(&self.db)
            .await?)
    }

    /// Ports profiles by id.
    pub async fn ports_profiles(&self, req: &PageRequest) -> Result<Page<PortsProfile>> {
        let q = ports_profile::Entity::find()
            .select_only()
            .column(ports_profile::Column::Id);
        let ids: Vec<i64> = id_window(q, ports_profile::Column::Id, "ports_profiles", req)?
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut map = self.ports_profiles_by_ids(&ids).await?;
        let items = ids.iter().filter_map(|id| map.remove(id)).collect();
        Ok(id_page(items, "ports_profiles", req, |p: &PortsProfile| {
            p.id
        }))
    }

    /// The RAM spec with these dims, created when absent (label and total derived).
    pub async fn get_or_create_ram_spec(&self, data: &RamSpecData) -> Result<RamSpec> {
        let d = data.clone().normalized();
        let key = d.dims_key();
        let t = now();
        let am = ram_spec::ActiveModel {
            label: Set(d.label.clone()),
            ddr_generation: Set(d.ddr_generation.as_str().to_owned()),
            speed_mhz: Set(d.speed_mhz),
            module_count: Set(d.module_count),
            capacity_per_module_gb: Set(d.capacity_per_module_gb),
            total_capacity_gb: Set(d.total_capacity_gb),
            dims_key: Set(key.clone()),
            attributes: Set(obj_or_empty(d.attributes.clone())),
            notes: Set(d.notes.clone()),
            created_at: Set(t),
            updated_at: Set(t),
            ..Default::default()
        };
        // ON CONFLICT DO NOTHING then read: safe against a concurrent creator.
        let res = ram_spec::Entity::insert(am)
            .on_conflict(
                OnConflict::column(ram_spec::Column::DimsKey)
                    .do_nothing()
                    .to_owned(),
            )
            .exec(&self.db)
            .await;
        match res {
            Ok(_) | Err(DbErr::RecordNotInserted) => {}
            Err(e) => return Err(ErrCtx::write("ram_spec").map(e)),
        }
        let m = ram_spec::Entity::find()
            .filter(ram_spec::Column::DimsKey.eq(key))
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::not_found("ram_spec", "dims"))?;
        ram_record(m)
    }

    /// Deletes a RAM spec; listings lose the link (SET NULL).
    pub async fn delete_ram_spec(&self, id: i64) -> Result<()> {
        let res = ram_spec::Entity::delete_by_id(id).exec(&self.db).await?;
        if res.rows_affected == 0 {
            return Err(StoreError::not_found("ram_spec", id));
        }
        Ok(())
    }

    /// RAM specs by id, for DataLoaders.
    pub async fn ram_specs_by_ids(&self, ids: &[i64]) -> Result<HashMap<i64, RamSpec>> {
        let rows = ram_spec::Entity::find()
            .filter(ram_spec::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|m| ram_record(m).map(|r| (r.id, r)))
            .collect()
    }

    /// RAM specs by id.
    pub async fn ram_specs(&self, req: &PageRequest) -> Result<Page<RamSpec>> {
        let rows = id_window(
            ram_spec::Entity::find(),
            ram_spec::Column::Id,
            "ram_specs",
            req,
        )?
        .all(&self.db)
        .await?;
        let items = rows
            .into_iter()
            .map(ram_record)
            .collect::<Result<Vec<_>>>()?;
        Ok(id_page(items, "ram_specs", req, |r: &RamSpec| r.id))
    }

    /// The storage profile with these dims, created when absent (label derived).
    pub async fn get_or_create_storage_profile(
        &self,
        data: &StorageProfileData,
    ) -> Result<StorageProfile> {
        let d = data.clone().normalized();
        let key = d.dims_key();
        let t = now();
        let am = storage_profile::ActiveModel {
            label: Set(d.label.clone()),
            medium: Set(d.medium.as_str().to_owned()),
            interface: Set(d.interface.clone()),
            form_factor: Set(d.form_factor.clone()),
            performance_tier: Set(d.performance_tier.clone()),
            capacity_gb: Set(d.capacity_gb),
            dims_key: Set(key.clone()),
            attributes: Set(obj_or_empty(d.attributes.clone())),
            notes: Set(d.notes.clone()),
            created_at: Set(t),
            updated_at: Set(t),
            ..Default::default()
        };
        let res = storage_profile::Entity::insert(am)
            .on_conflict(
                OnConflict::column(storage_profile::Column::DimsKey)
                    .do_nothing()
                    .to_owned(),
            )
            .exec(&self.db)
            .await;
        match res {
            Ok(_) | Err(DbErr::RecordNotInserted) => {}
            Err(e) => return Err(ErrCtx::write("storage_profile").map(e)),
        }
        let m = storage_profile::Entity::find()
            .filter(storage_profile::Column::DimsKey.eq(key))
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::not_found("storage_profile", "dims"))?;
        storage_record(m)
    }

    /// Deletes a storage profile; listings lose the link (SET NULL).
    pub async fn delete_storage_profile(&self, id: i64) -> Result<()> {
        let res = storage_profile::Entity::delete_by_id(id)
            .exec(&self.db)
            .await?;
        if res.rows_affected == 0 {
            return Err(StoreError::not_found("storage_profile", id));
        }
        Ok(())
    }

    /// Storage profiles by id, for DataLoaders.
    pub async fn storage_profiles_by_ids(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, StorageProfile>> {
        let rows = storage_profile::Entity::find()
            .filter(storage_profile::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|m| storage_record(m).map(|r| (r.id, r)))
            .collect()
    }

    /// Storage profiles by id.
    pub async fn storage_profiles(&self, req: &PageRequest) -> Result<Page<StorageProfile>> {
        let rows = id_window(
            storage_profile::Entity::find(),
            storage_profile::Column::Id,
            "storage_profiles",
            req,
        )?
        .all(&self.db)
        .await?;
        let items = rows
            .into_iter()
            .map(storage_record)
            .collect::<Result<Vec<_>>>()?;
        Ok(id_page(
            items,
            "storage_profiles",
            req,
            |r: &StorageProfile| r.id,
        ))
    }
}
