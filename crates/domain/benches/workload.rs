//! The shared engine benchmark workload (`benches/data/workload.json`, a copy of
//! `shared/bench/workload.json`): its listing generator (splitmix64, 21 draws per listing)
//! and the conversion of its ruleset, written in the original Deal Brain's shape, into ours.
//!
//! Conversion: flat condition lists become an `and` group, `logical_operator` groups keep their
//! logic, `field_name` → `field`, `value_usd` → `value`, `action_type` → `type`; the original's
//! flattened `ram_total_capacity_gb` is `ram_spec.total_capacity_gb`; a multiplier of −8 (add
//! −8 % of the price) becomes the percentage factor 92 (×0.92) on the running price.

// Harness code: a broken fixture file should stop the benchmark loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use std::collections::HashMap;

use domain::context::{Context, Root, Row, Slot, listing_slot};
use domain::valuation::{GroupSpec, RuleSpec, RulesetSpec};
use domain::value::{Value, ValueMap};
use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

/// The workload file.
pub fn load() -> Json {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/data/workload.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("workload.json")).expect("json")
}

fn convert_field(name: &str) -> String {
    match name {
        "ram_total_capacity_gb" => "ram_spec.total_capacity_gb".into(),
        other => other.into(),
    }
}

fn convert_condition(item: &Json) -> Json {
    if let Some(logic) = item.get("logical_operator").and_then(Json::as_str) {
        let children: Vec<Json> = item["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(convert_condition)
            .collect();
        return json!({"logic": logic.to_lowercase(), "conditions": children});
    }
    let mut leaf = json!({
        "field": convert_field(item["field_name"].as_str().unwrap_or_default()),
        "operator": item["operator"],
    });
    if !item["value"].is_null() {
        leaf["value"] = item["value"].clone();
    }
    leaf
}

fn convert_conditions(c: &Json) -> Option<Json> {
    match c {
        Json::Null => None,
        Json::Array(items) if items.is_empty() => None,
        Json::Array(items) => Some(
            json!({"logic": "and", "conditions": items.iter().map(convert_condition).collect::<Vec<_>>()}),
        ),
        group => Some(convert_condition(group)),
    }
}

fn convert_action(a: &Json) -> Json {
    let kind = a["action_type"].as_str().unwrap_or_default();
    let mut out = json!({"type": kind});
    match kind {
        "multiplier" => out["value"] = json!(100.0 + a["value_usd"].as_f64().unwrap_or(0.0)),
        "formula" => {
            let f = a["formula"].as_str().unwrap_or_default();
            out["formula"] =
                json!(f.replace("ram_total_capacity_gb", "ram_spec.total_capacity_gb"));
        }
        _ => out["value"] = a["value_usd"].clone(),
    }
    for key in ["metric", "unit_type"] {
        if !a[key].is_null() {
            out[key] = a[key].clone();
        }
    }
    if a["modifiers"].as_object().is_some_and(|m| !m.is_empty()) {
        out["modifiers"] = a["modifiers"].clone();
    }
    out
}

/// The workload's ruleset in our model (one ruleset, five groups).
pub fn ruleset(w: &Json) -> RulesetSpec {
    let rs = &w["ruleset"];
    let groups = rs["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            let gid = g["id"].as_i64().expect("group id");
            let rules = rs["rules"]
                .as_array()
                .expect("rules")
                .iter()
                .filter(|r| r["group_id"].as_i64() == Some(gid))
                .map(|r| RuleSpec {
                    id: r["id"].as_i64().expect("rule id"),
                    name: r["name"].as_str().unwrap_or_default().into(),
                    evaluation_order: r["evaluation_order"].as_i64().unwrap_or(100) as i32,
                    is_active: r["is_active"].as_bool().unwrap_or(true),
                    conditions: convert_conditions(&r["conditions"]),
                    actions: Json::Array(
                        r["actions"]
                            .as_array()
                            .expect("actions")
                            .iter()
                            .map(convert_action)
                            .collect(),
                    ),
                })
                .collect();
            GroupSpec {
                id: gid,
                name: g["name"].as_str().unwrap_or_default().into(),
                display_order: 100,
                is_active: true,
                rules,
            }
        })
        .collect();
    RulesetSpec {
        id: 1,
        name: rs["name"].as_str().unwrap_or("bench").into(),
        priority: 10,
        created_at: Utc
            .with_ymd_and_hms(2025, 11, 28, 0, 0, 0)
            .single()
            .expect("date"),
        is_active: true,
        metadata: json!({}),
        conditions: None,
        groups,
    }
}

struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// A shared context row (a catalogue row, a spec, a profile).
type Fields = Row;

/// One generated listing, compact: shared catalogue rows and interned values, so 100,000
/// listings stay small. The context is built from it per evaluation, as the worker builds it
/// from a database row.
#[derive(Debug, Clone)]
pub struct GenListing {
    pub price: Decimal,
    /// The listing's own fields.
    own: Vec<(Slot, Value)>,
    cpu: Option<Fields>,
    gpu: Option<Fields>,
    ram: Option<Fields>,
    primary: Fields,
    secondary: Option<Fields>,
    custom: Arc<ValueMap>,
}

impl GenListing {
    /// Fills `ctx` (cleared first) and derives it.
    pub fn fill(&self, ctx: &mut Context) {
        ctx.clear();
        ctx.set_row(Root::Cpu, self.cpu.clone());
        ctx.set_row(Root::Gpu, self.gpu.clone());
        ctx.set_row(Root::RamSpec, self.ram.clone());
        ctx.set_row(Root::StoragePrimary, Some(self.primary.clone()));
        ctx.set_row(Root::StorageSecondary, self.secondary.clone());
        for (slot, v) in &self.own {
            ctx.set(*slot, v.clone());
        }
        ctx.set_custom(self.custom.clone());
        ctx.derive(2025);
    }
}

/// Interns values and field lists so identical ones are shared.
#[derive(Default)]
struct Interner {
    strings: HashMap<String, Value>,
    fields: HashMap<String, Fields>,
    customs: HashMap<String, Arc<ValueMap>>,
}

impl Interner {
    fn str(&mut self, s: &str) -> Value {
        self.strings
            .entry(s.to_owned())
            .or_insert_with(|| Value::str(s))
            .clone()
    }

    /// A shared row; identical specs/profiles get one row and one id, as get-or-create by
    /// dimensions gives them in the database (the workload numbers them per listing instead,
    /// which no rule reads).
    fn fields(
        &mut self,
        root: Root,
        key: String,
        build: impl FnOnce(&mut Self) -> Vec<(&'static str, Value)>,
    ) -> Fields {
        if let Some(f) = self.fields.get(&key) {
            return f.clone();
        }
        let id = Value::Num((self.fields.len() + 1) as f64);
        let mut list = build(self);
        list.push(("id", id));
        let row = Context::row(root, list);
        self.fields.insert(key, row.clone());
        row
    }
}

fn pick<'a>(rng: &mut SplitMix64, spec: &'a Json) -> &'a Json {
    let options = spec.as_array().expect("categorical spec");
    let total: u64 = options.iter().map(|o| o[1].as_u64().expect("weight")).sum();
    let mut r = rng.next() % total;
    for o in options {
        let w = o[1].as_u64().expect("weight");
        if r < w {
            return &o[0];
        }
        r -= w;
    }
    &options[options.len() - 1][0]
}

/// Generates listings 1..=n exactly as the workload specifies.
pub fn generate(w: &Json, n: usize) -> Vec<GenListing> {
    let g = &w["listing_generator"];
    let mut rng = SplitMix64(g["prng"]["seed"].as_u64().expect("seed"));
    let draws = g["draws"].as_array().expect("draws");
    let cpu_keys: Vec<&String> = g["cpus"].as_object().expect("cpus").keys().collect();
    let gpu_keys: Vec<&String> = g["gpus"].as_object().expect("gpus").keys().collect();
    let cpu_fields: Vec<&str> = g["cpu_fields"]
        .as_array()
        .expect("f")
        .iter()
        .map(|f| f.as_str().expect("f"))
        .collect();
    let gpu_fields: Vec<&str> = g["gpu_fields"]
        .as_array()
        .expect("f")
        .iter()
        .map(|f| f.as_str().expect("f"))
        .collect();
    let leak = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
    let cpu_fields: Vec<&'static str> = cpu_fields.into_iter().map(leak).collect();
    let gpu_fields: Vec<&'static str> = gpu_fields.into_iter().map(leak).collect();
    let table =
        |root: Root, keys: &[&String], obj: &Json, fields: &[&'static str]| -> Vec<Fields> {
            keys.iter()
                .enumerate()
                .map(|(i, k)| {
                    let row = obj[k.as_str()].as_array().expect("row");
                    let mut v = vec![("id", Value::Num((i + 1) as f64))];
                    v.extend(
                        fields
                            .iter()
                            .zip(row)
                            .map(|(f, x)| (*f, Value::from_json(x))),
                    );
                    Context::row(root, v)
                })
                .collect()
        };
    let cpus = table(Root::Cpu, &cpu_keys, &g["cpus"], &cpu_fields);
    let gpus = table(Root::Gpu, &gpu_keys, &g["gpus"], &gpu_fields);
    let mut interner = Interner::default();
    let s = |v: &Json, k: &str| v[k].as_str().unwrap_or_default().to_owned();
    let mut out = Vec::with_capacity(n);
    for id in 1..=n as i64 {
        let mut d = std::collections::HashMap::new();
        for draw in draws {
            let field = draw["field"].as_str().expect("field");
            let v = match draw["kind"].as_str().expect("kind") {
                "categorical" => pick(&mut rng, &draw["spec"]).clone(),
                "uniform_int" => {
                    let (lo, hi) = (
                        draw["spec"][0].as_u64().expect("lo"),
                        draw["spec"][1].as_u64().expect("hi"),
                    );
                    json!(lo + rng.next() % (hi - lo + 1))
                }
                _ => {
                    let generation = d
                        .get("ddr_generation")
                        .and_then(Json::as_str)
                        .unwrap_or("ddr4");
                    let speeds = g["ram_speeds"][generation].as_array().expect("speeds");
                    speeds[(rng.next() % speeds.len() as u64) as usize].clone()
                }
            };
            d.insert(field, v);
        }
        let cpu_i = d["cpu"]
            .as_str()
            .map(|k| cpu_keys.iter().position(|c| *c == k).expect("cpu"));
        let gpu_i = d["gpu"]
            .as_str()
            .map(|k| gpu_keys.iter().position(|c| *c == k).expect("gpu"));
        let int = |k: &str| d[k].as_i64().expect(k);
        let flag = |k: &str| d[k].as_bool().expect(k);
        let (ram_gb, primary_gb, secondary_gb) = (
            int("ram_gb"),
            int("primary_storage_gb"),
            int("secondary_storage_gb"),
        );
        let (ff, maker) = (
            d["form_factor"].as_str().expect("ff"),
            d["manufacturer"].as_str().expect("m"),
        );
        let condition = d["condition"].as_str().expect("condition");
        let medium = d["primary_medium"].as_str().expect("medium");
        let secondary = flag("secondary_present");
        let cpu_row = cpu_i.map(|i| g["cpus"][cpu_keys[i].as_str()].clone());
        let gpu_row = gpu_i.map(|i| g["gpus"][gpu_keys[i].as_str()].clone());
        let mut cents: i64 = 4000
            + cpu_row
                .as_ref()
                .map_or(0, |r| r[7].as_i64().expect("mark") * 6 / 10)
            + gpu_row
                .as_ref()
                .map_or(0, |r| r[2].as_i64().expect("mark") * 15 / 10)
            + ram_gb * 250
            + primary_gb * 6
            + if secondary { secondary_gb * 2 } else { 0 }
            + if d["os_license"].is_null() { 0 } else { 2000 };
        cents = cents
            * g["condition_price_pct"][condition].as_i64().expect("pct")
            * int("price_noise_pct")
            / 10000;
        let barebone = flag("barebone");
        if barebone {
            cents = cents * 60 / 100;
        }
        let ff_label = s(&g["form_factor_label"], ff);
        let cpu_name = cpu_row.as_ref().map_or("No CPU".to_owned(), |r| {
            r[0].as_str().expect("name").to_owned()
        });
        let medium_label = s(&g["medium_label"], medium);
        let title = format!(
            "{maker} {ff_label} {cpu_name} {ram_gb}GB {primary_gb}GB {medium_label}{}",
            if barebone { " barebone" } else { "" }
        );
        let slot = |name: &str| listing_slot(name).expect("listing slot");
        let i = &mut interner;
        let mut own = vec![
            (slot("id"), Value::Num(id as f64)),
            (slot("title"), Value::str(title)),
            (slot("price_usd"), Value::Num(cents as f64 / 100.0)),
            (slot("condition"), i.str(condition)),
            (slot("status"), i.str("active")),
            (slot("manufacturer"), i.str(maker)),
            (slot("form_factor"), i.str(&ff_label)),
            (slot("device_model"), i.str(&format!("{maker} {ff_label}"))),
            (
                slot("os_license"),
                d["os_license"].as_str().map_or(Value::Null, |o| i.str(o)),
            ),
            (slot("ram_gb"), Value::Num(ram_gb as f64)),
            (slot("primary_storage_gb"), Value::Num(primary_gb as f64)),
            (slot("primary_storage_type"), i.str(&medium_label)),
        ];
        let profile = |i: &mut Interner, root: Root, m: &str, gb: i64| {
            i.fields(root, format!("{root:?}{m}{gb}"), |i| {
                vec![
                    (
                        "label",
                        i.str(&format!("{gb}GB {}", s(&g["medium_label"], m))),
                    ),
                    ("medium", i.str(m)),
                    ("interface", i.str(&s(&g["medium_interface"], m))),
                    ("form_factor", i.str(&s(&g["medium_form_factor"], m))),
                    ("capacity_gb", Value::Num(gb as f64)),
                    (
                        "performance_tier",
                        i.str(&s(&g["medium_performance_tier"], m)),
                    ),
                ]
            })
        };
        let primary = profile(i, Root::StoragePrimary, medium, primary_gb);
        let secondary_profile = secondary.then(|| {
            let m = d["secondary_medium"].as_str().expect("medium");
            own.push((
                slot("secondary_storage_gb"),
                Value::Num(secondary_gb as f64),
            ));
            own.push((
                slot("secondary_storage_type"),
                i.str(&s(&g["medium_label"], m)),
            ));
            profile(i, Root::StorageSecondary, m, secondary_gb)
        });
        let ram = flag("ram_spec_present").then(|| {
            let generation = d["ddr_generation"].as_str().expect("generation");
            let modules = int("module_count");
            let speed = int("ram_speed_index");
            i.fields(
                Root::RamSpec,
                format!("{generation}{ram_gb}{modules}{speed}"),
                |i| {
                    vec![
                        (
                            "label",
                            i.str(&format!(
                                "{} {ram_gb}GB ({modules}x{}GB) {speed}MHz",
                                generation.to_uppercase(),
                                ram_gb / modules
                            )),
                        ),
                        ("ddr_generation", i.str(generation)),
                        ("speed_mhz", Value::Num(speed as f64)),
                        ("module_count", Value::Num(modules as f64)),
                        (
                            "capacity_per_module_gb",
                            Value::Num((ram_gb / modules) as f64),
                        ),
                        ("total_capacity_gb", Value::Num(ram_gb as f64)),
                    ]
                },
            )
        });
        let (wifi, tb, usb) = (
            flag("has_wifi"),
            flag("has_thunderbolt"),
            int("usb_port_count"),
        );
        let custom_key = format!("{ff}|{maker}|{wifi}|{tb}|{usb}");
        let custom = match i.customs.get(&custom_key) {
            Some(c) => c.clone(),
            None => {
                let mut custom = ValueMap::new();
                custom.insert("form_factor".into(), i.str(ff));
                custom.insert("manufacturer".into(), i.str(maker));
                custom.insert("has_wifi".into(), Value::Bool(wifi));
                custom.insert("has_thunderbolt".into(), Value::Bool(tb));
                custom.insert("usb_port_count".into(), Value::Num(usb as f64));
                let c = Arc::new(custom);
                i.customs.insert(custom_key, c.clone());
                c
            }
        };
        out.push(GenListing {
            price: Decimal::new(cents, 2),
            own,
            cpu: cpu_i.map(|i| cpus[i].clone()),
            gpu: gpu_i.map(|i| gpus[i].clone()),
            ram,
            primary,
            secondary: secondary_profile,
            custom,
        });
    }
    out
}

/// The custom keys the workload's rules use (the registry of its custom fields).
pub fn custom_keys() -> [&'static str; 5] {
    [
        "form_factor",
        "manufacturer",
        "has_wifi",
        "has_thunderbolt",
        "usb_port_count",
    ]
}
