//! Differences between two baseline documents, keyed `<entity>.<id>`, and the document that
//! adopting a selection of them gives.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::{Field, validate};
use crate::package::PackageIssue;

/// One attribute that differs (`null` when absent on that side).
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeChange {
    pub attribute: String,
    pub before: Json,
    pub after: Json,
}

/// A field present on both sides with different attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub key: String,
    pub attributes: Vec<AttributeChange>,
}

/// What a candidate adds, changes and removes relative to the current document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Diff {
    pub added: Vec<String>,
    pub changed: Vec<FieldChange>,
    pub removed: Vec<String>,
}

fn key(f: &Field) -> String {
    format!("{}.{}", f.0, f.1)
}

fn by_key(fields: &[Field]) -> BTreeMap<String, &Map<String, Json>> {
    fields.iter().map(|f| (key(f), &f.2)).collect()
}

/// The diff of two validated field lists.
pub fn diff(current: &[Field], candidate: &[Field]) -> Diff {
    let cur = by_key(current);
    let cand = by_key(candidate);
    let mut d = Diff::default();
    for (k, after) in &cand {
        let Some(before) = cur.get(k) else {
            d.added.push(k.clone());
            continue;
        };
        let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
        names.sort();
        names.dedup();
        let attributes: Vec<AttributeChange> = names
            .into_iter()
            .filter_map(|a| {
                let (b, x) = (before.get(a), after.get(a));
                (b != x).then(|| AttributeChange {
                    attribute: a.clone(),
                    before: b.cloned().unwrap_or(Json::Null),
                    after: x.cloned().unwrap_or(Json::Null),
                })
            })
            .collect();
        if !attributes.is_empty() {
            d.changed.push(FieldChange {
                key: k.clone(),
                attributes,
            });
        }
    }
    d.removed = cur
        .keys()
        .filter(|k| !cand.contains_key(*k))
        .cloned()
        .collect();
    d
}

/// The document adopting `selected` keys of the candidate's changes gives (all of them when
/// `None`): the current fields with selected changes and removals applied and selected
/// additions appended; `schema_version`/`generated_at` come from the candidate.
pub fn adopt(
    current: &Json,
    candidate: &Json,
    selected: Option<&[String]>,
) -> Result<Json, PackageIssue> {
    let cand_fields = validate(candidate).map_err(|e| e.within("candidate"))?;
    let Some(selected) = selected else {
        return Ok(candidate.clone());
    };
    let cur_fields = validate(current)?;
    let d = diff(&cur_fields, &cand_fields);
    let cand = by_key(&cand_fields);
    for (i, k) in selected.iter().enumerate() {
        let known =
            d.added.contains(k) || d.removed.contains(k) || d.changed.iter().any(|c| c.key == *k);
        if !known {
            return Err(PackageIssue::new(
                format!("selected[{i}]"),
                "invalid_value",
                format!("{k} is not a difference between the candidate and the active baseline"),
            ));
        }
    }
    let picked = |k: &String| selected.contains(k);
    let mut entities: Vec<(String, Vec<Json>)> = Vec::new();
    let mut push = |entity: &str, field: Json| match entities.iter_mut().find(|(e, _)| e == entity)
    {
        Some((_, list)) => list.push(field),
        None => entities.push((entity.to_owned(), vec![field])),
    };
    for f in &cur_fields {
        let k = key(f);
        if picked(&k) && d.removed.contains(&k) {
            continue;
        }
        let field = match cand.get(&k) {
            Some(c) if picked(&k) => (*c).clone(),
            _ => f.2.clone(),
        };
        push(&f.0, Json::Object(field));
    }
    for f in &cand_fields {
        let k = key(f);
        if picked(&k) && d.added.contains(&k) {
            push(&f.0, Json::Object(f.2.clone()));
        }
    }
    let mut doc = Map::new();
    for k in ["schema_version", "generated_at"] {
        if let Some(v) = candidate.get(k).filter(|v| !v.is_null()) {
            doc.insert(k.into(), v.clone());
        }
    }
    let ents: Map<String, Json> = entities
        .into_iter()
        .map(|(e, l)| (e, Json::Array(l)))
        .collect();
    doc.insert("entities".into(), Json::Object(ents));
    Ok(Json::Object(doc))
}
