//! Version-1 packages of the original Deal Brain (`schema_version: "1.0"`): flat lists of
//! rulesets, groups (by `ruleset_id`) and rules (by `group_id`), each rule with a flat list of
//! conditions and of actions. Converted per DOMAIN.md §7.5: the flat conditions become one
//! `and` group, `field_name` → `field`, `value_usd` → `value`, and the ruleset's priority comes
//! from `metadata_json.priority` (default 10) — version 1 had no priority column.

use serde_json::{Map, Value as Json, json};

use super::{FORMAT, FORMAT_VERSION, Package, PackageCustomField, PackageGroup};
use super::{PackageIssue, PackageMetadata, PackageRule, PackageRuleset};

fn s(o: &Map<String, Json>, k: &str) -> Option<String> {
    o.get(k).and_then(Json::as_str).map(str::to_owned)
}

fn int(o: &Map<String, Json>, k: &str, default: i64) -> i64 {
    o.get(k).and_then(Json::as_i64).unwrap_or(default)
}

fn i32_of(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
}

fn flag(o: &Map<String, Json>, k: &str) -> bool {
    o.get(k).and_then(Json::as_bool).unwrap_or(true)
}

fn meta(o: &Map<String, Json>) -> Json {
    match o.get("metadata_json") {
        Some(Json::Object(m)) => Json::Object(m.clone()),
        _ => json!({}),
    }
}

/// The objects of the list `key` (absent = empty), or an issue naming the list.
fn objects<'a>(
    root: &'a Map<String, Json>,
    key: &str,
) -> Result<Vec<&'a Map<String, Json>>, PackageIssue> {
    match root.get(key) {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_object().ok_or_else(|| {
                    PackageIssue::new(format!("{key}[{i}]"), "invalid_value", "must be an object")
                })
            })
            .collect(),
        Some(_) => Err(PackageIssue::new(key, "invalid_value", "must be a list")),
    }
}

fn condition(c: &Map<String, Json>) -> Json {
    json!({
        "field": c.get("field_name").or_else(|| c.get("field")).cloned().unwrap_or(Json::Null),
        "operator": c.get("operator").cloned().unwrap_or(Json::Null),
        "value": c.get("value_json").or_else(|| c.get("value")).cloned().unwrap_or(Json::Null),
    })
}

fn action(a: &Map<String, Json>) -> Json {
    let mut out = Map::new();
    out.insert(
        "type".into(),
        a.get("action_type")
            .or_else(|| a.get("type"))
            .cloned()
            .unwrap_or(Json::Null),
    );
    for (from, to) in [
        ("value_usd", "value"),
        ("metric", "metric"),
        ("unit_type", "unit_type"),
        ("formula", "formula"),
        ("modifiers_json", "modifiers"),
    ] {
        match a.get(from) {
            None | Some(Json::Null) => {}
            Some(v) => {
                out.insert(to.into(), v.clone());
            }
        }
    }
    Json::Object(out)
}

fn sorted_by<'a>(items: &[&'a Map<String, Json>], key: &str) -> Vec<&'a Map<String, Json>> {
    let mut v = items.to_vec();
    v.sort_by_key(|o| int(o, key, 0));
    v
}

fn rule(r: &Map<String, Json>) -> Result<PackageRule, PackageIssue> {
    let conds = objects(r, "conditions")?;
    let conditions = if conds.is_empty() {
        None
    } else {
        let list: Vec<Json> = sorted_by(&conds, "group_order")
            .into_iter()
            .map(condition)
            .collect();
        Some(json!({"logic": "and", "conditions": list}))
    };
    let actions: Vec<Json> = sorted_by(&objects(r, "actions")?, "display_order")
        .into_iter()
        .map(action)
        .collect();
    Ok(PackageRule {
        name: s(r, "name").unwrap_or_default(),
        description: s(r, "description"),
        evaluation_order: i32_of(int(r, "evaluation_order", 100)),
        is_active: flag(r, "is_active"),
        conditions,
        actions: Json::Array(actions),
        metadata: meta(r),
    })
}

/// Converts a version-1 package into the version-2 shape (validation comes later, in the
/// plan, exactly as for a version-2 package).
pub fn convert(json: &Json) -> Result<Package, PackageIssue> {
    let Some(root) = json.as_object() else {
        return Err(PackageIssue::new("", "invalid_value", "must be an object"));
    };
    let md = root.get("metadata").and_then(Json::as_object);
    let metadata = PackageMetadata {
        name: md.and_then(|m| s(m, "name")).unwrap_or_default(),
        version: md
            .and_then(|m| s(m, "version"))
            .unwrap_or_else(|| "1.0.0".into()),
        author: md.and_then(|m| s(m, "author")),
        description: md.and_then(|m| s(m, "description")),
        tags: md
            .and_then(|m| m.get("tags"))
            .and_then(Json::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(Json::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    };
    let groups = objects(root, "rule_groups")?;
    let rules = objects(root, "rules")?;
    let mut rulesets = Vec::new();
    for rs in objects(root, "rulesets")? {
        let id = rs.get("id").cloned().unwrap_or(Json::Null);
        let mut out_groups = Vec::new();
        for g in groups.iter().filter(|g| g.get("ruleset_id") == Some(&id)) {
            let gid = g.get("id").cloned().unwrap_or(Json::Null);
            let out_rules = rules
                .iter()
                .filter(|r| r.get("group_id") == Some(&gid))
                .map(|r| rule(r))
                .collect::<Result<Vec<_>, _>>()?;
            out_groups.push(PackageGroup {
                name: s(g, "name").unwrap_or_default(),
                category: s(g, "category").unwrap_or_else(|| "general".into()),
                description: s(g, "description"),
                display_order: i32_of(int(g, "display_order", 100)),
                is_active: flag(g, "is_active"),
                metadata: meta(g),
                rules: out_rules,
            });
        }
        let metadata = meta(rs);
        let priority = metadata
            .get("priority")
            .and_then(Json::as_i64)
            .unwrap_or(10);
        rulesets.push(PackageRuleset {
            name: s(rs, "name").unwrap_or_default(),
            description: s(rs, "description"),
            version: s(rs, "version").unwrap_or_else(|| "1.0.0".into()),
            priority: i32_of(priority),
            is_active: flag(rs, "is_active"),
            conditions: None,
            metadata,
            groups: out_groups,
        });
    }
    let custom_fields = objects(root, "custom_field_definitions")?
        .into_iter()
        .map(|f| PackageCustomField {
            entity: s(f, "entity_type").unwrap_or_else(|| "listing".into()),
            key: s(f, "field_name").unwrap_or_default(),
            label: s(f, "field_name"),
            data_type: s(f, "field_type").unwrap_or_else(|| "string".into()),
            description: s(f, "description"),
            required: f.get("required").and_then(Json::as_bool).unwrap_or(false),
            default_value: f.get("default_value").cloned().filter(|v| !v.is_null()),
            options: None,
            validation: None,
            is_active: true,
            display_order: 100,
        })
        .collect();
    Ok(Package {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        metadata,
        custom_fields,
        rulesets,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn flat_lists_become_one_tree_per_rule() {
        let v1 = json!({
            "schema_version": "1.0",
            "metadata": {"name": "old", "version": "1.2.0", "author": "a", "description": "d"},
            "rulesets": [{"id": 7, "name": "Legacy", "version": "1.0.0", "is_active": true,
                          "metadata_json": {"priority": 3}}],
            "rule_groups": [{"id": 1, "ruleset_id": 7, "name": "RAM", "category": "ram",
                             "display_order": 2, "weight": 1.0}],
            "rules": [{"id": 5, "group_id": 1, "name": "big ram", "priority": 1,
                       "is_active": false, "evaluation_order": 4, "metadata_json": {},
                       "conditions": [
                           {"field_name": "ram_gb", "field_type": "number", "operator": "gte",
                            "value_json": 32, "group_order": 1},
                           {"field_name": "condition", "field_type": "string",
                            "operator": "equals", "value_json": "new", "group_order": 0}],
                       "actions": [{"action_type": "fixed_value", "value_usd": 25.5,
                                    "modifiers_json": {}, "display_order": 0}]}],
            "custom_field_definitions": [{"field_name": "gen", "field_type": "number",
                                          "entity_type": "listing"}]
        });
        let p = super::super::parse(&v1).unwrap();
        assert_eq!(p.format_version, 2);
        let rs = &p.rulesets[0];
        assert_eq!((rs.name.as_str(), rs.priority), ("Legacy", 3));
        let r = &rs.groups[0].rules[0];
        assert!(!r.is_active);
        assert_eq!(r.evaluation_order, 4);
        assert_eq!(
            r.conditions,
            Some(json!({"logic": "and", "conditions": [
                {"field": "condition", "operator": "equals", "value": "new"},
                {"field": "ram_gb", "operator": "gte", "value": 32}]}))
        );
        assert_eq!(
            r.actions,
            json!([{"type": "fixed_value", "value": 25.5, "modifiers": {}}])
        );
        assert_eq!(p.custom_fields[0].key, "gen");
        assert_eq!(p.custom_fields[0].data_type, "number");
    }

    #[test]
    fn default_priority_is_ten_and_empty_conditions_are_null() {
        let p = convert(&json!({"rulesets": [{"id": 1, "name": "x"}],
            "rule_groups": [{"id": 2, "ruleset_id": 1, "name": "g"}],
            "rules": [{"id": 3, "group_id": 2, "name": "r", "conditions": [],
                       "actions": [{"action_type": "fixed_value", "value_usd": 1}]}]}))
        .unwrap();
        assert_eq!(p.rulesets[0].priority, 10);
        assert_eq!(p.rulesets[0].groups[0].rules[0].conditions, None);
        let e = convert(&json!({"rules": 3})).unwrap_err();
        assert_eq!(e.path, "rules");
    }
}
