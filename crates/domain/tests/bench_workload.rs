//! The benchmark harness is itself checked: the generator reproduces the workload's sample
//! contexts, and the converted ruleset passes write-time validation.

#[path = "../benches/workload.rs"]
#[allow(dead_code)]
mod workload;

use domain::context::{Context, FieldRegistry};
use domain::valuation::{ListingOverride, Plan, validate_rule, validate_ruleset_conditions};

#[test]
fn generator_reproduces_the_sample_contexts() {
    let w = workload::load();
    let samples = w["sample_contexts"].as_array().unwrap();
    let listings = workload::generate(&w, samples.len());
    let registry = FieldRegistry::new(workload::custom_keys());
    for (n, (sample, listing)) in samples.iter().zip(&listings).enumerate() {
        let id = n + 1;
        let mut ctx = Context::new();
        listing.fill(&mut ctx);
        let read = |p: &str| ctx.get(&registry.resolve(p).unwrap()).to_json();
        for key in [
            "title",
            "price_usd",
            "condition",
            "ram_gb",
            "primary_storage_gb",
            "os_license",
            "ram_type",
            "ram_speed_mhz",
            "primary_storage_medium",
            "secondary_storage_gb",
            "device_model",
        ] {
            let expected = sample.get(key).cloned().unwrap_or(serde_json::Value::Null);
            assert!(
                domain::acceptance::json_matches(&read(key), &expected, 0.0),
                "listing {} {key}: {} vs {expected}",
                id,
                read(key)
            );
        }
        for path in [
            "cpu.name",
            "cpu.cpu_mark_multi",
            "gpu.gpu_mark",
            "ram_spec.label",
            "storage.primary.label",
            "storage.secondary.capacity_gb",
            "custom.usb_port_count",
        ] {
            let mut v = &sample[path.split('.').next().unwrap()];
            for part in path.split('.').skip(1) {
                v = &v[part];
            }
            assert!(
                domain::acceptance::json_matches(&read(path), v, 0.0),
                "listing {id} {path}"
            );
        }
    }
}

#[test]
fn converted_ruleset_validates_and_values_every_listing_without_errors() {
    let w = workload::load();
    let registry = FieldRegistry::new(workload::custom_keys());
    let spec = workload::ruleset(&w);
    validate_ruleset_conditions(spec.conditions.as_ref(), &registry).unwrap();
    for rule in spec.groups.iter().flat_map(|g| &g.rules) {
        validate_rule(rule.conditions.as_ref(), &rule.actions, &registry)
            .unwrap_or_else(|e| panic!("rule {}: {e}", rule.id));
    }
    let plan = Plan::compile(&[spec], &registry);
    assert_eq!(plan.rule_count(), 42);
    let mut ctx = Context::new();
    for (id, l) in workload::generate(&w, 1000).iter().enumerate() {
        l.fill(&mut ctx);
        let out = plan.evaluate(&ctx, l.price, &ListingOverride::default());
        let twice = plan.evaluate(&ctx, l.price, &ListingOverride::default());
        assert_eq!(out.adjusted_price, twice.adjusted_price);
        assert!(out.rules.iter().all(|r| r.error.is_none()), "listing {id}");
        let errors: Vec<_> = out.actions.iter().filter_map(|a| a.error).collect();
        assert!(errors.is_empty(), "listing {id}: {errors:?}");
    }
}
