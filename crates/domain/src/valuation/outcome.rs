//! The result of valuing one listing: flat vectors of records indexing into the [`Plan`]
//! that produced it, reused from listing to listing (see [`super::evaluate`]).

use std::borrow::Cow;
use std::ops::Range;

use rust_decimal::Decimal;

use super::plan::Plan;
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
    /// Evaluated actions of matched rules, in order, except the one action of a one-action
    /// rule that did not fail: its contribution is the rule's adjustment, so it is not
    /// repeated here (see [`Outcome::actions_of`]).
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
    /// Its recorded actions in [`Outcome::actions`]: empty when not matched, and when its
    /// one action did not fail (see [`Outcome::actions_of`]).
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

    /// The actions of `rule`, a record of ruleset `ruleset` of the plan that produced this
    /// outcome: those recorded in [`Outcome::actions`], or the one action of a matched
    /// one-action rule that did not fail, which contributed the rule's adjustment.
    pub fn actions_of(
        &self,
        plan: &Plan,
        ruleset: &RulesetOutcome,
        rule: &RuleOutcome,
    ) -> Cow<'_, [ActionOutcome]> {
        let planned = plan
            .rulesets
            .get(ruleset.plan_index)
            .and_then(|r| r.rules.get(rule.rule_index));
        if rule.matched && rule.actions.is_empty() && planned.is_some_and(|p| p.actions.len() == 1)
        {
            return Cow::Owned(vec![ActionOutcome {
                contribution: rule.adjustment,
                error: None,
            }]);
        }
        Cow::Borrowed(self.actions.get(rule.actions.clone()).unwrap_or_default())
    }

    /// A recorded failure of a rule or action.
    pub fn error(&self, at: ErrorIndex) -> Option<&(ErrorKind, String)> {
        self.errors.get(at.0 as usize)
    }

    pub(super) fn push_error(&mut self, kind: ErrorKind, message: String) -> ErrorIndex {
        self.errors.push((kind, message));
        ErrorIndex(self.errors.len() as u32 - 1)
    }

    pub(super) fn reset(&mut self, list_price: Decimal) {
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
