//! Evaluation of a compiled condition tree on one context.
//!
//! Children run left to right with short-circuit, so an unreached child cannot fail; a failing
//! leaf that is reached fails the whole tree. The hot path reads fields by reference and
//! carries failures as a small copyable value; the message is only built when one escapes.

use std::fmt;

use super::{CompareOp, Condition, HOLDS, Leaf, Test};
use crate::context::{Context, CustomValues, FieldRef};
use crate::error::ErrorKind;
use crate::value::{NULL, Value};

/// A leaf that could not be evaluated (`not_numeric`, `not_string`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    /// The kind of failure.
    pub kind: ErrorKind,
    /// A message naming the field.
    pub message: String,
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

/// A failure inside the tree: which leaf, what kind, what it found. Cheap to carry; the
/// message is built by [`Failure::into_error`] only when it is reported.
#[derive(Clone, Copy)]
pub(crate) struct Failure<'a> {
    kind: ErrorKind,
    leaf: &'a Leaf,
    found: &'static str,
}

impl Failure<'_> {
    /// The reported error.
    pub(crate) fn into_error(self) -> EvalError {
        let wanted = if self.kind == ErrorKind::NotNumeric {
            "a number"
        } else {
            "text"
        };
        EvalError {
            kind: self.kind,
            message: format!("`{}` is a {}, not {wanted}", self.leaf.path, self.found),
        }
    }
}

pub(crate) type Outcome<'a> = Result<bool, Failure<'a>>;

impl Condition {
    /// Evaluates the tree on `ctx`.
    pub fn eval(&self, ctx: &Context) -> Result<bool, EvalError> {
        self.check(ctx, &CustomValues::unresolved())
            .map_err(Failure::into_error)
    }

    /// Evaluates the tree on `ctx`, a failure kept as the small [`Failure`]. Always inlined:
    /// called once per rule, entering and leaving a function cost more than most leaves.
    #[inline(always)]
    pub(crate) fn check<'c>(&self, ctx: &'c Context, custom: &CustomValues<'c>) -> Outcome<'_> {
        if self.single
            && let Some(step) = self.steps.first()
        {
            return eval_leaf(&step.leaf, ctx, custom);
        }
        let mut at = self.entry;
        // Past the last step are the two verdicts, `FAILS` and `HOLDS`.
        while let Some(step) = self.steps.get(at as usize) {
            at = if eval_leaf(&step.leaf, ctx, custom)? {
                step.on_true
            } else {
                step.on_false
            };
        }
        Ok(at == HOLDS)
    }
}

/// One leaf. Null fails every test but the null tests (whatever the negation). Each test
/// takes the common kind of field in its own arm (a number for comparisons, text for text
/// tests) and leaves coercions and failures to helpers.
#[inline(always)]
fn eval_leaf<'a, 'c>(leaf: &'a Leaf, ctx: &'c Context, custom: &CustomValues<'c>) -> Outcome<'a> {
    let f = match &leaf.field {
        FieldRef::Slot(s) => ctx.slot(*s),
        FieldRef::Custom(k) => custom.value(ctx, k, leaf.custom),
        FieldRef::Root(_) => &NULL,
    };
    Ok(match &leaf.test {
        Test::Compare { op, rhs } => {
            let x = match f {
                Value::Num(x) => *x,
                Value::Null => return Ok(false),
                _ => number(f, leaf)?,
            };
            match op {
                CompareOp::Greater => x > *rhs,
                CompareOp::Less => x < *rhs,
                CompareOp::GreaterOrEqual => x >= *rhs,
                CompareOp::LessOrEqual => x <= *rhs,
            }
        }
        Test::Between { min, max } => {
            let x = match f {
                Value::Num(x) => *x,
                Value::Null => return Ok(false),
                _ => number(f, leaf)?,
            };
            *min <= x && x <= *max
        }
        Test::EqualsText {
            needle,
            number,
            negate,
        } => {
            let equal = match f {
                Value::Str(s) => needle.equals(s),
                Value::Null => return Ok(false),
                Value::List(_) | Value::Map(_) => false,
                _ => number.is_some_and(|n| f.as_number() == Some(n)),
            };
            equal != *negate
        }
        Test::EqualsNumber { number, negate } => {
            let equal = match f {
                Value::Null => return Ok(false),
                Value::List(_) | Value::Map(_) => false,
                _ => f.as_number() == Some(*number),
            };
            equal != *negate
        }
        Test::In {
            members,
            texts,
            negate,
        } => {
            let found = match f {
                // Strictly, text equals only text: compare with the text members directly.
                Value::Str(s) => texts.iter().any(|t| same_bytes(t.as_bytes(), s.as_bytes())),
                Value::Null => return Ok(false),
                Value::List(items) => items.iter().any(|i| members.iter().any(|m| m.strict_eq(i))),
                _ => members.iter().any(|m| m.strict_eq(f)),
            };
            found != *negate
        }
        Test::Contains(needle) => match f {
            Value::Str(s) => needle.contained_in(s),
            Value::Null => false,
            Value::Map(_) => return Err(not_text(f, leaf)),
            Value::List(items) => items
                .iter()
                .any(|item| text_op(item, |t| needle.equals(t)) == Some(true)),
            _ => text_op(f, |t| needle.contained_in(t)) == Some(true),
        },
        Test::StartsWith(needle) => match f {
            Value::Str(s) => needle.prefix_of(s),
            Value::Null => false,
            _ => text_op(f, |t| needle.prefix_of(t)).ok_or_else(|| not_text(f, leaf))?,
        },
        Test::EndsWith(needle) => match f {
            Value::Str(s) => needle.suffix_of(s),
            Value::Null => false,
            _ => text_op(f, |t| needle.suffix_of(t)).ok_or_else(|| not_text(f, leaf))?,
        },
        Test::Regex(re) => match f {
            Value::Str(s) => re.is_match(s),
            Value::Null => false,
            _ => text_op(f, |t| re.is_match(t)).ok_or_else(|| not_text(f, leaf))?,
        },
        Test::IsNull { negate } => f.is_null() != *negate,
        Test::RootIsNull { root, negate } => ctx.is_present(*root) == *negate,
    })
}

/// The numeric coercion of a field that is not a plain number (a boolean, numeric text), or
/// the `not_numeric` failure.
#[cold]
fn number<'a>(f: &Value, leaf: &'a Leaf) -> Result<f64, Failure<'a>> {
    f.as_number().ok_or(Failure {
        kind: ErrorKind::NotNumeric,
        leaf,
        found: f.kind_name(),
    })
}

/// The `not_string` failure of a text test.
#[cold]
fn not_text<'a>(f: &Value, leaf: &'a Leaf) -> Failure<'a> {
    Failure {
        kind: ErrorKind::NotString,
        leaf,
        found: f.kind_name(),
    }
}

/// Byte equality as a plain loop: member texts are short, where a call to `memcmp` costs more
/// than the comparison.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// `op` on the string form of a scalar, `None` for lists and maps.
fn text_op(v: &Value, op: impl FnOnce(&str) -> bool) -> Option<bool> {
    match v {
        Value::Str(s) => Some(op(s)),
        Value::Num(_) | Value::Bool(_) => {
            let mut s = String::new();
            v.write_string_form(&mut s);
            Some(op(&s))
        }
        _ => None,
    }
}
