//! Engine contexts of listings: the listing's own fields plus one shared row per linked
//! catalogue entity (CPU, GPU, RAM spec, storage profiles, ports profile).
//!
//! [`LinkedRows`] holds the linked rows by id and loads only the ids it does not hold yet, one
//! query per linked table. A one-off valuation fills a fresh one; a worker job keeps one for
//! the whole job (inside its [`Valuer`](super::Valuer)), so after the first batches a batch
//! reads only its listings and their disabled rulesets — the catalogue is a few hundred rows
//! that every batch would otherwise read again. The job's view of the catalogue is a snapshot
//! taken as it goes, like its compiled rules: a catalogue change enqueues its own job.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{Datelike, Utc};
use domain::context::{Context, Root, Row};
use domain::metrics::{CpuMarks, GpuMarks};
use domain::model::Listing;
use domain::valuation::ListingOverride;
use domain::value::{Value, ValueMap};
use rust_decimal::prelude::ToPrimitive;
use serde_json::Value as Json;

use super::Prepared;
use crate::error::{Result, StoreError};
use crate::store::Store;

/// Linked catalogue rows by id, as context rows plus what metrics need.
#[derive(Debug, Default)]
pub struct LinkedRows {
    cpus: HashMap<i64, (Row, CpuMarks)>,
    gpus: HashMap<i64, (Row, GpuMarks)>,
    rams: HashMap<i64, Row>,
    /// The same storage profile under both roots (a listing may use it either way).
    storage: HashMap<i64, (Row, Row)>,
    ports: HashMap<i64, Row>,
}

/// Sorted, deduplicated ids of `listings` picked by `f` that `held` does not contain.
fn missing<T>(
    listings: &[Listing],
    held: &HashMap<i64, T>,
    f: impl Fn(&Listing) -> [Option<i64>; 2],
) -> Vec<i64> {
    let mut v: Vec<i64> = listings
        .iter()
        .flat_map(&f)
        .flatten()
        .filter(|id| !held.contains_key(id))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn json<T: serde::Serialize>(v: &T) -> Json {
    serde_json::to_value(v).unwrap_or_default()
}

fn json_row(root: Root, j: &Json) -> Row {
    let fields = j
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.as_str(), Value::from_json(v)))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    Context::row(root, fields)
}

impl LinkedRows {
    /// Loads the linked rows of `listings` that are not held yet (one query per table that
    /// has missing ids).
    pub async fn fill(&mut self, store: &Store, listings: &[Listing]) -> Result<()> {
        let ids = missing(listings, &self.cpus, |l| [l.data.cpu_id, None]);
        if !ids.is_empty() {
            for (id, c) in store.cpus_by_ids(&ids).await? {
                let marks = CpuMarks {
                    manufacturer: Some(c.data.manufacturer.clone()),
                    cpu_mark_multi: c.data.cpu_mark_multi.map(i64::from),
                    cpu_mark_single: c.data.cpu_mark_single.map(i64::from),
                    tdp_w: c.data.tdp_w.map(i64::from),
                };
                self.cpus
                    .insert(id, (json_row(Root::Cpu, &json(&c)), marks));
            }
        }
        let ids = missing(listings, &self.gpus, |l| [l.data.gpu_id, None]);
        if !ids.is_empty() {
            for (id, g) in store.gpus_by_ids(&ids).await? {
                let marks = GpuMarks {
                    gpu_mark: g.data.gpu_mark.map(i64::from),
                    metal_score: g.data.metal_score.map(i64::from),
                };
                self.gpus
                    .insert(id, (json_row(Root::Gpu, &json(&g)), marks));
            }
        }
        let ids = missing(listings, &self.rams, |l| [l.data.ram_spec_id, None]);
        if !ids.is_empty() {
            for (id, r) in store.ram_specs_by_ids(&ids).await? {
                self.rams.insert(id, json_row(Root::RamSpec, &json(&r)));
            }
        }
        let ids = missing(listings, &self.storage, |l| {
            [
                l.data.primary_storage_profile_id,
                l.data.secondary_storage_profile_id,
            ]
        });
        if !ids.is_empty() {
            for (id, s) in store.storage_profiles_by_ids(&ids).await? {
                let j = json(&s);
                let rows = (
                    json_row(Root::StoragePrimary, &j),
                    json_row(Root::StorageSecondary, &j),
                );
                self.storage.insert(id, rows);
            }
        }
        let ids = missing(listings, &self.ports, |l| [l.data.ports_profile_id, None]);
        if !ids.is_empty() {
            for (id, p) in store.ports_profiles_by_ids(&ids).await? {
                // The context sees one count per port type, summed over the profile's entries.
                let mut sums: BTreeMap<&str, f64> = BTreeMap::new();
                for port in &p.data.ports {
                    *sums.entry(port.port_type.as_str()).or_default() += f64::from(port.count);
                }
                let row = Context::row(
                    Root::Ports,
                    sums.into_iter().map(|(k, n)| (k, Value::Num(n))),
                );
                self.ports.insert(id, row);
            }
        }
        Ok(())
    }

    /// The contexts of `listings` from the rows held (call [`LinkedRows::fill`] first) and
    /// each listing's disabled rulesets.
    pub fn prepare(
        &self,
        listings: &[Listing],
        disabled: &HashMap<i64, Vec<i64>>,
    ) -> Result<HashMap<i64, Prepared>> {
        let year = Utc::now().year();
        let mut out = HashMap::with_capacity(listings.len());
        for l in listings {
            let mut ctx = Context::new();
            if let Json::Object(obj) =
                serde_json::to_value(&l.data).map_err(StoreError::internal)?
            {
                for (k, v) in &obj {
                    ctx.set_field(Root::Listing, k, Value::from_json(v));
                }
            }
            ctx.set_field(Root::Listing, "id", Value::Num(l.id as f64));
            let price = l.data.price_usd.to_f64().unwrap_or(0.0);
            ctx.set_field(Root::Listing, "price_usd", Value::Num(price));
            let cpu = l.data.cpu_id.and_then(|i| self.cpus.get(&i));
            let gpu = l.data.gpu_id.and_then(|i| self.gpus.get(&i));
            let storage = |id: Option<i64>| id.and_then(|i| self.storage.get(&i));
            ctx.set_row(Root::Cpu, cpu.map(|c| c.0.clone()));
            ctx.set_row(Root::Gpu, gpu.map(|g| g.0.clone()));
            let ram = l.data.ram_spec_id.and_then(|i| self.rams.get(&i));
            ctx.set_row(Root::RamSpec, ram.cloned());
            let primary = storage(l.data.primary_storage_profile_id);
            ctx.set_row(Root::StoragePrimary, primary.map(|s| s.0.clone()));
            let secondary = storage(l.data.secondary_storage_profile_id);
            ctx.set_row(Root::StorageSecondary, secondary.map(|s| s.1.clone()));
            let ports = l.data.ports_profile_id.and_then(|i| self.ports.get(&i));
            ctx.set_row(Root::Ports, ports.cloned());
            let custom: ValueMap = l
                .data
                .attributes
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| (k.clone(), Value::from_json(v)))
                        .collect()
                })
                .unwrap_or_default();
            ctx.set_custom(Arc::new(custom));
            ctx.derive(year);
            let over = ListingOverride {
                ruleset_id: l.data.ruleset_id,
                disabled_ruleset_ids: disabled.get(&l.id).cloned().unwrap_or_default(),
            };
            let prepared = Prepared {
                ctx,
                cpu: cpu.map(|c| c.1.clone()),
                gpu: gpu.map(|g| g.1.clone()),
                over,
            };
            out.insert(l.id, prepared);
        }
        Ok(out)
    }
}
