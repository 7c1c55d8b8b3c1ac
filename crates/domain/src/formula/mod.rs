//! The formula language (DOMAIN.md §4.10): a small, safe expression language over a listing's
//! context.
//!
//! A formula is compiled once — length check, `lexer`, `parser` (which binds names through `bind`
//! and emits the flat program of `code`) — and evaluated many times by `eval`, whose operators and
//! functions live in `ops`, `functions` and `round`. Evaluating a numeric formula allocates
//! nothing; see `eval` for how. `fast` runs formulas of numbers, fields and arithmetic on a
//! plain stack of doubles first, leaving everything else to `eval`; `tree` turns most of those
//! programs into expression trees, which decide the same without dispatching per instruction.

mod bind;
mod code;
mod eval;
mod fast;
#[cfg(test)]
mod fast_tests;
mod functions;
mod lexer;
#[cfg(test)]
mod limit_tests;
mod ops;
mod parser;
mod round;
#[cfg(test)]
mod tests;
mod tree;

use std::fmt;
use std::sync::Arc;

use crate::context::{Context, FieldRef, FieldRegistry, Reads};
use crate::error::{DomainError, ErrorKind};

/// The longest formula accepted, in characters.
pub const MAX_FORMULA_LEN: usize = 2000;

/// The deepest nesting accepted (parenthesised groups, calls, lists, subscripts, prefix operators,
/// `**` right operands and `else` branches each add a level).
pub const MAX_FORMULA_DEPTH: usize = 64;

/// A formula failure: its kind, a message and the 0-based character offset it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormulaError {
    /// One of the formula kinds of §4.10.
    pub kind: ErrorKind,
    /// A message for people.
    pub message: String,
    /// Where in the source, when a position applies.
    pub offset: Option<usize>,
}

impl FormulaError {
    /// Creates an error.
    pub fn new(kind: ErrorKind, message: impl Into<String>, offset: Option<usize>) -> Self {
        Self {
            kind,
            message: message.into(),
            offset,
        }
    }
}

impl fmt::Display for FormulaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "formula error [{}] at ", self.kind)?;
        match self.offset {
            Some(o) => write!(f, "{o}")?,
            None => f.write_str("null")?,
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for FormulaError {}

impl From<FormulaError> for DomainError {
    fn from(e: FormulaError) -> Self {
        DomainError {
            kind: e.kind,
            path: String::new(),
            message: e.message,
            offset: e.offset,
        }
    }
}

/// A compiled formula: parsed and bound once, evaluated against many contexts. Cloning is cheap.
#[derive(Debug, Clone)]
pub struct Formula {
    source: Arc<str>,
    program: Arc<code::Program>,
    /// The numeric fast path, when the program is within its subset (see `fast`).
    fast: Option<Arc<[fast::Op]>>,
    /// The same as a tree, when its shape is covered (see `tree`).
    tree: Option<Arc<tree::Node>>,
}

impl Formula {
    /// Compiles `source`: length check, then lexing and parsing, then binding of every name
    /// against `registry` (§4.10 "Identifiers"); the first error by phase wins.
    pub fn compile(source: &str, registry: &FieldRegistry) -> Result<Formula, FormulaError> {
        if source.len() > MAX_FORMULA_LEN && source.chars().count() > MAX_FORMULA_LEN {
            return Err(FormulaError::new(
                ErrorKind::TooLong,
                format!("the formula is longer than {MAX_FORMULA_LEN} characters"),
                Some(MAX_FORMULA_LEN),
            ));
        }
        let program = parser::parse(source, registry)?;
        let fast = fast::compile(&program);
        Ok(Formula {
            source: Arc::from(source),
            tree: fast.as_deref().and_then(tree::build).map(Arc::new),
            fast: fast.map(Arc::from),
            program: Arc::new(program),
        })
    }

    /// Evaluates the formula on `ctx`. The result is a finite number; a boolean result counts as
    /// 1/0 and anything else is `non_numeric_result`.
    #[inline]
    pub fn eval(&self, ctx: &Context) -> Result<f64, FormulaError> {
        if let Some(t) = self.tree.as_deref()
            && let Some(n) = tree::run(t, ctx)
        {
            return Ok(n);
        }
        self.eval_without_tree(ctx)
    }

    /// [`Formula::eval`] past the tree, out of line so that the tree's path stays small. The
    /// tree gives up exactly where the stack program does: then only the general evaluator
    /// can decide.
    #[inline(never)]
    fn eval_without_tree(&self, ctx: &Context) -> Result<f64, FormulaError> {
        if self.tree.is_none()
            && let Some(n) = self.fast.as_deref().and_then(|ops| fast::run(ops, ctx))
        {
            return Ok(n);
        }
        eval::run(&self.program, ctx)
    }

    /// The parts of a context the formula reads: its field instructions are its only reads.
    pub(crate) fn reads(&self) -> Reads {
        self.program.code.iter().fold(Reads::NOTHING, |r, i| {
            r.with(match i {
                code::Instr::Slot(s) => Reads::slot(*s),
                code::Instr::Custom(_) => Reads::CUSTOM,
                code::Instr::Root(root) | code::Instr::RootKey(root, _) => Reads::root(*root),
                _ => Reads::NOTHING,
            })
        })
    }

    /// The fields the formula reads, each once, when they are all plain fields (a core slot or
    /// a custom value): the result is then a function of their values alone. `None` when it
    /// reads a whole root or a root's key (whose presence matters too).
    pub(crate) fn inputs(&self) -> Option<Vec<FieldRef>> {
        let mut fields: Vec<FieldRef> = Vec::new();
        for i in &self.program.code {
            let f = match i {
                code::Instr::Slot(s) => FieldRef::Slot(*s),
                code::Instr::Custom(k) => FieldRef::Custom(k.clone()),
                code::Instr::Root(_) | code::Instr::RootKey(..) => return None,
                _ => continue,
            };
            if !fields.contains(&f) {
                fields.push(f);
            }
        }
        Some(fields)
    }

    /// The source text.
    pub fn source(&self) -> &str {
        &self.source
    }
}
