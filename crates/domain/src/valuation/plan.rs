//! Compilation of rulesets into an evaluation plan: ordered once, every tree, action, formula
//! and regex compiled once. Stored data that no longer validates is kept as an error and fails
//! at evaluation exactly where it sits (§4.7), never aborting the rest.

use rust_decimal::Decimal;
use serde_json::Value as Json;

use super::inputs::Inputs;
use super::spec::RulesetSpec;
use crate::action::Action;
use crate::condition::Condition;
use crate::context::{CustomKeys, FieldRegistry};
use crate::error::{DomainError, ErrorKind};

/// The layer label of a ruleset (§4.2): a label only, no effect on evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// `metadata.system_baseline` or priority ≤ 5.
    Baseline,
    /// Priority ≤ 10.
    Basic,
    /// Anything else.
    Advanced,
}

impl Layer {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Baseline => "baseline",
            Layer::Basic => "basic",
            Layer::Advanced => "advanced",
        }
    }
}

/// Rulesets compiled for evaluation, in selection order (priority, created_at, id).
#[derive(Debug, Clone)]
pub struct Plan {
    pub(super) rulesets: Vec<PlannedRuleset>,
    /// The custom keys the conditions read, looked up once per evaluation.
    pub(super) custom_keys: CustomKeys,
    /// How many rules keep a memo slot per shared row (see [`RuleMemo`]).
    pub(super) memo_slots: [u32; 6],
    /// How many actions keep a table of contributions by input values (see [`Inputs`]).
    pub(super) input_tables: usize,
}

/// A rule whose condition reads one shared row (a CPU, a GPU, …) and nothing else decides the
/// same on every listing linking that row: [`super::Evaluator`] keeps its verdict per row,
/// and its contribution too when the one action reads nothing else either.
#[derive(Debug, Clone, Copy)]
pub(super) struct RuleMemo {
    /// The row ([`crate::context::Context`]'s numbering: 0 for `cpu`).
    pub row: usize,
    /// The rule's cell among the memoised rules of that row.
    pub index: usize,
    /// The contribution is memoised as well as the verdict.
    pub whole: bool,
}

#[derive(Debug, Clone)]
pub(super) struct PlannedRuleset {
    pub id: i64,
    pub name: String,
    pub priority: i32,
    pub layer: Layer,
    pub is_active: bool,
    pub condition: Result<Condition, DomainError>,
    /// Active rules of active groups, by (evaluation_order, group display_order, rule id).
    pub rules: Vec<PlannedRule>,
}

#[derive(Debug, Clone)]
pub(super) struct PlannedRule {
    pub id: i64,
    pub name: String,
    pub group_id: i64,
    pub group_name: String,
    pub condition: Result<Condition, DomainError>,
    pub actions: Vec<PlannedAction>,
    pub memo: Option<RuleMemo>,
}

#[derive(Debug, Clone)]
pub(super) struct PlannedAction {
    pub type_name: String,
    pub metric: Option<String>,
    pub value: Option<Decimal>,
    pub compiled: Result<Action, DomainError>,
    /// The fields its contribution is computed from, when [`super::Evaluator`] remembers it
    /// by their values.
    pub inputs: Option<Inputs>,
}

impl Plan {
    /// Compiles rulesets against the field registry. Never fails: invalid stored parts
    /// become evaluation-time errors.
    pub fn compile(rulesets: &[RulesetSpec], registry: &FieldRegistry) -> Plan {
        let mut specs: Vec<&RulesetSpec> = rulesets.iter().collect();
        specs.sort_by_key(|r| (r.priority, r.created_at, r.id));
        let mut rulesets: Vec<PlannedRuleset> = specs
            .into_iter()
            .map(|r| plan_ruleset(r, registry))
            .collect();
        let mut custom_keys = CustomKeys::default();
        for r in &mut rulesets {
            let trees = std::iter::once(&mut r.condition)
                .chain(r.rules.iter_mut().map(|rule| &mut rule.condition));
            for c in trees.flatten() {
                c.index_custom_keys(&mut custom_keys);
            }
        }
        let mut memo_slots = [0u32; 6];
        let mut input_tables = 0;
        for rule in rulesets.iter_mut().flat_map(|r| r.rules.iter_mut()) {
            rule.memo = rule_memo(rule, &mut memo_slots);
            // A contribution the per-row memo keeps already needs no table of its own.
            if rule.memo.is_some_and(|m| m.whole) {
                continue;
            }
            for a in &mut rule.actions {
                a.inputs = a
                    .compiled
                    .as_ref()
                    .ok()
                    .and_then(|action| Inputs::of(action, &mut input_tables));
            }
        }
        Plan {
            rulesets,
            custom_keys,
            memo_slots,
            input_tables,
        }
    }

    /// The number of rulesets in the plan (active or not).
    pub fn ruleset_count(&self) -> usize {
        self.rulesets.len()
    }

    /// The number of runnable rules over all rulesets.
    pub fn rule_count(&self) -> usize {
        self.rulesets.iter().map(|r| r.rules.len()).sum()
    }
}

/// The memo slot of a rule whose condition reads one shared row alone, numbered in `slots`.
fn rule_memo(rule: &PlannedRule, slots: &mut [u32; 6]) -> Option<RuleMemo> {
    let reads = rule.condition.as_ref().ok()?.reads();
    let row = reads.only_row()?;
    let whole = match rule.actions.as_slice() {
        [a] => a
            .compiled
            .as_ref()
            .is_ok_and(|action| reads.with(action.reads()).only_row() == Some(row)),
        _ => false,
    };
    let index = slots[row] as usize;
    slots[row] += 1;
    Some(RuleMemo { row, index, whole })
}

fn layer(r: &RulesetSpec) -> Layer {
    let baseline = r
        .metadata
        .get("system_baseline")
        .and_then(Json::as_bool)
        .unwrap_or(false);
    if baseline || r.priority <= 5 {
        Layer::Baseline
    } else if r.priority <= 10 {
        Layer::Basic
    } else {
        Layer::Advanced
    }
}

fn plan_ruleset(r: &RulesetSpec, registry: &FieldRegistry) -> PlannedRuleset {
    let mut rules: Vec<(i32, i32, i64, PlannedRule)> = Vec::new();
    for g in r.groups.iter().filter(|g| g.is_active) {
        for rule in g.rules.iter().filter(|rule| rule.is_active) {
            let condition = match &rule.conditions {
                None => Ok(Condition::always()),
                Some(tree) => {
                    Condition::compile(tree, registry).map_err(|e| e.within("conditions"))
                }
            };
            let (condition, actions) = match rule.actions.as_array() {
                Some(list) => (
                    condition,
                    list.iter().map(|a| plan_action(a, registry)).collect(),
                ),
                None => (
                    Err(DomainError::new(
                        ErrorKind::InvalidValue,
                        "actions",
                        "actions must be a list",
                    )),
                    Vec::new(),
                ),
            };
            let planned = PlannedRule {
                id: rule.id,
                name: rule.name.clone(),
                group_id: g.id,
                group_name: g.name.clone(),
                condition,
                actions,
                memo: None,
            };
            rules.push((rule.evaluation_order, g.display_order, rule.id, planned));
        }
    }
    rules.sort_by_key(|(eo, d, id, _)| (*eo, *d, *id));
    PlannedRuleset {
        id: r.id,
        name: r.name.clone(),
        priority: r.priority,
        layer: layer(r),
        is_active: r.is_active,
        condition: match &r.conditions {
            None => Ok(Condition::always()),
            Some(tree) => Condition::compile(tree, registry),
        },
        rules: rules.into_iter().map(|(_, _, _, p)| p).collect(),
    }
}

fn plan_action(a: &Json, registry: &FieldRegistry) -> PlannedAction {
    PlannedAction {
        type_name: a
            .get("type")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned(),
        metric: a.get("metric").and_then(Json::as_str).map(str::to_owned),
        value: a.get("value").and_then(crate::action::decimal),
        compiled: Action::compile(a, registry),
        inputs: None,
    }
}
