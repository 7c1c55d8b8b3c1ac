//! Fuzzes condition trees from JSON: any bytes that parse as JSON must compile into a tree or
//! fail with a typed error, and a compiled tree must evaluate to a boolean or a typed error —
//! never panic.
//!
//! Run from `crates/domain/fuzz`: `RUSTC_BOOTSTRAP=1 cargo fuzz run condition_tree` (see the crate README).

#![no_main]

use std::sync::OnceLock;

use domain::condition::Condition;
use domain::{Context, FieldRegistry};
use libfuzzer_sys::fuzz_target;

fn fixture() -> &'static (FieldRegistry, Context) {
    static FIXTURE: OnceLock<(FieldRegistry, Context)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let registry = FieldRegistry::new(["warranty_months", "tags", "blob"]);
        let ctx = Context::from_json(&serde_json::json!({
            "listing": {"price_usd": 1000, "condition": "refurb", "ram_gb": 16, "title": "Mini"},
            "cpu": {"cores": 6, "cpu_mark_multi": 12000, "name": "i5"},
            "gpu": null,
            "storage": {"primary": {"capacity_gb": 512}, "secondary": null},
            "ports": {"usb_a": 4},
            "custom": {"warranty_months": 12, "tags": ["a", "b"], "blob": {"k": 1}}
        }));
        (registry, ctx)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(tree) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let (registry, ctx) = fixture();
    if let Ok(condition) = Condition::compile(&tree, registry) {
        let _ = condition.eval(ctx);
    }
});
