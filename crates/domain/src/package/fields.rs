//! The custom fields a package brings: each definition validated as `createCustomField`
//! validates one, matched against the existing ones (a soft-deleted key stays taken), and the
//! registry the package's rules are validated against (existing active listing keys plus the
//! package's own).

use std::collections::HashSet;

use serde_json::Value as Json;

use super::plan::{Existing, Plan};
use super::{Package, PackageCustomField, PackageIssue};
use crate::context::FieldRegistry;
use crate::custom_fields::{CompiledDefinition, CustomFieldEntity as KeyEntity, normalize_key};
use crate::model::{CustomFieldData, CustomFieldEntity, CustomFieldType, Visibility};

fn field_data(f: &PackageCustomField, path: &str) -> Result<CustomFieldData, PackageIssue> {
    let bad = |p: &str, m: String| PackageIssue::new(format!("{path}.{p}"), "invalid_value", m);
    let entity: CustomFieldEntity = f
        .entity
        .parse()
        .map_err(|_| bad("entity", format!("unknown entity {:?}", f.entity)))?;
    let data_type: CustomFieldType = f
        .data_type
        .parse()
        .map_err(|_| bad("dataType", format!("unknown data type {:?}", f.data_type)))?;
    let label = f.label.clone().unwrap_or_else(|| f.key.clone());
    let key_entity = KeyEntity::parse(entity.as_str())
        .ok_or_else(|| bad("entity", format!("unknown entity {:?}", f.entity)))?;
    let key = normalize_key(key_entity, Some(&f.key), &label).map_err(|e| {
        let e = e.within(path);
        PackageIssue::new(e.path, e.kind.as_str(), e.message)
    })?;
    let d = CustomFieldData {
        entity,
        key,
        label: label.trim().to_owned(),
        data_type,
        description: f.description.clone(),
        required: f.required,
        default_value: f.default_value.clone(),
        options: f.options.clone(),
        validation: f.validation.clone(),
        is_active: f.is_active,
        is_locked: false,
        visibility: Visibility::Public,
        display_order: f.display_order,
        created_by: None,
        deleted_at: None,
    };
    let json = serde_json::to_value(&d).unwrap_or(Json::Null);
    CompiledDefinition::from_json(&json).map_err(|e| {
        let e = e.within(path);
        PackageIssue::new(e.path, e.kind.as_str(), e.message)
    })?;
    Ok(d)
}

/// The custom fields to create, and the registry the rules are validated against.
pub(super) fn fields(pkg: &Package, existing: &Existing, plan: &mut Plan) -> FieldRegistry {
    let mut keys: Vec<String> = existing
        .fields
        .iter()
        .filter(|f| f.entity == CustomFieldEntity::Listing && f.is_active && !f.deleted)
        .map(|f| f.key.clone())
        .collect();
    let mut seen = HashSet::new();
    for (i, f) in pkg.custom_fields.iter().enumerate() {
        let path = format!("customFields[{i}]");
        let d = match field_data(f, &path) {
            Ok(d) => d,
            Err(issue) => {
                plan.issues.push(issue);
                continue;
            }
        };
        if !seen.insert((d.entity, d.key.clone())) {
            plan.issues.push(PackageIssue::new(
                format!("{path}.key"),
                "duplicate",
                format!("custom field {} is listed twice", d.key),
            ));
            continue;
        }
        match existing
            .fields
            .iter()
            .find(|e| e.entity == d.entity && e.key == d.key)
        {
            Some(e) if e.deleted => plan.issues.push(PackageIssue::new(
                format!("{path}.key"),
                "conflict",
                format!("the key {} belongs to a deleted custom field", d.key),
            )),
            Some(_) => {}
            None => {
                if d.entity == CustomFieldEntity::Listing && d.is_active {
                    keys.push(d.key.clone());
                }
                plan.new_fields.push(d);
            }
        }
    }
    FieldRegistry::new(keys)
}
