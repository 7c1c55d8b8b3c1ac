//! Condition trees (DOMAIN.md §4.4): write-time validation that compiles a JSON tree into a
//! [`Condition`], and its evaluation on a [`Context`].
//!
//! Layout: `compile` (JSON → validated tree, errors with the offending node's path), `flat`
//! (the tree turned into a list of leaves with their successors), `eval` (short-circuit
//! evaluation, null and coercion rules), `text` (case-insensitive matching without allocation
//! for ASCII text).

mod compile;
mod eval;
mod flat;
#[cfg(test)]
mod single_tests;
mod text;
#[cfg(test)]
mod text_tests;

use crate::context::{CustomKeys, FieldRef, Reads};
use crate::value::Value;

pub use compile::{MAX_IN_LIST, MAX_NODES, MAX_REGEX_LEN, MAX_TREE_DEPTH};
pub use eval::EvalError;

/// A compiled condition tree, flattened: its leaves, each with the step to take next when it
/// holds and when it does not (see `flat`). No leaves and an entry of [`HOLDS`] is "always
/// true" (a null or `{}` tree).
#[derive(Debug, Clone)]
pub struct Condition {
    steps: Vec<Step>,
    entry: u32,
    /// One leaf whose verdict is the tree's (most rules): evaluation skips the walk.
    single: bool,
}

/// One leaf of a flattened tree and where evaluation goes after it.
#[derive(Debug, Clone)]
struct Step {
    leaf: Leaf,
    on_true: u32,
    on_false: u32,
}

/// The step index meaning "the tree holds".
const HOLDS: u32 = u32::MAX;
/// The step index meaning "the tree does not hold".
const FAILS: u32 = u32::MAX - 1;

/// The tree as compiled, before flattening.
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
    /// The index of a `custom.<key>` field among the plan's custom keys, numbered when the
    /// plan is compiled ([`crate::context::UNINDEXED`] until then).
    custom: u8,
    /// The path as written, for error messages.
    path: String,
    test: Test,
}

#[derive(Debug, Clone)]
enum Test {
    /// `equals`/`not_equals` a string: text compares ignoring case; numbers and booleans
    /// compare with the string's numeric value, when it has one.
    EqualsText {
        needle: text::Needle,
        number: Option<f64>,
        negate: bool,
    },
    /// `equals`/`not_equals` a number or boolean (as 1/0): numeric coercion on both sides.
    EqualsNumber {
        number: f64,
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
        /// The text members, for the common case of a text field.
        texts: Vec<Box<str>>,
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
        Self {
            steps: Vec::new(),
            entry: HOLDS,
            single: false,
        }
    }

    /// True for a tree that holds without reading any field.
    pub fn is_always(&self) -> bool {
        self.entry == HOLDS
    }

    /// Numbers the custom keys the leaves read among a plan's keys.
    pub(crate) fn index_custom_keys(&mut self, keys: &mut CustomKeys) {
        for step in &mut self.steps {
            if let FieldRef::Custom(k) = &step.leaf.field {
                step.leaf.custom = keys.index(k);
            }
        }
    }

    /// The parts of a context the tree reads: each leaf reads its field and nothing else.
    pub(crate) fn reads(&self) -> Reads {
        self.steps
            .iter()
            .fold(Reads::NOTHING, |r, s| r.with(Reads::field(&s.leaf.field)))
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
