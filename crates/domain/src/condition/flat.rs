//! Flattening a compiled tree into leaves with successors, so evaluation is a loop instead of
//! a recursive walk.
//!
//! Each leaf gets the step to run next when it holds and when it does not: in an `and` a
//! holding child continues with the next child and a failing one decides the group as false;
//! in an `or` the other way round; `not` is an `and` with its two outcomes swapped. Children
//! are laid out last to first so each child's successor is known when it is emitted. The
//! leaves reached, their order and the first failing leaf are exactly those of a left-to-right
//! short-circuit walk of the tree.

use super::{Condition, FAILS, HOLDS, Node, Step};

impl Condition {
    /// Flattens a compiled tree.
    pub(super) fn flatten(root: Node) -> Condition {
        let mut steps = Vec::new();
        let entry = emit(root, HOLDS, FAILS, &mut steps);
        let single = matches!(
            steps.as_slice(),
            [Step {
                on_true: HOLDS,
                on_false: FAILS,
                ..
            }]
        ) && entry == 0;
        Condition {
            steps,
            entry,
            single,
        }
    }
}

/// Emits `node` with the given successors; returns where its evaluation starts (a step, or
/// directly one of the successors for a group without leaves).
fn emit(node: Node, on_true: u32, on_false: u32, steps: &mut Vec<Step>) -> u32 {
    match node {
        Node::Leaf(leaf) => {
            let at = u32::try_from(steps.len()).unwrap_or(FAILS);
            steps.push(Step {
                leaf: *leaf,
                on_true,
                on_false,
            });
            at
        }
        // All children hold: each continues with the next, the last with `on_true`.
        Node::And(children) => children
            .into_iter()
            .rev()
            .fold(on_true, |next, c| emit(c, next, on_false, steps)),
        // An empty `or` holds, as an empty `and` does.
        Node::Or(children) if children.is_empty() => on_true,
        Node::Or(children) => children
            .into_iter()
            .rev()
            .fold(on_false, |next, c| emit(c, on_true, next, steps)),
        // ¬(all children hold).
        Node::Not(children) => children
            .into_iter()
            .rev()
            .fold(on_false, |next, c| emit(c, next, on_true, steps)),
    }
}
