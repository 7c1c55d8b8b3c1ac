//! CPUs and GPUs: CRUD, id-keyed pages and batched loads.

use std::collections::HashMap;

use domain::model::{Cpu, CpuData, Gpu, GpuData, Record, name_key};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};

use super::obj_or_empty;
use crate::dec::now;
use crate::entity::{cpu, gpu};
use crate::error::{ErrCtx, Result, StoreError};
use crate::page::{Cursor, Page, PageRequest, finish};
use crate::store::Store;

pub(crate) fn cpu_record(m: cpu::Model) -> Cpu {
    Record {
        id: m.id,
        data: CpuData {
            name: m.name,
            manufacturer: m.manufacturer,
            socket: m.socket,
            cores: m.cores,
            threads: m.threads,
            tdp_w: m.tdp_w,
            igpu_model: m.igpu_model,
            igpu_mark: m.igpu_mark,
            cpu_mark_multi: m.cpu_mark_multi,
            cpu_mark_single: m.cpu_mark_single,
            release_year: m.release_year,
            passmark_slug: m.passmark_slug,
            passmark_category: m.passmark_category,
            passmark_id: m.passmark_id,
            notes: m.notes,
            attributes: m.attributes,
        },
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

pub(crate) fn cpu_active(d: &CpuData) -> Result<cpu::ActiveModel> {
    let name = d.name.trim();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(StoreError::validation("name", "must be 1–255 characters"));
    }
    let manufacturer = if d.manufacturer.trim().is_empty() {
        "Unknown"
    } else {
        d.manufacturer.trim()
    };
    Ok(cpu::ActiveModel {
        name: Set(name.to_owned()),
        name_key: Set(name_key(name)),
        manufacturer: Set(manufacturer.to_owned()),
        socket: Set(d.socket.clone()),
        cores: Set(d.cores),
        threads: Set(d.threads),
        tdp_w: Set(d.tdp_w),
        igpu_model: Set(d.igpu_model.clone()),
        igpu_mark: Set(d.igpu_mark),
        cpu_mark_multi: Set(d.cpu_mark_multi),
        cpu_mark_single: Set(d.cpu_mark_single),
        release_year: Set(d.release_year),
        passmark_slug: Set(d.passmark_slug.clone()),
        passmark_category: Set(d.passmark_category.clone()),
        passmark_id: Set(d.passmark_id.clone()),
        notes: Set(d.notes.clone()),
        attributes: Set(obj_or_empty(d.attributes.clone())),
        ..Default::default()
    })
}

pub(crate) fn gpu_record(m: gpu::Model) -> Gpu {
    Record {
        id: m.id,
        data: GpuData {
            name: m.name,
            manufacturer: m.manufacturer,
            gpu_mark: m.gpu_mark,
            metal_score: m.metal_score,
            notes: m.notes,
            attributes: m.attributes,
        },
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

pub(crate) fn gpu_active(d: &GpuData) -> Result<gpu::ActiveModel> {
    let name = d.name.trim();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(StoreError::validation("name", "must be 1–255 characters"));
    }
    let manufacturer = if d.manufacturer.trim().is_empty() {
        "Unknown"
    } else {
        d.manufacturer.trim()
    };
    Ok(gpu::ActiveModel {
        name: Set(name.to_owned()),
        name_key: Set(name_key(name)),
        manufacturer: Set(manufacturer.to_owned()),
        gpu_mark: Set(d.gpu_mark),
        metal_score: Set(d.metal_score),
        notes: Set(d.notes.clone()),
        attributes: Set(obj_or_empty(d.attributes.clone())),
        ..Default::default()
    })
}

/// A list ordered by id: its cursors carry the list's name, so a cursor of one list is
/// refused by another.
pub(crate) fn id_cursor(list: &str, id: i64) -> Cursor {
    Cursor {
        s: format!("{list}:id:asc"),
        v: serde_json::Value::Null,
        id,
    }
}

/// Restricts an id-ordered query to `req`'s window: the cursor bounds, the order of the
/// direction and `limit + 1` rows.
pub(crate) fn id_window<E, C>(
    q: Select<E>,
    col: C,
    list: &str,
    req: &PageRequest,
) -> Result<Select<E>>
where
    E: EntityTrait,
    C: ColumnTrait,
{
    let (after, before) = req.bounds(&format!("{list}:id:asc"))?;
    let mut q = q;
    if let Some(c) = after {
        q = q.filter(col.gt(c.id));
    }
    if let Some(c) = before {
        q = q.filter(col.lt(c.id));
    }
    q = if req.backward {
        q.order_by_desc(col)
    } else {
        q.order_by_asc(col)
    };
    Ok(q.limit(req.limit() + 1))
}

pub(crate) fn id_page<T>(
    items: Vec<T>,
    list: &str,
    req: &PageRequest,
    id: impl Fn(&T) -> i64,
) -> Page<T> {
    finish(items, req, |t| id_cursor(list, id(t)))
}

impl Store {
    /// Creates a CPU; a name taken ignoring case → `Conflict`.
    pub async fn create_cpu(&self, data: &CpuData) -> Result<Cpu> {
        let mut am = cpu_active(data)?;
        let t = now();
        am.created_at = Set(t);
        am.updated_at = Set(t);
        let m = cpu::Entity::insert(am)
            .exec_with_returning(&self.db)
            .await
            .map_err(|e| ErrCtx::write("cpu").map(e))?;
        Ok(cpu_record(m))
    }

    /// Replaces a CPU's fields.
    pub async fn update_cpu(&self, id: i64, data: &CpuData) -> Result<Cpu> {
        let mut am = cpu_active(data)?;
        am.id = Set(id);
        am.updated_at = Set(now());
        let res = cpu::Entity::update(am).exec(&self.db).await;
        match res {
            Ok(m) => Ok(cpu_record(m)),
            Err(sea_orm::DbErr::RecordNotUpdated) => Err(StoreError::not_found("cpu", id)),
            Err(e) => Err(ErrCtx::write("cpu").map(e)),
        }
    }

    /// Deletes a CPU; one used by a listing → `InUse`.
    pub async fn delete_cpu(&self, id: i64) -> Result<()> {
        let res = cpu::Entity::delete_by_id(id)
            .exec(&self.db)
            .await
            .map_err(|e| ErrCtx::delete("cpu", id).map(e))?;
        if res.rows_affected == 0 {
            return Err(StoreError::not_found("cpu", id));
        }
        Ok(())
    }

    /// One CPU.
    pub async fn cpu(&self, id: i64) -> Result<Option<Cpu>> {
        Ok(cpu::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(cpu_record))
    }

    /// A CPU by name, ignoring case and surrounding spaces.
    pub async fn cpu_by_name(&self, name: &str) -> Result<Option<Cpu>> {
        let m = cpu::Entity::find()
            .filter(cpu::Column::NameKey.eq(name_key(name)))
            .one(&self.db)
            .await?;
        Ok(m.map(cpu_record))
    }

    /// CPUs by id, for DataLoaders (missing ids are absent).
    pub async fn cpus_by_ids(&self, ids: &[i64]) -> Result<HashMap<i64, Cpu>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = cpu::Entity::find()
            .filter(cpu::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|m| (m.id, cpu_record(m))).collect())
    }

    /// CPUs by id.
    pub async fn cpus(&self, req: &PageRequest) -> Result<Page<Cpu>> {
        let rows = id_window(cpu::Entity::find(), cpu::Column::Id, "cpus", req)?
            .all(&self.db)
            .await?;
        Ok(id_page(
            rows.into_iter().map(cpu_record).collect(),
            "cpus",
            req,
            |c: &Cpu| c.id,
        ))
    }

    /// Creates a GPU; a name taken ignoring case → `Conflict`.
    pub async fn create_gpu(&self, data: &GpuData) -> Result<Gpu> {
        let mut am = gpu_active(data)?;
        let t = now();
        am.created_at = Set(t);
        am.updated_at = Set(t);
        let m = gpu::Entity::insert(am)
            .exec_with_returning(&self.db)
            .await
            .map_err(|e| ErrCtx::write("gpu").map(e))?;
        Ok(gpu_record(m))
    }

    /// Replaces a GPU's fields.
    pub async fn update_gpu(&self, id: i64, data: &GpuData) -> Result<Gpu> {
        let mut am = gpu_active(data)?;
        am.id = Set(id);
        am.updated_at = Set(now());
        match gpu::Entity::update(am).exec(&self.db).await {
            Ok(m) => Ok(gpu_record(m)),
            Err(sea_orm::DbErr::RecordNotUpdated) => Err(StoreError::not_found("gpu", id)),
            Err(e) => Err(ErrCtx::write("gpu").map(e)),
        }
    }

    /// Deletes a GPU; one used by a listing → `InUse`.
    pub async fn delete_gpu(&self, id: i64) -> Result<()> {
        let res = gpu::Entity::delete_by_id(id)
            .exec(&self.db)
            .await
            .map_err(|e| ErrCtx::delete("gpu", id).map(e))?;
        if res.rows_affected == 0 {
            return Err(StoreError::not_found("gpu", id));
        }
        Ok(())
    }

    /// One GPU.
    pub async fn gpu(&self, id: i64) -> Result<Option<Gpu>> {
        Ok(gpu::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(gpu_record))
    }

    /// A GPU by name, ignoring case.
    pub async fn gpu_by_name(&self, name: &str) -> Result<Option<Gpu>> {
        let m = gpu::Entity::find()
            .filter(gpu::Column::NameKey.eq(name_key(name)))
            .one(&self.db)
            .await?;
        Ok(m.map(gpu_record))
    }

    /// GPUs by id, for DataLoaders.
    pub async fn gpus_by_ids(&self, ids: &[i64]) -> Result<HashMap<i64, Gpu>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = gpu::Entity::find()
            .filter(gpu::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|m| (m.id, gpu_record(m))).collect())
    }

    /// GPUs by id.
    pub async fn gpus(&self, req: &PageRequest) -> Result<Page<Gpu>> {
        let rows = id_window(gpu::Entity::find(), gpu::Column::Id, "gpus", req)?
            .all(&self.db)
            .await?;
        Ok(id_page(
            rows.into_iter().map(gpu_record).collect(),
            "gpus",
            req,
            |g: &Gpu| g.id,
        ))
    }
}
