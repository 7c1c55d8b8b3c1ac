//! The evaluator: a loop over the flat program with a stack of small `Copy` items.
//!
//! Numbers and booleans live on the stack as plain doubles (a boolean is 1/0 everywhere the
//! language could observe it: arithmetic, comparisons, truthiness, indices, results), strings,
//! lists and maps of the context or the program are borrowed, and only values built during the
//! evaluation (a concatenation, a list literal, a whole root) go to a lazily allocated arena. So
//! a numeric formula allocates nothing and has nothing to drop.

use std::borrow::Cow;
use std::sync::Arc;

use super::FormulaError;
use super::code::{BinOp, Func, Instr, Program};
use super::functions::call;
use super::ops::{
    arith, binary, compare, fail, finite, index, index_ref, num_compare, sign, truthy,
};
use crate::context::Context;
use crate::error::ErrorKind;
use crate::value::{NULL, Value};

type R<T> = Result<T, FormulaError>;

/// A stack item: a number (or boolean as 1/0), a borrowed value, or an index into the arena.
#[derive(Debug, Clone, Copy)]
enum Item<'a> {
    Num(f64),
    Ref(&'a Value),
    Owned(usize),
}

/// Runs `program` on `ctx`; the value left on the stack must be a number or a boolean (1/0).
pub(super) fn run(program: &Program, ctx: &Context) -> R<f64> {
    // A stack array just big enough, so that setting it up costs next to nothing.
    match program.max_stack {
        0..=4 => exec(program, ctx, &mut [Item::Num(0.0); 4]),
        5..=8 => exec(program, ctx, &mut [Item::Num(0.0); 8]),
        9..=16 => exec(program, ctx, &mut [Item::Num(0.0); 16]),
        n => exec(program, ctx, &mut vec![Item::Num(0.0); n]),
    }
}

/// A numeric binary operation: comparisons give 1/0.
#[inline(always)]
fn num_op(op: BinOp, a: f64, b: f64) -> R<f64> {
    match num_compare(op, a, b) {
        Some(r) => Ok(f64::from(u8::from(r))),
        None => arith(op, a, b),
    }
}

/// Applies an instruction without context or control flow to its operands (constant folding).
pub(super) fn apply_pure(instr: &Instr, args: &[Value]) -> R<Value> {
    match (instr, args) {
        (Instr::Neg, [v]) => sign(v, true),
        (Instr::Pos, [v]) => sign(v, false),
        (Instr::Not, [v]) => Ok(Value::Bool(!truthy(v))),
        (Instr::Bin(op), [a, b]) => binary(*op, a, b),
        (Instr::Index, [a, b]) => index(a, b),
        (Instr::List(_), items) => Ok(Value::List(Arc::new(items.to_vec()))),
        (Instr::Call(f, _), items) => call(*f, items),
        _ => Err(fail(ErrorKind::Type, "not a pure instruction")),
    }
}

/// Gives an evaluation error the offset of the instruction that raised it.
#[cold]
fn at(program: &Program, pc: usize, mut e: FormulaError) -> FormulaError {
    if e.offset.is_none() {
        e.offset = program.offsets.get(pc).map(|o| *o as usize);
    }
    e
}

#[inline]
fn load(v: &Value) -> Item<'_> {
    match v {
        Value::Num(n) => Item::Num(*n),
        Value::Bool(b) => Item::Num(f64::from(u8::from(*b))),
        other => Item::Ref(other),
    }
}

/// A computed value as an item, moving non-scalars into the arena.
fn store<'a>(v: Value, arena: &mut Vec<Value>) -> Item<'a> {
    match v {
        Value::Num(n) => Item::Num(n),
        Value::Bool(b) => Item::Num(f64::from(u8::from(b))),
        other => {
            arena.push(other);
            Item::Owned(arena.len() - 1)
        }
    }
}

/// The value of an item, for the general (non-numeric) paths.
fn view<'s>(item: Item<'s>, arena: &'s [Value]) -> Cow<'s, Value> {
    match item {
        Item::Num(n) => Cow::Owned(Value::Num(n)),
        Item::Ref(v) => Cow::Borrowed(v),
        Item::Owned(i) => Cow::Borrowed(&arena[i]),
    }
}

#[inline]
fn is_truthy(item: Item<'_>, arena: &[Value]) -> bool {
    match item {
        Item::Num(n) => n != 0.0,
        Item::Ref(v) => truthy(v),
        Item::Owned(i) => truthy(&arena[i]),
    }
}

// The general paths live out of line, so the hot loop keeps its registers for numbers.

#[inline(never)]
fn general_binary<'a>(op: BinOp, a: Item<'a>, b: Item<'a>, arena: &mut Vec<Value>) -> R<Item<'a>> {
    let r = binary(op, &view(a, arena), &view(b, arena))?;
    Ok(store(r, arena))
}

#[inline(never)]
fn general_compare(op: BinOp, a: Item<'_>, b: Item<'_>, arena: &[Value]) -> R<bool> {
    compare(op, &view(a, arena), &view(b, arena))
}

#[inline(never)]
fn subscript<'a>(container: Item<'a>, key: Item<'a>, arena: &mut Vec<Value>) -> R<Item<'a>> {
    let key = view(key, arena);
    match container {
        // Elements of borrowed containers stay borrowed.
        Item::Ref(c) => Ok(load(index_ref(c, &key)?)),
        container => {
            let r = index(&view(container, arena), &key)?;
            drop(key);
            Ok(store(r, arena))
        }
    }
}

#[inline(never)]
fn list<'a>(items: &[Item<'a>], arena: &mut Vec<Value>) -> Item<'a> {
    let items = items.iter().map(|i| view(*i, arena).into_owned()).collect();
    store(Value::List(Arc::new(items)), arena)
}

#[inline(never)]
fn general_call<'a>(f: Func, args: &[Item<'a>], arena: &mut Vec<Value>) -> R<Item<'a>> {
    let values: Vec<Value>;
    let mut small: [Value; 3] = Default::default();
    let args: &[Value] = if args.len() <= small.len() {
        for (slot, item) in small.iter_mut().zip(args) {
            *slot = view(*item, arena).into_owned();
        }
        &small[..args.len()]
    } else {
        values = args.iter().map(|i| view(*i, arena).into_owned()).collect();
        &values
    };
    let r = call(f, args)?;
    Ok(store(r, arena))
}

#[cold]
fn missing_root(root: crate::context::Root) -> FormulaError {
    fail(
        ErrorKind::Type,
        format!("cannot subscript null ({} is missing)", root.path()),
    )
}

fn exec<'a>(program: &'a Program, ctx: &'a Context, stack: &mut [Item<'a>]) -> R<f64> {
    let code = program.code.as_slice();
    let mut arena: Vec<Value> = Vec::new();
    let mut pc = 0usize;
    let mut sp = 0usize;
    macro_rules! tri {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(e) => return Err(at(program, pc, e)),
            }
        };
    }
    macro_rules! push {
        ($item:expr) => {{
            stack[sp] = $item;
            sp += 1;
        }};
    }
    // Numbers take the first arm; anything else goes through the general operators.
    macro_rules! bin {
        ($op:expr) => {{
            sp -= 1;
            stack[sp - 1] = match (stack[sp - 1], stack[sp]) {
                (Item::Num(a), Item::Num(b)) => Item::Num(tri!(num_op($op, a, b))),
                (a, b) => tri!(general_binary($op, a, b, &mut arena)),
            };
        }};
    }
    macro_rules! bin_k {
        ($op:expr, $k:expr) => {{
            stack[sp - 1] = match stack[sp - 1] {
                Item::Num(a) => Item::Num(tri!(num_op($op, a, $k))),
                a => tri!(general_binary($op, a, Item::Num($k), &mut arena)),
            };
        }};
    }
    while let Some(instr) = code.get(pc) {
        match instr {
            Instr::Num(n) => push!(Item::Num(*n)),
            Instr::Const(v) => push!(load(v)),
            Instr::Slot(s) => push!(load(ctx.slot(*s))),
            Instr::Custom(k) => push!(load(ctx.custom_value(k))),
            Instr::Root(r) => push!(store(ctx.root_value(*r), &mut arena)),
            Instr::RootKey(root, slot) => {
                if !ctx.is_present(*root) {
                    tri!(Err(missing_root(*root)));
                }
                push!(slot.map_or(Item::Ref(&NULL), |s| load(ctx.slot(s))));
            }
            Instr::Neg | Instr::Pos => {
                let negate = matches!(instr, Instr::Neg);
                match stack[sp - 1] {
                    Item::Num(n) => stack[sp - 1] = Item::Num(if negate { -n } else { n }),
                    other => {
                        tri!(sign(&view(other, &arena), negate));
                    }
                }
            }
            Instr::Not => {
                stack[sp - 1] = Item::Num(if is_truthy(stack[sp - 1], &arena) {
                    0.0
                } else {
                    1.0
                })
            }
            Instr::Add => bin!(BinOp::Add),
            Instr::Sub => bin!(BinOp::Sub),
            Instr::Mul => bin!(BinOp::Mul),
            Instr::Div => bin!(BinOp::Div),
            Instr::Bin(op) => bin!(*op),
            Instr::AddK(k) => bin_k!(BinOp::Add, *k),
            Instr::SubK(k) => bin_k!(BinOp::Sub, *k),
            Instr::MulK(k) => bin_k!(BinOp::Mul, *k),
            Instr::DivK(k) => bin_k!(BinOp::Div, *k),
            Instr::BinK(op, k) => bin_k!(*op, *k),
            Instr::CmpChain(op, d) => {
                sp -= 1;
                let (a, b) = (stack[sp - 1], stack[sp]);
                let holds = match (a, b) {
                    (Item::Num(x), Item::Num(y)) => num_compare(*op, x, y).unwrap_or(false),
                    _ => tri!(general_compare(*op, a, b, &arena)),
                };
                if holds {
                    stack[sp - 1] = b;
                } else {
                    stack[sp - 1] = Item::Num(0.0);
                    pc += *d as usize;
                    continue;
                }
            }
            Instr::AndJump(d) | Instr::OrJump(d) => {
                if is_truthy(stack[sp - 1], &arena) == matches!(instr, Instr::OrJump(_)) {
                    pc += *d as usize;
                    continue;
                }
                sp -= 1;
            }
            Instr::PopJumpIfFalsy(d) => {
                sp -= 1;
                if !is_truthy(stack[sp], &arena) {
                    pc += *d as usize;
                    continue;
                }
            }
            Instr::Jump(d) => {
                pc += *d as usize;
                continue;
            }
            Instr::Index => {
                sp -= 1;
                stack[sp - 1] = tri!(subscript(stack[sp - 1], stack[sp], &mut arena));
            }
            Instr::List(n) => {
                let n = *n as usize;
                let list = list(&stack[sp - n..sp], &mut arena);
                sp -= n;
                push!(list);
            }
            Instr::Call(f, n) => {
                let n = *n as usize;
                let r = match (f, &stack[sp - n..sp]) {
                    (Func::Min | Func::Max, [Item::Num(a), Item::Num(b)]) => {
                        let take_b = if *f == Func::Max { b > a } else { b < a };
                        Item::Num(if take_b { *b } else { *a })
                    }
                    (_, args) => tri!(general_call(*f, args, &mut arena)),
                };
                sp -= n;
                push!(r);
            }
        }
        pc += 1;
    }
    let result = match stack[0] {
        Item::Num(n) => finite(n),
        other => match view(other, &arena).as_ref() {
            Value::Num(n) => finite(*n),
            other => Err(FormulaError::new(
                ErrorKind::NonNumericResult,
                format!("the formula produced {}, not a number", other.kind_name()),
                None,
            )),
        },
    };
    if arena.capacity() == 0 {
        // Nothing to free: skip the out-of-line drop of an empty vector on the hot path.
        std::mem::forget(arena);
    }
    result
}
