//! Sample data written for this project and [`seed`], which loads it idempotently.
//!
//! Layout: `catalogue` (CPUs, GPUs, RAM specs, storage profiles), `rules` (the default
//! ruleset), `listings` (the deterministic listing generator). Every step looks its rows up by
//! their natural key first (name, dims, URL), so running `seed` twice changes nothing.
//! Valuation outputs are left null: valuing is the engine's and the worker's job.

mod catalogue;
mod listings;
mod rules;

use domain::model::*;
use serde_json::json;

use crate::error::{Result, StoreError};
use crate::store::Store;

/// The default number of generated listings.
pub const DEFAULT_LISTINGS: usize = 500;

/// What [`seed`] created (zeros on a second run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub cpus: usize,
    pub gpus: usize,
    pub scoring_profiles: usize,
    pub rules: usize,
    pub listings: usize,
}

/// Loads the sample catalogue, profiles, default ruleset and `listings` generated listings.
pub async fn seed(store: &Store, listings: usize) -> Result<SeedReport> {
    let mut report = SeedReport::default();
    let mut cpu_ids = Vec::new();
    for &(name, maker, cores, threads, tdp, multi, single, year, igpu) in catalogue::CPUS {
        let id = match store.cpu_by_name(name).await? {
            Some(c) => c.id,
            None => {
                report.cpus += 1;
                let d = CpuData {
                    name: name.into(),
                    manufacturer: maker.into(),
                    cores: Some(cores),
                    threads: Some(threads),
                    tdp_w: Some(tdp),
                    cpu_mark_multi: Some(multi),
                    cpu_mark_single: Some(single),
                    release_year: Some(year),
                    igpu_model: igpu.map(str::to_owned),
                    attributes: json!({}),
                    ..Default::default()
                };
                store.create_cpu(&d).await?.id
            }
        };
        cpu_ids.push((id, name, multi));
    }
    let mut gpu_ids = Vec::new();
    for &(name, maker, mark, metal) in catalogue::GPUS {
        let id = match store.gpu_by_name(name).await? {
            Some(g) => g.id,
            None => {
                report.gpus += 1;
                let d = GpuData {
                    name: name.into(),
                    manufacturer: maker.into(),
                    gpu_mark: Some(mark),
                    metal_score: metal,
                    notes: None,
                    attributes: json!({}),
                };
                store.create_gpu(&d).await?.id
            }
        };
        gpu_ids.push(id);
    }
    let mut rams = Vec::new();
    for &(generation, speed, modules, per) in catalogue::RAM_SPECS {
        let d = RamSpecData {
            ddr_generation: generation.parse().map_err(StoreError::internal)?,
            speed_mhz: Some(speed),
            module_count: Some(modules),
            capacity_per_module_gb: Some(per),
            ..Default::default()
        };
        let r = store.get_or_create_ram_spec(&d).await?;
        rams.push((r.id, modules * per));
    }
    let mut storages = Vec::new();
    for &(medium, interface, ff, capacity, tier) in catalogue::STORAGE {
        let d = StorageProfileData {
            medium: medium.parse().map_err(StoreError::internal)?,
            interface: Some(interface.into()),
            form_factor: Some(ff.into()),
            capacity_gb: Some(capacity),
            performance_tier: Some(tier.into()),
            ..Default::default()
        };
        let s = store.get_or_create_storage_profile(&d).await?;
        storages.push((s.id, capacity));
    }
    report.scoring_profiles = seed_profiles(store).await?;
    report.rules = seed_rules(store).await?;
    if store.setting("valuation_thresholds").await?.is_none() {
        let v = json!({"good_deal": 15, "great_deal": 25, "premium_warning": 10});
        store
            .set_setting(
                "valuation_thresholds",
                v,
                Some("Deal class thresholds, percent"),
                Some("seed"),
            )
            .await?;
    }
    let cpu_marks: Vec<(&str, i32)> = cpu_ids.iter().map(|(_, n, m)| (*n, *m)).collect();
    let ram_sizes: Vec<i32> = rams.iter().map(|r| r.1).collect();
    let storage_sizes: Vec<i32> = storages.iter().map(|s| s.1).collect();
    for i in 0..listings {
        let d = listings::draw(i, &cpu_marks, &ram_sizes, &storage_sizes, gpu_ids.len());
        let mut w = d.write;
        w.data.cpu_id = Some(cpu_ids[d.cpu].0);
        w.data.gpu_id = d.gpu.map(|g| gpu_ids[g]);
        w.data.ram_spec_id = Some(rams[d.ram].0);
        w.data.primary_storage_profile_id = Some(storages[d.storage].0);
        match store.create_listing(&w).await {
            Ok(_) => report.listings += 1,
            // Its URL is taken: created by an earlier run.
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

async fn seed_profiles(store: &Store) -> Result<usize> {
    let existing: Vec<String> = store
        .scoring_profiles()
        .await?
        .into_iter()
        .map(|p| name_key(&p.data.name))
        .collect();
    let mut created = 0;
    for (name, weights, is_default) in [
        (
            "Proxmox",
            json!({"cpu_mark_multi": 0.5, "ram_capacity": 0.2, "perf_per_watt": 0.1}),
            true,
        ),
        (
            "Plex",
            json!({"cpu_mark_single": 0.4, "perf_per_watt": 0.2}),
            false,
        ),
    ] {
        if existing.contains(&name_key(name)) {
            continue;
        }
        let d = ScoringProfileData {
            name: name.into(),
            description: None,
            weights,
            is_default,
        };
        store.create_scoring_profile(&d).await?;
        created += 1;
    }
    Ok(created)
}

async fn seed_rules(store: &Store) -> Result<usize> {
    const NAME: &str = "Default valuation";
    if store
        .rulesets(false)
        .await?
        .iter()
        .any(|r| name_key(&r.data.name) == name_key(NAME))
    {
        return Ok(0);
    }
    let meta = ChangeMeta {
        actor: Some("seed".into()),
        summary: Some("sample data".into()),
        impact: None,
    };
    let mut rs = RulesetData::new(NAME);
    rs.description = Some("Sample rules covering every action type".into());
    let rs = store.create_ruleset(&rs, &meta).await?;
    let mut count = 0;
    for (group, category, order, rules) in rules::default_ruleset() {
        let g = RuleGroupData {
            ruleset_id: rs.id,
            name: group.into(),
            category: category.into(),
            description: None,
            display_order: order,
            is_active: true,
            metadata: json!({}),
        };
        let g = store.create_rule_group(&g, &meta).await?;
        for (name, eval, conditions, actions) in rules {
            let r = RuleData {
                group_id: g.id,
                name: name.into(),
                description: None,
                evaluation_order: eval,
                is_active: true,
                conditions,
                actions,
                metadata: json!({}),
                created_by: Some("seed".into()),
            };
            store.create_rule(&r, &meta).await?;
            count += 1;
        }
    }
    Ok(count)
}
