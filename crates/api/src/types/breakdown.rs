//! The typed valuation breakdown (§4.9) and valuation history entries.

use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};
use domain::valuation as v;
use rust_decimal::Decimal;

use super::enums::{DealClass, ValuationCause};
use super::scalars::{Money, global_id};

/// Why a listing is priced the way it is.
#[derive(SimpleObject, Debug, Clone)]
pub struct ValuationBreakdown {
    /// The list price.
    pub listing_price: Money,
    /// The adjusted price.
    pub adjusted_price: Money,
    /// Adjusted − list price.
    pub total_adjustment: Money,
    /// True when the raw total was negative and the price was floored at 0.
    pub floored: bool,
    /// `auto` (rulesets selected by priority and conditions) or `static` (pinned ruleset).
    pub mode: String,
    /// Evaluated rulesets in order.
    pub rulesets: Vec<RulesetAdjustment>,
    /// Selection warnings.
    pub warnings: Vec<ValuationWarning>,
    /// When the valuation ran.
    pub evaluated_at: DateTime<Utc>,
}

/// One evaluated ruleset.
#[derive(SimpleObject, Debug, Clone)]
pub struct RulesetAdjustment {
    /// The ruleset's global id.
    pub id: ID,
    /// The ruleset's database id.
    pub database_id: i64,
    /// The ruleset's name.
    pub name: String,
    /// Its priority (lower runs first).
    pub priority: i32,
    /// `baseline`, `basic` or `advanced`.
    pub layer: String,
    /// Sum of its rules' adjustments (4 places).
    pub adjustment: Decimal,
    /// Every evaluated rule, matched or not.
    pub rules: Vec<RuleAdjustment>,
}

/// One evaluated rule.
#[derive(SimpleObject, Debug, Clone)]
pub struct RuleAdjustment {
    /// The rule's database id.
    pub rule_id: i64,
    /// The rule's name.
    pub rule_name: String,
    /// Its group's database id.
    pub group_id: i64,
    /// Its group's name.
    pub group_name: String,
    /// Whether its condition tree held.
    pub matched: bool,
    /// What it added (4 places; 0 when unmatched).
    pub adjustment: Decimal,
    /// The evaluation error of its tree, if any.
    pub error: Option<String>,
    /// Its actions (empty when unmatched).
    pub actions: Vec<ActionAdjustment>,
}

/// One action of a matched rule.
#[derive(SimpleObject, Debug, Clone)]
pub struct ActionAdjustment {
    /// The action type (`fixed_value`, `per_unit`, …).
    pub action_type: String,
    /// The metric it reads, if any.
    pub metric: Option<String>,
    /// Its configured value.
    pub value: Option<Decimal>,
    /// What it contributed (4 places).
    pub contribution: Decimal,
    /// `<kind>: <message>` when it failed (it then contributed 0).
    pub error: Option<String>,
}

/// A selection warning.
#[derive(SimpleObject, Debug, Clone)]
pub struct ValuationWarning {
    /// Machine-readable code (`pinned_ruleset_inactive`, `ruleset_condition_error`).
    pub code: String,
    /// Human message.
    pub message: String,
    /// The ruleset concerned.
    pub ruleset_id: Option<i64>,
}

impl From<v::Breakdown> for ValuationBreakdown {
    fn from(b: v::Breakdown) -> Self {
        Self {
            listing_price: Money(b.listing_price),
            adjusted_price: Money(b.adjusted_price),
            total_adjustment: Money(b.total_adjustment),
            floored: b.floored,
            mode: serde_json::to_value(b.mode)
                .ok()
                .and_then(|m| m.as_str().map(str::to_owned))
                .unwrap_or_default(),
            rulesets: b
                .rulesets
                .into_iter()
                .map(|r| RulesetAdjustment {
                    id: global_id("Ruleset", r.id),
                    database_id: r.id,
                    name: r.name,
                    priority: r.priority,
                    layer: r.layer.as_str().to_owned(),
                    adjustment: r.adjustment,
                    rules: r
                        .rules
                        .into_iter()
                        .map(|x| RuleAdjustment {
                            rule_id: x.rule_id,
                            rule_name: x.rule_name,
                            group_id: x.group_id,
                            group_name: x.group_name,
                            matched: x.matched,
                            adjustment: x.adjustment,
                            error: x.error,
                            actions: x
                                .actions
                                .into_iter()
                                .map(|a| ActionAdjustment {
                                    action_type: a.action_type,
                                    metric: a.metric,
                                    value: a.value,
                                    contribution: a.contribution,
                                    error: a.error,
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
            warnings: b
                .warnings
                .into_iter()
                .map(|w| ValuationWarning {
                    code: w.code,
                    message: w.message,
                    ruleset_id: w.ruleset_id,
                })
                .collect(),
            evaluated_at: b.evaluated_at,
        }
    }
}

/// One recorded valuation change of a listing.
#[derive(SimpleObject, Debug, Clone)]
pub struct ValuationHistoryEntry {
    /// List price at the time.
    pub price: Money,
    /// Adjusted price at the time.
    pub adjusted_price: Option<Money>,
    /// Deal class at the time.
    pub deal_class: Option<DealClass>,
    /// What caused the valuation.
    pub cause: ValuationCause,
    /// The recalculation job, when a job wrote it.
    pub job_id: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

impl From<domain::model::ValuationHistoryEntry> for ValuationHistoryEntry {
    fn from(h: domain::model::ValuationHistoryEntry) -> Self {
        Self {
            price: Money(h.price_usd),
            adjusted_price: h.adjusted_price_usd.map(Money),
            deal_class: h.deal_class.map(Into::into),
            cause: h.cause.into(),
            job_id: h.job_id,
            at: h.at,
        }
    }
}
