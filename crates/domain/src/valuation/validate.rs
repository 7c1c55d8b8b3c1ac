//! Write-time validation of rules and ruleset trees: the first problem, with its path, so
//! nothing invalid is ever stored (§4.7).

use serde_json::Value as Json;

use crate::action::Action;
use crate::condition::Condition;
use crate::context::FieldRegistry;
use crate::error::{DomainError, ErrorKind};

/// The most actions a rule may carry.
pub const MAX_ACTIONS: usize = 20;

/// A rule that passed validation: its compiled tree and actions.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    /// The compiled condition tree.
    pub condition: Condition,
    /// The compiled actions, in order.
    pub actions: Vec<Action>,
}

/// Validates a rule's condition tree and its 1–20 actions. Conditions are checked first, then
/// actions in list order; error paths start with `conditions` or `actions[i]`.
pub fn validate_rule(
    conditions: Option<&Json>,
    actions: &Json,
    registry: &FieldRegistry,
) -> Result<CompiledRule, DomainError> {
    let condition = validate_ruleset_conditions(conditions, registry)?;
    let Some(list) = actions.as_array() else {
        return Err(DomainError::new(
            ErrorKind::InvalidValue,
            "actions",
            "actions must be a list",
        ));
    };
    if list.is_empty() || list.len() > MAX_ACTIONS {
        return Err(DomainError::new(
            ErrorKind::InvalidValue,
            "actions",
            format!(
                "a rule needs 1 to {MAX_ACTIONS} actions, not {}",
                list.len()
            ),
        ));
    }
    let actions = list
        .iter()
        .enumerate()
        .map(|(i, a)| Action::compile(a, registry).map_err(|e| e.within(&format!("actions[{i}]"))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CompiledRule { condition, actions })
}

/// Validates a condition tree stored under `conditions` (a rule's or a ruleset's).
pub fn validate_ruleset_conditions(
    conditions: Option<&Json>,
    registry: &FieldRegistry,
) -> Result<Condition, DomainError> {
    match conditions {
        None => Ok(Condition::always()),
        Some(tree) => Condition::compile(tree, registry).map_err(|e| e.within("conditions")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_name_the_offending_node() {
        let r = FieldRegistry::default();
        let tree = json!({"logic": "and", "conditions": [
            {"field": "ram_gb", "operator": "gte", "value": 8},
            {"field": "ram_gb", "operator": "between", "value": 3}
        ]});
        let e = validate_rule(
            Some(&tree),
            &json!([{"type": "fixed_value", "value": 1}]),
            &r,
        )
        .unwrap_err();
        assert_eq!(
            (e.kind, e.path.as_str()),
            (ErrorKind::InvalidValue, "conditions.conditions[1].value")
        );
        let actions = json!([{"type": "fixed_value", "value": 1},
            {"type": "fixed_value", "value": 1, "modifiers": {"age_curve": {"rate_per_year": -1}}}]);
        let e = validate_rule(None, &actions, &r).unwrap_err();
        assert_eq!(
            (e.kind, e.path.as_str()),
            (
                ErrorKind::InvalidModifier,
                "actions[1].modifiers.age_curve.rate_per_year"
            )
        );
        let e = validate_rule(None, &json!([]), &r).unwrap_err();
        assert_eq!(e.path, "actions");
    }
}
