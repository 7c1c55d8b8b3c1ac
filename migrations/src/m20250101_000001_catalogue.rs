//! Catalogue: CPUs, GPUs, ports profiles and ports, RAM specs, storage profiles.

use sea_orm_migration::prelude::*;

use crate::sql::{TS, check_in, drop_tables, run};

#[derive(DeriveMigrationName)]
pub struct Migration;

const PORT_TYPES: &[&str] = &[
    "usb_a",
    "usb_c",
    "thunderbolt",
    "hdmi",
    "displayport",
    "rj45_1g",
    "rj45_2_5g",
    "rj45_10g",
    "audio",
    "sdxc",
    "pcie_x16",
    "pcie_x8",
    "m2_slot",
    "sata_bay",
    "other",
];
const RAM_GENERATIONS: &[&str] = &[
    "ddr3", "ddr4", "ddr5", "lpddr4", "lpddr4x", "lpddr5", "lpddr5x", "hbm2", "hbm3", "unknown",
];
const STORAGE_MEDIA: &[&str] = &[
    "nvme", "sata_ssd", "hdd", "hybrid", "emmc", "ufs", "unknown",
];

fn script() -> String {
    format!(
        r#"
CREATE TABLE cpus (
  id {{ID}},
  name VARCHAR(255) NOT NULL,
  name_key VARCHAR(255) NOT NULL,
  manufacturer VARCHAR(64) NOT NULL DEFAULT 'Unknown',
  socket VARCHAR(64),
  cores INTEGER CHECK (cores >= 0),
  threads INTEGER CHECK (threads >= 0),
  tdp_w INTEGER CHECK (tdp_w >= 0),
  igpu_model VARCHAR(255),
  igpu_mark INTEGER CHECK (igpu_mark >= 0),
  cpu_mark_multi INTEGER CHECK (cpu_mark_multi >= 0),
  cpu_mark_single INTEGER CHECK (cpu_mark_single >= 0),
  release_year INTEGER,
  passmark_slug VARCHAR(255),
  passmark_category VARCHAR(64),
  passmark_id VARCHAR(64),
  notes TEXT,
  attributes {{JSON}} NOT NULL DEFAULT '{{}}',
  {TS}
);
CREATE UNIQUE INDEX ux_cpus_name_key ON cpus (name_key);
CREATE INDEX ix_cpus_manufacturer ON cpus (manufacturer, id);
CREATE INDEX ix_cpus_cpu_mark_multi ON cpus (cpu_mark_multi, id);
CREATE TABLE gpus (
  id {{ID}},
  name VARCHAR(255) NOT NULL,
  name_key VARCHAR(255) NOT NULL,
  manufacturer VARCHAR(64) NOT NULL DEFAULT 'Unknown',
  gpu_mark INTEGER CHECK (gpu_mark >= 0),
  metal_score INTEGER CHECK (metal_score >= 0),
  notes TEXT,
  attributes {{JSON}} NOT NULL DEFAULT '{{}}',
  {TS}
);
CREATE UNIQUE INDEX ux_gpus_name_key ON gpus (name_key);
CREATE TABLE ports_profiles (
  id {{ID}},
  name VARCHAR(255) NOT NULL,
  name_key VARCHAR(255) NOT NULL,
  description TEXT,
  attributes {{JSON}} NOT NULL DEFAULT '{{}}',
  {TS}
);
CREATE UNIQUE INDEX ux_ports_profiles_name_key ON ports_profiles (name_key);
CREATE TABLE ports (
  id {{ID}},
  ports_profile_id {{BIGINT}} NOT NULL REFERENCES ports_profiles (id) ON DELETE CASCADE,
  port_type VARCHAR(32) NOT NULL {port_check},
  count INTEGER NOT NULL DEFAULT 1 CHECK (count BETWEEN 1 AND 64),
  spec_notes VARCHAR(255) NOT NULL DEFAULT '',
  {TS}
);
CREATE UNIQUE INDEX ux_ports_profile_type_notes ON ports (ports_profile_id, port_type, spec_notes);
CREATE TABLE ram_specs (
  id {{ID}},
  label VARCHAR(255),
  ddr_generation VARCHAR(16) NOT NULL DEFAULT 'unknown' {ram_check},
  speed_mhz INTEGER CHECK (speed_mhz >= 1),
  module_count INTEGER CHECK (module_count >= 1),
  capacity_per_module_gb INTEGER CHECK (capacity_per_module_gb >= 1),
  total_capacity_gb INTEGER CHECK (total_capacity_gb >= 1),
  dims_key VARCHAR(255) NOT NULL,
  attributes {{JSON}} NOT NULL DEFAULT '{{}}',
  notes TEXT,
  {TS}
);
CREATE UNIQUE INDEX ux_ram_specs_dims_key ON ram_specs (dims_key);
CREATE INDEX ix_ram_specs_total ON ram_specs (total_capacity_gb, id);
CREATE TABLE storage_profiles (
  id {{ID}},
  label VARCHAR(255),
  medium VARCHAR(16) NOT NULL DEFAULT 'unknown' {medium_check},
  interface VARCHAR(64),
  form_factor VARCHAR(64),
  performance_tier VARCHAR(64),
  capacity_gb INTEGER CHECK (capacity_gb >= 1),
  dims_key VARCHAR(255) NOT NULL,
  attributes {{JSON}} NOT NULL DEFAULT '{{}}',
  notes TEXT,
  {TS}
);
CREATE UNIQUE INDEX ux_storage_profiles_dims_key ON storage_profiles (dims_key);
CREATE INDEX ix_storage_profiles_capacity ON storage_profiles (capacity_gb, id)
"#,
        port_check = check_in("port_type", PORT_TYPES),
        ram_check = check_in("ddr_generation", RAM_GENERATIONS),
        medium_check = check_in("medium", STORAGE_MEDIA),
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, &script()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            &[
                "storage_profiles",
                "ram_specs",
                "ports",
                "ports_profiles",
                "gpus",
                "cpus",
            ],
        )
        .await
    }
}
