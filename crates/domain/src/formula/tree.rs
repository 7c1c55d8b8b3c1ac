//! The numeric fast path as an expression tree, for the programs of `fast`: each node computes
//! its value directly, where the stack program dispatches on every instruction and tracks the
//! kind of every entry. A formula runs a handful of nodes.
//!
//! A tree decides exactly what the stack program decides and gives up exactly where it gives
//! up (`None`, and the general evaluator decides): numbers and booleans read as numbers, text
//! and null only in equality and truth tests, the same operations in the same order on the
//! same doubles (`fast_tests` checks both against the general evaluator). Programs whose
//! shape the tree does not cover (text or null where a number is needed, a conditional of a
//! field compared as a value) keep the stack program.

use super::code::BinOp;
use super::fast::{Op, apply};
use crate::context::{Context, Slot};
use crate::value::Value;

/// A numeric expression.
#[derive(Debug, Clone)]
pub(super) enum Node {
    Num(f64),
    /// A field as a number: a number, or a boolean as 1/0; anything else gives up.
    Slot(Slot),
    Neg(Box<Node>),
    Bin(BinOp, Box<[Node; 2]>),
    BinK(BinOp, Box<Node>, f64),
    /// Two-argument `max` (true) or `min` whose first argument is a constant (`max(40, x)`).
    MinMaxK(bool, f64, Box<Node>),
    MinMax(bool, Box<[Node; 2]>),
    /// `==` (true) or `!=` of two operands of any kind.
    Same(Box<[Operand; 2]>, bool),
    /// `then if cond else other`.
    Cond(Box<(Operand, Node, Node)>),
}

/// An operand whose kind matters (equality, truth).
#[derive(Debug, Clone)]
pub(super) enum Operand {
    Num(f64),
    Text(Box<str>),
    Null,
    Slot(Slot),
    /// An expression whose value is a number whenever it does not give up.
    Node(Node),
}

/// An operand's value.
enum Seen<'a> {
    Num(f64),
    Null,
    Text(&'a str),
}

/// The formula's result on `ctx`, as `fast::run` gives it: a finite number, or `None`.
pub(super) fn run(tree: &Node, ctx: &Context) -> Option<f64> {
    tree.eval(ctx).filter(|n| n.is_finite())
}

impl Node {
    /// The value on `ctx`; `None` where the stack program gives up. Kept small (equality and
    /// conditionals are out of line) so that each level costs little to enter.
    fn eval(&self, ctx: &Context) -> Option<f64> {
        Some(match self {
            Node::Num(n) => *n,
            Node::Slot(s) => number(ctx, *s)?,
            Node::Neg(x) => -x.value(ctx)?,
            Node::Bin(op, ab) => apply(*op, ab[0].value(ctx)?, ab[1].value(ctx)?)?,
            Node::BinK(op, a, k) => apply(*op, a.value(ctx)?, *k)?,
            Node::MinMaxK(max, a, b) => min_max(*max, *a, b.value(ctx)?),
            Node::MinMax(max, ab) => min_max(*max, ab[0].value(ctx)?, ab[1].value(ctx)?),
            Node::Same(ab, equal) => same_as(ab, *equal, ctx)?,
            Node::Cond(c) => cond(c, ctx)?,
        })
    }

    /// [`Node::eval`], with constants and fields read in place instead of one level down.
    #[inline(always)]
    fn value(&self, ctx: &Context) -> Option<f64> {
        match self {
            Node::Num(n) => Some(*n),
            Node::Slot(s) => number(ctx, *s),
            _ => self.eval(ctx),
        }
    }
}

/// A field as a number: a number, or a boolean as 1/0.
#[inline(always)]
fn number(ctx: &Context, s: Slot) -> Option<f64> {
    match ctx.slot(s) {
        Value::Num(n) => Some(*n),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

/// `==` (`equal`) or `!=` as 1/0.
#[inline(never)]
fn same_as(ab: &[Operand; 2], equal: bool, ctx: &Context) -> Option<f64> {
    let (a, b) = (ab[0].seen(ctx)?, ab[1].seen(ctx)?);
    Some(f64::from(u8::from(same(&a, &b) == equal)))
}

/// A conditional expression.
#[inline(never)]
fn cond(c: &(Operand, Node, Node), ctx: &Context) -> Option<f64> {
    if truthy(&c.0.seen(ctx)?) {
        c.1.value(ctx)
    } else {
        c.2.value(ctx)
    }
}

impl Operand {
    #[inline(always)]
    fn seen<'a>(&'a self, ctx: &'a Context) -> Option<Seen<'a>> {
        Some(match self {
            Operand::Num(n) => Seen::Num(*n),
            Operand::Text(t) => Seen::Text(t),
            Operand::Null => Seen::Null,
            Operand::Slot(s) => match ctx.slot(*s) {
                Value::Num(n) => Seen::Num(*n),
                Value::Bool(b) => Seen::Num(f64::from(u8::from(*b))),
                Value::Null => Seen::Null,
                Value::Str(t) => Seen::Text(t),
                Value::List(_) | Value::Map(_) => return None,
            },
            Operand::Node(n) => Seen::Num(n.value(ctx)?),
        })
    }
}

/// `min`/`max` as the stack program takes it: the second argument when strictly past the first.
#[inline(always)]
fn min_max(max: bool, a: f64, b: f64) -> f64 {
    let take_b = if max { b > a } else { b < a };
    if take_b { b } else { a }
}

/// Equality of kinds and values, as the stack program's.
fn same(a: &Seen<'_>, b: &Seen<'_>) -> bool {
    match (a, b) {
        (Seen::Num(x), Seen::Num(y)) => x == y,
        (Seen::Null, Seen::Null) => true,
        (Seen::Text(x), Seen::Text(y)) => x == y,
        _ => false,
    }
}

fn truthy(v: &Seen<'_>) -> bool {
    match v {
        Seen::Num(n) => *n != 0.0,
        Seen::Null => false,
        Seen::Text(t) => !t.is_empty(),
    }
}

/// The deepest tree built: evaluation recurses once per level, and long chains
/// (`1+1+…+1`, a thousand deep) must run on a small stack; they keep the stack program.
const MAX_DEPTH: u32 = 24;

/// A value on the symbolic stack while the tree is built.
enum Entry {
    Num(f64),
    Text(Box<str>),
    Null,
    Slot(Slot),
    /// A built node, whether its value is always a number when it does not give up, and its
    /// depth.
    Node(Node, bool, u32),
}

impl Entry {
    /// The entry where a number is needed; `None` for constant text or null, which always
    /// give up there (left to the stack program).
    fn node(self) -> Option<Node> {
        match self {
            Entry::Num(n) => Some(Node::Num(n)),
            Entry::Slot(s) => Some(Node::Slot(s)),
            Entry::Node(n, ..) => Some(n),
            Entry::Text(_) | Entry::Null => None,
        }
    }

    /// The entry where its kind matters; `None` for a node that may be text or null (a
    /// conditional with a field branch).
    fn operand(self) -> Option<Operand> {
        match self {
            Entry::Num(n) => Some(Operand::Num(n)),
            Entry::Text(t) => Some(Operand::Text(t)),
            Entry::Null => Some(Operand::Null),
            Entry::Slot(s) => Some(Operand::Slot(s)),
            Entry::Node(n, true, _) => Some(Operand::Node(n)),
            Entry::Node(_, false, _) => None,
        }
    }

    fn is_number(&self) -> bool {
        matches!(self, Entry::Num(_) | Entry::Node(_, true, _))
    }

    fn depth(&self) -> u32 {
        match self {
            Entry::Node(_, _, d) => *d,
            _ => 1,
        }
    }
}

/// A node whose deepest operand has depth `below`, unless the node would be too deep.
fn node_over(node: Node, number: bool, below: u32) -> Option<Entry> {
    let depth = below + 1;
    (depth <= MAX_DEPTH).then_some(Entry::Node(node, number, depth))
}

/// The tree of a numeric program, when its shape is covered.
pub(super) fn build(ops: &[Op]) -> Option<Node> {
    let mut entries = block(ops, 0, ops.len(), 0)?;
    let top = entries.pop()?;
    if !entries.is_empty() {
        return None;
    }
    top.node()
}

/// The entries the instructions `start..end` leave on an empty stack; `nest` counts the
/// enclosing conditionals.
fn block(ops: &[Op], start: usize, end: usize, nest: u32) -> Option<Vec<Entry>> {
    let mut stack: Vec<Entry> = Vec::new();
    let mut pc = start;
    while pc < end {
        let entry = match ops.get(pc)? {
            Op::Num(n) => Entry::Num(*n),
            Op::Text(t) => Entry::Text(t.clone()),
            Op::Null => Entry::Null,
            Op::Slot(s) => Entry::Slot(*s),
            Op::Neg => {
                let x = stack.pop()?;
                let below = x.depth();
                node_over(Node::Neg(Box::new(x.node()?)), true, below)?
            }
            Op::Bin(op) => {
                let b = stack.pop()?;
                let a = stack.pop()?;
                binary(*op, a, b)?
            }
            Op::BinK(op, k) => binary(*op, stack.pop()?, Entry::Num(*k))?,
            Op::MinMax(max) => {
                let b = stack.pop()?;
                let a = stack.pop()?;
                let below = a.depth().max(b.depth());
                let b = b.node()?;
                let node = match a {
                    Entry::Num(k) => Node::MinMaxK(*max, k, Box::new(b)),
                    a => Node::MinMax(*max, Box::new([a.node()?, b])),
                };
                node_over(node, true, below)?
            }
            Op::PopJumpIfFalsy(d) => {
                // `cond` PopJumpIfFalsy `then` Jump `else`: the jump ends the `then` branch
                // and leads past the `else` branch.
                let cond = stack.pop()?;
                if nest >= MAX_DEPTH {
                    return None;
                }
                let other_start = pc.checked_add(*d as usize)?;
                let jump_at = other_start.checked_sub(1)?;
                let Op::Jump(j) = ops.get(jump_at)? else {
                    return None;
                };
                let other_end = jump_at.checked_add(*j as usize)?;
                if jump_at <= pc || other_end > end {
                    return None;
                }
                let then = single(block(ops, pc + 1, jump_at, nest + 1)?)?;
                let other = single(block(ops, other_start, other_end, nest + 1)?)?;
                let number = then.is_number() && other.is_number();
                let below = cond.depth().max(then.depth()).max(other.depth());
                let node = Node::Cond(Box::new((cond.operand()?, then.node()?, other.node()?)));
                stack.push(node_over(node, number, below)?);
                pc = other_end;
                continue;
            }
            Op::Jump(_) => return None,
        };
        stack.push(entry);
        pc += 1;
    }
    Some(stack)
}

/// The one entry of a branch.
fn single(mut entries: Vec<Entry>) -> Option<Entry> {
    let e = entries.pop()?;
    entries.is_empty().then_some(e)
}

/// A binary operator: equality on any kinds, everything else on numbers.
fn binary(op: BinOp, a: Entry, b: Entry) -> Option<Entry> {
    let below = a.depth().max(b.depth());
    let node = match (op, b) {
        (BinOp::Eq | BinOp::Ne, b) => {
            Node::Same(Box::new([a.operand()?, b.operand()?]), op == BinOp::Eq)
        }
        (_, Entry::Num(k)) => Node::BinK(op, Box::new(a.node()?), k),
        (_, b) => Node::Bin(op, Box::new([a.node()?, b.node()?])),
    };
    node_over(node, true, below)
}
