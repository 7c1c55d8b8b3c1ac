//! Baseline documents (DOMAIN.md §7.6): their shape, the canonical JSON and its SHA-256 (the
//! idempotency key), the read-only system ruleset a document becomes, the document read back
//! from such a ruleset, diffs/selections between documents ([`diff`]), and the layer and
//! rule influence reports over stored breakdowns ([`influence`]).
//!
//! The system ruleset is expressed as a [`PackageRuleset`] so the store installs it with the
//! package code; each field's rule keeps the whole field object in `metadata.field`, which is
//! what lets [`document_of`] rebuild the document exactly (same hash) for diffs and adoption.

pub mod diff;
pub mod influence;

use chrono::NaiveDate;
use serde_json::{Map, Value as Json, json};
use sha2::{Digest, Sha256};

use crate::package::{PackageGroup, PackageIssue, PackageRule, PackageRuleset};

/// The priority of system baselines (they run before user rulesets).
pub const PRIORITY: i32 = 5;

/// A field of a baseline: its entity, id and whole object.
pub type Field = (String, String, Map<String, Json>);

/// Checks the shape of a baseline document; the fields in document order.
pub fn validate(doc: &Json) -> Result<Vec<Field>, PackageIssue> {
    let bad = |p: &str, m: &str| PackageIssue::new(p, "invalid_value", m);
    let obj = doc
        .as_object()
        .ok_or_else(|| bad("", "a baseline must be a JSON object"))?;
    match obj.get("schema_version") {
        // Bounded so the ruleset name stays within 128 characters.
        Some(Json::String(s)) if !s.trim().is_empty() && s.chars().count() <= 32 => {}
        Some(Json::Number(_)) => {}
        _ => {
            return Err(bad(
                "schema_version",
                "schema_version must be a string of 1–32 characters",
            ));
        }
    }
    match obj.get("generated_at") {
        None | Some(Json::Null | Json::String(_)) => {}
        _ => return Err(bad("generated_at", "generated_at must be a string")),
    }
    let entities = obj
        .get("entities")
        .and_then(Json::as_object)
        .ok_or_else(|| bad("entities", "entities must be an object of lists"))?;
    let mut out = Vec::new();
    for (entity, list) in entities {
        let p = format!("entities.{entity}");
        let n = entity.trim().chars().count();
        if n == 0 || n > 128 {
            return Err(bad(&p, "entity keys must be 1–128 characters"));
        }
        let items = list
            .as_array()
            .ok_or_else(|| bad(&p, "must be a list of fields"))?;
        let mut seen = std::collections::HashSet::new();
        for (i, f) in items.iter().enumerate() {
            let fp = format!("{p}[{i}]");
            let field = f
                .as_object()
                .ok_or_else(|| bad(&fp, "a field must be an object"))?;
            let id = match field.get("id") {
                Some(Json::String(s)) if !s.trim().is_empty() && s.chars().count() <= 128 => s,
                _ => {
                    return Err(bad(
                        &format!("{fp}.id"),
                        "id must be a 1–128 character string",
                    ));
                }
            };
            if !seen.insert(id.trim().to_lowercase()) {
                return Err(PackageIssue::new(
                    format!("{fp}.id"),
                    "duplicate",
                    format!("field {id} is listed twice"),
                ));
            }
            for (k, want_list) in [("valuation_buckets", true), ("dependencies", true)] {
                if let Some(v) = field.get(k).filter(|v| !v.is_null())
                    && want_list
                    && !v.is_array()
                {
                    return Err(bad(&format!("{fp}.{k}"), "must be a list"));
                }
            }
            if let Some(v) = field.get("nullable").filter(|v| !v.is_null())
                && !v.is_boolean()
            {
                return Err(bad(&format!("{fp}.nullable"), "must be true or false"));
            }
            out.push((entity.clone(), id.clone(), field.clone()));
        }
    }
    Ok(out)
}

/// JSON with object keys sorted and no whitespace (numbers and strings as serde writes them).
pub fn canonical(v: &Json) -> String {
    let mut s = String::new();
    write_canonical(v, &mut s);
    s
}

fn write_canonical(v: &Json, out: &mut String) {
    match v {
        Json::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Json::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&m[k], out);
            }
            out.push('}');
        }
        Json::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// SHA-256 (lower-case hex) of the canonical JSON.
pub fn source_hash(doc: &Json) -> String {
    Sha256::digest(canonical(doc).as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn schema_version_text(doc: &Json) -> String {
    match doc.get("schema_version") {
        Some(Json::String(s)) => s.trim().to_owned(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// `System: Baseline v<schema_version>.<YYYYMMDD>`, the date from `generated_at` when it
/// starts with one, else `today`.
pub fn ruleset_name(doc: &Json, today: NaiveDate) -> String {
    let date = doc
        .get("generated_at")
        .and_then(Json::as_str)
        .and_then(|s| s.get(..10))
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .unwrap_or(today);
    format!(
        "System: Baseline v{}.{}",
        schema_version_text(doc),
        date.format("%Y%m%d")
    )
}

/// The action every baseline rule holds: flagged as a placeholder, so it adds exactly 0.
pub fn placeholder_action() -> Json {
    json!({"type": "fixed_value", "value": 0, "modifiers": {"baseline_placeholder": true}})
}

/// The read-only system ruleset of a (validated) document named `name`.
pub fn ruleset(doc: &Json, fields: &[Field], name: String) -> PackageRuleset {
    let mut groups: Vec<PackageGroup> = Vec::new();
    for (entity, id, field) in fields {
        if groups.last().is_none_or(|g| g.name != *entity) {
            let order = i32::try_from(groups.len() * 10).unwrap_or(i32::MAX);
            groups.push(PackageGroup {
                name: entity.clone(),
                category: "baseline".into(),
                description: None,
                display_order: order,
                is_active: true,
                metadata: json!({"system_baseline": true, "entity_key": entity}),
                rules: Vec::new(),
            });
        }
        let Some(g) = groups.last_mut() else { continue };
        let describe = |k: &str| field.get(k).and_then(Json::as_str).map(str::to_owned);
        g.rules.push(PackageRule {
            name: id.clone(),
            description: describe("description").or_else(|| describe("proper_name")),
            evaluation_order: i32::try_from(g.rules.len()).unwrap_or(i32::MAX),
            is_active: true,
            conditions: None,
            actions: json!([placeholder_action()]),
            metadata: json!({"system_baseline": true, "entity_key": entity, "field_id": id,
                             "field": field}),
        });
    }
    PackageRuleset {
        name,
        description: Some("Read-only baseline: one placeholder rule per field (adds 0).".into()),
        version: "1.0.0".into(),
        priority: PRIORITY,
        is_active: true,
        conditions: None,
        metadata: json!({
            "system_baseline": true,
            "read_only": true,
            "source_hash": source_hash(doc),
            "schema_version": doc.get("schema_version").cloned().unwrap_or(Json::Null),
            "generated_at": doc.get("generated_at").cloned().unwrap_or(Json::Null),
            "source_version": schema_version_text(doc),
        }),
        groups,
    }
}

/// Whether ruleset metadata marks a system baseline.
pub fn is_system_baseline(metadata: &Json) -> bool {
    metadata.get("system_baseline").and_then(Json::as_bool) == Some(true)
}

/// The document a system baseline ruleset was made from: its metadata, and per group the
/// `entity_key` with the `field` objects of its rules in evaluation order.
pub fn document_of(metadata: &Json, groups: &[(Json, Vec<Json>)]) -> Json {
    let mut entities = Map::new();
    for (gmeta, rules) in groups {
        let Some(entity) = gmeta.get("entity_key").and_then(Json::as_str) else {
            continue;
        };
        let fields: Vec<Json> = rules
            .iter()
            .filter_map(|r| r.get("field").cloned())
            .collect();
        entities.insert(entity.to_owned(), Json::Array(fields));
    }
    let mut doc = Map::new();
    doc.insert(
        "schema_version".into(),
        metadata
            .get("schema_version")
            .cloned()
            .unwrap_or(Json::Null),
    );
    if let Some(g) = metadata.get("generated_at").filter(|g| !g.is_null()) {
        doc.insert("generated_at".into(), g.clone());
    }
    doc.insert("entities".into(), Json::Object(entities));
    Json::Object(doc)
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
