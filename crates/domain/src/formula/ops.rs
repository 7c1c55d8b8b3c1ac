//! Operator semantics (DOMAIN.md §4.10 "Semantics"): arithmetic on doubles with booleans as 1/0,
//! string concatenation, comparisons, truthiness and subscripts.

use std::cmp::Ordering;
use std::sync::Arc;

use super::FormulaError;
use super::code::BinOp;
use crate::error::ErrorKind;
use crate::value::{NULL, Value};

type R<T> = Result<T, FormulaError>;

/// An evaluation error without an offset; the evaluator adds the instruction's offset.
pub(super) fn fail(kind: ErrorKind, message: impl Into<String>) -> FormulaError {
    FormulaError::new(kind, message, None)
}

/// Falsy: null, false, 0, "", [], {}.
#[inline]
pub(super) fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Num(n) => *n != 0.0,
        Value::Str(s) => !s.is_empty(),
        Value::List(l) => !l.is_empty(),
        Value::Map(m) => !m.is_empty(),
    }
}

/// An arithmetic operand: a number, or a boolean as 1/0.
#[inline]
pub(super) fn operand(v: &Value, what: &str) -> R<f64> {
    match v {
        Value::Num(n) => Ok(*n),
        Value::Bool(b) => Ok(f64::from(u8::from(*b))),
        other => Err(fail(
            ErrorKind::Type,
            format!("{what} needs a number, got {}", other.kind_name()),
        )),
    }
}

/// Rejects NaN and infinities, which no formula may produce.
#[inline]
pub(super) fn finite(n: f64) -> R<f64> {
    if n.is_finite() {
        Ok(n)
    } else {
        Err(fail(
            ErrorKind::NonFinite,
            "the result is not a finite number",
        ))
    }
}

/// Arithmetic on two doubles.
#[inline]
pub(super) fn arith(op: BinOp, a: f64, b: f64) -> R<f64> {
    let r = match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => {
            nonzero(b)?;
            a / b
        }
        BinOp::FloorDiv => {
            nonzero(b)?;
            (a / b).floor()
        }
        BinOp::Mod => {
            nonzero(b)?;
            a - b * (a / b).floor()
        }
        BinOp::Pow => return power(a, b),
        // Comparisons are routed to `compare` before arithmetic is reached.
        _ => return Err(fail(ErrorKind::Type, "not an arithmetic operator")),
    };
    finite(r)
}

fn nonzero(b: f64) -> R<()> {
    if b == 0.0 {
        Err(fail(ErrorKind::DivisionByZero, "division by zero"))
    } else {
        Ok(())
    }
}

/// `a ** b` with the limits of §4.10.
pub(super) fn power(a: f64, b: f64) -> R<f64> {
    if b.abs() > 1000.0 {
        return Err(fail(
            ErrorKind::ExponentLimit,
            format!("exponent {} exceeds 1000", crate::value::NumText(b)),
        ));
    }
    if a == 0.0 && b < 0.0 {
        return Err(fail(
            ErrorKind::DivisionByZero,
            "zero raised to a negative power",
        ));
    }
    if a < 0.0 && b.fract() != 0.0 {
        return Err(fail(
            ErrorKind::Domain,
            "negative base with a fractional exponent",
        ));
    }
    finite(a.powf(b))
}

/// A comparison of two numbers, or `None` for an arithmetic operator.
#[inline]
pub(super) fn num_compare(op: BinOp, a: f64, b: f64) -> Option<bool> {
    Some(match op {
        BinOp::Eq => a == b,
        BinOp::Ne => a != b,
        BinOp::Lt => a < b,
        BinOp::Le => a <= b,
        BinOp::Gt => a > b,
        BinOp::Ge => a >= b,
        _ => return None,
    })
}

/// A binary operator on any two values.
pub(super) fn binary(op: BinOp, a: &Value, b: &Value) -> R<Value> {
    match op {
        BinOp::Eq => Ok(Value::Bool(equal(a, b))),
        BinOp::Ne => Ok(Value::Bool(!equal(a, b))),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => compare(op, a, b).map(Value::Bool),
        BinOp::Add => match (a, b) {
            (Value::Str(x), Value::Str(y)) => {
                let mut s = String::with_capacity(x.len() + y.len());
                s.push_str(x);
                s.push_str(y);
                Ok(Value::Str(Arc::new(s)))
            }
            _ => num_operands(op, a, b),
        },
        _ => num_operands(op, a, b),
    }
}

fn num_operands(op: BinOp, a: &Value, b: &Value) -> R<Value> {
    let what = op_name(op);
    let (x, y) = (operand(a, what)?, operand(b, what)?);
    arith(op, x, y).map(Value::Num)
}

fn op_name(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "'+'",
        BinOp::Sub => "'-'",
        BinOp::Mul => "'*'",
        BinOp::Div => "'/'",
        BinOp::FloorDiv => "'//'",
        BinOp::Mod => "'%'",
        BinOp::Pow => "'**'",
        BinOp::Eq => "'=='",
        BinOp::Ne => "'!='",
        BinOp::Lt => "'<'",
        BinOp::Le => "'<='",
        BinOp::Gt => "'>'",
        BinOp::Ge => "'>='",
    }
}

/// `==`: numbers and booleans numerically, strings exactly, null equals null, lists and maps
/// element-wise; different kinds are unequal.
pub(super) fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Num(_) | Value::Bool(_), Value::Num(_) | Value::Bool(_)) => {
            operand(a, "").ok() == operand(b, "").ok()
        }
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| equal(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((kp, p), (kq, q))| kp == kq && equal(p, q))
        }
        _ => false,
    }
}

/// Ordering: numbers/booleans numerically, strings by code point; anything else is `type`.
pub(super) fn order(a: &Value, b: &Value) -> R<Ordering> {
    match (a, b) {
        (Value::Num(_) | Value::Bool(_), Value::Num(_) | Value::Bool(_)) => {
            let (x, y) = (operand(a, "")?, operand(b, "")?);
            // Operands are finite (every result is checked), so the comparison is total.
            Ok(x.partial_cmp(&y).unwrap_or(Ordering::Equal))
        }
        // UTF-8 byte order is code point order.
        (Value::Str(x), Value::Str(y)) => Ok(x.as_str().cmp(y.as_str())),
        _ => Err(fail(
            ErrorKind::Type,
            format!("cannot order {} and {}", a.kind_name(), b.kind_name()),
        )),
    }
}

/// An ordering comparison.
pub(super) fn compare(op: BinOp, a: &Value, b: &Value) -> R<bool> {
    if let (Value::Num(x), Value::Num(y)) = (a, b) {
        return Ok(match op {
            BinOp::Lt => x < y,
            BinOp::Le => x <= y,
            BinOp::Gt => x > y,
            BinOp::Ge => x >= y,
            BinOp::Eq => x == y,
            _ => x != y,
        });
    }
    Ok(match op {
        BinOp::Eq => equal(a, b),
        BinOp::Ne => !equal(a, b),
        BinOp::Lt => order(a, b)?.is_lt(),
        BinOp::Le => order(a, b)?.is_le(),
        BinOp::Gt => order(a, b)?.is_gt(),
        _ => order(a, b)?.is_ge(),
    })
}

/// Unary minus or plus.
#[inline]
pub(super) fn sign(v: &Value, negate: bool) -> R<Value> {
    let n = operand(v, if negate { "unary '-'" } else { "unary '+'" })?;
    Ok(Value::Num(if negate { -n } else { n }))
}

/// `container[index]`: lists by integer (negative from the end), maps by string key.
pub(super) fn index(container: &Value, key: &Value) -> R<Value> {
    index_ref(container, key).cloned()
}

/// [`index`] without cloning: the element lives as long as its container.
pub(super) fn index_ref<'v>(container: &'v Value, key: &Value) -> R<&'v Value> {
    match (container, key) {
        (Value::List(items), Value::Num(_) | Value::Bool(_)) => {
            let i = operand(key, "")?;
            if i.fract() != 0.0 {
                return Err(fail(ErrorKind::Type, "a list index must be an integer"));
            }
            let len = items.len() as f64;
            let at = if i < 0.0 { i + len } else { i };
            if at < 0.0 || at >= len {
                return Err(fail(
                    ErrorKind::Index,
                    format!("list index {} out of range", crate::value::NumText(i)),
                ));
            }
            Ok(&items[at as usize])
        }
        (Value::Map(map), Value::Str(k)) => Ok(map.get(k.as_str()).unwrap_or(&NULL)),
        _ => Err(fail(
            ErrorKind::Type,
            format!(
                "cannot subscript {} with {}",
                container.kind_name(),
                key.kind_name()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(x: f64) -> Value {
        Value::Num(x)
    }

    #[test]
    fn arithmetic_rules() {
        assert_eq!(arith(BinOp::FloorDiv, -7.0, 2.0).unwrap(), -4.0);
        assert_eq!(arith(BinOp::Mod, -7.0, 3.0).unwrap(), 2.0);
        assert_eq!(arith(BinOp::Mod, 7.0, -3.0).unwrap(), -2.0);
        assert_eq!(arith(BinOp::Mod, 7.5, 2.0).unwrap(), 1.5);
        for op in [BinOp::Div, BinOp::FloorDiv, BinOp::Mod] {
            assert_eq!(
                arith(op, 1.0, 0.0).unwrap_err().kind,
                ErrorKind::DivisionByZero
            );
            assert_eq!(
                arith(op, 1.0, -0.0).unwrap_err().kind,
                ErrorKind::DivisionByZero
            );
        }
        assert_eq!(
            arith(BinOp::Mul, 1e200, 1e200).unwrap_err().kind,
            ErrorKind::NonFinite
        );
        assert_eq!(
            power(2.0, 1001.0).unwrap_err().kind,
            ErrorKind::ExponentLimit
        );
        assert_eq!(
            power(2.0, -1001.0).unwrap_err().kind,
            ErrorKind::ExponentLimit
        );
        assert_eq!(
            power(0.0, -1.0).unwrap_err().kind,
            ErrorKind::DivisionByZero
        );
        assert_eq!(power(-8.0, 1.0 / 3.0).unwrap_err().kind, ErrorKind::Domain);
        assert_eq!(power(-2.0, 3.0).unwrap(), -8.0);
        assert_eq!(power(0.0, 0.0).unwrap(), 1.0);
        assert_eq!(power(10.0, 1000.0).unwrap_err().kind, ErrorKind::NonFinite);
    }

    #[test]
    fn values_of_other_kinds() {
        let s = |x: &str| Value::str(x);
        assert!(equal(&s("a"), &s("a")) && !equal(&s("a"), &s("A")));
        assert!(equal(&Value::Bool(true), &n(1.0)));
        assert!(equal(&Value::Null, &Value::Null) && !equal(&Value::Null, &n(0.0)));
        assert!(!equal(&s("1"), &n(1.0)));
        assert_eq!(
            binary(BinOp::Add, &s("a"), &s("b")).unwrap().as_str(),
            Some("ab")
        );
        assert_eq!(
            binary(BinOp::Add, &s("a"), &n(1.0)).unwrap_err().kind,
            ErrorKind::Type
        );
        assert_eq!(
            binary(BinOp::Mul, &s("2"), &n(1.0)).unwrap_err().kind,
            ErrorKind::Type
        );
        assert_eq!(
            binary(BinOp::Add, &Value::Bool(true), &n(1.0))
                .unwrap()
                .as_number(),
            Some(2.0)
        );
        assert!(compare(BinOp::Lt, &s("B"), &s("a")).unwrap());
        assert_eq!(
            compare(BinOp::Lt, &Value::Null, &n(1.0)).unwrap_err().kind,
            ErrorKind::Type
        );
        assert!(truthy(&s(" ")) && !truthy(&s("")) && !truthy(&n(-0.0)));
        let list = Value::List(Arc::new(vec![n(1.0), n(2.0)]));
        assert_eq!(index(&list, &n(-2.0)).unwrap().as_number(), Some(1.0));
        assert_eq!(index(&list, &n(2.0)).unwrap_err().kind, ErrorKind::Index);
        assert_eq!(index(&list, &n(-3.0)).unwrap_err().kind, ErrorKind::Index);
        assert_eq!(index(&list, &n(0.5)).unwrap_err().kind, ErrorKind::Type);
        assert_eq!(index(&list, &s("0")).unwrap_err().kind, ErrorKind::Type);
        assert_eq!(index(&s("abc"), &n(0.0)).unwrap_err().kind, ErrorKind::Type);
        assert_eq!(
            index(&Value::Null, &s("a")).unwrap_err().kind,
            ErrorKind::Type
        );
    }
}
