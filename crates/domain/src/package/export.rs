//! Building a package from stored rulesets: ids and timestamps are dropped (a package moves
//! between databases), and the listing custom fields the rules mention travel with it so an
//! install into a fresh database can validate and create them.

use std::collections::BTreeSet;

use serde_json::Value as Json;

use super::{FORMAT, FORMAT_VERSION, Package, PackageCustomField, PackageGroup, PackageMetadata};
use super::{PackageRule, PackageRuleset};
use crate::model::{CustomFieldData, CustomFieldEntity, RuleData, RuleGroupData, RulesetData};

/// A stored ruleset with its groups and their rules, in display/evaluation order.
pub type RulesetTree = (RulesetData, Vec<(RuleGroupData, Vec<RuleData>)>);

/// The names a condition tree, an action list or a formula refers to.
fn names(v: &Json, out: &mut BTreeSet<String>) {
    match v {
        Json::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("field" | "metric", Json::String(s)) => {
                        out.insert(s.clone());
                    }
                    ("formula", Json::String(s)) => {
                        let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
                        out.extend(s.split(|c: char| !ident(c)).map(str::to_owned));
                    }
                    _ => names(x, out),
                }
            }
        }
        Json::Array(a) => a.iter().for_each(|x| names(x, out)),
        _ => {}
    }
}

fn mentioned(key: &str, refs: &BTreeSet<String>) -> bool {
    let dotted = format!("custom.{key}");
    let flat = format!("custom_{key}");
    refs.iter()
        .any(|r| r == key || *r == dotted || *r == flat || r.starts_with(&format!("{dotted}.")))
}

fn field(d: &CustomFieldData) -> PackageCustomField {
    PackageCustomField {
        entity: d.entity.as_str().to_owned(),
        key: d.key.clone(),
        label: Some(d.label.clone()),
        data_type: d.data_type.as_str().to_owned(),
        description: d.description.clone(),
        required: d.required,
        default_value: d.default_value.clone(),
        options: d.options.clone(),
        validation: d.validation.clone(),
        is_active: d.is_active,
        display_order: d.display_order,
    }
}

/// The package of `rulesets`; `fields` are the active definitions, of which those the rules
/// mention are included.
pub fn build(
    metadata: PackageMetadata,
    rulesets: &[RulesetTree],
    fields: &[CustomFieldData],
) -> Package {
    let mut refs = BTreeSet::new();
    let mut out = Vec::new();
    for (rs, groups) in rulesets {
        if let Some(c) = &rs.conditions {
            names(c, &mut refs);
        }
        let mut pg = Vec::new();
        for (g, rules) in groups {
            let mut pr = Vec::new();
            for r in rules {
                if let Some(c) = &r.conditions {
                    names(c, &mut refs);
                }
                names(&r.actions, &mut refs);
                pr.push(PackageRule {
                    name: r.name.clone(),
                    description: r.description.clone(),
                    evaluation_order: r.evaluation_order,
                    is_active: r.is_active,
                    conditions: r.conditions.clone(),
                    actions: r.actions.clone(),
                    metadata: r.metadata.clone(),
                });
            }
            pg.push(PackageGroup {
                name: g.name.clone(),
                category: g.category.clone(),
                description: g.description.clone(),
                display_order: g.display_order,
                is_active: g.is_active,
                metadata: g.metadata.clone(),
                rules: pr,
            });
        }
        out.push(PackageRuleset {
            name: rs.name.clone(),
            description: rs.description.clone(),
            version: rs.version.clone(),
            priority: rs.priority,
            is_active: rs.is_active,
            conditions: rs.conditions.clone(),
            metadata: rs.metadata.clone(),
            groups: pg,
        });
    }
    let custom_fields = fields
        .iter()
        .filter(|d| d.entity == CustomFieldEntity::Listing && mentioned(&d.key, &refs))
        .map(field)
        .collect();
    Package {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        metadata,
        custom_fields,
        rulesets: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mentioned_fields_travel_with_the_rules() {
        let mut refs = BTreeSet::new();
        names(
            &json!([{"field": "custom.gen"}, {"type": "formula", "formula": "custom_bay * 2 + ram_gb"}]),
            &mut refs,
        );
        assert!(mentioned("gen", &refs));
        assert!(mentioned("bay", &refs));
        assert!(!mentioned("other", &refs));
    }
}
