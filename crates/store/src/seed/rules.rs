//! The default ruleset: groups CPU, RAM, Storage, Condition and Ports whose rules use every
//! action type, in the JSON shapes of DOMAIN.md §4.4–4.6.

use serde_json::{Value as Json, json};

/// A rule: name, evaluation order, condition tree, actions.
pub(crate) type SeedRule = (&'static str, i32, Option<Json>, Json);
/// A group: name, category, display order, rules.
pub(crate) type SeedGroup = (&'static str, &'static str, i32, Vec<SeedRule>);

/// The groups of the default ruleset.
pub(crate) fn default_ruleset() -> Vec<SeedGroup> {
    vec![
        (
            "CPU",
            "cpu",
            10,
            vec![
                (
                    "CPU benchmark value",
                    10,
                    Some(
                        json!({"logic": "and", "conditions": [{"field": "cpu.cpu_mark_multi", "operator": "is_not_null"}]}),
                    ),
                    json!([{"type": "benchmark_based", "metric": "cpu.cpu_mark_multi", "unit_type": "per_1000_points", "value": -1.5,
                     "modifiers": {"age_curve": {"rate_per_year": 0.05, "max": 0.4}}}]),
                ),
                (
                    "Multi-core bonus (formula)",
                    20,
                    Some(
                        json!({"logic": "and", "conditions": [{"field": "cpu.cpu_mark_multi", "operator": "gte", "value": 10000}]}),
                    ),
                    json!([{"type": "formula", "formula": "-min(60, cpu.cpu_mark_multi / 1000 * 2)"}]),
                ),
                (
                    "Per core",
                    30,
                    None,
                    json!([{"type": "per_unit", "metric": "per_core", "value": -1.25,
                     "modifiers": {"clamp": true, "min_usd": -20, "max_usd": 0}}]),
                ),
            ],
        ),
        (
            "RAM",
            "ram",
            20,
            vec![
                (
                    "RAM per GB",
                    10,
                    Some(
                        json!({"logic": "and", "conditions": [{"field": "ram_gb", "operator": "gte", "value": 16}]}),
                    ),
                    json!([{"type": "per_unit", "metric": "per_gb", "value": -2.5,
                     "modifiers": {"condition_multipliers": {"new": 1.0, "refurb": 0.85, "used": 0.7}}}]),
                ),
                (
                    "Low RAM premium",
                    20,
                    Some(
                        json!({"logic": "or", "conditions": [{"field": "ram_gb", "operator": "less_than", "value": 8}, {"field": "ram_gb", "operator": "is_null"}]}),
                    ),
                    json!([{"type": "fixed_value", "value": 15}]),
                ),
            ],
        ),
        (
            "Storage",
            "storage",
            30,
            vec![
                (
                    "Primary storage per TB",
                    10,
                    Some(
                        json!({"logic": "and", "conditions": [{"field": "primary_storage_gb", "operator": "greater_than", "value": 0}]}),
                    ),
                    json!([{"type": "per_unit", "metric": "per_tb", "value": -40}]),
                ),
                (
                    "NVMe bonus",
                    20,
                    Some(
                        json!({"logic": "and", "conditions": [{"field": "primary_storage_medium", "operator": "equals", "value": "nvme"}]}),
                    ),
                    json!([{"type": "additive", "value": -10}]),
                ),
            ],
        ),
        (
            "Condition",
            "condition",
            40,
            vec![
                (
                    "Refurbished discount",
                    10,
                    Some(
                        json!({"logic": "and", "conditions": [{"field": "condition", "operator": "equals", "value": "refurb"}]}),
                    ),
                    json!([{"type": "multiplier", "value": 95}]),
                ),
                (
                    "Used discount",
                    20,
                    Some(
                        json!({"logic": "and", "conditions": [{"field": "condition", "operator": "equals", "value": "used"}]}),
                    ),
                    json!([{"type": "multiplier", "value": 90}]),
                ),
                (
                    "Not new without OS",
                    30,
                    Some(
                        json!({"logic": "not", "conditions": [{"field": "condition", "operator": "equals", "value": "new"}, {"field": "os_license", "operator": "is_not_null"}]}),
                    ),
                    json!([{"type": "fixed_value", "value": -5, "modifiers": {"brand_multipliers": {"hp": 1.0, "dell": 1.1, "lenovo": 1.0}}}]),
                ),
            ],
        ),
        (
            "Ports",
            "ports",
            50,
            vec![
                (
                    "Thunderbolt / USB-C",
                    10,
                    Some(
                        json!({"logic": "and", "conditions": [{"field": "ports.usb_c", "operator": "gte", "value": 1}]}),
                    ),
                    json!([{"type": "per_unit", "metric": "ports.usb_c", "value": -5}]),
                ),
                (
                    "2.5G Ethernet",
                    20,
                    Some(
                        json!({"logic": "and", "conditions": [{"field": "ports.rj45_2_5g", "operator": "gte", "value": 1}]}),
                    ),
                    json!([{"type": "fixed_value", "value": -12}]),
                ),
            ],
        ),
    ]
}
