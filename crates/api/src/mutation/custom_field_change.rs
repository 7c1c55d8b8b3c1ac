//! Applying a changed custom-field definition (DOMAIN.md §6): values that no longer fit a new
//! type or use a retired option are archived in the same transaction as the definition, the
//! effective change is audited with the keys that changed, and a no-op writes nothing.

use domain::custom_fields::{CompiledDefinition, FieldDefinition, affects_values, reconcile_value};
use domain::model as m;
use serde_json::{Map, Value, json};
use store::Store;

use crate::error::ApiError;

/// What a definition change did.
pub(crate) struct DefinitionChange {
    /// The field as stored now.
    pub field: m::CustomField,
    /// Whether anything was written (false for a no-op).
    pub changed: bool,
}

fn definition(d: &m::CustomFieldData) -> Result<FieldDefinition, ApiError> {
    let json = serde_json::to_value(d).map_err(|e| ApiError::internal(&e))?;
    FieldDefinition::from_json(&json).map_err(|e| ApiError::from(e.within("input")))
}

/// The members of `before` and `after` that differ, as `{before: {...}, after: {...}}`.
fn changed_members(before: &Value, after: &Value) -> Option<Value> {
    let (Value::Object(b), Value::Object(a)) = (before, after) else {
        return None;
    };
    let mut old = Map::new();
    let mut new = Map::new();
    for (k, v) in a {
        let was = b.get(k).unwrap_or(&Value::Null);
        if was != v {
            old.insert(k.clone(), was.clone());
            new.insert(k.clone(), v.clone());
        }
    }
    (!new.is_empty()).then(|| json!({"before": old, "after": new}))
}

/// Writes `d` over `old` (id `n`): archives the values the change invalidates, audits the
/// changed members as `updated` by `actor`; an identical definition is left untouched.
pub(crate) async fn change_definition(
    s: &Store,
    n: i64,
    old: m::CustomField,
    d: &m::CustomFieldData,
    actor: Option<&str>,
) -> Result<DefinitionChange, ApiError> {
    let before = serde_json::to_value(&old.data).map_err(|e| ApiError::internal(&e))?;
    let after = serde_json::to_value(d).map_err(|e| ApiError::internal(&e))?;
    let Some(mut payload) = changed_members(&before, &after) else {
        return Ok(DefinitionChange {
            field: old,
            changed: false,
        });
    };
    let old_def = definition(&old.data)?;
    let new_def: CompiledDefinition = definition(d)?
        .compile()
        .map_err(|e| ApiError::from(e.within("input")))?;
    let (field, archived) = if affects_values(&old_def, new_def.definition()) {
        s.update_custom_field_reconciling(n, d, |v| reconcile_value(&old_def, &new_def, &d.key, v))
            .await?
    } else {
        (s.update_custom_field(n, d).await?, Vec::new())
    };
    payload["archived_values"] = json!(archived.len());
    s.add_custom_field_audit(Some(n), d.entity, &d.key, "updated", actor, payload)
        .await?;
    Ok(DefinitionChange {
        field,
        changed: true,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn only_members_that_differ_are_audited() {
        let p = changed_members(
            &json!({"label": "A", "required": false, "options": ["x"]}),
            &json!({"label": "B", "required": false, "options": ["x"]}),
        )
        .unwrap();
        assert_eq!(
            p,
            json!({"before": {"label": "A"}, "after": {"label": "B"}})
        );
        assert!(changed_members(&json!({"label": "A"}), &json!({"label": "A"})).is_none());
    }
}
