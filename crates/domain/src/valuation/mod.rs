//! Valuation (DOMAIN.md §4.2–4.9): rulesets compiled once into a [`Plan`], then evaluated on
//! many listing contexts.
//!
//! Layout: `spec` (the rulesets as stored, the input), `plan` (compilation: ordering, compiled
//! trees and actions, per-rule error capture), `evaluate` (selection, running price, totals,
//! into a reusable [`Outcome`]), `memo` (the same evaluation remembering, per shared row, what
//! rules reading that row alone decided; `rows` finds a row's records), `inputs` (actions'
//! contributions remembered by their input values), `breakdown` (the canonical breakdown of
//! §4.9), `validate` (write-time validation of a rule, group or ruleset with the offending path).

mod breakdown;
mod evaluate;
mod inputs;
mod memo;
mod plan;
mod rows;
mod spec;
mod validate;

pub use breakdown::{
    ActionBreakdown, Breakdown, RuleBreakdown, RulesetBreakdown, WarningBreakdown,
};
pub use evaluate::{
    ActionOutcome, ErrorIndex, Mode, Outcome, RuleOutcome, RulesetOutcome, Warning,
};
pub use memo::Evaluator;
pub use plan::{Layer, Plan};
pub use spec::{GroupSpec, ListingOverride, RuleSpec, RulesetSpec};
pub use validate::{CompiledRule, validate_rule, validate_ruleset_conditions};
