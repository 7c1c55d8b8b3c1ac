//! Property tests: the condition compiler and evaluator never panic on arbitrary input, and a
//! valuation is deterministic and idempotent (evaluating twice gives the same breakdown).

use chrono::{TimeZone, Utc};
use domain::condition::Condition;
use domain::context::{Context, FieldRegistry};
use domain::valuation::{GroupSpec, ListingOverride, Plan, RuleSpec, RulesetSpec, validate_rule};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

fn sample_context() -> Context {
    Context::from_json(&json!({
        "listing": {"title": "HP EliteDesk 800 G6 Mini", "price_usd": 1000, "condition": "refurb",
                     "manufacturer": "HP", "ram_gb": 16, "primary_storage_gb": 512,
                     "primary_storage_type": "NVMe SSD", "age_years": 2},
        "cpu": {"name": "Intel Core i5-10500T", "manufacturer": "Intel", "cores": 6, "threads": 12,
                "tdp_w": 35, "cpu_mark_multi": 12000, "cpu_mark_single": 2600, "release_year": 2020},
        "gpu": null,
        "ram_spec": {"ddr_generation": "ddr4", "speed_mhz": 2666, "total_capacity_gb": 16},
        "storage": {"primary": {"medium": "nvme", "capacity_gb": 512}, "secondary": null},
        "ports": {"usb_a": 4, "hdmi": 1},
        "custom": {"warranty_months": 12, "has_wifi": true, "tags": ["office", "quiet"], "note": null,
                   "blob": {"a": 1}}
    }))
}

fn registry() -> FieldRegistry {
    FieldRegistry::new(["warranty_months", "has_wifi", "tags", "note", "blob"])
}

fn arb_json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        "[a-z_.]{0,12}".prop_map(Json::String),
        prop::sample::select(vec![
            "ram_gb",
            "cpu.cores",
            "custom.tags",
            "title",
            "cpu",
            "(ab",
            "in"
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "logic",
                    "conditions",
                    "field",
                    "operator",
                    "value",
                    "x"
                ]),
                inner,
                0..5
            )
            .prop_map(|m| Json::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

fn arb_leaf() -> impl Strategy<Value = Json> {
    let fields = vec![
        "ram_gb",
        "cpu.cores",
        "title",
        "custom.tags",
        "custom.blob",
        "custom.note",
        "gpu.gpu_mark",
        "storage.primary",
        "ports.usb_a",
        "condition",
        "warranty_months",
        "listing.has_wifi",
        "cpu",
    ];
    let ops = vec![
        "equals",
        "not_equals",
        "greater_than",
        "less_than",
        "gte",
        "lte",
        "between",
        "contains",
        "starts_with",
        "ends_with",
        "regex",
        "in",
        "not_in",
        "is_null",
        "is_not_null",
        "GTE",
    ];
    let values = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        (-1e6f64..1e6).prop_map(|n| json!(n)),
        "[a-zA-Z0-9 .*+?|()]{0,8}".prop_map(Json::String),
        prop::collection::vec((-100i64..100).prop_map(|n| json!(n)), 0..4).prop_map(Json::Array),
        prop::collection::vec("[a-z]{0,5}".prop_map(Json::String), 0..4).prop_map(Json::Array),
    ];
    (
        prop::sample::select(fields),
        prop::sample::select(ops),
        values,
    )
        .prop_map(|(f, o, v)| json!({"field": f, "operator": o, "value": v}))
}

fn arb_tree() -> impl Strategy<Value = Json> {
    arb_leaf().prop_recursive(5, 40, 4, |inner| {
        (
            prop::sample::select(vec!["and", "or", "not", "AND", "xor"]),
            prop::collection::vec(inner, 0..4),
        )
            .prop_map(|(l, c)| json!({"logic": l, "conditions": c}))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn compile_never_panics_on_arbitrary_json(tree in arb_json()) {
        let ctx = sample_context();
        if let Ok(c) = Condition::compile(&tree, &registry()) {
            let _ = c.eval(&ctx);
        }
    }

    #[test]
    fn evaluation_never_panics_and_is_deterministic(tree in arb_tree()) {
        let ctx = sample_context();
        if let Ok(c) = Condition::compile(&tree, &registry()) {
            prop_assert_eq!(c.eval(&ctx), c.eval(&ctx));
        }
    }

    #[test]
    fn valuation_is_deterministic_and_idempotent(
        rules in prop::collection::vec((arb_tree(), prop::sample::select(action_pool()), -50i32..50), 1..12),
        price in 0u32..500_000,
    ) {
        let reg = registry();
        let rules: Vec<RuleSpec> = rules
            .into_iter()
            .enumerate()
            .filter(|(_, (tree, action, _))| validate_rule(Some(tree), &json!([action]), &reg).is_ok())
            .map(|(i, (tree, action, order))| RuleSpec {
                id: i as i64 + 1,
                name: format!("rule {i}"),
                evaluation_order: order,
                is_active: true,
                conditions: Some(tree),
                actions: json!([action]),
            })
            .collect();
        let spec = RulesetSpec {
            id: 1,
            name: "props".into(),
            priority: 10,
            created_at: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
            is_active: true,
            metadata: json!({}),
            conditions: None,
            groups: vec![GroupSpec { id: 1, name: "g".into(), display_order: 100, is_active: true, rules }],
        };
        let plan = Plan::compile(&[spec], &reg);
        let ctx = sample_context();
        let price = Decimal::new(i64::from(price), 2);
        let over = ListingOverride::default();
        let first = plan.evaluate(&ctx, price, &over).breakdown(&plan, Utc::now());
        let again = plan.evaluate(&ctx, price, &over).breakdown(&plan, Utc::now());
        prop_assert!(first.same_valuation(&again));
        prop_assert!(first.adjusted_price >= Decimal::ZERO);
        prop_assert_eq!(first.adjusted_price.scale(), 2);
    }
}

fn action_pool() -> Vec<Json> {
    vec![
        json!({"type": "fixed_value", "value": 25}),
        json!({"type": "additive", "value": -12.345}),
        json!({"type": "per_unit", "metric": "per_gb", "value": 2.5, "modifiers": {"condition_used": 0.5}}),
        json!({"type": "per_unit", "metric": "custom.tags", "value": 1}),
        json!({"type": "benchmark_based", "metric": "cpu.cpu_mark_multi", "value": 5}),
        json!({"type": "benchmark_based", "metric": "gpu.gpu_mark", "value": 5}),
        json!({"type": "multiplier", "value": 110}),
        json!({"type": "multiplier", "value": 0.5}),
        json!({"type": "formula", "formula": "ram_gb * 2 - cpu.cores / ports.thunderbolt"}),
        json!({"type": "formula", "formula": "clamp(cpu.cpu_mark_multi / 100, 0, 80) if condition == 'refurb' else -5"}),
        json!({"type": "fixed_value", "value": 1e9, "modifiers": {"age_curve": {"rate_per_year": 0.2}, "clamp": true, "max_usd": 300}}),
    ]
}
