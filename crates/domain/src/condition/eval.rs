//! Evaluation of a compiled condition tree on one context.
//!
//! Children run left to right with short-circuit, so an unreached child cannot fail; a failing
//! leaf that is reached fails the whole tree.

use std::fmt;

use super::{CompareOp, Condition, Leaf, Node, Test};
use crate::context::Context;
use crate::error::ErrorKind;
use crate::value::Value;

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

impl Condition {
    /// Evaluates the tree on `ctx`.
    pub fn eval(&self, ctx: &Context) -> Result<bool, EvalError> {
        match &self.root {
            None => Ok(true),
            Some(node) => eval_node(node, ctx),
        }
    }
}

fn all(children: &[Node], ctx: &Context) -> Result<bool, EvalError> {
    for c in children {
        if !eval_node(c, ctx)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn eval_node(node: &Node, ctx: &Context) -> Result<bool, EvalError> {
    match node {
        Node::And(children) => all(children, ctx),
        Node::Not(children) => all(children, ctx).map(|b| !b),
        Node::Or(children) => {
            if children.is_empty() {
                return Ok(true);
            }
            for c in children {
                if eval_node(c, ctx)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Node::Leaf(leaf) => eval_leaf(leaf, ctx),
    }
}

fn eval_leaf(leaf: &Leaf, ctx: &Context) -> Result<bool, EvalError> {
    let field = ctx.get(&leaf.field);
    let f: &Value = &field;
    if let Test::IsNull { negate } = leaf.test {
        return Ok(f.is_null() != negate);
    }
    if f.is_null() {
        return Ok(false);
    }
    let fail = |kind: ErrorKind, what: &str| EvalError {
        kind,
        message: format!("`{}` is a {}, not {what}", leaf.path, f.kind_name()),
    };
    let numeric = || {
        f.as_number()
            .ok_or_else(|| fail(ErrorKind::NotNumeric, "a number"))
    };
    Ok(match &leaf.test {
        Test::Equals { value, negate } => equals(f, value) != *negate,
        Test::Compare { op, rhs } => {
            let x = numeric()?;
            match op {
                CompareOp::Greater => x > *rhs,
                CompareOp::Less => x < *rhs,
                CompareOp::GreaterOrEqual => x >= *rhs,
                CompareOp::LessOrEqual => x <= *rhs,
            }
        }
        Test::Between { min, max } => {
            let x = numeric()?;
            *min <= x && x <= *max
        }
        Test::Contains(needle) => match f {
            Value::Map(_) => return Err(fail(ErrorKind::NotString, "text")),
            Value::List(items) => items
                .iter()
                .any(|item| with_text(item, |t| needle.equals(t))),
            _ => with_text(f, |t| needle.contained_in(t)),
        },
        Test::StartsWith(needle) => {
            text_op(f, |t| needle.prefix_of(t)).ok_or_else(|| fail(ErrorKind::NotString, "text"))?
        }
        Test::EndsWith(needle) => {
            text_op(f, |t| needle.suffix_of(t)).ok_or_else(|| fail(ErrorKind::NotString, "text"))?
        }
        Test::Regex(re) => {
            text_op(f, |t| re.is_match(t)).ok_or_else(|| fail(ErrorKind::NotString, "text"))?
        }
        Test::In { members, negate } => {
            let found = match f {
                Value::List(items) => items.iter().any(|i| members.iter().any(|m| m.strict_eq(i))),
                _ => members.iter().any(|m| m.strict_eq(f)),
            };
            found != *negate
        }
        Test::IsNull { .. } => false,
    })
}

/// `equals` of §4.4: two strings ignoring case; else both numeric → by value; else strict.
fn equals(f: &Value, value: &Value) -> bool {
    match (f, value) {
        (Value::Str(a), Value::Str(b)) => {
            if a.is_ascii() && b.is_ascii() {
                a.eq_ignore_ascii_case(b)
            } else {
                a.to_lowercase() == b.to_lowercase()
            }
        }
        (Value::List(_) | Value::Map(_), _) => false,
        _ => match (f.as_number(), value.as_number()) {
            (Some(a), Some(b)) => a == b,
            _ => f.strict_eq(value),
        },
    }
}

/// Runs `op` on the string form of a scalar; `false` for lists and maps (not reached: callers
/// reject them first) .
fn with_text(v: &Value, op: impl FnOnce(&str) -> bool) -> bool {
    text_op(v, op).unwrap_or(false)
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
