//! What a changed definition does to the values records already hold (DOMAIN.md §6
//! "Definitions" and "Lifecycle"): a type change re-validates every value and archives the ones
//! that no longer fit (`type_changed`); removing an option archives the values that used it
//! (`option_retired:<option>`). The store applies the verdicts in one transaction.

use serde_json::Value;

use super::{CompiledDefinition, FieldDefinition};

/// The fate of one stored value under a new definition.
#[derive(Debug, Clone, PartialEq)]
pub enum Reconciled {
    /// The value still fits as it is.
    Keep,
    /// The value is archived and replaced by `value` (a converted form, or a `multi_select` list
    /// without its retired options).
    Replace {
        /// The new stored value.
        value: Value,
        /// The attribute-history reason.
        reason: String,
    },
    /// The value is archived and removed.
    Remove {
        /// The attribute-history reason.
        reason: String,
    },
}

/// Whether moving from `old` to `new` can change any stored value; when not, the store skips
/// reading the records at all.
pub fn affects_values(old: &FieldDefinition, new: &FieldDefinition) -> bool {
    old.data_type != new.data_type || !retired_options(old, new).is_empty()
}

/// The options of `old` that `new` no longer has (compared ignoring case, as values match).
pub fn retired_options(old: &FieldDefinition, new: &FieldDefinition) -> Vec<String> {
    let kept = new.options.as_deref().unwrap_or_default();
    old.options
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter(|o| !kept.iter().any(|k| k.eq_ignore_ascii_case(o)))
        .cloned()
        .collect()
}

/// Decides what happens to `value` (the stored value of field `key`) when the definition moves
/// from `old` to `new`.
pub fn reconcile_value(
    old: &FieldDefinition,
    new: &CompiledDefinition,
    key: &str,
    value: &Value,
) -> Reconciled {
    if old.data_type != new.data_type() {
        return match new.validate(key, value) {
            Ok(Some(v)) if v == *value => Reconciled::Keep,
            Ok(Some(v)) => Reconciled::Replace {
                value: v,
                reason: "type_changed".into(),
            },
            Ok(None) | Err(_) => Reconciled::Remove {
                reason: "type_changed".into(),
            },
        };
    }
    let retired = retired_options(old, new.definition());
    let is_retired = |v: &Value| {
        v.as_str()
            .and_then(|s| retired.iter().find(|o| o.eq_ignore_ascii_case(s)))
    };
    match value {
        Value::String(_) => match is_retired(value) {
            Some(option) => Reconciled::Remove {
                reason: format!("option_retired:{option}"),
            },
            None => Reconciled::Keep,
        },
        Value::Array(items) => {
            let hit: Vec<&String> = items.iter().filter_map(is_retired).collect();
            if hit.is_empty() {
                return Reconciled::Keep;
            }
            let names: Vec<&str> = hit.iter().map(|s| s.as_str()).collect();
            let reason = format!("option_retired:{}", names.join(","));
            let rest: Vec<Value> = items
                .iter()
                .filter(|v| is_retired(v).is_none())
                .cloned()
                .collect();
            if rest.is_empty() {
                Reconciled::Remove { reason }
            } else {
                Reconciled::Replace {
                    value: Value::Array(rest),
                    reason,
                }
            }
        }
        _ => Reconciled::Keep,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    fn def(j: Value) -> FieldDefinition {
        FieldDefinition::from_json(&j).unwrap()
    }

    #[test]
    fn a_removed_enum_option_retires_its_values_only() {
        let old = def(json!({"data_type": "enum", "options": ["Black", "Silver"]}));
        let new = def(json!({"data_type": "enum", "options": ["Black"]}));
        assert_eq!(retired_options(&old, &new), vec!["Silver".to_string()]);
        assert!(affects_values(&old, &new));
        let c = new.compile().unwrap();
        assert_eq!(
            reconcile_value(&old, &c, "colour", &json!("Silver")),
            Reconciled::Remove {
                reason: "option_retired:Silver".into()
            }
        );
        assert_eq!(
            reconcile_value(&old, &c, "colour", &json!("Black")),
            Reconciled::Keep
        );
    }

    #[test]
    fn a_multi_select_loses_only_the_retired_items() {
        let old = def(json!({"data_type": "multi_select", "options": ["a", "b", "c"]}));
        let new = def(json!({"data_type": "multi_select", "options": ["A", "c"]}));
        let c = new.compile().unwrap();
        assert_eq!(
            reconcile_value(&old, &c, "tags", &json!(["a", "b"])),
            Reconciled::Replace {
                value: json!(["a"]),
                reason: "option_retired:b".into()
            }
        );
        assert_eq!(
            reconcile_value(&old, &c, "tags", &json!(["b"])),
            Reconciled::Remove {
                reason: "option_retired:b".into()
            }
        );
        assert_eq!(
            reconcile_value(&old, &c, "tags", &json!(["c"])),
            Reconciled::Keep
        );
    }

    #[test]
    fn a_type_change_keeps_converts_or_archives() {
        let old = def(json!({"data_type": "string"}));
        let new = def(json!({"data_type": "number", "validation": {"min": 0}}));
        assert!(affects_values(&old, &new));
        let c = new.compile().unwrap();
        assert_eq!(
            reconcile_value(&old, &c, "bays", &json!("4")),
            Reconciled::Replace {
                value: json!(4),
                reason: "type_changed".into()
            }
        );
        assert_eq!(
            reconcile_value(&old, &c, "bays", &json!("four")),
            Reconciled::Remove {
                reason: "type_changed".into()
            }
        );
        assert_eq!(
            reconcile_value(&old, &c, "bays", &json!("-1")),
            Reconciled::Remove {
                reason: "type_changed".into()
            }
        );
    }

    #[test]
    fn label_or_rule_changes_leave_values_alone() {
        let old = def(json!({"data_type": "enum", "options": ["x", "y"]}));
        let new = def(json!({"data_type": "enum", "options": ["x", "y", "z"], "required": true}));
        assert!(!affects_values(&old, &new));
    }
}
