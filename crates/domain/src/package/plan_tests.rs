#![allow(clippy::unwrap_used)]

use serde_json::json;

use super::*;
use crate::package::parse;

fn pkg(rules: serde_json::Value) -> Package {
    parse(&json!({"format": "dealbrain-ruleset", "formatVersion": 2,
        "metadata": {"name": "p", "version": "1.0.0"},
        "customFields": [{"entity": "listing", "key": "gen", "dataType": "number"}],
        "rulesets": [{"name": "Deals", "version": "2.1.0", "priority": 3,
            "groups": [{"name": "RAM", "rules": rules}]}]}))
    .unwrap()
}

fn existing(read_only: bool) -> Existing {
    Existing {
        rulesets: vec![ExistingRuleset {
            id: 9,
            name: "deals".into(),
            read_only,
            groups: vec![ExistingGroup {
                id: 4,
                name: "ram".into(),
                rules: vec![(40, "Big".into())],
            }],
        }],
        fields: vec![],
    }
}

const OK: &str = r#"[{"name": "big", "conditions": {"field": "custom.gen", "operator": "gte", "value": 2},
    "actions": [{"type": "fixed_value", "value": 5}]},
    {"name": "small", "actions": [{"type": "fixed_value", "value": -5}]}]"#;

#[test]
fn every_invalid_rule_is_reported_with_its_path() {
    let p = pkg(json!([
        {"name": "a", "actions": [{"type": "nope"}]},
        {"name": "b", "conditions": {"field": "ram_gb", "operator": "between", "value": 3},
         "actions": [{"type": "fixed_value", "value": 1}]},
        {"name": "c", "actions": []}
    ]));
    let plan = plan(&p, MergeStrategy::Replace, &Existing::default());
    let paths: Vec<&str> = plan.issues.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "rulesets[0].groups[0].rules[0].actions[0].type",
            "rulesets[0].groups[0].rules[1].conditions.value",
            "rulesets[0].groups[0].rules[2].actions",
        ]
    );
}

#[test]
fn package_fields_extend_the_registry_and_are_created() {
    let p = pkg(serde_json::from_str(OK).unwrap());
    let plan = plan(&p, MergeStrategy::Replace, &Existing::default());
    assert!(plan.issues.is_empty(), "{:?}", plan.issues);
    assert_eq!(plan.new_fields.len(), 1);
    assert_eq!(plan.rulesets[0].outcome, Outcome::Create);
    assert_eq!(plan.rulesets[0].rule_counts(), (2, 0));
    // Without the package's definition `custom.gen` is unknown.
    let mut bare = p.clone();
    bare.custom_fields.clear();
    let plan = super::plan(&bare, MergeStrategy::Replace, &Existing::default());
    assert_eq!(plan.issues[0].kind, "unknown_field");
}

#[test]
fn strategies_decide_per_ruleset() {
    let p = pkg(serde_json::from_str(OK).unwrap());
    let ex = existing(false);
    let r = plan(&p, MergeStrategy::Replace, &ex);
    assert_eq!(
        (r.rulesets[0].outcome, r.rulesets[0].existing_id),
        (Outcome::Replace, Some(9))
    );
    let s = plan(&p, MergeStrategy::Skip, &ex);
    assert_eq!(s.rulesets[0].outcome, Outcome::Skip);
    assert_eq!(s.rulesets[0].rule_counts(), (0, 0));
    let m = plan(&p, MergeStrategy::Merge, &ex);
    assert_eq!(m.rulesets[0].groups[0].existing_id, Some(4));
    assert_eq!(m.rulesets[0].groups[0].rules, vec![Some(40), None]);
    let v = plan(&p, MergeStrategy::Version, &ex);
    assert_eq!(v.rulesets[0].target_name, "Deals (v2.1.0)");
    assert_eq!(v.rulesets[0].outcome, Outcome::Version);
}

#[test]
fn read_only_rulesets_are_not_overwritten() {
    let p = pkg(serde_json::from_str(OK).unwrap());
    let r = plan(&p, MergeStrategy::Replace, &existing(true));
    assert_eq!(r.issues[0].kind, "read_only");
    assert!(
        plan(&p, MergeStrategy::Version, &existing(true))
            .issues
            .is_empty()
    );
}

#[test]
fn deleted_field_keys_stay_taken() {
    let p = pkg(serde_json::from_str(OK).unwrap());
    let mut ex = Existing::default();
    ex.fields.push(ExistingField {
        entity: CustomFieldEntity::Listing,
        key: "gen".into(),
        is_active: false,
        deleted: true,
    });
    let r = plan(&p, MergeStrategy::Replace, &ex);
    assert_eq!(r.issues[0].path, "customFields[0].key");
}
