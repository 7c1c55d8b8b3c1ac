//! Evaluating a plan on one listing: ruleset selection (§4.2), rule order and the running
//! price (§4.3), per-action error isolation (§4.7) and totals (§4.8).
//!
//! Results go into a reusable [`Outcome`] made of flat vectors indexing into the plan, so a
//! batch of listings evaluates without building maps or strings per listing.

use std::ops::Range;

use rust_decimal::Decimal;

use super::inputs;
use super::memo::{Entries, memoised};
use super::plan::{Plan, PlannedAction, PlannedRule, PlannedRuleset};
use super::spec::ListingOverride;
use crate::action::{Action, ActionError};
use crate::context::{Context, CustomValues};
use crate::decimal::{Running, add, money, sub};
use crate::error::ErrorKind;

/// How rulesets were selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Active rulesets whose trees hold, minus disabled ones.
    #[default]
    Auto,
    /// Only the pinned ruleset.
    Static,
}

/// The result of valuing one listing, indexing into the [`Plan`] that produced it.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The list price.
    pub list_price: Decimal,
    /// List price + adjustments, half-up to cents, floored at 0.
    pub adjusted_price: Decimal,
    /// True when the raw total was negative.
    pub floored: bool,
    /// How rulesets were selected.
    pub mode: Mode,
    /// Evaluated rulesets, in evaluation order.
    pub rulesets: Vec<RulesetOutcome>,
    /// Rules that matched or whose tree failed, in evaluation order. Every other rule of an
    /// evaluated ruleset was evaluated and did not match (kept implicit: most rules don't
    /// match most listings, and recording them would dominate the cost of a valuation).
    pub rules: Vec<RuleOutcome>,
    /// Evaluated actions of matched rules, in order.
    pub actions: Vec<ActionOutcome>,
    /// Warnings in the order raised.
    pub warnings: Vec<Warning>,
    /// The failures of rules and actions, in the order raised; records point here.
    pub errors: Vec<(ErrorKind, String)>,
}

/// The place of a failure in [`Outcome::errors`]. Records hold this instead of the failure, so
/// they have nothing to drop and clearing them between listings visits none of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorIndex(u32);

/// One evaluated ruleset.
#[derive(Debug, Clone)]
pub struct RulesetOutcome {
    /// Index of the ruleset in the plan.
    pub plan_index: usize,
    /// Sum of its rules' adjustments (exact).
    pub adjustment: Decimal,
    /// Its matched or failed rules in [`Outcome::rules`].
    pub rules: Range<usize>,
}

/// One evaluated rule.
#[derive(Debug, Clone)]
pub struct RuleOutcome {
    /// Index of the rule within its planned ruleset.
    pub rule_index: usize,
    /// True when the tree held.
    pub matched: bool,
    /// Sum of its actions (exact); 0 when not matched.
    pub adjustment: Decimal,
    /// The tree's failure, if any (see [`Outcome::error`]).
    pub error: Option<ErrorIndex>,
    /// Its actions in [`Outcome::actions`] (empty when not matched).
    pub actions: Range<usize>,
}

/// One evaluated action.
#[derive(Debug, Clone)]
pub struct ActionOutcome {
    /// The contribution (exact); 0 on error.
    pub contribution: Decimal,
    /// The failure, if any (see [`Outcome::error`]).
    pub error: Option<ErrorIndex>,
}

/// A warning raised while selecting rulesets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// `pinned_ruleset_inactive` or `ruleset_condition_error`.
    pub code: &'static str,
    /// A message for people.
    pub message: String,
    /// The ruleset concerned.
    pub ruleset_id: Option<i64>,
}

impl Outcome {
    /// The adjusted price minus the list price.
    pub fn total_adjustment(&self) -> Decimal {
        self.adjusted_price - self.list_price
    }

    /// A recorded failure of a rule or action.
    pub fn error(&self, at: ErrorIndex) -> Option<&(ErrorKind, String)> {
        self.errors.get(at.0 as usize)
    }

    fn push_error(&mut self, kind: ErrorKind, message: String) -> ErrorIndex {
        self.errors.push((kind, message));
        ErrorIndex(self.errors.len() as u32 - 1)
    }

    fn reset(&mut self, list_price: Decimal) {
        self.list_price = list_price;
        self.adjusted_price = list_price;
        self.floored = false;
        self.mode = Mode::Auto;
        self.rulesets.clear();
        self.rules.clear();
        self.actions.clear();
        self.warnings.clear();
        self.errors.clear();
    }
}

impl Plan {
    /// Values one listing.
    pub fn evaluate(&self, ctx: &Context, list_price: Decimal, over: &ListingOverride) -> Outcome {
        let mut out = Outcome::default();
        self.evaluate_into(ctx, list_price, over, &mut out);
        out
    }

    /// Values one listing into `out`, reusing its allocations.
    pub fn evaluate_into(
        &self,
        ctx: &Context,
        list_price: Decimal,
        over: &ListingOverride,
        out: &mut Outcome,
    ) {
        self.run::<false>(ctx, list_price, over, &mut Entries::default(), out);
    }

    /// The valuation, with the per-row memo when `MEMO` (see [`super::Evaluator`]); without,
    /// the memo code is compiled out and `memo` is not read.
    #[inline(always)]
    pub(super) fn run<const MEMO: bool>(
        &self,
        ctx: &Context,
        list_price: Decimal,
        over: &ListingOverride,
        memo: &mut Entries<'_>,
        out: &mut Outcome,
    ) {
        out.reset(list_price);
        let mut running = Running::new(list_price);
        let custom = self.custom_keys.resolve(ctx);
        let pinned = over
            .ruleset_id
            .map(|id| (id, self.rulesets.iter().position(|r| r.id == id)));
        match pinned {
            Some((_, Some(i))) if self.rulesets[i].is_active => {
                out.mode = Mode::Static;
                evaluate_ruleset::<MEMO>(self, i, ctx, &custom, memo, &mut running, out);
            }
            _ => {
                if let Some((id, _)) = pinned {
                    out.warnings.push(Warning {
                        code: "pinned_ruleset_inactive",
                        message: format!("pinned ruleset {id} is not active; rulesets were selected automatically"),
                        ruleset_id: Some(id),
                    });
                }
                for (i, r) in self.rulesets.iter().enumerate() {
                    if r.is_active
                        && !over.disabled_ruleset_ids.contains(&r.id)
                        && selected(r, ctx, &custom, out)
                    {
                        evaluate_ruleset::<MEMO>(self, i, ctx, &custom, memo, &mut running, out);
                    }
                }
            }
        }
        if running.is_negative() {
            out.floored = true;
            out.adjusted_price = Decimal::ZERO;
        } else {
            out.adjusted_price = money(running.get());
        }
    }
}

/// Whether an active ruleset's own tree holds; a failing tree skips it with a warning.
fn selected(
    r: &PlannedRuleset,
    ctx: &Context,
    custom: &CustomValues<'_>,
    out: &mut Outcome,
) -> bool {
    let result = match &r.condition {
        Ok(c) => c.check(ctx, custom).map_err(|f| f.into_error().to_string()),
        Err(e) => Err(format!("{}: {}", e.kind, e.message)),
    };
    match result {
        Ok(b) => b,
        Err(message) => {
            out.warnings.push(Warning {
                code: "ruleset_condition_error",
                message: format!("ruleset {} skipped: {message}", r.id),
                ruleset_id: Some(r.id),
            });
            false
        }
    }
}

fn evaluate_ruleset<const MEMO: bool>(
    plan: &Plan,
    index: usize,
    ctx: &Context,
    custom: &CustomValues<'_>,
    memo: &mut Entries<'_>,
    running: &mut Running,
    out: &mut Outcome,
) {
    let ruleset = &plan.rulesets[index];
    let first_rule = out.rules.len();
    let price_before = running.get();
    for (rule_index, rule) in ruleset.rules.iter().enumerate() {
        if MEMO
            && let Some(m) = rule.memo
            && let Some((cell, tables)) = memo.cell(m)
            && memoised(
                cell, tables, m.whole, rule_index, rule, ctx, custom, running, out,
            )
        {
            continue;
        }
        let error = match &rule.condition {
            Ok(c) => match c.check(ctx, custom) {
                Ok(true) => {
                    matched::<MEMO>(rule_index, rule, ctx, memo.inputs(), running, out);
                    continue;
                }
                Ok(false) => continue,
                Err(failure) => {
                    let e = failure.into_error();
                    (e.kind, e.message)
                }
            },
            Err(e) => (e.kind, format!("{} (at {})", e.message, e.path)),
        };
        let error = Some(out.push_error(error.0, error.1));
        out.rules.push(RuleOutcome {
            rule_index,
            matched: false,
            adjustment: Decimal::ZERO,
            error,
            actions: out.actions.len()..out.actions.len(),
        });
    }
    let adjustment = sub(running.get(), price_before);
    out.rulesets.push(RulesetOutcome {
        plan_index: index,
        adjustment,
        rules: first_rule..out.rules.len(),
    });
}

/// Runs a matched rule's actions, adds its adjustment to the running price and records it;
/// returns the adjustment.
#[inline(always)]
pub(super) fn matched<const MEMO: bool>(
    rule_index: usize,
    rule: &PlannedRule,
    ctx: &Context,
    tables: &mut [inputs::Table],
    running: &mut Running,
    out: &mut Outcome,
) -> Decimal {
    let first_action = out.actions.len();
    // Nearly every rule has one action: its contribution is the rule's adjustment (what the
    // sum of one gives).
    let adjustment = match rule.actions.as_slice() {
        [a] => run_action::<MEMO>(a, ctx, tables, *running, out),
        _ => run_actions::<MEMO>(rule, ctx, tables, *running, out),
    };
    if !adjustment.is_zero() {
        running.add(adjustment);
    }
    out.rules.push(RuleOutcome {
        rule_index,
        matched: true,
        adjustment,
        error: None,
        actions: first_action..out.actions.len(),
    });
    adjustment
}

/// Runs a matched rule's actions; every multiplier sees the running price at the rule's start.
fn run_actions<const MEMO: bool>(
    rule: &PlannedRule,
    ctx: &Context,
    tables: &mut [inputs::Table],
    start_price: Running,
    out: &mut Outcome,
) -> Decimal {
    let mut sum = Decimal::ZERO;
    for a in &rule.actions {
        let contribution = run_action::<MEMO>(a, ctx, tables, start_price, out);
        if sum.is_zero() {
            sum = contribution;
        } else if !contribution.is_zero() {
            sum = add(sum, contribution);
        }
    }
    sum
}

/// Runs one action and records it; returns its contribution.
#[inline(always)]
fn run_action<const MEMO: bool>(
    a: &PlannedAction,
    ctx: &Context,
    tables: &mut [inputs::Table],
    start_price: Running,
    out: &mut Outcome,
) -> Decimal {
    let (contribution, error) = match &a.compiled {
        Ok(action) if let Some(c) = action.constant() => (c, None),
        Ok(action) => match evaluated::<MEMO>(a, action, ctx, tables, start_price) {
            Ok(c) => (c, None),
            Err(e) => (Decimal::ZERO, Some(out.push_error(e.kind, e.message))),
        },
        Err(e) => (
            Decimal::ZERO,
            Some(out.push_error(e.kind, e.message.clone())),
        ),
    };
    out.actions.push(ActionOutcome {
        contribution,
        error,
    });
    contribution
}

/// An action's contribution: by its input values when the memo remembers it by them.
#[inline(always)]
fn evaluated<const MEMO: bool>(
    a: &PlannedAction,
    action: &Action,
    ctx: &Context,
    tables: &mut [inputs::Table],
    start_price: Running,
) -> Result<Decimal, ActionError> {
    if MEMO
        && let Some(i) = &a.inputs
        && let Some(table) = tables.get_mut(i.table)
    {
        return inputs::contribution(table, i, action, ctx, start_price);
    }
    action.eval_at(ctx, start_price)
}
