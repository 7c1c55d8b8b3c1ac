//! Catalogue writes: CPUs, GPUs, ports profiles, RAM specs and storage profiles. CPU/GPU
//! writes ask for a recalculation of their listings (the worker's job, §8).

use async_graphql::{Context, ID, InputObject, Object};
use domain::model::{self as m, ApiRole, ValuationCause};

use super::{Deleted, check_len, recalc};
use crate::auth::require;
use crate::error::{ApiError, ApiResultExt};
use crate::query::store;
use crate::recalc::RecalcScope;
use crate::types::catalogue::{Cpu, Gpu, PortsProfile, RamSpec, StorageProfile};
use crate::types::enums::{PortType, RamGeneration, StorageMedium};
use crate::types::scalars::{global_id, id_of};

/// CPU fields; on update an absent field is kept.
#[derive(InputObject, Debug, Clone, Default)]
pub struct CpuInput {
    /// Name (unique ignoring case; required on create).
    pub name: Option<String>,
    /// Maker (default `Unknown`).
    pub manufacturer: Option<String>,
    /// Socket.
    pub socket: Option<String>,
    /// Cores (≥ 0).
    pub cores: Option<i32>,
    /// Threads (≥ 0).
    pub threads: Option<i32>,
    /// TDP in watts (≥ 0).
    pub tdp_w: Option<i32>,
    /// Integrated GPU model.
    pub igpu_model: Option<String>,
    /// Integrated GPU mark (≥ 0).
    pub igpu_mark: Option<i32>,
    /// Multi-thread mark (≥ 0).
    pub cpu_mark_multi: Option<i32>,
    /// Single-thread mark (≥ 0).
    pub cpu_mark_single: Option<i32>,
    /// Release year.
    pub release_year: Option<i32>,
    /// Notes.
    pub notes: Option<String>,
}

/// GPU fields; on update an absent field is kept.
#[derive(InputObject, Debug, Clone, Default)]
pub struct GpuInput {
    /// Name (unique ignoring case; required on create).
    pub name: Option<String>,
    /// Maker.
    pub manufacturer: Option<String>,
    /// G3D mark (≥ 0).
    pub gpu_mark: Option<i32>,
    /// Metal score (≥ 0).
    pub metal_score: Option<i32>,
    /// Notes.
    pub notes: Option<String>,
}

/// A port line.
#[derive(InputObject, Debug, Clone)]
pub struct PortInput {
    /// Type.
    pub port_type: PortType,
    /// Count (1–64).
    #[graphql(default = 1)]
    pub count: i32,
    /// Notes.
    #[graphql(default)]
    pub spec_notes: String,
}

/// A ports profile.
#[derive(InputObject, Debug, Clone)]
pub struct PortsProfileInput {
    /// Name (unique ignoring case).
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Ports.
    #[graphql(default)]
    pub ports: Vec<PortInput>,
}

/// RAM spec dimensions (get-or-create).
#[derive(InputObject, Debug, Clone)]
pub struct RamSpecInput {
    /// Generation.
    #[graphql(default_with = "RamGeneration::Unknown")]
    pub ddr_generation: RamGeneration,
    /// Speed in MHz.
    pub speed_mhz: Option<i32>,
    /// Modules.
    pub module_count: Option<i32>,
    /// GB per module.
    pub capacity_per_module_gb: Option<i32>,
    /// Total GB.
    pub total_capacity_gb: Option<i32>,
}

/// Storage profile dimensions (get-or-create).
#[derive(InputObject, Debug, Clone)]
pub struct StorageProfileInput {
    /// Medium.
    #[graphql(default_with = "StorageMedium::Unknown")]
    pub medium: StorageMedium,
    /// Interface.
    pub interface: Option<String>,
    /// Form factor.
    pub form_factor: Option<String>,
    /// Performance tier.
    pub performance_tier: Option<String>,
    /// Capacity in GB.
    pub capacity_gb: Option<i32>,
}

fn non_negative(pairs: &[(&str, Option<i32>)]) -> Result<(), ApiError> {
    for (f, v) in pairs {
        if v.is_some_and(|n| n < 0) {
            return Err(ApiError::invalid(
                format!("input.{f}"),
                "invalid_value",
                "must be ≥ 0",
            ));
        }
    }
    Ok(())
}

fn merge_cpu(d: &mut m::CpuData, i: CpuInput) -> Result<(), ApiError> {
    non_negative(&[
        ("cores", i.cores),
        ("threads", i.threads),
        ("tdpW", i.tdp_w),
        ("igpuMark", i.igpu_mark),
        ("cpuMarkMulti", i.cpu_mark_multi),
        ("cpuMarkSingle", i.cpu_mark_single),
    ])?;
    if let Some(n) = i.name {
        d.name = n.trim().to_owned();
    }
    if let Some(v) = i.manufacturer {
        d.manufacturer = v;
    }
    macro_rules! set { ($($f:ident),*) => {$( if i.$f.is_some() { d.$f = i.$f; } )*} }
    set!(
        socket,
        cores,
        threads,
        tdp_w,
        igpu_model,
        igpu_mark,
        cpu_mark_multi,
        cpu_mark_single,
        release_year,
        notes
    );
    check_len("input.name", &d.name, 1, 255)
}

fn merge_gpu(d: &mut m::GpuData, i: GpuInput) -> Result<(), ApiError> {
    non_negative(&[("gpuMark", i.gpu_mark), ("metalScore", i.metal_score)])?;
    if let Some(n) = i.name {
        d.name = n.trim().to_owned();
    }
    if let Some(v) = i.manufacturer {
        d.manufacturer = v;
    }
    if i.gpu_mark.is_some() {
        d.gpu_mark = i.gpu_mark;
    }
    if i.metal_score.is_some() {
        d.metal_score = i.metal_score;
    }
    if i.notes.is_some() {
        d.notes = i.notes;
    }
    check_len("input.name", &d.name, 1, 255)
}

fn ports_data(i: PortsProfileInput) -> Result<m::PortsProfileData, ApiError> {
    check_len("input.name", &i.name, 1, 255)?;
    let ports = i
        .ports
        .into_iter()
        .enumerate()
        .map(|(n, p)| {
            if !(1..=64).contains(&p.count) {
                return Err(ApiError::invalid(
                    format!("input.ports[{n}].count"),
                    "invalid_value",
                    "count must be 1–64",
                ));
            }
            Ok(m::Port {
                port_type: p.port_type.into(),
                count: p.count,
                spec_notes: p.spec_notes,
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(m::PortsProfileData {
        name: i.name.trim().to_owned(),
        description: i.description,
        attributes: serde_json::json!({}),
        ports,
    })
}

/// Catalogue mutations.
#[derive(Debug, Default)]
pub struct CatalogueMutation;

#[Object]
impl CatalogueMutation {
    /// Creates a CPU.
    async fn create_cpu(&self, ctx: &Context<'_>, input: CpuInput) -> async_graphql::Result<Cpu> {
        require(ctx, ApiRole::Editor)?;
        let mut d = m::CpuData {
            manufacturer: "Unknown".into(),
            attributes: serde_json::json!({}),
            ..Default::default()
        };
        merge_cpu(&mut d, input).api()?;
        Ok(Cpu(store(ctx).create_cpu(&d).await.api()?))
    }

    /// Changes a CPU; its listings are recalculated by the worker.
    async fn update_cpu(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: CpuInput,
    ) -> async_graphql::Result<Cpu> {
        require(ctx, ApiRole::Editor)?;
        let s = store(ctx);
        let n = id_of("Cpu", &id, "id").api()?;
        let mut d = s
            .cpu(n)
            .await
            .api()?
            .ok_or_else(|| ApiError::not_found("cpu", n))?
            .data;
        merge_cpu(&mut d, input).api()?;
        let cpu = s.update_cpu(n, &d).await.api()?;
        recalc(ctx, RecalcScope::Cpus(vec![n]), ValuationCause::CpuChange)
            .await
            .api()?;
        Ok(Cpu(cpu))
    }

    /// Deletes a CPU (`CONFLICT` while listings use it).
    async fn delete_cpu(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Deleted> {
        require(ctx, ApiRole::Editor)?;
        let n = id_of("Cpu", &id, "id").api()?;
        store(ctx).delete_cpu(n).await.api()?;
        Ok(Deleted {
            deleted_id: global_id("Cpu", n),
        })
    }

    /// Creates a GPU.
    async fn create_gpu(&self, ctx: &Context<'_>, input: GpuInput) -> async_graphql::Result<Gpu> {
        require(ctx, ApiRole::Editor)?;
        let mut d = m::GpuData {
            manufacturer: "Unknown".into(),
            attributes: serde_json::json!({}),
            ..Default::default()
        };
        merge_gpu(&mut d, input).api()?;
        Ok(Gpu(store(ctx).create_gpu(&d).await.api()?))
    }

    /// Changes a GPU; its listings are recalculated by the worker.
    async fn update_gpu(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: GpuInput,
    ) -> async_graphql::Result<Gpu> {
        require(ctx, ApiRole::Editor)?;
        let s = store(ctx);
        let n = id_of("Gpu", &id, "id").api()?;
        let mut d = s
            .gpu(n)
            .await
            .api()?
            .ok_or_else(|| ApiError::not_found("gpu", n))?
            .data;
        merge_gpu(&mut d, input).api()?;
        let gpu = s.update_gpu(n, &d).await.api()?;
        recalc(ctx, RecalcScope::Gpus(vec![n]), ValuationCause::GpuChange)
            .await
            .api()?;
        Ok(Gpu(gpu))
    }

    /// Deletes a GPU (`CONFLICT` while listings use it).
    async fn delete_gpu(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Deleted> {
        require(ctx, ApiRole::Editor)?;
        let n = id_of("Gpu", &id, "id").api()?;
        store(ctx).delete_gpu(n).await.api()?;
        Ok(Deleted {
            deleted_id: global_id("Gpu", n),
        })
    }

    /// Creates a ports profile.
    async fn create_ports_profile(
        &self,
        ctx: &Context<'_>,
        input: PortsProfileInput,
    ) -> async_graphql::Result<PortsProfile> {
        require(ctx, ApiRole::Editor)?;
        let d = ports_data(input).api()?;
        Ok(PortsProfile(
            store(ctx).create_ports_profile(&d).await.api()?,
        ))
    }

    /// Replaces a ports profile.
    async fn update_ports_profile(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: PortsProfileInput,
    ) -> async_graphql::Result<PortsProfile> {
        require(ctx, ApiRole::Editor)?;
        let n = id_of("PortsProfile", &id, "id").api()?;
        let d = ports_data(input).api()?;
        let p = store(ctx).update_ports_profile(n, &d).await.api()?;
        recalc(ctx, RecalcScope::All, ValuationCause::CatalogChange)
            .await
            .api()?;
        Ok(PortsProfile(p))
    }

    /// Deletes a ports profile (listings keep no ports profile).
    async fn delete_ports_profile(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Deleted> {
        require(ctx, ApiRole::Editor)?;
        let n = id_of("PortsProfile", &id, "id").api()?;
        store(ctx).delete_ports_profile(n).await.api()?;
        Ok(Deleted {
            deleted_id: global_id("PortsProfile", n),
        })
    }

    /// Returns the RAM spec with these dimensions, creating it when new.
    async fn create_ram_spec(
        &self,
        ctx: &Context<'_>,
        input: RamSpecInput,
    ) -> async_graphql::Result<RamSpec> {
        require(ctx, ApiRole::Editor)?;
        non_negative(&[
            ("speedMhz", input.speed_mhz),
            ("moduleCount", input.module_count),
            ("capacityPerModuleGb", input.capacity_per_module_gb),
            ("totalCapacityGb", input.total_capacity_gb),
        ])
        .api()?;
        let d = m::RamSpecData {
            ddr_generation: input.ddr_generation.into(),
            speed_mhz: input.speed_mhz,
            module_count: input.module_count,
            capacity_per_module_gb: input.capacity_per_module_gb,
            total_capacity_gb: input.total_capacity_gb,
            ..Default::default()
        };
        Ok(RamSpec(store(ctx).get_or_create_ram_spec(&d).await.api()?))
    }

    /// Deletes a RAM spec.
    async fn delete_ram_spec(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Deleted> {
        require(ctx, ApiRole::Editor)?;
        let n = id_of("RamSpec", &id, "id").api()?;
        store(ctx).delete_ram_spec(n).await.api()?;
        Ok(Deleted {
            deleted_id: global_id("RamSpec", n),
        })
    }

    /// Returns the storage profile with these dimensions, creating it when new.
    async fn create_storage_profile(
        &self,
        ctx: &Context<'_>,
        input: StorageProfileInput,
    ) -> async_graphql::Result<StorageProfile> {
        require(ctx, ApiRole::Editor)?;
        non_negative(&[("capacityGb", input.capacity_gb)]).api()?;
        let d = m::StorageProfileData {
            medium: input.medium.into(),
            interface: input.interface,
            form_factor: input.form_factor,
            performance_tier: input.performance_tier,
            capacity_gb: input.capacity_gb,
            ..Default::default()
        };
        Ok(StorageProfile(
            store(ctx).get_or_create_storage_profile(&d).await.api()?,
        ))
    }

    /// Deletes a storage profile.
    async fn delete_storage_profile(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Deleted> {
        require(ctx, ApiRole::Editor)?;
        let n = id_of("StorageProfile", &id, "id").api()?;
        store(ctx).delete_storage_profile(n).await.api()?;
        Ok(Deleted {
            deleted_id: global_id("StorageProfile", n),
        })
    }
}
