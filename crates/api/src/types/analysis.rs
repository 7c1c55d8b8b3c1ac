//! Output types of the analysis queries: rankings, dashboard, dry runs, rule previews,
//! rule-builder metadata, thresholds and the caller.

use async_graphql::{Enum, SimpleObject};
use rust_decimal::Decimal;

use super::breakdown::ValuationBreakdown;
use super::enums::{ApiRole, DealClass};
use super::listing::Listing;
use super::scalars::Money;

/// Metrics listings can be ranked by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RankingMetric {
    /// Composite score (default profile), best first.
    ScoreComposite,
    /// Multi-thread mark per watt, best first.
    PerfPerWatt,
    /// Adjusted $ per multi-thread mark, cheapest first.
    DollarPerCpuMarkMultiAdjusted,
    /// Adjusted $ per single-thread mark, cheapest first.
    DollarPerCpuMarkSingleAdjusted,
    /// Adjusted price, cheapest first.
    AdjustedPrice,
}

/// The outcome of a dry-run valuation (nothing written).
#[derive(SimpleObject, Debug, Clone)]
pub struct ValuationResult {
    /// Adjusted price.
    pub adjusted_price: Money,
    /// List − adjusted price.
    pub delta: Money,
    /// Delta as a percentage of the list price.
    pub delta_pct: Decimal,
    /// Deal class.
    pub deal_class: DealClass,
    /// The full explanation.
    pub breakdown: ValuationBreakdown,
}

/// One listing a previewed rule matched.
#[derive(SimpleObject, Debug, Clone)]
pub struct RulePreviewSample {
    /// The listing.
    pub listing: Listing,
    /// What the rule would add.
    pub adjustment: Decimal,
}

/// What an unsaved rule would do over a sample of listings.
#[derive(SimpleObject, Debug, Clone)]
pub struct RulePreview {
    /// Listings evaluated.
    pub evaluated: i32,
    /// Listings the rule matched.
    pub matched: i32,
    /// Listings where the rule failed to evaluate.
    pub errors: i32,
    /// Sum of adjustments over matched listings.
    pub total_adjustment: Decimal,
    /// Mean adjustment over matched listings.
    pub average_adjustment: Option<Decimal>,
    /// Smallest adjustment.
    pub min_adjustment: Option<Decimal>,
    /// Largest adjustment.
    pub max_adjustment: Option<Decimal>,
    /// Up to 10 matched listings.
    pub samples: Vec<RulePreviewSample>,
}

/// Counts of listings per deal class.
#[derive(SimpleObject, Debug, Clone)]
pub struct DealClassCount {
    /// The class.
    pub deal_class: DealClass,
    /// How many listings.
    pub count: u64,
}

/// The dashboard's highlights.
#[derive(SimpleObject, Debug, Clone)]
pub struct Dashboard {
    /// Lowest adjusted $ per multi-thread mark.
    pub best_value: Option<Listing>,
    /// Highest perf per watt.
    pub best_perf_per_watt: Option<Listing>,
    /// Up to 5 listings with adjusted price ≤ budget, by composite score.
    pub best_under_budget: Vec<Listing>,
    /// Listings per deal class.
    pub deal_class_counts: Vec<DealClassCount>,
}

/// Deal-class thresholds in percent.
#[derive(SimpleObject, Debug, Clone)]
pub struct ValuationThresholds {
    /// Good deal at ≥ this % below list.
    pub good_deal: Decimal,
    /// Great deal at ≥ this % below list.
    pub great_deal: Decimal,
    /// Premium at ≥ this % above list.
    pub premium_warning: Decimal,
}

/// A field a rule can read.
#[derive(SimpleObject, Debug, Clone)]
pub struct RuleField {
    /// Path (`cpu.cpu_mark_multi`, `custom.color`).
    pub path: String,
    /// Value type hint (`number`, `string`, `custom`).
    pub value_type: String,
}

/// An entity of the rule context.
#[derive(SimpleObject, Debug, Clone)]
pub struct RuleEntity {
    /// Root name.
    pub key: String,
    /// Its fields.
    pub fields: Vec<RuleField>,
}

/// Everything a rule builder UI needs.
#[derive(SimpleObject, Debug, Clone)]
pub struct RuleBuilderMetadata {
    /// Context roots and their fields, custom fields included.
    pub entities: Vec<RuleEntity>,
    /// Condition operators.
    pub operators: Vec<String>,
    /// Logical operators of groups.
    pub logical_operators: Vec<String>,
    /// Action types.
    pub action_types: Vec<String>,
    /// Metric aliases of per-unit actions.
    pub metric_aliases: Vec<String>,
}

/// The caller.
#[derive(SimpleObject, Debug, Clone)]
pub struct Viewer {
    /// Role, null when anonymous.
    pub role: Option<ApiRole>,
    /// Token name, null when anonymous.
    pub name: Option<String>,
}
