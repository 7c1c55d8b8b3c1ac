//! Workbook imports (DOMAIN.md §7.1 step 7): what the importer needs to know about the
//! catalogue before it plans ([`Store::import_catalogue`]), and the commit of a plan in ONE
//! transaction ([`Store::commit_import`]): CPUs, GPUs and ports profiles upserted by
//! `name_key`, RAM specs and storage profiles get-or-created by `dims_key`, listings inserted
//! in multi-row statements (500 rows each) or updated by id, the session row and its audit
//! written last — any failure rolls everything back.

use std::collections::{BTreeSet, HashMap};

use domain::model::{
    Cpu, CpuData, Gpu, GpuData, ImportSession, Listing, ListingData, PortsProfileData, RamSpecData,
    StorageProfileData, name_key,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QuerySelect,
};
use serde_json::Value as Json;

use super::catalogue::{cpu_active, cpu_record, gpu_active, gpu_record};
use super::import_specs::{ram_specs, storage_profiles};
use super::listings::{listing_active, listing_record};
use super::obj_or_empty;
use super::profiles::insert_ports;
use crate::dec::{Dec, now};
use crate::entity::{cpu, gpu, import_session_audit, listing, listing_base, port, ports_profile};
use crate::error::{ErrCtx, Result};
use crate::store::Store;

/// Rows per multi-row INSERT (≈ 35 parameters a listing, far below either backend's limit).
pub(crate) const CHUNK: usize = 500;

/// What the importer checks rows against.
#[derive(Debug, Clone, Default)]
pub struct ImportCatalogue {
    pub cpus: Vec<Cpu>,
    pub gpus: Vec<Gpu>,
    /// Ports profiles: (id, name).
    pub ports_profiles: Vec<(i64, String)>,
    /// Listings whose `url_key` is one asked for.
    pub listings_by_url: Vec<Listing>,
    /// (id, title, price) of listings whose trimmed, lower-cased title is one asked for.
    pub listings_by_title: Vec<(i64, String, Decimal)>,
}

/// A CPU or GPU to write: `id` = update that row, else create.
#[derive(Debug, Clone, PartialEq)]
pub struct Upsert<T> {
    pub id: Option<i64>,
    pub data: T,
}

/// A listing to write, with its links by name / dims (resolved inside the transaction).
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedListing {
    /// Update this listing (a URL match) instead of creating one.
    pub update_id: Option<i64>,
    pub data: ListingData,
    /// `name_key` of its CPU / GPU / ports profile.
    pub cpu: Option<String>,
    pub gpu: Option<String>,
    pub ports_profile: Option<String>,
    pub ram: Option<RamSpecData>,
    pub primary_storage: Option<StorageProfileData>,
    pub secondary_storage: Option<StorageProfileData>,
}

/// Everything one commit writes.
#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    pub cpus: Vec<Upsert<CpuData>>,
    pub gpus: Vec<Upsert<GpuData>>,
    pub ports_profiles: Vec<Upsert<PortsProfileData>>,
    pub listings: Vec<PlannedListing>,
}

/// What a commit wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportOutcome {
    /// (id, name) of the CPUs created.
    pub created_cpus: Vec<(i64, String)>,
    pub updated_cpus: usize,
    pub created_gpus: usize,
    pub updated_gpus: usize,
    pub created_ports_profiles: usize,
    pub updated_ports_profiles: usize,
    pub created_listings: usize,
    pub updated_listings: usize,
    /// Every listing written (created and updated): the recalculation's scope.
    pub listing_ids: Vec<i64>,
}

/// Called after each step with (listings written, listings planned).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

fn lower_title(t: &str) -> String {
    t.trim().to_lowercase()
}

impl Store {
    /// The catalogue (every CPU, GPU and ports profile) and the listings matching `url_keys`
    /// or (trimmed, case-insensitive) `titles`.
    pub async fn import_catalogue(
        &self,
        url_keys: &[String],
        titles: &BTreeSet<String>,
    ) -> Result<ImportCatalogue> {
        let mut out = ImportCatalogue {
            cpus: cpu::Entity::find()
                .all(&self.db)
                .await?
                .into_iter()
                .map(cpu_record)
                .collect(),
            gpus: gpu::Entity::find()
                .all(&self.db)
                .await?
                .into_iter()
                .map(gpu_record)
                .collect(),
            ..ImportCatalogue::default()
        };
        out.ports_profiles = ports_profile::Entity::find()
            .select_only()
            .columns([ports_profile::Column::Id, ports_profile::Column::Name])
            .into_tuple::<(i64, String)>()
            .all(&self.db)
            .await?;
        if !url_keys.is_empty() {
            // One statement with the keys as one JSON array parameter: `IN` lists of 1,000
            // placeholders cost ~50 ms each on PostgreSQL (50,000 keys took 2.6 s).
            let keys = serde_json::to_string(url_keys)
                .map_err(|e| crate::StoreError::validation("url_keys", e.to_string()))?;
            let within = if self.backend == DbBackend::Sqlite {
                Expr::cust_with_values("url_key IN (SELECT value FROM json_each(?))", [keys])
            } else {
                Expr::cust_with_values(
                    "url_key IN (SELECT json_array_elements_text($1::json))",
                    [keys],
                )
            };
            for m in listing::Entity::find().filter(within).all(&self.db).await? {
                out.listings_by_url.push(listing_record(m)?);
            }
        }
        if !titles.is_empty() {
            // One pass over (id, title, price): cheaper than thousands of unindexed lookups.
            let rows = listing_base::Entity::find()
                .select_only()
                .columns([
                    listing_base::Column::Id,
                    listing_base::Column::Title,
                    listing_base::Column::PriceUsd,
                ])
                .into_tuple::<(i64, String, Dec)>()
                .all(&self.db)
                .await?;
            out.listings_by_title = rows
                .into_iter()
                .filter(|(_, t, _)| titles.contains(&lower_title(t)))
                .map(|(id, t, p)| (id, t, p.0))
                .collect();
        }
        Ok(out)
    }

    /// The newest session that uploaded a file with this checksum, other than `except`.
    pub async fn import_session_by_checksum(
        &self,
        checksum: &str,
        except: &str,
    ) -> Result<Option<ImportSession>> {
        let sessions = self.import_sessions_with_checksum(checksum).await?;
        Ok(sessions.into_iter().find(|s| s.id != except))
    }

    /// Writes `plan` and `session` (with its audit `event`) in one transaction; see the
    /// module doc. `progress` is told how many listings are written.
    pub async fn commit_import(
        &self,
        plan: &ImportPlan,
        session: &ImportSession,
        audit: Json,
        progress: Progress<'_>,
    ) -> Result<ImportOutcome> {
        let txn = self.begin_write().await?;
        let mut out = ImportOutcome::default();
        let total = plan.listings.len() as u64;
        progress(0, total);
        let t = now();

        let mut cpu_ids: HashMap<String, i64> = cpu::Entity::find()
            .select_only()
            .columns([cpu::Column::NameKey, cpu::Column::Id])
            .into_tuple::<(String, i64)>()
            .all(&txn)
            .await?
            .into_iter()
            .collect();
        let mut new_cpus = Vec::new();
        for c in &plan.cpus {
            let mut am = cpu_active(&c.data)?;
            am.updated_at = Set(t);
            match c.id {
                Some(id) => {
                    am.id = Set(id);
                    cpu::Entity::update(am)
                        .exec(&txn)
                        .await
                        .map_err(|e| ErrCtx::write("cpu").map(e))?;
                    out.updated_cpus += 1;
                }
                None => {
                    am.created_at = Set(t);
                    new_cpus.push(am);
                }
            }
        }
        for chunk in new_cpus.chunks(CHUNK) {
            let rows = cpu::Entity::insert_many(chunk.to_vec())
                .exec_with_returning(&txn)
                .await
                .map_err(|e| ErrCtx::write("cpu").map(e))?;
            for m in rows {
                cpu_ids.insert(m.name_key.clone(), m.id);
                out.created_cpus.push((m.id, m.name));
            }
        }

        let mut gpu_ids: HashMap<String, i64> = gpu::Entity::find()
            .select_only()
            .columns([gpu::Column::NameKey, gpu::Column::Id])
            .into_tuple::<(String, i64)>()
            .all(&txn)
            .await?
            .into_iter()
            .collect();
        for g in &plan.gpus {
            let mut am = gpu_active(&g.data)?;
            am.updated_at = Set(t);
            if let Some(id) = g.id {
                am.id = Set(id);
                gpu::Entity::update(am)
                    .exec(&txn)
                    .await
                    .map_err(|e| ErrCtx::write("gpu").map(e))?;
                out.updated_gpus += 1;
            } else {
                am.created_at = Set(t);
                let m = gpu::Entity::insert(am)
                    .exec_with_returning(&txn)
                    .await
                    .map_err(|e| ErrCtx::write("gpu").map(e))?;
                gpu_ids.insert(m.name_key, m.id);
                out.created_gpus += 1;
            }
        }

        let mut ports_ids: HashMap<String, i64> = HashMap::new();
        for p in &plan.ports_profiles {
            let name = p.data.name.trim();
            let id = match p.id {
                Some(id) => {
                    ports_profile::Entity::update(ports_profile::ActiveModel {
                        id: Set(id),
                        description: Set(p.data.description.clone()),
                        attributes: Set(obj_or_empty(p.data.attributes.clone())),
                        updated_at: Set(t),
                        ..Default::default()
                    })
                    .exec(&txn)
                    .await
                    .map_err(|e| ErrCtx::write("ports_profile").map(e))?;
                    port::Entity::delete_many()
                        .filter(port::Column::PortsProfileId.eq(id))
                        .exec(&txn)
                        .await?;
                    out.updated_ports_profiles += 1;
                    id
                }
                None => {
                    let m = ports_profile::Entity::insert(ports_profile::ActiveModel {
                        name: Set(name.to_owned()),
                        name_key: Set(name_key(name)),
                        description: Set(p.data.description.clone()),
                        attributes: Set(obj_or_empty(p.data.attributes.clone())),
                        created_at: Set(t),
                        updated_at: Set(t),
                        ..Default::default()
                    })
                    .exec_with_returning(&txn)
                    .await
                    .map_err(|e| ErrCtx::write("ports_profile").map(e))?;
                    out.created_ports_profiles += 1;
                    m.id
                }
            };
            insert_ports(&txn, id, &p.data.ports).await?;
            ports_ids.insert(name_key(name), id);
        }
        let wanted_ports: Vec<String> = plan
            .listings
            .iter()
            .filter_map(|l| l.ports_profile.clone())
            .filter(|k| !ports_ids.contains_key(k))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for chunk in wanted_ports.chunks(1000) {
            let rows = ports_profile::Entity::find()
                .filter(ports_profile::Column::NameKey.is_in(chunk.to_vec()))
                .select_only()
                .columns([ports_profile::Column::NameKey, ports_profile::Column::Id])
                .into_tuple::<(String, i64)>()
                .all(&txn)
                .await?;
            ports_ids.extend(rows);
        }

        let ram_ids = ram_specs(&txn, plan).await?;
        let storage_ids = storage_profiles(&txn, plan).await?;
        let link = |l: &PlannedListing| -> ListingData {
            let mut d = l.data.clone();
            let key = |m: &HashMap<String, i64>, k: &Option<String>| {
                k.as_ref().and_then(|k| m.get(k).copied())
            };
            d.cpu_id = key(&cpu_ids, &l.cpu).or(d.cpu_id);
            d.gpu_id = key(&gpu_ids, &l.gpu).or(d.gpu_id);
            d.ports_profile_id = key(&ports_ids, &l.ports_profile).or(d.ports_profile_id);
            let dims = |s: &Option<StorageProfileData>| {
                s.as_ref()
                    .and_then(|s| storage_ids.get(&s.clone().normalized().dims_key()).copied())
            };
            if let Some(r) = &l.ram {
                d.ram_spec_id = ram_ids.get(&r.clone().normalized().dims_key()).copied();
            }
            d.primary_storage_profile_id =
                dims(&l.primary_storage).or(d.primary_storage_profile_id);
            d.secondary_storage_profile_id =
                dims(&l.secondary_storage).or(d.secondary_storage_profile_id);
            d
        };

        let mut written = 0u64;
        let mut creates = Vec::with_capacity(CHUNK);
        for l in &plan.listings {
            let mut am = listing_active(&link(l))?;
            am.updated_at = Set(t);
            if let Some(id) = l.update_id {
                am.id = Set(id);
                listing_base::Entity::update(am)
                    .exec(&txn)
                    .await
                    .map_err(|e| ErrCtx::write("listing").map(e))?;
                out.listing_ids.push(id);
                out.updated_listings += 1;
                written += 1;
            } else {
                am.created_at = Set(t);
                creates.push(am);
            }
            if creates.len() == CHUNK {
                written += insert_listings(&txn, &mut creates, &mut out).await?;
                progress(written, total);
            }
        }
        written += insert_listings(&txn, &mut creates, &mut out).await?;
        progress(written, total);

        super::admin::save_session_on(&txn, session).await?;
        import_session_audit::Entity::insert(import_session_audit::ActiveModel {
            session_id: Set(super::admin::uuid(&session.id, "id")?),
            event: Set("committed".to_owned()),
            message: Set(Some(format!(
                "{} listings created, {} updated",
                out.created_listings, out.updated_listings
            ))),
            payload: Set(audit),
            created_at: Set(t),
            ..Default::default()
        })
        .exec(&txn)
        .await
        .map_err(|e| ErrCtx::write("import_session_audit").map(e))?;
        txn.commit().await?;
        Ok(out)
    }
}

async fn insert_listings<C: ConnectionTrait>(
    db: &C,
    rows: &mut Vec<listing_base::ActiveModel>,
    out: &mut ImportOutcome,
) -> Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    let n = rows.len();
    let ids = listing_base::Entity::insert_many(std::mem::take(rows))
        .exec_with_returning_keys(db)
        .await
        .map_err(|e| ErrCtx::write("listing").map(e))?;
    out.created_listings += n;
    out.listing_ids.extend(ids);
    Ok(n as u64)
}
