//! The numeric fast path: formulas made only of numbers, core fields, arithmetic,
//! comparisons, two-argument `min`/`max` and conditional expressions run on a plain stack of
//! doubles, with no tagged items, no arena and no error values. Text and null may be tested
//! for equality and truth (`ram_type == 'ddr5'`, `x if secondary_storage_gb else 0`).
//!
//! It decides only what it can decide exactly as the general evaluator does. Anything else —
//! a field that is a list or a map, arithmetic or ordering on text or null, a division by
//! zero, a result that is text, null or not finite — returns `None` before any effect, and
//! the caller runs the general evaluator, which reports the error with its offset. Instructions map one to one,
//! so jump distances carry over unchanged.

use super::code::{BinOp, Func, Instr, Program};
use crate::context::{Context, Slot};
use crate::value::Value;

/// The deepest stack the fast path takes.
const MAX_STACK: usize = 8;

/// One instruction of the numeric program.
#[derive(Debug, Clone)]
pub(super) enum Op {
    Num(f64),
    Text(Box<str>),
    Null,
    Slot(Slot),
    Neg,
    Bin(BinOp),
    BinK(BinOp, f64),
    /// Two-argument `max` (true) or `min` (false).
    MinMax(bool),
    PopJumpIfFalsy(u32),
    Jump(u32),
}

/// The operators taken: the four arithmetic ones (division checks its divisor) and the
/// comparisons, which give 1/0.
fn numeric(op: BinOp) -> bool {
    !matches!(op, BinOp::FloorDiv | BinOp::Mod | BinOp::Pow)
}

/// The numeric program of `program`, when every instruction is in the subset.
pub(super) fn compile(program: &Program) -> Option<Box<[Op]>> {
    if program.max_stack > MAX_STACK {
        return None;
    }
    program
        .code
        .iter()
        .map(|i| {
            Some(match i {
                Instr::Num(n) => Op::Num(*n),
                Instr::Const(Value::Str(t)) => Op::Text(t.as_str().into()),
                Instr::Const(Value::Bool(b)) => Op::Num(f64::from(u8::from(*b))),
                Instr::Const(Value::Null) => Op::Null,
                Instr::Slot(s) => Op::Slot(*s),
                Instr::Neg => Op::Neg,
                Instr::Add => Op::Bin(BinOp::Add),
                Instr::Sub => Op::Bin(BinOp::Sub),
                Instr::Mul => Op::Bin(BinOp::Mul),
                Instr::Div => Op::Bin(BinOp::Div),
                Instr::Bin(op) if numeric(*op) => Op::Bin(*op),
                Instr::AddK(k) => Op::BinK(BinOp::Add, *k),
                Instr::SubK(k) => Op::BinK(BinOp::Sub, *k),
                Instr::MulK(k) => Op::BinK(BinOp::Mul, *k),
                Instr::DivK(k) => Op::BinK(BinOp::Div, *k),
                Instr::BinK(op, k) if numeric(*op) => Op::BinK(*op, *k),
                Instr::Call(Func::Max, 2) => Op::MinMax(true),
                Instr::Call(Func::Min, 2) => Op::MinMax(false),
                Instr::PopJumpIfFalsy(d) => Op::PopJumpIfFalsy(*d),
                Instr::Jump(d) => Op::Jump(*d),
                _ => return None,
            })
        })
        .collect()
}

/// `a op b` on numbers as the general evaluator computes it; `None` for a zero divisor or an
/// arithmetic result that is not finite (errors there).
#[inline(always)]
pub(super) fn apply(op: BinOp, a: f64, b: f64) -> Option<f64> {
    let truth = |t: bool| if t { 1.0 } else { 0.0 };
    let finite = |r: f64| r.is_finite().then_some(r);
    Some(match op {
        BinOp::Add => finite(a + b)?,
        BinOp::Sub => finite(a - b)?,
        BinOp::Mul => finite(a * b)?,
        BinOp::Div if b == 0.0 => return None,
        BinOp::Div => finite(a / b)?,
        BinOp::Eq => truth(a == b),
        BinOp::Ne => truth(a != b),
        BinOp::Lt => truth(a < b),
        BinOp::Le => truth(a <= b),
        BinOp::Gt => truth(a > b),
        BinOp::Ge => truth(a >= b),
        BinOp::FloorDiv | BinOp::Mod | BinOp::Pow => return None,
    })
}

/// What a stack entry holds. Text is not copied onto the stack: the entry's number is the
/// slot it was read from, or the index of the constant's instruction, so the stack stays two
/// small arrays that cost next to nothing to set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Num,
    Null,
    SlotText,
    ConstText,
}

/// Reads the stack and the text its entries refer to.
struct Frame<'a> {
    ops: &'a [Op],
    ctx: &'a Context,
}

impl<'a> Frame<'a> {
    /// The text of a text entry.
    fn text(&self, kind: Kind, cell: f64) -> Option<&'a str> {
        match kind {
            Kind::SlotText => self.ctx.slot(cell as Slot).as_str(),
            Kind::ConstText => match self.ops.get(cell as usize)? {
                Op::Text(t) => Some(t),
                _ => None,
            },
            Kind::Num | Kind::Null => None,
        }
    }

    /// `==` between entries of any kinds, as the general evaluator's equality: same kind
    /// (text from a field or a constant alike) and equal value.
    fn same(&self, a: (Kind, f64), b: (Kind, f64)) -> bool {
        match (a.0, b.0) {
            (Kind::Num, Kind::Num) => a.1 == b.1,
            (Kind::Null, Kind::Null) => true,
            (Kind::Num | Kind::Null, _) | (_, Kind::Num | Kind::Null) => false,
            _ => self.text(a.0, a.1) == self.text(b.0, b.1),
        }
    }

    /// A binary operator: numbers as [`apply`]; equality on any kinds; anything else on text
    /// or null is left to the general evaluator.
    #[inline(always)]
    fn binary(&self, op: BinOp, a: (Kind, f64), b: (Kind, f64)) -> Option<f64> {
        if a.0 == Kind::Num && b.0 == Kind::Num {
            return apply(op, a.1, b.1);
        }
        match op {
            BinOp::Eq => Some(f64::from(u8::from(self.same(a, b)))),
            BinOp::Ne => Some(f64::from(u8::from(!self.same(a, b)))),
            _ => None,
        }
    }

    /// Whether an entry is truthy: non-zero numbers and non-empty text.
    fn truthy(&self, kind: Kind, cell: f64) -> bool {
        match kind {
            Kind::Num => cell != 0.0,
            Kind::Null => false,
            _ => self.text(kind, cell).is_some_and(|t| !t.is_empty()),
        }
    }
}

/// Runs the numeric program; `None` when the general evaluator must decide.
pub(super) fn run(ops: &[Op], ctx: &Context) -> Option<f64> {
    let frame = Frame { ops, ctx };
    let mut stack = [0.0f64; MAX_STACK];
    let mut kinds = [Kind::Num; MAX_STACK];
    let mut sp = 0usize;
    let mut pc = 0usize;
    while let Some(op) = ops.get(pc) {
        let (n, kind) = match op {
            Op::Num(n) => (*n, Kind::Num),
            Op::Text(_) => (pc as f64, Kind::ConstText),
            Op::Null => (0.0, Kind::Null),
            Op::Slot(s) => match ctx.slot(*s) {
                Value::Num(n) => (*n, Kind::Num),
                Value::Bool(b) => (f64::from(u8::from(*b)), Kind::Num),
                Value::Null => (0.0, Kind::Null),
                Value::Str(_) => (f64::from(*s), Kind::SlotText),
                _ => return None,
            },
            Op::Neg => {
                let top = sp.checked_sub(1)?;
                if kinds[top] != Kind::Num {
                    return None;
                }
                stack[top] = -stack[top];
                pc += 1;
                continue;
            }
            Op::Bin(op) => {
                let top = sp.checked_sub(2)?;
                let (a, b) = ((kinds[top], stack[top]), (kinds[top + 1], stack[top + 1]));
                stack[top] = frame.binary(*op, a, b)?;
                kinds[top] = Kind::Num;
                sp -= 1;
                pc += 1;
                continue;
            }
            Op::BinK(op, k) => {
                let top = sp.checked_sub(1)?;
                stack[top] = frame.binary(*op, (kinds[top], stack[top]), (Kind::Num, *k))?;
                kinds[top] = Kind::Num;
                pc += 1;
                continue;
            }
            Op::MinMax(max) => {
                let top = sp.checked_sub(2)?;
                if kinds[top] != Kind::Num || kinds[top + 1] != Kind::Num {
                    return None;
                }
                let (a, b) = (stack[top], stack[top + 1]);
                let take_b = if *max { b > a } else { b < a };
                stack[top] = if take_b { b } else { a };
                sp -= 1;
                pc += 1;
                continue;
            }
            Op::PopJumpIfFalsy(d) => {
                sp = sp.checked_sub(1)?;
                pc += if frame.truthy(kinds[sp], stack[sp]) {
                    1
                } else {
                    *d as usize
                };
                continue;
            }
            Op::Jump(d) => {
                pc += *d as usize;
                continue;
            }
        };
        // A load: push it.
        *stack.get_mut(sp)? = n;
        kinds[sp] = kind;
        sp += 1;
        pc += 1;
    }
    let n = stack[0];
    (sp == 1 && kinds[0] == Kind::Num && n.is_finite()).then_some(n)
}
