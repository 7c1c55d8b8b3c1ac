//! The built-in functions (DOMAIN.md §4.10 "Functions"). Arity is checked at bind time, so each
//! function receives an argument count it accepts; they still read arguments defensively.

use super::FormulaError;
use super::code::Func;
use super::ops::{fail, finite, operand, order, power};
use super::round::round_to;
use crate::error::ErrorKind;
use crate::value::{Value, parse_numeric_str};

type R<T> = Result<T, FormulaError>;

/// Calls `f` on `args`.
pub(super) fn call(f: Func, args: &[Value]) -> R<Value> {
    // The common `min(a, b)` / `max(a, b)` on numbers skips the general ordering.
    if let (Func::Min | Func::Max, [Value::Num(a), Value::Num(b)]) = (f, args) {
        let take_b = if f == Func::Max { b > a } else { b < a };
        return Ok(Value::Num(if take_b { *b } else { *a }));
    }
    let arg = |i: usize| args.get(i).unwrap_or(&Value::Null);
    let num = |i: usize| operand(arg(i), name(f));
    Ok(Value::Num(match f {
        Func::Abs => num(0)?.abs(),
        Func::Floor => num(0)?.floor(),
        Func::Ceil => num(0)?.ceil(),
        Func::Sqrt => {
            let x = num(0)?;
            if x < 0.0 {
                return Err(fail(ErrorKind::Domain, "sqrt() of a negative number"));
            }
            x.sqrt()
        }
        Func::Min | Func::Max => return extreme(f == Func::Max, args),
        Func::Round => {
            let x = num(0)?;
            match args.get(1) {
                None => x.round_ties_even(),
                Some(d) => round_to(x, digits(d)?),
            }
        }
        Func::Int => convert(arg(0), "int()")?.trunc(),
        Func::Float => convert(arg(0), "float()")?,
        Func::Sum => {
            let Value::List(items) = arg(0) else {
                return Err(fail(
                    ErrorKind::Type,
                    format!("sum() needs a list, got {}", arg(0).kind_name()),
                ));
            };
            let mut total = 0.0;
            for item in items.iter() {
                total = finite(total + operand(item, "sum()")?)?;
            }
            total
        }
        Func::Pow => power(num(0)?, num(1)?)?,
        Func::Clamp => {
            let (x, lo, hi) = (num(0)?, num(1)?, num(2)?);
            if lo > hi {
                return Err(fail(ErrorKind::Domain, "clamp() with lo > hi"));
            }
            x.max(lo).min(hi)
        }
    }))
}

/// The name a formula calls `f` by.
pub(super) fn name(f: Func) -> &'static str {
    match f {
        Func::Abs => "abs()",
        Func::Floor => "floor()",
        Func::Ceil => "ceil()",
        Func::Sqrt => "sqrt()",
        Func::Min => "min()",
        Func::Max => "max()",
        Func::Round => "round()",
        Func::Int => "int()",
        Func::Float => "float()",
        Func::Sum => "sum()",
        Func::Pow => "pow()",
        Func::Clamp => "clamp()",
    }
}

/// `min`/`max` of several arguments or of one list; the first extreme element wins ties.
fn extreme(max: bool, args: &[Value]) -> R<Value> {
    let what = if max { "max()" } else { "min()" };
    let items: &[Value] = match args {
        [Value::List(items)] => items,
        [other] => {
            return Err(fail(
                ErrorKind::Type,
                format!(
                    "{what} of one argument needs a list, got {}",
                    other.kind_name()
                ),
            ));
        }
        _ => args,
    };
    let Some((first, rest)) = items.split_first() else {
        return Err(fail(ErrorKind::Domain, format!("{what} of an empty list")));
    };
    let mut best = first;
    for item in rest {
        let o = order(item, best)?;
        if (max && o.is_gt()) || (!max && o.is_lt()) {
            best = item;
        }
    }
    Ok(best.clone())
}

/// The digit count of `round(x, n)`: an integer in −12…12.
fn digits(v: &Value) -> R<i32> {
    let n = operand(v, "round() digits")?;
    if n.fract() != 0.0 {
        return Err(fail(ErrorKind::Type, "round() digits must be an integer"));
    }
    if !(-12.0..=12.0).contains(&n) {
        return Err(fail(
            ErrorKind::Domain,
            "round() digits must be between -12 and 12",
        ));
    }
    Ok(n as i32)
}

/// `int`/`float` input: numbers, booleans as 1/0, numeric strings.
fn convert(v: &Value, what: &str) -> R<f64> {
    match v {
        Value::Str(s) => parse_numeric_str(s)
            .ok_or_else(|| fail(ErrorKind::Type, format!("{what} of a non-numeric string"))),
        other => operand(other, what),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn n(x: f64) -> Value {
        Value::Num(x)
    }
    fn list(xs: &[f64]) -> Value {
        Value::List(Arc::new(xs.iter().map(|x| n(*x)).collect()))
    }
    fn ok(f: Func, args: &[Value]) -> f64 {
        call(f, args).unwrap().as_number().unwrap()
    }
    fn kind(f: Func, args: &[Value]) -> ErrorKind {
        call(f, args).unwrap_err().kind
    }

    #[test]
    fn each_function() {
        assert_eq!(ok(Func::Abs, &[n(-4.0)]), 4.0);
        assert_eq!(ok(Func::Floor, &[n(-1.5)]), -2.0);
        assert_eq!(ok(Func::Ceil, &[n(-1.5)]), -1.0);
        assert_eq!(ok(Func::Sqrt, &[n(16.0)]), 4.0);
        assert_eq!(kind(Func::Sqrt, &[n(-1.0)]), ErrorKind::Domain);
        assert_eq!(ok(Func::Min, &[n(4.0), n(2.0), n(8.0)]), 2.0);
        assert_eq!(ok(Func::Max, &[list(&[3.0, 9.0, 4.0])]), 9.0);
        assert_eq!(kind(Func::Max, &[list(&[])]), ErrorKind::Domain);
        assert_eq!(kind(Func::Max, &[n(1.0)]), ErrorKind::Type);
        assert_eq!(kind(Func::Max, &[n(1.0), Value::Null]), ErrorKind::Type);
        assert_eq!(
            call(Func::Max, &[Value::str("a"), Value::str("b")])
                .unwrap()
                .as_str(),
            Some("b")
        );
        assert_eq!(ok(Func::Round, &[n(2.5)]), 2.0);
        assert_eq!(ok(Func::Round, &[n(3.5)]), 4.0);
        assert_eq!(ok(Func::Round, &[n(0.125), n(2.0)]), 0.12);
        assert_eq!(ok(Func::Round, &[n(1250.0), n(-2.0)]), 1200.0);
        assert_eq!(kind(Func::Round, &[n(1.0), n(13.0)]), ErrorKind::Domain);
        assert_eq!(kind(Func::Round, &[n(1.0), n(1.5)]), ErrorKind::Type);
        assert_eq!(ok(Func::Int, &[Value::str("12")]), 12.0);
        assert_eq!(ok(Func::Int, &[n(-7.9)]), -7.0);
        assert_eq!(ok(Func::Int, &[Value::Bool(true)]), 1.0);
        assert_eq!(kind(Func::Int, &[Value::str("12abc")]), ErrorKind::Type);
        assert_eq!(kind(Func::Float, &[Value::Null]), ErrorKind::Type);
        assert_eq!(ok(Func::Float, &[Value::str(" 2.5 ")]), 2.5);
        assert_eq!(ok(Func::Sum, &[list(&[1.0, 2.0, 3.0])]), 6.0);
        assert_eq!(ok(Func::Sum, &[list(&[])]), 0.0);
        assert_eq!(kind(Func::Sum, &[n(1.0)]), ErrorKind::Type);
        assert_eq!(
            kind(Func::Sum, &[list(&[1e308, 1e308])]),
            ErrorKind::NonFinite
        );
        assert_eq!(ok(Func::Pow, &[n(2.0), n(10.0)]), 1024.0);
        assert_eq!(
            kind(Func::Pow, &[n(2.0), n(1001.0)]),
            ErrorKind::ExponentLimit
        );
        assert_eq!(ok(Func::Clamp, &[n(16.0), n(0.0), n(10.0)]), 10.0);
        assert_eq!(ok(Func::Clamp, &[n(-1.0), n(0.0), n(10.0)]), 0.0);
        assert_eq!(
            kind(Func::Clamp, &[n(5.0), n(10.0), n(0.0)]),
            ErrorKind::Domain
        );
    }
}
