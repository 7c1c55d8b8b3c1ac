//! The numeric fast path: formulas made only of numbers, core fields, arithmetic,
//! comparisons, two-argument `min`/`max` and conditional expressions run on a plain stack of
//! doubles, with no tagged items, no arena and no error values.
//!
//! It decides only what it can decide exactly as the general evaluator does. Anything else —
//! a field that is text, a list or a map, arithmetic on null, a division by zero, a result
//! that is null or not finite — returns `None` before any effect, and the caller runs the
//! general evaluator, which reports the error with its offset. Instructions map one to one,
//! so jump distances carry over unchanged.

use super::code::{BinOp, Func, Instr, Program};
use crate::context::{Context, Slot};
use crate::value::Value;

/// The deepest stack the fast path takes.
const MAX_STACK: usize = 8;

/// One instruction of the numeric program.
#[derive(Debug, Clone, Copy)]
pub(super) enum Op {
    Num(f64),
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
fn apply(op: BinOp, a: f64, b: f64) -> Option<f64> {
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

/// Runs the numeric program; `None` when the general evaluator must decide.
pub(super) fn run(ops: &[Op], ctx: &Context) -> Option<f64> {
    let mut stack = [0.0f64; MAX_STACK];
    // Bit i set: stack[i] holds a null field (falsy; anything else done with it is an error).
    let mut nulls = 0u32;
    let mut sp = 0usize;
    let mut pc = 0usize;
    while let Some(op) = ops.get(pc) {
        match *op {
            Op::Num(n) => {
                *stack.get_mut(sp)? = n;
                nulls &= !(1 << sp);
                sp += 1;
            }
            Op::Slot(s) => {
                let (n, null) = match ctx.slot(s) {
                    Value::Num(n) => (*n, false),
                    Value::Bool(b) => (f64::from(u8::from(*b)), false),
                    Value::Null => (0.0, true),
                    _ => return None,
                };
                *stack.get_mut(sp)? = n;
                if null {
                    nulls |= 1 << sp;
                } else {
                    nulls &= !(1 << sp);
                }
                sp += 1;
            }
            Op::Neg => {
                let top = sp.checked_sub(1)?;
                if nulls & (1 << top) != 0 {
                    return None;
                }
                stack[top] = -stack[top];
            }
            Op::Bin(op) => {
                let top = sp.checked_sub(2)?;
                if nulls & (3 << top) != 0 {
                    return None;
                }
                stack[top] = apply(op, stack[top], stack[top + 1])?;
                sp -= 1;
            }
            Op::BinK(op, k) => {
                let top = sp.checked_sub(1)?;
                if nulls & (1 << top) != 0 {
                    return None;
                }
                stack[top] = apply(op, stack[top], k)?;
            }
            Op::MinMax(max) => {
                let top = sp.checked_sub(2)?;
                if nulls & (3 << top) != 0 {
                    return None;
                }
                let (a, b) = (stack[top], stack[top + 1]);
                let take_b = if max { b > a } else { b < a };
                stack[top] = if take_b { b } else { a };
                sp -= 1;
            }
            Op::PopJumpIfFalsy(d) => {
                sp = sp.checked_sub(1)?;
                let falsy = nulls & (1 << sp) != 0 || stack[sp] == 0.0;
                if falsy {
                    pc += d as usize;
                    continue;
                }
            }
            Op::Jump(d) => {
                pc += d as usize;
                continue;
            }
        }
        pc += 1;
    }
    let n = stack[0];
    (sp == 1 && nulls & 1 == 0 && n.is_finite()).then_some(n)
}
