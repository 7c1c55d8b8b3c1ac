//! The engine's value model: JSON-like, cheap to clone, with the coercions of DOMAIN.md §4.4.
//!
//! Strings, lists and maps sit behind `Arc` so reading a context field never copies text, and a
//! `Value` stays 16 bytes (a context holds ~80 of them).

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::sync::Arc;

/// A map of values keyed by name.
pub type ValueMap = BTreeMap<String, Value>;

/// A JSON-like value. Numbers are IEEE-754 doubles; money never passes through here without
/// being converted back to exact decimals by [`crate::decimal`].
#[derive(Debug, Clone, Default)]
pub enum Value {
    /// Missing or JSON null.
    #[default]
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Num(f64),
    /// A string.
    Str(Arc<String>),
    /// A list.
    List(Arc<Vec<Value>>),
    /// A map.
    Map(Arc<ValueMap>),
}

/// A shared null, for lookups that find nothing.
pub static NULL: Value = Value::Null;

impl Value {
    /// Builds a string value.
    pub fn str(s: impl Into<String>) -> Self {
        Value::Str(Arc::new(s.into()))
    }

    /// Builds a number value from anything convertible to `f64`.
    pub fn num(n: impl Into<f64>) -> Self {
        Value::Num(n.into())
    }

    /// Builds a number from an optional integer, null when absent.
    pub fn opt_int(n: Option<i64>) -> Self {
        n.map_or(Value::Null, |n| Value::Num(n as f64))
    }

    /// Builds a string from an optional text, null when absent.
    pub fn opt_str(s: Option<&str>) -> Self {
        s.map_or(Value::Null, Value::str)
    }

    /// True for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The JSON kind name, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Num(_) => "number",
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "map",
        }
    }

    /// The string slice of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        }
    }

    /// Numeric coercion (§4.4): numbers as is, booleans 1/0, numeric strings parsed.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            Value::Str(s) => parse_numeric_str(s),
            _ => None,
        }
    }

    /// Writes the string form of a scalar (§4.4); `false` for null, lists and maps.
    pub fn write_string_form(&self, out: &mut String) -> bool {
        match self {
            Value::Str(s) => out.push_str(s),
            Value::Num(n) => {
                let _ = write!(out, "{}", NumText(*n));
            }
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            _ => return false,
        }
        true
    }

    /// Strict equality (§4.4): same kind; numbers by value; strings exactly; lists and maps
    /// element-wise.
    pub fn strict_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Num(a), Value::Num(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::List(a), Value::List(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.strict_eq(y))
            }
            (Value::Map(a), Value::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|((ka, va), (kb, vb))| ka == kb && va.strict_eq(vb))
            }
            _ => false,
        }
    }

    /// Converts from `serde_json`.
    pub fn from_json(v: &serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => n.as_f64().map_or(Value::Null, Value::Num),
            serde_json::Value::String(s) => Value::str(s.as_str()),
            serde_json::Value::Array(a) => {
                Value::List(Arc::new(a.iter().map(Value::from_json).collect()))
            }
            serde_json::Value::Object(o) => Value::Map(Arc::new(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            )),
        }
    }

    /// Converts to `serde_json`; integral numbers become JSON integers, non-finite ones null.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Num(n) => number_to_json(*n),
            Value::Str(s) => serde_json::Value::String(s.as_str().to_owned()),
            Value::List(l) => serde_json::Value::Array(l.iter().map(Value::to_json).collect()),
            Value::Map(m) => {
                serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Self {
        Value::from_json(&v)
    }
}

/// A JSON number for `n`: an integer when `n` is integral and exactly representable.
pub fn number_to_json(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

/// Formats a double in its shortest round-trip form, plain notation, no trailing `.0`.
///
/// Rust's `Display` for `f64` already prints the shortest round-trip digits without an
/// exponent; `-0` prints as `0`.
#[derive(Debug, Clone, Copy)]
pub struct NumText(pub f64);

impl fmt::Display for NumText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0.0 {
            f.write_str("0")
        } else {
            write!(f, "{}", self.0)
        }
    }
}

/// Parses text that matches `[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?` after trimming.
pub fn parse_numeric_str(s: &str) -> Option<f64> {
    let t = s.trim();
    if !is_numeric_text(t.as_bytes()) {
        return None;
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn is_numeric_text(b: &[u8]) -> bool {
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - s;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == s {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_strings_follow_the_grammar() {
        for ok in ["1", " 16.0 ", "+3", "-2.5", ".5", "5.", "1e3", "2E-2"] {
            assert!(parse_numeric_str(ok).is_some(), "{ok}");
        }
        for bad in ["", ".", "e5", "1e", "inf", "NaN", "0x10", "1,000", "12abc"] {
            assert!(parse_numeric_str(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn string_form_is_shortest_plain_decimal() {
        let mut s = String::new();
        Value::Num(16.0).write_string_form(&mut s);
        s.push('|');
        Value::Num(0.1).write_string_form(&mut s);
        s.push('|');
        Value::Num(1e21).write_string_form(&mut s);
        s.push('|');
        Value::Bool(true).write_string_form(&mut s);
        assert_eq!(s, "16|0.1|1000000000000000000000|true");
    }

    #[test]
    fn value_is_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Value>(), 16);
    }
}
