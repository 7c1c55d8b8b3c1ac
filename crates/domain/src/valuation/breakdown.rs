//! The canonical breakdown of §4.9: one shape, stored on the listing and served by GraphQL.
//! Money is carried as decimal strings (rust_decimal's serde form).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::evaluate::{Mode, Outcome};
use super::plan::{Layer, Plan};
use crate::decimal::{money, ratio};

/// Why a listing is priced the way it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Breakdown {
    /// The list price.
    pub listing_price: Decimal,
    /// The adjusted price (2 places).
    pub adjusted_price: Decimal,
    /// Adjusted − list price.
    pub total_adjustment: Decimal,
    /// True when the raw total was negative and the price was floored at 0.
    pub floored: bool,
    /// `auto` or `static`.
    pub mode: Mode,
    /// Evaluated rulesets in order.
    pub rulesets: Vec<RulesetBreakdown>,
    /// Selection warnings.
    pub warnings: Vec<WarningBreakdown>,
    /// When the valuation ran (ignored by change detection).
    pub evaluated_at: DateTime<Utc>,
}

/// One evaluated ruleset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RulesetBreakdown {
    /// Ruleset id.
    pub id: i64,
    /// Ruleset name.
    pub name: String,
    /// Its priority.
    pub priority: i32,
    /// Its layer label.
    pub layer: Layer,
    /// Sum of its rules (4 places).
    pub adjustment: Decimal,
    /// Every evaluated rule.
    pub rules: Vec<RuleBreakdown>,
}

/// One evaluated rule (unmatched rules adjust 0 and list no actions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleBreakdown {
    /// Rule id.
    pub rule_id: i64,
    /// Rule name.
    pub rule_name: String,
    /// Group id.
    pub group_id: i64,
    /// Group name.
    pub group_name: String,
    /// True when the condition tree held.
    pub matched: bool,
    /// Sum of its actions (4 places).
    pub adjustment: Decimal,
    /// `"<kind>: <message>"` when the tree failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Its actions.
    pub actions: Vec<ActionBreakdown>,
}

/// One evaluated action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionBreakdown {
    /// The action type.
    #[serde(rename = "type")]
    pub action_type: String,
    /// The metric as written.
    pub metric: Option<String>,
    /// The value as written.
    pub value: Option<Decimal>,
    /// What it contributed (4 places).
    pub contribution: Decimal,
    /// `"<kind>: <message>"` when it failed (and contributed 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A warning raised while selecting rulesets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WarningBreakdown {
    /// The warning code.
    pub code: String,
    /// A message for people.
    pub message: String,
    /// The ruleset concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ruleset_id: Option<i64>,
}

impl Breakdown {
    /// True when both describe the same valuation (everything but `evaluated_at`).
    pub fn same_valuation(&self, other: &Breakdown) -> bool {
        Breakdown {
            evaluated_at: other.evaluated_at,
            ..self.clone()
        } == *other
    }
}

fn describe(e: &(crate::error::ErrorKind, String)) -> String {
    format!("{}: {}", e.0, e.1)
}

/// Fixed scale so stored text is canonical (`1050.00`, `-12.5000`).
fn scaled(d: Decimal, dp: u32) -> Decimal {
    let mut r = if dp == 2 { money(d) } else { ratio(d) };
    r.rescale(dp);
    r
}

impl Outcome {
    /// Renders the canonical breakdown for the plan that produced this outcome.
    pub fn breakdown(&self, plan: &Plan, evaluated_at: DateTime<Utc>) -> Breakdown {
        let rulesets = self
            .rulesets
            .iter()
            .map(|rs| {
                let planned = &plan.rulesets[rs.plan_index];
                let mut recorded = self.rules[rs.rules.clone()].iter().peekable();
                let rules = planned
                    .rules
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let r = recorded.next_if(|r| r.rule_index == i);
                        let actions = r.map_or(&[][..], |r| &self.actions[r.actions.clone()]);
                        let actions = actions
                            .iter()
                            .zip(&p.actions)
                            .map(|(a, pa)| ActionBreakdown {
                                action_type: pa.type_name.clone(),
                                metric: pa.metric.clone(),
                                value: pa.value,
                                contribution: scaled(a.contribution, 4),
                                error: a.error.and_then(|e| self.error(e)).map(describe),
                            })
                            .collect();
                        RuleBreakdown {
                            rule_id: p.id,
                            rule_name: p.name.clone(),
                            group_id: p.group_id,
                            group_name: p.group_name.clone(),
                            matched: r.is_some_and(|r| r.matched),
                            adjustment: scaled(r.map_or(Decimal::ZERO, |r| r.adjustment), 4),
                            error: r.and_then(|r| self.error(r.error?)).map(describe),
                            actions,
                        }
                    })
                    .collect();
                RulesetBreakdown {
                    id: planned.id,
                    name: planned.name.clone(),
                    priority: planned.priority,
                    layer: planned.layer,
                    adjustment: scaled(rs.adjustment, 4),
                    rules,
                }
            })
            .collect();
        Breakdown {
            listing_price: scaled(self.list_price, 2),
            adjusted_price: scaled(self.adjusted_price, 2),
            total_adjustment: scaled(self.total_adjustment(), 2),
            floored: self.floored,
            mode: self.mode,
            rulesets,
            warnings: self
                .warnings
                .iter()
                .map(|w| WarningBreakdown {
                    code: w.code.to_owned(),
                    message: w.message.clone(),
                    ruleset_id: w.ruleset_id,
                })
                .collect(),
            evaluated_at,
        }
    }
}
