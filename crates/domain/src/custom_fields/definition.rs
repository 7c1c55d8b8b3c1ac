//! Custom-field definitions (DOMAIN.md §6 "Definitions").
//!
//! A [`FieldDefinition`] is the typed part of a `CustomFieldDefinition` row: data type, options,
//! validation rules, `required` and `default_value`. It is checked when written — a definition
//! the engine accepts can always validate values — and compiled into a [`CompiledDefinition`]
//! that holds the built pattern regex, so validating many values never rebuilds it.

use regex::{Regex, RegexBuilder};
use serde_json::{Map, Value};

use super::CustomFieldType;
use crate::error::{DomainError, ErrorKind};

/// The longest `validation.pattern`, in characters.
pub const MAX_PATTERN_LEN: usize = 1000;
/// Compiled-program budget of a pattern: far above any sane field pattern, low enough that a
/// hostile one (`(a{1000}){1000}`) is refused instead of eating memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
const REGEX_DFA_SIZE_LIMIT: usize = 2 << 20;
const REGEX_NEST_LIMIT: u32 = 64;

/// Validation rules of a field (§6): each applies only to the types noted.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Validation {
    /// A regex that must be found in the value (unanchored, case-sensitive); string/text.
    pub pattern: Option<String>,
    /// Inclusive lower bound; number.
    pub min: Option<f64>,
    /// Inclusive upper bound; number.
    pub max: Option<f64>,
    /// Fewest characters; string/text.
    pub min_length: Option<u64>,
    /// Most characters; string/text.
    pub max_length: Option<u64>,
    /// The only values allowed (scalars, strict equality; per element for multi_select).
    pub allowed_values: Option<Vec<Value>>,
}

impl Validation {
    /// Whether no rule is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The JSON form (`{pattern, min, …}` with unset rules left out), as stored.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        if let Some(p) = &self.pattern {
            m.insert("pattern".into(), Value::from(p.clone()));
        }
        for (name, n) in [("min", self.min), ("max", self.max)] {
            if let Some(n) = n {
                m.insert(name.into(), crate::value::number_to_json(n));
            }
        }
        for (name, n) in [
            ("min_length", self.min_length),
            ("max_length", self.max_length),
        ] {
            if let Some(n) = n {
                m.insert(name.into(), Value::from(n));
            }
        }
        if let Some(a) = &self.allowed_values {
            m.insert("allowed_values".into(), Value::Array(a.clone()));
        }
        Value::Object(m)
    }
}

/// The typed part of a custom-field definition.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDefinition {
    /// The data type.
    pub data_type: CustomFieldType,
    /// The options of `enum`/`multi_select` (trimmed, unique ignoring case); `None` otherwise.
    pub options: Option<Vec<String>>,
    /// Validation rules; `None` when there are none.
    pub validation: Option<Validation>,
    /// Whether a value must be present.
    pub required: bool,
    /// The value a required field gets on create when none is given (stored form).
    pub default_value: Option<Value>,
}

impl FieldDefinition {
    /// A definition of `data_type` with no options, rules or default, not required.
    pub fn new(data_type: CustomFieldType) -> Self {
        Self {
            data_type,
            options: None,
            validation: None,
            required: false,
            default_value: None,
        }
    }

    /// Reads and checks a definition from JSON: `{data_type, options?, validation?, required?,
    /// default_value?}` (a missing `data_type` is `string`; other members of a definition row,
    /// such as `label`, are ignored). Options are trimmed and the default is normalised to its
    /// stored form.
    ///
    /// Every problem is [`ErrorKind::InvalidDefinition`] with the offending member as path.
    pub fn from_json(json: &Value) -> Result<Self, DomainError> {
        let obj = json
            .as_object()
            .ok_or_else(|| invalid("", "a definition must be an object"))?;
        let member = |name: &str| obj.get(name).filter(|v| !v.is_null());
        let data_type = match member("data_type") {
            None => CustomFieldType::String,
            Some(v) => v
                .as_str()
                .and_then(CustomFieldType::parse)
                .ok_or_else(|| invalid("data_type", format!("unknown data type {v}")))?,
        };
        let options = member("options").map(parse_options).transpose()?;
        let validation = member("validation").map(parse_validation).transpose()?;
        let required = match member("required") {
            None => false,
            Some(v) => v
                .as_bool()
                .ok_or_else(|| invalid("required", "must be a boolean"))?,
        };
        let mut def = Self {
            data_type,
            options,
            validation: validation.filter(|v| !v.is_empty()),
            required,
            default_value: member("default_value").cloned(),
        };
        // Non-option types may carry an empty list from a form: that is "no options".
        if !data_type.has_options() && def.options.as_ref().is_some_and(Vec::is_empty) {
            def.options = None;
        }
        let compiled = def.compile()?;
        def.default_value = compiled.def.default_value;
        Ok(def)
    }

    /// The JSON form `{data_type, options, validation, required, default_value}` (unset members
    /// as null), which [`FieldDefinition::from_json`] reads back unchanged.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "data_type": self.data_type.as_str(),
            "options": self.options,
            "validation": self.validation.as_ref().map(Validation::to_json),
            "required": self.required,
            "default_value": self.default_value,
        })
    }

    /// Checks the definition and builds its pattern regex. The default value, if any, must pass
    /// the field's own value rules; the compiled form holds it in stored form.
    pub fn compile(&self) -> Result<CompiledDefinition, DomainError> {
        self.check_options()?;
        let pattern = match &self.validation {
            Some(v) => self.check_validation(v)?,
            None => None,
        };
        let mut compiled = CompiledDefinition {
            def: self.clone(),
            pattern,
        };
        if let Some(default) = &self.default_value {
            let stored = super::value::normalize(&compiled, default, false).map_err(|(k, m)| {
                invalid(
                    "default_value",
                    format!("the default fails the field's rules ({k}): {m}"),
                )
            })?;
            compiled.def.default_value = stored;
        }
        Ok(compiled)
    }

    fn check_options(&self) -> Result<(), DomainError> {
        let ty = self.data_type;
        let Some(options) = &self.options else {
            return if ty.has_options() {
                Err(invalid(
                    "options",
                    format!("a {ty} field needs at least one option"),
                ))
            } else {
                Ok(())
            };
        };
        if !ty.has_options() {
            return Err(invalid("options", format!("a {ty} field has no options")));
        }
        if options.is_empty() {
            return Err(invalid(
                "options",
                format!("a {ty} field needs at least one option"),
            ));
        }
        let mut seen: Vec<String> = Vec::with_capacity(options.len());
        for (i, o) in options.iter().enumerate() {
            if o.trim().is_empty() || o.trim() != o {
                return Err(invalid(
                    format!("options[{i}]"),
                    "options are non-blank and trimmed",
                ));
            }
            let folded = o.to_lowercase();
            if seen.contains(&folded) {
                return Err(invalid(
                    format!("options[{i}]"),
                    format!("duplicate option {o:?}"),
                ));
            }
            seen.push(folded);
        }
        Ok(())
    }

    /// Checks which rules the type allows and their ranges; returns the built pattern.
    fn check_validation(&self, v: &Validation) -> Result<Option<Regex>, DomainError> {
        let ty = self.data_type;
        let misplaced = |name: &str, types: &str| {
            Err(invalid(
                format!("validation.{name}"),
                format!("only {types} fields take {name}, not {ty}"),
            ))
        };
        if !ty.is_textual() {
            if v.pattern.is_some() {
                return misplaced("pattern", "string/text");
            }
            if v.min_length.is_some() {
                return misplaced("min_length", "string/text");
            }
            if v.max_length.is_some() {
                return misplaced("max_length", "string/text");
            }
        }
        if ty != CustomFieldType::Number {
            if v.min.is_some() {
                return misplaced("min", "number");
            }
            if v.max.is_some() {
                return misplaced("max", "number");
            }
        }
        for (name, n) in [("min", v.min), ("max", v.max)] {
            if n.is_some_and(|n| !n.is_finite()) {
                return Err(invalid(
                    format!("validation.{name}"),
                    "must be a finite number",
                ));
            }
        }
        if let (Some(lo), Some(hi)) = (v.min, v.max)
            && lo > hi
        {
            return Err(invalid(
                "validation.min",
                format!("min {lo} is above max {hi}"),
            ));
        }
        if let (Some(lo), Some(hi)) = (v.min_length, v.max_length)
            && lo > hi
        {
            return Err(invalid(
                "validation.min_length",
                format!("min_length {lo} is above max_length {hi}"),
            ));
        }
        if let Some(values) = &v.allowed_values {
            if values.is_empty() {
                return Err(invalid(
                    "validation.allowed_values",
                    "must list at least one value",
                ));
            }
            if let Some(i) = values.iter().position(|x| !is_scalar(x)) {
                return Err(invalid(
                    format!("validation.allowed_values[{i}]"),
                    "must be a string, number or boolean",
                ));
            }
        }
        v.pattern.as_deref().map(build_pattern).transpose()
    }
}

/// A checked definition with its pattern regex built once.
#[derive(Debug, Clone)]
pub struct CompiledDefinition {
    pub(super) def: FieldDefinition,
    pub(super) pattern: Option<Regex>,
}

impl CompiledDefinition {
    /// Reads, checks and compiles a definition from JSON (see [`FieldDefinition::from_json`]).
    pub fn from_json(json: &Value) -> Result<Self, DomainError> {
        FieldDefinition::from_json(json)?.compile()
    }

    /// The definition (with the default value in stored form).
    pub fn definition(&self) -> &FieldDefinition {
        &self.def
    }

    /// The data type.
    pub fn data_type(&self) -> CustomFieldType {
        self.def.data_type
    }

    /// Validates `value` for the field `key` (see [`super::validate_value`]).
    pub fn validate(&self, key: &str, value: &Value) -> Result<Option<Value>, DomainError> {
        super::validate_value(self, key, value)
    }
}

impl TryFrom<FieldDefinition> for CompiledDefinition {
    type Error = DomainError;

    fn try_from(def: FieldDefinition) -> Result<Self, DomainError> {
        def.compile()
    }
}

fn invalid(path: impl Into<String>, message: impl Into<String>) -> DomainError {
    DomainError::new(ErrorKind::InvalidDefinition, path, message)
}

fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

fn parse_options(v: &Value) -> Result<Vec<String>, DomainError> {
    let list = v
        .as_array()
        .ok_or_else(|| invalid("options", "must be a list of strings"))?;
    list.iter()
        .enumerate()
        .map(|(i, o)| {
            o.as_str()
                .map(|s| s.trim().to_owned())
                .ok_or_else(|| invalid(format!("options[{i}]"), "options are strings"))
        })
        .collect()
}

fn parse_validation(v: &Value) -> Result<Validation, DomainError> {
    let obj = v
        .as_object()
        .ok_or_else(|| invalid("validation", "must be an object"))?;
    let mut out = Validation::default();
    for (name, value) in obj {
        // A rule set to null is the same as an absent rule (forms send every member).
        if value.is_null() {
            continue;
        }
        let path = format!("validation.{name}");
        match name.as_str() {
            "pattern" => {
                let p = value
                    .as_str()
                    .ok_or_else(|| invalid(&path, "must be a string"))?;
                out.pattern = Some(p.to_owned());
            }
            "min" | "max" => {
                let n = value
                    .as_f64()
                    .ok_or_else(|| invalid(&path, "must be a number"))?;
                *(if name == "min" {
                    &mut out.min
                } else {
                    &mut out.max
                }) = Some(n);
            }
            "min_length" | "max_length" => {
                let n = non_negative_int(value)
                    .ok_or_else(|| invalid(&path, "must be an integer ≥ 0"))?;
                *(if name == "min_length" {
                    &mut out.min_length
                } else {
                    &mut out.max_length
                }) = Some(n);
            }
            "allowed_values" => {
                let list = value
                    .as_array()
                    .ok_or_else(|| invalid(&path, "must be a list"))?;
                out.allowed_values = Some(list.clone());
            }
            _ => return Err(invalid(path, format!("unknown validation rule {name:?}"))),
        }
    }
    Ok(out)
}

/// An integer ≥ 0, also when written as an integral double (`3.0`).
fn non_negative_int(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| {
        let f = v.as_f64()?;
        (f >= 0.0 && f.fract() == 0.0 && f < 9.007_199_254_740_992e15).then_some(f as u64)
    })
}

fn build_pattern(p: &str) -> Result<Regex, DomainError> {
    if p.chars().count() > MAX_PATTERN_LEN {
        return Err(invalid(
            "validation.pattern",
            format!("longer than {MAX_PATTERN_LEN} characters"),
        ));
    }
    RegexBuilder::new(p)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
        .nest_limit(REGEX_NEST_LIMIT)
        .build()
        .map_err(|e| invalid("validation.pattern", format!("invalid pattern: {e}")))
}

#[cfg(test)]
#[path = "definition_tests.rs"]
mod tests;
