//! Custom-field values (DOMAIN.md §6 "Values").
//!
//! Every write of a custom value — API, import, package install — goes through
//! [`validate_value`], which returns the value's stored form (`None` = no value) or the first
//! failing check. The checks run in the order of §6 so that a value breaking several rules
//! always reports the same kind: kind, options, `allowed_values`, length, pattern, min/max.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{CompiledDefinition, CustomFieldType};
use crate::error::{DomainError, ErrorKind};
use crate::value::{number_to_json, parse_numeric_str};

/// The largest `json` value, serialised compactly, in bytes (16 KiB).
pub const JSON_MAX_BYTES: usize = 16 * 1024;

/// A check failure before it gets its path.
type Failure = (ErrorKind, String);

/// Validates `value` for the field `key` and returns its stored form (§6 "Values").
///
/// `Ok(None)` means "no value": the input was null, a blank string (except for `text`) or an
/// empty `multi_select`, and the field is not required. Numbers are stored as JSON integers when
/// integral (`"12"` → `12`), `enum`/`multi_select` values with the option's spelling.
///
/// Errors carry the path `attributes.<key>` (just `attributes` when `key` is empty) and one of
/// [`ErrorKind::Required`], [`ErrorKind::TypeMismatch`], [`ErrorKind::NotInOptions`],
/// [`ErrorKind::NotAllowed`], [`ErrorKind::TooShort`], [`ErrorKind::TooLong`] (also for a
/// `json` value over [`JSON_MAX_BYTES`]), [`ErrorKind::PatternMismatch`], [`ErrorKind::BelowMin`]
/// or [`ErrorKind::AboveMax`].
pub fn validate_value(
    def: &CompiledDefinition,
    key: &str,
    value: &Value,
) -> Result<Option<Value>, DomainError> {
    normalize(def, value, true)
        .map_err(|(kind, message)| DomainError::new(kind, path(key), message))
}

/// Validates a record's custom values against the active definitions of its entity and returns
/// the stored map.
///
/// - A key without a definition in `defs` → [`ErrorKind::UnknownField`].
/// - Each value goes through [`validate_value`]; keys whose stored form is "no value" are left
///   out of the result (for a patch, input keys missing from the result are removals).
/// - With `on_create`, a required field that is absent or null takes its `default_value`;
///   a required field still without a value → [`ErrorKind::Required`]. Without `on_create`,
///   fields absent from `values` are not looked at (updates only touch the keys they name).
///
/// Keys are checked in map order, then the required fields in key order; the first failure wins.
pub fn validate_attributes(
    defs: &BTreeMap<String, CompiledDefinition>,
    values: &Map<String, Value>,
    on_create: bool,
) -> Result<Map<String, Value>, DomainError> {
    let mut out = Map::new();
    for (key, value) in values {
        let def = defs.get(key).ok_or_else(|| {
            DomainError::new(
                ErrorKind::UnknownField,
                path(key),
                format!("no custom field {key:?}"),
            )
        })?;
        let stored = match validate_value(def, key, value) {
            Err(e) if e.kind == ErrorKind::Required && on_create => default_of(def, key)?,
            other => other?,
        };
        if let Some(v) = stored {
            out.insert(key.clone(), v);
        }
    }
    if on_create {
        for (key, def) in defs {
            if def.def.required && !values.contains_key(key) {
                let v = default_of(def, key)?;
                if let Some(v) = v {
                    out.insert(key.clone(), v);
                }
            }
        }
    }
    Ok(out)
}

/// The default of a required field on create, or the `required` error when it has none.
fn default_of(def: &CompiledDefinition, key: &str) -> Result<Option<Value>, DomainError> {
    match &def.def.default_value {
        // Already in stored form (checked when the definition was compiled).
        Some(v) => Ok(Some(v.clone())),
        None => Err(DomainError::new(
            ErrorKind::Required,
            path(key),
            "a value is required",
        )),
    }
}

fn path(key: &str) -> String {
    if key.is_empty() {
        "attributes".to_owned()
    } else {
        format!("attributes.{key}")
    }
}

/// The stored form of `value`, or the first failing check. With `enforce_required` false a
/// missing value of a required field is simply `None` (used to check default values).
pub(super) fn normalize(
    def: &CompiledDefinition,
    value: &Value,
    enforce_required: bool,
) -> Result<Option<Value>, Failure> {
    let ty = def.def.data_type;
    let missing = || {
        if enforce_required && def.def.required {
            Err((ErrorKind::Required, "a value is required".to_owned()))
        } else {
            Ok(None)
        }
    };
    let blank = matches!(value, Value::String(s) if s.trim().is_empty());
    if value.is_null() || (blank && ty != CustomFieldType::Text) {
        return missing();
    }
    let Some(stored) = coerce(def, value)? else {
        return missing();
    };
    check_rules(def, &stored)?;
    Ok(Some(stored))
}

/// The kind and options checks: the value in stored form, `None` for an empty multi-select.
fn coerce(def: &CompiledDefinition, value: &Value) -> Result<Option<Value>, Failure> {
    let ty = def.def.data_type;
    let mismatch = || {
        Err((
            ErrorKind::TypeMismatch,
            format!("a {ty} field does not take {value}"),
        ))
    };
    let stored = match (ty, value) {
        (CustomFieldType::String, Value::String(s)) => Value::from(s.trim()),
        (CustomFieldType::Text, Value::String(s)) => Value::from(s.as_str()),
        (CustomFieldType::Number, Value::Number(n)) if n.is_i64() || n.is_u64() => value.clone(),
        (CustomFieldType::Number, Value::Number(n)) => match n.as_f64() {
            Some(f) => number_to_json(f),
            None => return mismatch(),
        },
        (CustomFieldType::Number, Value::String(s)) => match parse_numeric_str(s) {
            Some(f) => number_to_json(f),
            None => return mismatch(),
        },
        (CustomFieldType::Boolean, Value::Bool(_)) => value.clone(),
        (CustomFieldType::Boolean, Value::String(s)) => match boolean_word(s) {
            Some(b) => Value::Bool(b),
            None => return mismatch(),
        },
        (CustomFieldType::Boolean, Value::Number(n)) => match n.as_f64() {
            Some(1.0) => Value::Bool(true),
            Some(0.0) => Value::Bool(false),
            _ => return mismatch(),
        },
        (CustomFieldType::Enum, Value::String(s)) => Value::from(option_for(def, s)?),
        (CustomFieldType::MultiSelect, Value::String(s)) => {
            return multi_select(def, s.split([',', ';']).map(Some));
        }
        (CustomFieldType::MultiSelect, Value::Array(items)) => {
            return multi_select(def, items.iter().map(Value::as_str));
        }
        (CustomFieldType::Json, _) => {
            let size = serde_json::to_string(value).map_or(usize::MAX, |s| s.len());
            if size > JSON_MAX_BYTES {
                return Err((
                    ErrorKind::TooLong,
                    format!("JSON value of {size} bytes is over {JSON_MAX_BYTES}"),
                ));
            }
            value.clone()
        }
        _ => return mismatch(),
    };
    Ok(Some(stored))
}

/// `true/false/yes/no/y/n/on/off/1/0`, trimmed, in any case.
fn boolean_word(s: &str) -> Option<bool> {
    let t = s.trim().to_ascii_lowercase();
    match t.as_str() {
        "true" | "yes" | "y" | "on" | "1" => Some(true),
        "false" | "no" | "n" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// The option equal to `s` (trimmed) ignoring case, in the option's own spelling.
fn option_for<'d>(def: &'d CompiledDefinition, s: &str) -> Result<&'d str, Failure> {
    let t = s.trim();
    let folded = t.to_lowercase();
    def.def
        .options
        .iter()
        .flatten()
        .find(|o| o.as_str() == t || o.to_lowercase() == folded)
        .map(String::as_str)
        .ok_or_else(|| {
            (
                ErrorKind::NotInOptions,
                format!("{t:?} is not one of the options"),
            )
        })
}

/// Pieces (`None` = not a string) → trimmed, blanks dropped, matched to options, deduplicated
/// keeping the first; no pieces → `None`.
fn multi_select<'a>(
    def: &CompiledDefinition,
    pieces: impl Iterator<Item = Option<&'a str>>,
) -> Result<Option<Value>, Failure> {
    let mut chosen: Vec<&str> = Vec::new();
    for piece in pieces {
        let piece = piece.ok_or_else(|| {
            (
                ErrorKind::TypeMismatch,
                "a multi_select value is a list of strings".to_owned(),
            )
        })?;
        if piece.trim().is_empty() {
            continue;
        }
        let option = option_for(def, piece)?;
        // Options are unique ignoring case, so equal options mean a case-insensitive duplicate.
        if !chosen.contains(&option) {
            chosen.push(option);
        }
    }
    Ok((!chosen.is_empty()).then(|| Value::Array(chosen.into_iter().map(Value::from).collect())))
}

/// `allowed_values`, length, pattern and min/max on the stored form.
fn check_rules(def: &CompiledDefinition, stored: &Value) -> Result<(), Failure> {
    let Some(rules) = &def.def.validation else {
        return Ok(());
    };
    if let Some(allowed) = &rules.allowed_values {
        let elements = match stored {
            Value::Array(items) if def.def.data_type == CustomFieldType::MultiSelect => {
                items.iter().collect::<Vec<_>>()
            }
            other => vec![other],
        };
        if let Some(bad) = elements
            .into_iter()
            .find(|e| !allowed.iter().any(|a| strict_eq(a, e)))
        {
            return Err((
                ErrorKind::NotAllowed,
                format!("{bad} is not an allowed value"),
            ));
        }
    }
    if let Value::String(s) = stored {
        let len = s.chars().count() as u64;
        if let Some(min) = rules.min_length.filter(|&m| len < m) {
            return Err((
                ErrorKind::TooShort,
                format!("{len} characters, at least {min} needed"),
            ));
        }
        if let Some(max) = rules.max_length.filter(|&m| len > m) {
            return Err((
                ErrorKind::TooLong,
                format!("{len} characters, at most {max} allowed"),
            ));
        }
        if let Some(re) = &def.pattern
            && !re.is_match(s)
        {
            return Err((
                ErrorKind::PatternMismatch,
                format!("{s:?} does not match {}", re.as_str()),
            ));
        }
    }
    if let Some(n) = stored
        .as_f64()
        .filter(|_| def.def.data_type == CustomFieldType::Number)
    {
        if let Some(min) = rules.min.filter(|&m| n < m) {
            return Err((
                ErrorKind::BelowMin,
                format!("{n} is below the minimum {min}"),
            ));
        }
        if let Some(max) = rules.max.filter(|&m| n > m) {
            return Err((
                ErrorKind::AboveMax,
                format!("{n} is above the maximum {max}"),
            ));
        }
    }
    Ok(())
}

/// Strict equality of scalars: same JSON type and value; numbers compare by value (`1` = `1.0`).
fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

#[cfg(test)]
#[path = "value_tests.rs"]
mod tests;
