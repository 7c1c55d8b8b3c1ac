//! The per-row memo: evaluation that remembers, per shared catalogue row, the verdicts (and
//! one-action contributions) of rules that read that row and nothing else.
//!
//! Listings share catalogue rows (a few hundred CPUs among many thousands of listings), and a
//! rule such as "CPU multi-thread value" (a condition and a formula on `cpu.*` alone) decides
//! the same for every listing linking one CPU. [`Evaluator`] keys its record by the row's
//! address and holds a clone of the row, so the address cannot be reused by another row while
//! the record lives. Only clean results are kept: a verdict, or a contribution without error;
//! a failing condition or action is evaluated again on every listing, as without the memo.

use std::sync::Arc;

use rust_decimal::Decimal;

use super::evaluate::{ActionOutcome, Outcome, RuleOutcome, matched};
use super::inputs;
use super::plan::{Plan, PlannedRule, RuleMemo};
use super::rows::RowTable;
use super::spec::ListingOverride;
use crate::context::{Context, CustomValues, Row};
use crate::decimal::Running;

/// Values listings with a [`Plan`], remembering per shared row what rules reading only that
/// row decided, and per action its contributions by input values (see [`super::inputs`]).
/// Gives exactly what [`Plan::evaluate_into`] gives (tests compare the two bit for bit); worth
/// it when listings share rows and values, as a batch of listings linking catalogue rows does.
#[derive(Debug)]
pub struct Evaluator<'p> {
    plan: &'p Plan,
    tables: [Table; 6],
    /// Per action remembered by its input values (see [`super::inputs`]).
    inputs: Box<[inputs::Table]>,
}

type Table = RowTable<Entry>;

/// What one row's memoised rules decided.
#[derive(Debug)]
pub(super) struct Entry {
    /// Held so that the row's address, the key, stays this row's.
    _row: Option<Row>,
    cells: Box<[Cell]>,
}

/// One rule's record for one row.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cell {
    verdict: Verdict,
    /// The rule's one contribution, when `verdict` is [`Verdict::Known`].
    contribution: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Unknown,
    Fails,
    Holds,
    /// Holds, and the contribution is known.
    Known,
}

impl<'p> Evaluator<'p> {
    /// An evaluator with an empty memo.
    pub fn new(plan: &'p Plan) -> Self {
        Self {
            plan,
            tables: Default::default(),
            inputs: std::iter::repeat_with(inputs::Table::default)
                .take(plan.input_tables)
                .collect(),
        }
    }

    /// The plan it evaluates.
    pub fn plan(&self) -> &'p Plan {
        self.plan
    }

    /// [`Plan::evaluate_into`], with the memo.
    pub fn evaluate_into(
        &mut self,
        ctx: &Context,
        list_price: Decimal,
        over: &ListingOverride,
        out: &mut Outcome,
    ) {
        let mut entries = Entries {
            rows: Default::default(),
            inputs: &mut self.inputs,
        };
        for (i, table) in self.tables.iter_mut().enumerate() {
            let n = self.plan.memo_slots[i] as usize;
            if n == 0 {
                continue;
            }
            let row = ctx.shared_row(i);
            // An absent row is a row too (every field null): key 0, no address.
            let key = row.map_or(0, |r| Arc::as_ptr(r).cast::<u8>() as usize);
            let entry = table.get_or_insert(key, || Entry {
                _row: row.cloned(),
                cells: vec![
                    Cell {
                        verdict: Verdict::Unknown,
                        contribution: Decimal::ZERO,
                    };
                    n
                ]
                .into(),
            });
            entries.rows[i] = Some(&mut entry.cells);
        }
        self.plan
            .run::<true>(ctx, list_price, over, &mut entries, out);
    }

    /// [`Plan::evaluate`], with the memo.
    pub fn evaluate(
        &mut self,
        ctx: &Context,
        list_price: Decimal,
        over: &ListingOverride,
    ) -> Outcome {
        let mut out = Outcome::default();
        self.evaluate_into(ctx, list_price, over, &mut out);
        out
    }
}

/// The current listing's records, per row, and the tables of actions remembered by their
/// input values (none without the memo).
#[derive(Debug, Default)]
pub(super) struct Entries<'a> {
    rows: [Option<&'a mut [Cell]>; 6],
    inputs: &'a mut [inputs::Table],
}

impl Entries<'_> {
    /// The record of a memoised rule for the current listing, and the input tables.
    #[inline(always)]
    pub(super) fn cell(&mut self, m: RuleMemo) -> Option<(&mut Cell, &mut [inputs::Table])> {
        let cell = self.rows.get_mut(m.row)?.as_deref_mut()?.get_mut(m.index)?;
        Some((cell, self.inputs))
    }

    /// The tables of actions remembered by their input values.
    #[inline(always)]
    pub(super) fn inputs(&mut self) -> &mut [inputs::Table] {
        self.inputs
    }
}

/// Values a memoised rule from its record, recording what it did not know yet; false when
/// the rule must go the general way (its condition failed: failures are not recorded).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(super) fn memoised(
    cell: &mut Cell,
    tables: &mut [inputs::Table],
    whole: bool,
    rule_index: usize,
    rule: &PlannedRule,
    ctx: &Context,
    custom: &CustomValues<'_>,
    running: &mut Running,
    out: &mut Outcome,
) -> bool {
    match cell.verdict {
        Verdict::Fails => true,
        Verdict::Known => {
            // What `matched` records for a one-action rule whose action gives `contribution`.
            let c = cell.contribution;
            let first_action = out.actions.len();
            out.actions.push(ActionOutcome {
                contribution: c,
                error: None,
            });
            if !c.is_zero() {
                running.add(c);
            }
            out.rules.push(RuleOutcome {
                rule_index,
                matched: true,
                adjustment: c,
                error: None,
                actions: first_action..out.actions.len(),
            });
            true
        }
        Verdict::Holds => {
            holds(cell, tables, whole, rule_index, rule, ctx, running, out);
            true
        }
        Verdict::Unknown => learn(
            cell, tables, whole, rule_index, rule, ctx, custom, running, out,
        ),
    }
}

/// A rule whose condition holds for the row: evaluated as usual, its contribution recorded
/// when it reads the row alone and did not fail.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn holds(
    cell: &mut Cell,
    tables: &mut [inputs::Table],
    whole: bool,
    rule_index: usize,
    rule: &PlannedRule,
    ctx: &Context,
    running: &mut Running,
    out: &mut Outcome,
) {
    let c = matched::<true>(rule_index, rule, ctx, tables, running, out);
    if whole && out.actions.last().is_some_and(|a| a.error.is_none()) {
        cell.verdict = Verdict::Known;
        cell.contribution = c;
    }
}

/// The first listing of a row for this rule: the condition decides, and is recorded.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn learn(
    cell: &mut Cell,
    tables: &mut [inputs::Table],
    whole: bool,
    rule_index: usize,
    rule: &PlannedRule,
    ctx: &Context,
    custom: &CustomValues<'_>,
    running: &mut Running,
    out: &mut Outcome,
) -> bool {
    let Ok(condition) = &rule.condition else {
        return false;
    };
    match condition.check(ctx, custom) {
        Ok(true) => {
            cell.verdict = Verdict::Holds;
            holds(cell, tables, whole, rule_index, rule, ctx, running, out);
            true
        }
        Ok(false) => {
            cell.verdict = Verdict::Fails;
            true
        }
        Err(_) => false,
    }
}
