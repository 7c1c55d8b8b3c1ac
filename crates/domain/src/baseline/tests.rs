#![allow(clippy::unwrap_used)]

use serde_json::json;

use super::diff::{adopt, diff};
use super::*;

fn doc() -> Json {
    json!({"schema_version": "1.2", "generated_at": "2025-10-03T10:00:00Z", "entities": {
        "cpu": [{"id": "cores", "proper_name": "Cores", "unit": "count", "nullable": false},
                {"id": "tdp", "proper_name": "TDP", "Formula": "tdp_w * 1"}],
        "ram": [{"id": "gb", "proper_name": "RAM", "valuation_buckets": [
            {"label": "small", "min_usd": 0, "max_usd": 10, "Formula": null}]}]}})
}

#[test]
fn the_hash_ignores_key_order_and_whitespace() {
    let a = json!({"b": [1, {"y": 2, "x": "é"}], "a": null});
    assert_eq!(canonical(&a), r#"{"a":null,"b":[1,{"x":"é","y":2}]}"#);
    let b: Json =
        serde_json::from_str("{ \"a\" : null, \"b\": [1, {\"x\": \"é\", \"y\": 2}] }").unwrap();
    assert_eq!(source_hash(&a), source_hash(&b));
    assert_eq!(source_hash(&a).len(), 64);
    assert_ne!(source_hash(&a), source_hash(&json!({"a": 1})));
}

#[test]
fn shape_errors_name_the_field() {
    let e = validate(&json!({"entities": {}})).unwrap_err();
    assert_eq!(e.path, "schema_version");
    let e = validate(&json!({"schema_version": "1", "entities": []})).unwrap_err();
    assert_eq!(e.path, "entities");
    let e = validate(&json!({"schema_version": "1", "entities": {"cpu": [{"proper_name": "x"}]}}))
        .unwrap_err();
    assert_eq!(e.path, "entities.cpu[0].id");
    let e =
        validate(&json!({"schema_version": "1", "entities": {"cpu": [{"id": "a"}, {"id": "A"}]}}))
            .unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.kind.as_str()),
        ("entities.cpu[1].id", "duplicate")
    );
    let e = validate(
        &json!({"schema_version": "1", "entities": {"cpu": [{"id": "a", "nullable": "no"}]}}),
    )
    .unwrap_err();
    assert_eq!(e.path, "entities.cpu[0].nullable");
}

#[test]
fn the_system_ruleset_rebuilds_its_document() {
    let d = doc();
    let fields = validate(&d).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
    let name = ruleset_name(&d, today);
    assert_eq!(name, "System: Baseline v1.2.20251003");
    assert_eq!(
        ruleset_name(&json!({"schema_version": 3}), today),
        "System: Baseline v3.20260102"
    );
    let rs = ruleset(&d, &fields, name);
    assert_eq!(rs.priority, 5);
    assert_eq!(rs.metadata["read_only"], true);
    assert_eq!(rs.metadata["source_hash"], source_hash(&d));
    assert_eq!(rs.groups.len(), 2);
    let r = &rs.groups[0].rules[1];
    assert_eq!((r.name.as_str(), r.conditions.clone()), ("tdp", None));
    assert_eq!(r.actions, json!([placeholder_action()]));
    let groups: Vec<(Json, Vec<Json>)> = rs
        .groups
        .iter()
        .map(|g| {
            (
                g.metadata.clone(),
                g.rules.iter().map(|r| r.metadata.clone()).collect(),
            )
        })
        .collect();
    let back = document_of(&rs.metadata, &groups);
    assert_eq!(source_hash(&back), source_hash(&d));
}

#[test]
fn placeholders_add_exactly_zero() {
    let reg = crate::FieldRegistry::default();
    let a = crate::action::Action::compile(&placeholder_action(), &reg).unwrap();
    let ctx = crate::Context::default();
    let r = a.eval(&ctx, rust_decimal::Decimal::new(50000, 2));
    assert_eq!(r.unwrap(), rust_decimal::Decimal::ZERO);
}

#[test]
fn diffs_and_selections() {
    let cur = doc();
    let mut cand = doc();
    cand["entities"]["cpu"][1]["Formula"] = json!("tdp_w * 2");
    cand["entities"]["cpu"].as_array_mut().unwrap().remove(0);
    cand["entities"]["gpu"] = json!([{"id": "mark"}]);
    let d = diff(&validate(&cur).unwrap(), &validate(&cand).unwrap());
    assert_eq!(d.added, ["gpu.mark"]);
    assert_eq!(d.removed, ["cpu.cores"]);
    assert_eq!(d.changed.len(), 1);
    assert_eq!(d.changed[0].key, "cpu.tdp");
    assert_eq!(d.changed[0].attributes[0].attribute, "Formula");
    assert_eq!(d.changed[0].attributes[0].after, json!("tdp_w * 2"));

    // Only the addition: the rest stays as it is.
    let only = adopt(&cur, &cand, Some(&["gpu.mark".to_owned()])).unwrap();
    let f = validate(&only).unwrap();
    let keys: Vec<String> = f.iter().map(|(e, i, _)| format!("{e}.{i}")).collect();
    assert_eq!(keys, ["cpu.cores", "cpu.tdp", "gpu.mark", "ram.gb"]);
    assert_eq!(f[1].2["Formula"], "tdp_w * 1");
    // Everything: the candidate itself.
    assert_eq!(adopt(&cur, &cand, None).unwrap(), cand);
    let e = adopt(&cur, &cand, Some(&["ram.gb".to_owned()])).unwrap_err();
    assert_eq!(e.path, "selected[0]");
}
