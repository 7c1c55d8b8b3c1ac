//! The compiled form of a formula: a flat postfix program with forward jumps, and the builder the
//! parser emits into.
//!
//! A flat program keeps evaluation iterative (left-deep chains of ~1000 operators need no native
//! recursion) and lets the evaluator run on a small fixed stack. The builder folds operations on
//! constants as they are emitted, merges a constant right operand into its operator (`x / 1000`
//! is one instruction) and turns subscripts of whole roots by a constant key into direct slot
//! reads, so `listing['ram_gb']` never materialises the listing map.

use std::sync::Arc;

use super::eval::apply_pure;
use crate::context::{Root, Slot, slot_of, storage_root};
use crate::value::Value;

/// Binary operators; comparisons are binary too (chains use [`Instr::CmpChain`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The built-in functions (§4.10 "Functions").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Func {
    Abs,
    Floor,
    Ceil,
    Sqrt,
    Min,
    Max,
    Round,
    Int,
    Float,
    Sum,
    Pow,
    Clamp,
}

/// One instruction. Jump distances are relative to the jumping instruction and always forward,
/// so a block of code can be moved as a whole (the conditional expression does).
#[derive(Debug, Clone)]
pub(super) enum Instr {
    /// Pushes a constant that is not a number.
    Const(Value),
    /// Pushes a number.
    Num(f64),
    /// Pushes a core field.
    Slot(Slot),
    /// Pushes a custom value (null when absent).
    Custom(Arc<str>),
    /// Pushes a whole root as a map (null when absent).
    Root(Root),
    /// `root['key']` for a root with slots: a type error when the root is absent, the slot when
    /// the key is a field of the root, else null.
    RootKey(Root, Option<Slot>),
    /// Unary minus.
    Neg,
    /// Unary plus.
    Pos,
    /// `not`.
    Not,
    /// A binary operator on the top two values.
    Bin(BinOp),
    /// A binary operator on the top value and a constant right operand (`x / 1000`).
    BinK(BinOp, f64),
    /// The commonest operators get their own instructions: one dispatch instead of two.
    Add,
    /// See [`Instr::Add`].
    Sub,
    /// See [`Instr::Add`].
    Mul,
    /// See [`Instr::Add`].
    Div,
    /// [`Instr::BinK`] for `+`.
    AddK(f64),
    /// [`Instr::BinK`] for `-`.
    SubK(f64),
    /// [`Instr::BinK`] for `*`.
    MulK(f64),
    /// [`Instr::BinK`] for `/`.
    DivK(f64),
    /// A link of a comparison chain that is not the last: pops `a b`; when `a op b` is false
    /// pushes false and jumps to the chain's end, else pushes `b` back for the next link.
    CmpChain(BinOp, u32),
    /// `and`: a falsy top stays and decides; otherwise it is popped.
    AndJump(u32),
    /// `or`: a truthy top stays and decides; otherwise it is popped.
    OrJump(u32),
    /// Pops the condition of a conditional expression; jumps to the `else` branch when falsy.
    PopJumpIfFalsy(u32),
    /// Unconditional forward jump.
    Jump(u32),
    /// `container[index]`.
    Index,
    /// Builds a list of the top `n` values.
    List(u32),
    /// Calls a function on the top `n` values (arity already checked at bind time).
    Call(Func, u32),
}

impl Instr {
    /// How many values the instruction pops and pushes on its fall-through path.
    fn effect(&self) -> (usize, usize) {
        match self {
            Instr::Const(_)
            | Instr::Num(_)
            | Instr::Slot(_)
            | Instr::Custom(_)
            | Instr::Root(_)
            | Instr::RootKey(..) => (0, 1),
            Instr::Neg | Instr::Pos | Instr::Not => (1, 1),
            Instr::BinK(..) | Instr::AddK(_) | Instr::SubK(_) | Instr::MulK(_) | Instr::DivK(_) => {
                (1, 1)
            }
            Instr::Bin(_)
            | Instr::Add
            | Instr::Sub
            | Instr::Mul
            | Instr::Div
            | Instr::CmpChain(..)
            | Instr::Index => (2, 1),
            Instr::AndJump(_) | Instr::OrJump(_) | Instr::PopJumpIfFalsy(_) => (1, 0),
            Instr::Jump(_) => (0, 0),
            Instr::List(n) | Instr::Call(_, n) => (*n as usize, 1),
        }
    }
}

/// The instruction for `op`, with `k` as a constant right operand when given.
fn binary(op: BinOp, k: Option<f64>) -> Instr {
    match (op, k) {
        (BinOp::Add, None) => Instr::Add,
        (BinOp::Sub, None) => Instr::Sub,
        (BinOp::Mul, None) => Instr::Mul,
        (BinOp::Div, None) => Instr::Div,
        (BinOp::Add, Some(k)) => Instr::AddK(k),
        (BinOp::Sub, Some(k)) => Instr::SubK(k),
        (BinOp::Mul, Some(k)) => Instr::MulK(k),
        (BinOp::Div, Some(k)) => Instr::DivK(k),
        (op, None) => Instr::Bin(op),
        (op, Some(k)) => Instr::BinK(op, k),
    }
}

/// A constant, as [`Instr::Num`] when it is a number.
fn constant(v: Value) -> Instr {
    match v {
        Value::Num(n) => Instr::Num(n),
        other => Instr::Const(other),
    }
}

/// A compiled program: instructions, the source offset of each (for error reports) and the
/// deepest the value stack can get.
#[derive(Debug, Clone)]
pub(super) struct Program {
    pub code: Vec<Instr>,
    pub offsets: Vec<u32>,
    pub max_stack: usize,
}

/// Emits instructions while tracking the stack height and the last jump target.
#[derive(Debug, Default)]
pub(super) struct Builder {
    code: Vec<Instr>,
    offsets: Vec<u32>,
    height: usize,
    max: usize,
    /// The highest index a jump lands on; instructions before it must not be merged with ones
    /// after, or the jump would land in the middle of the merged result.
    label: usize,
}

impl Builder {
    /// The index the next instruction will have.
    pub fn len(&self) -> usize {
        self.code.len()
    }

    /// The current stack height.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Overrides the stack height where control flow joins.
    pub fn set_height(&mut self, height: usize) {
        self.height = height;
        self.max = self.max.max(height);
    }

    /// Emits `instr` from source `offset`, folding it when its operands are constants and
    /// merging a constant right operand into a binary operator.
    pub fn emit(&mut self, instr: Instr, offset: usize) {
        let instr = match instr {
            Instr::Const(v) => constant(v),
            other => other,
        };
        let (pops, _) = instr.effect();
        if self.code.len() >= pops
            && self.label <= self.code.len() - pops
            && let Some(folded) = self.fold(&instr, pops)
        {
            self.code.truncate(self.code.len() - pops);
            self.offsets.truncate(self.code.len());
            self.height -= pops;
            self.push(folded, offset);
            return;
        }
        let instr = match instr {
            Instr::Bin(op) => match self.code.last() {
                Some(Instr::Num(k)) if self.label < self.code.len() => {
                    let k = *k;
                    self.code.pop();
                    self.offsets.pop();
                    self.height -= 1;
                    binary(op, Some(k))
                }
                _ => binary(op, None),
            },
            other => other,
        };
        self.push(instr, offset);
    }

    fn push(&mut self, instr: Instr, offset: usize) {
        let (pops, pushes) = instr.effect();
        self.height = self.height.saturating_sub(pops) + pushes;
        self.max = self.max.max(self.height);
        self.code.push(instr);
        self.offsets.push(u32::try_from(offset).unwrap_or(u32::MAX));
    }

    /// The replacement for `instr` applied to the last `pops` instructions, when they are all
    /// constants (or a root subscripted by a constant key) and the result is free of errors.
    fn fold(&self, instr: &Instr, pops: usize) -> Option<Instr> {
        let operands = &self.code[self.code.len() - pops..];
        if let (Instr::Index, [Instr::Root(root), Instr::Const(Value::Str(key))]) =
            (instr, operands)
        {
            return Some(root_key(*root, key));
        }
        if matches!(instr, Instr::CmpChain(..)) || pops == 0 {
            return None;
        }
        let mut args = Vec::with_capacity(pops);
        for op in operands {
            match op {
                Instr::Const(v) => args.push(v.clone()),
                Instr::Num(n) => args.push(Value::Num(*n)),
                _ => return None,
            }
        }
        apply_pure(instr, &args).ok().map(constant)
    }

    /// Emits a forward jump (distance patched later by [`Builder::patch`]); returns its index.
    pub fn jump(&mut self, instr: Instr, offset: usize) -> usize {
        self.push(instr, offset);
        self.code.len() - 1
    }

    /// Points the jump at `at` to the next instruction.
    pub fn patch(&mut self, at: usize) {
        let distance = u32::try_from(self.code.len() - at).unwrap_or(u32::MAX);
        match &mut self.code[at] {
            Instr::CmpChain(_, d)
            | Instr::AndJump(d)
            | Instr::OrJump(d)
            | Instr::PopJumpIfFalsy(d)
            | Instr::Jump(d) => *d = distance,
            _ => {}
        }
        self.label = self.code.len();
    }

    /// Removes the code from `start` on, to be re-appended elsewhere with [`Builder::append`].
    pub fn take_from(&mut self, start: usize) -> (Vec<Instr>, Vec<u32>) {
        (self.code.split_off(start), self.offsets.split_off(start))
    }

    /// Re-appends code taken with [`Builder::take_from`]; the caller sets the height.
    pub fn append(&mut self, (code, offsets): (Vec<Instr>, Vec<u32>)) {
        self.label = self.label.max(self.code.len());
        self.code.extend(code);
        self.offsets.extend(offsets);
        self.label = self.label.max(self.code.len());
    }

    /// The finished program.
    pub fn finish(self) -> Program {
        Program {
            code: self.code,
            offsets: self.offsets,
            max_stack: self.max.max(1),
        }
    }
}

/// `root[key]` with a constant key, without materialising the root.
fn root_key(root: Root, key: &str) -> Instr {
    match root {
        Root::Custom => Instr::Custom(Arc::from(key)),
        // `storage` is always a map; its entries are the (nullable) storage profiles.
        Root::Storage => match storage_root(key) {
            Some(which) => Instr::Root(which),
            None => Instr::Const(Value::Null),
        },
        _ => Instr::RootKey(root, slot_of(root, key)),
    }
}
