//! Fuzzes the formula compiler and evaluator: any UTF-8 input must compile or fail with a
//! formula error, and a compiled formula must evaluate to a finite number or an error — never
//! panic, overflow the stack or loop.
//!
//! Run from `crates/domain/fuzz`: `RUSTC_BOOTSTRAP=1 cargo fuzz run formula_parser` (see the crate README).

#![no_main]

use std::sync::OnceLock;

use domain::formula::Formula;
use domain::{Context, FieldRegistry};
use libfuzzer_sys::fuzz_target;

fn fixture() -> &'static (FieldRegistry, Context) {
    static FIXTURE: OnceLock<(FieldRegistry, Context)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let registry = FieldRegistry::new(["warranty_months", "tags", "label", "nested"]);
        let ctx = Context::from_json(&serde_json::json!({
            "listing": {"price_usd": 1000, "condition": "refurb", "ram_gb": 16, "title": "Mini"},
            "cpu": {"cores": 6, "cpu_mark_multi": 12000, "name": "i5"},
            "gpu": null,
            "ram_spec": {"total_capacity_gb": 16},
            "storage": {"primary": {"capacity_gb": 512}, "secondary": null},
            "ports": {"usb_a": 4},
            "custom": {"warranty_months": 12, "tags": ["a", "b"], "label": "",
                       "nested": {"k": [1, {"j": true}]}}
        }));
        (registry, ctx)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let (registry, ctx) = fixture();
    if let Ok(formula) = Formula::compile(source, registry) {
        if let Ok(v) = formula.eval(ctx) {
            assert!(v.is_finite());
        }
    }
});
