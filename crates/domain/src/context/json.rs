//! Building a [`Context`] from JSON: the already-built shape of the acceptance cases, and the
//! stored-entity shape (`{now, listing, cpu, gpu, ram_spec, primary_storage, …}`).

use std::sync::Arc;

use serde_json::Value as Json;

use super::Context;
use super::fields::{Root, slot_of};
use crate::value::{Value, ValueMap};

impl Context {
    /// Builds a context from its JSON form (`{listing, cpu, gpu, ram_spec, storage: {primary,
    /// secondary}, ports, custom}`), taken as already derived. Unknown keys are ignored.
    pub fn from_json(json: &Json) -> Self {
        let mut ctx = Context::new();
        let root = |name: &str| json.get(name).filter(|v| !v.is_null());
        ctx.fill(Root::Listing, root("listing"));
        for (name, r) in [
            ("cpu", Root::Cpu),
            ("gpu", Root::Gpu),
            ("ram_spec", Root::RamSpec),
        ] {
            ctx.fill(r, root(name));
        }
        let storage = root("storage");
        let sub = |which: &str| storage.and_then(|s| s.get(which)).filter(|v| !v.is_null());
        ctx.fill(Root::StoragePrimary, sub("primary"));
        ctx.fill(Root::StorageSecondary, sub("secondary"));
        if let Some(ports) = root("ports").and_then(Json::as_object) {
            ctx.set_present(Root::Ports, true);
            for (k, v) in ports {
                ctx.set_field(Root::Ports, k, Value::from_json(v));
            }
        }
        ctx.set_custom(Arc::new(json_map(root("custom"))));
        ctx
    }

    /// Builds a context from stored entities and derives it (§4.1): `{now, listing, cpu, gpu,
    /// ram_spec, primary_storage, secondary_storage, ports: [{type, count}] | null, attributes}`.
    pub fn from_entities_json(entities: &Json) -> Self {
        let mut ctx = Context::new();
        let get = |name: &str| entities.get(name).filter(|v| !v.is_null());
        ctx.fill(Root::Listing, get("listing"));
        ctx.fill(Root::Cpu, get("cpu"));
        ctx.fill(Root::Gpu, get("gpu"));
        ctx.fill(Root::RamSpec, get("ram_spec"));
        ctx.fill(Root::StoragePrimary, get("primary_storage"));
        ctx.fill(Root::StorageSecondary, get("secondary_storage"));
        if let Some(ports) = get("ports").and_then(Json::as_array) {
            ctx.set_present(Root::Ports, true);
            for p in ports {
                let (Some(kind), Some(count)) = (
                    p.get("type").and_then(Json::as_str),
                    p.get("count").and_then(Json::as_f64),
                ) else {
                    continue;
                };
                if let Some(s) = slot_of(Root::Ports, kind) {
                    let total = ctx.slot(s).as_number().unwrap_or(0.0) + count;
                    ctx.set(s, Value::Num(total));
                }
            }
        }
        ctx.set_custom(Arc::new(json_map(get("attributes"))));
        let year = get("now")
            .and_then(Json::as_str)
            .and_then(|s| s.get(..4))
            .and_then(|y| y.parse().ok())
            .unwrap_or_else(current_year);
        ctx.derive(year);
        ctx
    }

    fn fill(&mut self, root: Root, json: Option<&Json>) {
        let Some(obj) = json.and_then(Json::as_object) else {
            if root != Root::Listing {
                self.set_present(root, false);
            }
            return;
        };
        self.set_present(root, true);
        for (k, v) in obj {
            self.set_field(root, k, Value::from_json(v));
        }
    }
}

fn json_map(json: Option<&Json>) -> ValueMap {
    json.and_then(Json::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), Value::from_json(v)))
                .collect()
        })
        .unwrap_or_default()
}

/// The current UTC year.
pub fn current_year() -> i32 {
    use chrono::Datelike;
    chrono::Utc::now().year()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{FieldRef, FieldRegistry};

    #[test]
    fn derives_profile_values_and_age() {
        let e = serde_json::json!({
            "now": "2025-10-14T12:00:00Z",
            "listing": {"ram_gb": 16, "primary_storage_gb": 512, "primary_storage_type": "NVMe SSD"},
            "cpu": {"release_year": 2021},
            "ram_spec": {"ddr_generation": "ddr4", "speed_mhz": 3200, "total_capacity_gb": 32},
            "primary_storage": {"medium": "nvme", "capacity_gb": 1024},
            "ports": [{"type": "usb_a", "count": 2}, {"type": "usb_a", "count": 2}],
            "attributes": {"warranty_months": 24}
        });
        let ctx = Context::from_entities_json(&e);
        let r = FieldRegistry::new(["warranty_months"]);
        let read = |p: &str| ctx.get(&r.resolve(p).unwrap()).to_json();
        assert_eq!(read("ram_gb"), 32);
        assert_eq!(read("primary_storage_gb"), 1024);
        assert_eq!(read("age_years"), 4);
        assert_eq!(read("ports.usb_a"), 4);
        assert_eq!(read("ports.hdmi"), 0);
        assert_eq!(read("gpu"), serde_json::Value::Null);
        assert_eq!(
            ctx.get(&FieldRef::Custom("warranty_months".into()))
                .to_json(),
            24
        );
    }
}
