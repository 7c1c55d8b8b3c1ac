//! Condition trees (DOMAIN.md §4.4): write-time validation that compiles a JSON tree into a
//! [`Condition`], and its evaluation on a [`Context`].
//!
//! Layout: `compile` (JSON → validated tree, errors with the offending node's path), `eval`
//! (short-circuit evaluation, null and coercion rules), `text` (case-insensitive matching
//! without allocation for ASCII text).

mod compile;
mod eval;
mod text;

use crate::context::FieldRef;
use crate::value::Value;

pub use compile::{MAX_IN_LIST, MAX_NODES, MAX_REGEX_LEN, MAX_TREE_DEPTH};
pub use eval::EvalError;

/// A compiled condition tree. `None` inside means "always true" (a null or `{}` tree).
#[derive(Debug, Clone)]
pub struct Condition {
    root: Option<Node>,
}

#[derive(Debug, Clone)]
enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    /// ¬(AND of the children), not the negation of the first child only.
    Not(Vec<Node>),
    Leaf(Box<Leaf>),
}

#[derive(Debug, Clone)]
struct Leaf {
    field: FieldRef,
    /// The path as written, for error messages.
    path: String,
    test: Test,
}

#[derive(Debug, Clone)]
enum Test {
    Equals {
        value: Value,
        negate: bool,
    },
    Compare {
        op: CompareOp,
        rhs: f64,
    },
    Between {
        min: f64,
        max: f64,
    },
    Contains(text::Needle),
    StartsWith(text::Needle),
    EndsWith(text::Needle),
    Regex(Box<text::Pattern>),
    In {
        members: Vec<Value>,
        negate: bool,
    },
    IsNull {
        negate: bool,
    },
    /// `is_null`/`is_not_null` on a whole root: null exactly when the root is absent.
    RootIsNull {
        root: crate::context::Root,
        negate: bool,
    },
}

#[derive(Debug, Clone, Copy)]
enum CompareOp {
    Greater,
    Less,
    GreaterOrEqual,
    LessOrEqual,
}

impl Condition {
    /// The tree that always holds.
    pub fn always() -> Self {
        Self { root: None }
    }

    /// True for the always-true tree.
    pub fn is_always(&self) -> bool {
        self.root.is_none()
    }
}

/// The operators of §4.4, as accepted on input (case-insensitive).
pub const OPERATORS: &[&str] = &[
    "equals",
    "not_equals",
    "greater_than",
    "less_than",
    "gte",
    "lte",
    "between",
    "contains",
    "starts_with",
    "ends_with",
    "regex",
    "in",
    "not_in",
    "is_null",
    "is_not_null",
];
