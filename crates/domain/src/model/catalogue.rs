//! Catalogue records: CPUs, GPUs, ports profiles, RAM specs and storage profiles.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::{PortType, RamGeneration, Record, StorageMedium};

/// Writable fields of a CPU. Marks are ints ≥ 0 (0 = unknown).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CpuData {
    pub name: String,
    /// `Unknown` when not known.
    pub manufacturer: String,
    pub socket: Option<String>,
    pub cores: Option<i32>,
    pub threads: Option<i32>,
    pub tdp_w: Option<i32>,
    pub igpu_model: Option<String>,
    pub igpu_mark: Option<i32>,
    pub cpu_mark_multi: Option<i32>,
    pub cpu_mark_single: Option<i32>,
    pub release_year: Option<i32>,
    pub passmark_slug: Option<String>,
    pub passmark_category: Option<String>,
    pub passmark_id: Option<String>,
    pub notes: Option<String>,
    /// Custom field values (an object).
    pub attributes: Json,
}

/// A stored CPU.
pub type Cpu = Record<CpuData>;

/// Writable fields of a GPU.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GpuData {
    pub name: String,
    pub manufacturer: String,
    pub gpu_mark: Option<i32>,
    /// Apple GPUs' Metal score.
    pub metal_score: Option<i32>,
    pub notes: Option<String>,
    pub attributes: Json,
}

/// A stored GPU.
pub type Gpu = Record<GpuData>;

/// One line of a ports profile; unique per (profile, type, notes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Port {
    pub port_type: PortType,
    /// 1–64.
    pub count: i32,
    /// `''` when none.
    pub spec_notes: String,
}

/// Writable fields of a ports profile, its ports included (replaced as a whole on update).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PortsProfileData {
    pub name: String,
    pub description: Option<String>,
    pub attributes: Json,
    pub ports: Vec<Port>,
}

/// A stored ports profile.
pub type PortsProfile = Record<PortsProfileData>;

/// Writable fields of a RAM spec; the five dims identify it (get-or-create by `dims_key`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RamSpecData {
    /// Generated when absent (`DDR5 5600MHz 32GB (2x16GB)`).
    pub label: Option<String>,
    pub ddr_generation: RamGeneration,
    pub speed_mhz: Option<i32>,
    pub module_count: Option<i32>,
    pub capacity_per_module_gb: Option<i32>,
    /// modules × per-module when absent and both are known.
    pub total_capacity_gb: Option<i32>,
    pub attributes: Json,
    pub notes: Option<String>,
}

impl Default for RamSpecData {
    fn default() -> Self {
        Self {
            label: None,
            ddr_generation: RamGeneration::Unknown,
            speed_mhz: None,
            module_count: None,
            capacity_per_module_gb: None,
            total_capacity_gb: None,
            attributes: Json::Object(Default::default()),
            notes: None,
        }
    }
}

impl RamSpecData {
    /// Fills the derived total and the generated label.
    pub fn normalized(mut self) -> Self {
        if self.total_capacity_gb.is_none()
            && let (Some(m), Some(c)) = (self.module_count, self.capacity_per_module_gb)
        {
            self.total_capacity_gb = m.checked_mul(c);
        }
        if self.label.as_deref().is_none_or(|l| l.trim().is_empty()) {
            self.label = Some(self.generated_label());
        }
        self
    }

    /// `DDR5 5600MHz 32GB (2x16GB)`, leaving out unknown parts.
    pub fn generated_label(&self) -> String {
        let mut parts = vec![self.ddr_generation.as_str().to_uppercase()];
        if let Some(s) = self.speed_mhz {
            parts.push(format!("{s}MHz"));
        }
        if let Some(t) = self.total_capacity_gb {
            parts.push(format!("{t}GB"));
        }
        if let (Some(m), Some(c)) = (self.module_count, self.capacity_per_module_gb) {
            parts.push(format!("({m}x{c}GB)"));
        }
        parts.join(" ")
    }

    /// The NOT NULL unique key over the nullable dims: values joined by `|`, NULL as empty.
    pub fn dims_key(&self) -> String {
        let opt = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
        [
            self.ddr_generation.as_str().to_owned(),
            opt(self.speed_mhz),
            opt(self.module_count),
            opt(self.capacity_per_module_gb),
            opt(self.total_capacity_gb),
        ]
        .join("|")
    }
}

/// A stored RAM spec.
pub type RamSpec = Record<RamSpecData>;

/// Writable fields of a storage profile (get-or-create by `dims_key`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StorageProfileData {
    /// Generated when absent (`NVME · 1024GB · M.2 2280`).
    pub label: Option<String>,
    pub medium: StorageMedium,
    pub interface: Option<String>,
    pub form_factor: Option<String>,
    pub performance_tier: Option<String>,
    pub capacity_gb: Option<i32>,
    pub attributes: Json,
    pub notes: Option<String>,
}

impl Default for StorageProfileData {
    fn default() -> Self {
        Self {
            label: None,
            medium: StorageMedium::Unknown,
            interface: None,
            form_factor: None,
            performance_tier: None,
            capacity_gb: None,
            attributes: Json::Object(Default::default()),
            notes: None,
        }
    }
}

impl StorageProfileData {
    /// Fills the generated label.
    pub fn normalized(mut self) -> Self {
        if self.label.as_deref().is_none_or(|l| l.trim().is_empty()) {
            let mut parts = vec![self.medium.as_str().to_uppercase()];
            if let Some(c) = self.capacity_gb {
                parts.push(format!("{c}GB"));
            }
            if let Some(f) = &self.form_factor {
                parts.push(f.clone());
            }
            self.label = Some(parts.join(" · "));
        }
        self
    }

    /// Medium, interface, form factor, capacity, tier joined by `|` (NULL as empty); text
    /// dims compare case-insensitively.
    pub fn dims_key(&self) -> String {
        let s = |v: &Option<String>| {
            v.as_deref()
                .map(|t| t.trim().to_lowercase())
                .unwrap_or_default()
        };
        [
            self.medium.as_str().to_owned(),
            s(&self.interface),
            s(&self.form_factor),
            self.capacity_gb.map(|c| c.to_string()).unwrap_or_default(),
            s(&self.performance_tier),
        ]
        .join("|")
    }
}

/// A stored storage profile.
pub type StorageProfile = Record<StorageProfileData>;
