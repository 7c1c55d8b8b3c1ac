//! Catalogue objects: CPUs, GPUs, RAM specs, storage profiles, ports profiles.

use async_graphql::{ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::model as m;

use super::enums::{PortType, RamGeneration, StorageMedium};
use super::scalars::global_id;

/// A CPU with its benchmark marks.
#[derive(Debug, Clone)]
pub struct Cpu(pub m::Cpu);

#[Object(rename_fields = "camelCase")]
impl Cpu {
    /// Global node id.
    pub async fn id(&self) -> ID {
        global_id("Cpu", self.0.id)
    }
    /// Database id.
    async fn database_id(&self) -> i64 {
        self.0.id
    }
    /// Name, unique ignoring case.
    async fn name(&self) -> &str {
        &self.0.data.name
    }
    /// Maker (Intel, AMD, Apple, …).
    async fn manufacturer(&self) -> &str {
        &self.0.data.manufacturer
    }
    /// Socket.
    async fn socket(&self) -> Option<&str> {
        self.0.data.socket.as_deref()
    }
    /// Physical cores.
    async fn cores(&self) -> Option<i32> {
        self.0.data.cores
    }
    /// Hardware threads.
    async fn threads(&self) -> Option<i32> {
        self.0.data.threads
    }
    /// Thermal design power in watts.
    async fn tdp_w(&self) -> Option<i32> {
        self.0.data.tdp_w
    }
    /// Integrated GPU model.
    async fn igpu_model(&self) -> Option<&str> {
        self.0.data.igpu_model.as_deref()
    }
    /// Integrated GPU mark.
    async fn igpu_mark(&self) -> Option<i32> {
        self.0.data.igpu_mark
    }
    /// PassMark multi-thread mark.
    async fn cpu_mark_multi(&self) -> Option<i32> {
        self.0.data.cpu_mark_multi
    }
    /// PassMark single-thread mark.
    async fn cpu_mark_single(&self) -> Option<i32> {
        self.0.data.cpu_mark_single
    }
    /// Release year.
    async fn release_year(&self) -> Option<i32> {
        self.0.data.release_year
    }
    /// Free-text notes.
    async fn notes(&self) -> Option<&str> {
        self.0.data.notes.as_deref()
    }
    /// Custom field values.
    async fn custom_fields(&self) -> Json<serde_json::Value> {
        Json(self.0.data.attributes.clone())
    }
    /// When created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When last written.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A GPU with its benchmark marks.
#[derive(Debug, Clone)]
pub struct Gpu(pub m::Gpu);

#[Object(rename_fields = "camelCase")]
impl Gpu {
    /// Global node id.
    pub async fn id(&self) -> ID {
        global_id("Gpu", self.0.id)
    }
    /// Database id.
    async fn database_id(&self) -> i64 {
        self.0.id
    }
    /// Name, unique ignoring case.
    async fn name(&self) -> &str {
        &self.0.data.name
    }
    /// Maker.
    async fn manufacturer(&self) -> &str {
        &self.0.data.manufacturer
    }
    /// PassMark G3D mark.
    async fn gpu_mark(&self) -> Option<i32> {
        self.0.data.gpu_mark
    }
    /// Apple Metal score.
    async fn metal_score(&self) -> Option<i32> {
        self.0.data.metal_score
    }
    /// Free-text notes.
    async fn notes(&self) -> Option<&str> {
        self.0.data.notes.as_deref()
    }
    /// Custom field values.
    async fn custom_fields(&self) -> Json<serde_json::Value> {
        Json(self.0.data.attributes.clone())
    }
}

/// A RAM configuration (get-or-create by its dimensions).
#[derive(Debug, Clone)]
pub struct RamSpec(pub m::RamSpec);

#[Object(rename_fields = "camelCase")]
impl RamSpec {
    /// Global node id.
    pub async fn id(&self) -> ID {
        global_id("RamSpec", self.0.id)
    }
    /// Database id.
    async fn database_id(&self) -> i64 {
        self.0.id
    }
    /// Generated label, e.g. `DDR5 5600MHz 32GB (2x16GB)`.
    async fn label(&self) -> Option<&str> {
        self.0.data.label.as_deref()
    }
    /// DDR generation.
    async fn ddr_generation(&self) -> RamGeneration {
        self.0.data.ddr_generation.into()
    }
    /// Speed in MHz.
    async fn speed_mhz(&self) -> Option<i32> {
        self.0.data.speed_mhz
    }
    /// Number of modules.
    async fn module_count(&self) -> Option<i32> {
        self.0.data.module_count
    }
    /// Capacity of one module in GB.
    async fn capacity_per_module_gb(&self) -> Option<i32> {
        self.0.data.capacity_per_module_gb
    }
    /// Total capacity in GB.
    async fn total_capacity_gb(&self) -> Option<i32> {
        self.0.data.total_capacity_gb
    }
}

/// A storage device profile (get-or-create by its dimensions).
#[derive(Debug, Clone)]
pub struct StorageProfile(pub m::StorageProfile);

#[Object(rename_fields = "camelCase")]
impl StorageProfile {
    /// Global node id.
    pub async fn id(&self) -> ID {
        global_id("StorageProfile", self.0.id)
    }
    /// Database id.
    async fn database_id(&self) -> i64 {
        self.0.id
    }
    /// Generated label, e.g. `NVME · 1024GB · M.2 2280`.
    async fn label(&self) -> Option<&str> {
        self.0.data.label.as_deref()
    }
    /// Medium.
    async fn medium(&self) -> StorageMedium {
        self.0.data.medium.into()
    }
    /// Interface (PCIe 4.0, SATA, …).
    async fn interface(&self) -> Option<&str> {
        self.0.data.interface.as_deref()
    }
    /// Form factor (M.2 2280, 2.5", …).
    async fn form_factor(&self) -> Option<&str> {
        self.0.data.form_factor.as_deref()
    }
    /// Performance tier.
    async fn performance_tier(&self) -> Option<&str> {
        self.0.data.performance_tier.as_deref()
    }
    /// Capacity in GB.
    async fn capacity_gb(&self) -> Option<i32> {
        self.0.data.capacity_gb
    }
}

/// A number of ports of one type.
#[derive(SimpleObject, Debug, Clone)]
pub struct Port {
    /// Port type.
    pub port_type: PortType,
    /// How many (1–64).
    pub count: i32,
    /// Notes such as `USB 3.2 Gen 2`.
    pub spec_notes: String,
}

/// A named set of ports.
#[derive(Debug, Clone)]
pub struct PortsProfile(pub m::PortsProfile);

#[Object(rename_fields = "camelCase")]
impl PortsProfile {
    /// Global node id.
    pub async fn id(&self) -> ID {
        global_id("PortsProfile", self.0.id)
    }
    /// Database id.
    async fn database_id(&self) -> i64 {
        self.0.id
    }
    /// Name, unique ignoring case.
    async fn name(&self) -> &str {
        &self.0.data.name
    }
    /// Description.
    async fn description(&self) -> Option<&str> {
        self.0.data.description.as_deref()
    }
    /// The ports.
    async fn ports(&self) -> Vec<Port> {
        self.0
            .data
            .ports
            .iter()
            .map(|p| Port {
                port_type: p.port_type.into(),
                count: p.count,
                spec_notes: p.spec_notes.clone(),
            })
            .collect()
    }
    /// Custom field values.
    async fn custom_fields(&self) -> Json<serde_json::Value> {
        Json(self.0.data.attributes.clone())
    }
}
