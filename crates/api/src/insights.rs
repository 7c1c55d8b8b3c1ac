//! Read-only analysis queries: rankings, dashboard, dry-run evaluation, rule preview, rule
//! builder metadata, thresholds, audit and versions, tokens and the caller.

use async_graphql::{Context, Enum, ID, Json, Object, SimpleObject};
use chrono::Utc;
use domain::model::ApiRole as DomRole;
use domain::valuation::{GroupSpec, Plan, RuleSpec, RulesetSpec, validate_rule};
use rust_decimal::Decimal;
use store::revalue::Valuer;
use store::{ListingFilter, ListingSort, ListingSortKey, PageRequest};

use crate::auth::{Caller, require};
use crate::error::{ApiError, ApiResultExt};
use crate::inputs::ListingFilterInput;
use crate::query::store;
use crate::types::breakdown::ValuationBreakdown;
use crate::types::enums::{ApiRole, DealClass};
use crate::types::listing::Listing;
use crate::types::rules::{ApiToken, RuleAuditEntry, RuleVersion};
use crate::types::scalars::{Money, id_of};

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

const ROOT_FIELDS: &[(&str, &[&str])] = &[
    (
        "cpu",
        &[
            "id",
            "name",
            "manufacturer",
            "socket",
            "cores",
            "threads",
            "tdp_w",
            "igpu_model",
            "igpu_mark",
            "cpu_mark_multi",
            "cpu_mark_single",
            "release_year",
        ],
    ),
    (
        "gpu",
        &["id", "name", "manufacturer", "gpu_mark", "metal_score"],
    ),
    (
        "ram_spec",
        &[
            "id",
            "label",
            "ddr_generation",
            "speed_mhz",
            "module_count",
            "capacity_per_module_gb",
            "total_capacity_gb",
        ],
    ),
    (
        "storage.primary",
        &[
            "id",
            "label",
            "medium",
            "interface",
            "form_factor",
            "capacity_gb",
            "performance_tier",
        ],
    ),
    (
        "storage.secondary",
        &[
            "id",
            "label",
            "medium",
            "interface",
            "form_factor",
            "capacity_gb",
            "performance_tier",
        ],
    ),
];

fn sort_for(m: RankingMetric) -> ListingSort {
    match m {
        RankingMetric::ScoreComposite => ListingSort::desc(ListingSortKey::ScoreComposite),
        RankingMetric::PerfPerWatt => ListingSort::desc(ListingSortKey::PerfPerWatt),
        RankingMetric::DollarPerCpuMarkMultiAdjusted => {
            ListingSort::asc(ListingSortKey::DollarPerMarkMultiAdjusted)
        }
        RankingMetric::DollarPerCpuMarkSingleAdjusted => {
            ListingSort::asc(ListingSortKey::DollarPerMarkSingleAdjusted)
        }
        RankingMetric::AdjustedPrice => ListingSort::asc(ListingSortKey::AdjustedPrice),
    }
}

fn has_metric(l: &domain::model::Listing, m: RankingMetric) -> bool {
    let v = &l.valuation;
    match m {
        RankingMetric::ScoreComposite => v.score_composite.is_some(),
        RankingMetric::PerfPerWatt => v.perf_per_watt.is_some(),
        RankingMetric::DollarPerCpuMarkMultiAdjusted => {
            v.dollar_per_cpu_mark_multi_adjusted.is_some()
        }
        RankingMetric::DollarPerCpuMarkSingleAdjusted => {
            v.dollar_per_cpu_mark_single_adjusted.is_some()
        }
        RankingMetric::AdjustedPrice => v.adjusted_price_usd.is_some(),
    }
}

async fn ranked(
    s: &store::Store,
    f: &ListingFilter,
    m: RankingMetric,
    n: u64,
) -> Result<Vec<Listing>, ApiError> {
    let page = s
        .list_listings(f, sort_for(m), &PageRequest::first(n))
        .await?;
    Ok(page
        .items
        .into_iter()
        .filter(|l| has_metric(l, m))
        .map(Listing)
        .collect())
}

/// Analysis queries.
#[derive(Debug, Default)]
pub struct InsightQuery;

#[Object]
impl InsightQuery {
    /// Listings ranked by a metric (nulls skipped; ties by id).
    #[graphql(complexity = "first.max(1) as usize * child_complexity + 1")]
    async fn rankings(
        &self,
        ctx: &Context<'_>,
        metric: RankingMetric,
        filter: Option<ListingFilterInput>,
        #[graphql(default = 10, validator(minimum = 1, maximum = 100))] first: i32,
    ) -> async_graphql::Result<Vec<Listing>> {
        let f = filter.unwrap_or_default().to_store().api()?;
        ranked(store(ctx), &f, metric, u64::try_from(first).unwrap_or(10))
            .await
            .api()
    }

    /// Highlights of the board within a budget.
    async fn dashboard(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Money(Decimal::from(400))")] budget: Money,
    ) -> async_graphql::Result<Dashboard> {
        let s = store(ctx);
        let none = ListingFilter::default();
        let best_value = ranked(s, &none, RankingMetric::DollarPerCpuMarkMultiAdjusted, 1)
            .await
            .api()?
            .pop();
        let best_ppw = ranked(s, &none, RankingMetric::PerfPerWatt, 1)
            .await
            .api()?
            .pop();
        let within = ListingFilter {
            adjusted_max: Some(budget.0),
            ..Default::default()
        };
        let under = ranked(s, &within, RankingMetric::ScoreComposite, 5)
            .await
            .api()?;
        let mut counts = Vec::new();
        for c in domain::model::DealClass::ALL {
            let f = ListingFilter {
                deal_classes: vec![*c],
                ..Default::default()
            };
            let count = crate::query::count_listings(s, &f).await.api()?;
            counts.push(DealClassCount {
                deal_class: (*c).into(),
                count,
            });
        }
        Ok(Dashboard {
            best_value,
            best_perf_per_watt: best_ppw,
            best_under_budget: under,
            deal_class_counts: counts,
        })
    }

    /// Values a listing now without writing anything; with `rulesetId`, only that ruleset.
    async fn evaluate_listing(
        &self,
        ctx: &Context<'_>,
        listing_id: ID,
        ruleset_id: Option<ID>,
    ) -> async_graphql::Result<ValuationResult> {
        let s = store(ctx);
        let id = id_of("Listing", &listing_id, "listingId").api()?;
        let listing = s
            .listing(id)
            .await
            .api()?
            .ok_or_else(|| ApiError::not_found("listing", id))?;
        let valuer = Valuer::load(s).await.api()?;
        let mut prepared = Valuer::contexts(s, std::slice::from_ref(&listing))
            .await
            .api()?;
        let mut p = prepared
            .remove(&id)
            .ok_or_else(|| ApiError::internal(&"no context"))?;
        let only;
        let plan = match ruleset_id {
            None => &valuer.plan,
            Some(r) => {
                let rid = id_of("Ruleset", &r, "rulesetId").api()?;
                let mut spec = valuer
                    .specs
                    .iter()
                    .find(|x| x.id == rid)
                    .cloned()
                    .ok_or_else(|| ApiError::not_found("ruleset", rid))?;
                spec.is_active = true;
                only = Plan::compile(&[spec], &valuer.registry);
                p.over = Default::default();
                &only
            }
        };
        let (v, b) = valuer.value_with(plan, &listing, &p, Utc::now());
        let adjusted = v.adjusted_price_usd.unwrap_or(listing.data.price_usd);
        Ok(ValuationResult {
            adjusted_price: Money(adjusted),
            delta: Money(listing.data.price_usd - adjusted),
            delta_pct: v.delta_pct.unwrap_or_default(),
            deal_class: v.deal_class.map(Into::into).unwrap_or(DealClass::Neutral),
            breakdown: b.into(),
        })
    }

    /// Evaluates an unsaved rule over up to 1,000 listings (nothing written).
    async fn preview_rule(
        &self,
        ctx: &Context<'_>,
        conditions: Option<Json<serde_json::Value>>,
        actions: Json<serde_json::Value>,
        #[graphql(default = 100, validator(minimum = 1, maximum = 1000))] sample_size: i32,
        filter: Option<ListingFilterInput>,
    ) -> async_graphql::Result<RulePreview> {
        let s = store(ctx);
        let valuer = Valuer::load(s).await.api()?;
        let conditions = conditions.map(|c| c.0).filter(|c| !c.is_null());
        validate_rule(conditions.as_ref(), &actions.0, &valuer.registry).api()?;
        let spec = RulesetSpec {
            id: 0,
            name: "preview".into(),
            priority: 0,
            created_at: Utc::now(),
            is_active: true,
            metadata: serde_json::json!({}),
            conditions: None,
            groups: vec![GroupSpec {
                id: 0,
                name: "preview".into(),
                display_order: 0,
                is_active: true,
                rules: vec![RuleSpec {
                    id: 0,
                    name: "preview".into(),
                    evaluation_order: 0,
                    is_active: true,
                    conditions,
                    actions: actions.0,
                }],
            }],
        };
        let plan = Plan::compile(&[spec], &valuer.registry);
        let f = filter.unwrap_or_default().to_store().api()?;
        let want = u64::try_from(sample_size).unwrap_or(100);
        let mut listings = Vec::new();
        let mut req = PageRequest::first(want.min(500));
        loop {
            let page = s
                .list_listings(&f, ListingSort::default(), &req)
                .await
                .api()?;
            listings.extend(page.items);
            let left = want.saturating_sub(listings.len() as u64);
            match (page.has_next && left > 0, page.cursors.last()) {
                (true, Some(c)) => req = PageRequest::after(left.min(500), c.clone()),
                _ => break,
            }
        }
        let prepared = Valuer::contexts(s, &listings).await.api()?;
        let mut out = RulePreview {
            evaluated: 0,
            matched: 0,
            errors: 0,
            total_adjustment: Decimal::ZERO,
            average_adjustment: None,
            min_adjustment: None,
            max_adjustment: None,
            samples: Vec::new(),
        };
        for l in listings {
            let Some(p) = prepared.get(&l.id) else {
                continue;
            };
            let o = plan.evaluate(&p.ctx, l.data.price_usd, &Default::default());
            out.evaluated += 1;
            let Some(r) = o.rules.first() else { continue };
            if r.error.is_some() {
                out.errors += 1;
            }
            if !r.matched {
                continue;
            }
            out.matched += 1;
            out.total_adjustment += r.adjustment;
            out.min_adjustment = Some(
                out.min_adjustment
                    .map_or(r.adjustment, |m| m.min(r.adjustment)),
            );
            out.max_adjustment = Some(
                out.max_adjustment
                    .map_or(r.adjustment, |m| m.max(r.adjustment)),
            );
            if out.samples.len() < 10 {
                out.samples.push(RulePreviewSample {
                    adjustment: r.adjustment.round_dp(4),
                    listing: Listing(l),
                });
            }
        }
        if out.matched > 0 {
            out.average_adjustment =
                Some((out.total_adjustment / Decimal::from(out.matched)).round_dp(4));
        }
        out.total_adjustment = out.total_adjustment.round_dp(4);
        Ok(out)
    }

    /// Context roots, fields (custom included), operators and action types for rule editors.
    async fn rule_builder_metadata(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<RuleBuilderMetadata> {
        let fields = store(ctx)
            .custom_fields(domain::model::CustomFieldEntity::Listing, false)
            .await
            .api()?;
        let f = |root: &str, names: &[&str], t: &str| RuleEntity {
            key: root.to_owned(),
            fields: names
                .iter()
                .map(|n| RuleField {
                    path: format!("{root}.{n}"),
                    value_type: t.to_owned(),
                })
                .collect(),
        };
        let mut entities = vec![f("listing", domain::context::listing_field_names(), "core")];
        entities.extend(ROOT_FIELDS.iter().map(|(r, n)| f(r, n, "core")));
        entities.push(f("ports", domain::context::port_types(), "number"));
        entities.push(RuleEntity {
            key: "custom".into(),
            fields: fields
                .iter()
                .filter(|d| d.data.is_active)
                .map(|d| RuleField {
                    path: format!("custom.{}", d.data.key),
                    value_type: d.data.data_type.as_str().to_owned(),
                })
                .collect(),
        });
        let strs = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
        Ok(RuleBuilderMetadata {
            entities,
            operators: strs(&[
                "equals",
                "not_equals",
                "greater_than",
                "less_than",
                "gte",
                "lte",
                "between",
                "contains",
                "starts_with",
                "ends_with",
                "regex",
                "in",
                "not_in",
                "is_null",
                "is_not_null",
            ]),
            logical_operators: strs(&["and", "or", "not"]),
            action_types: strs(&[
                "fixed_value",
                "additive",
                "per_unit",
                "benchmark_based",
                "multiplier",
                "formula",
            ]),
            metric_aliases: strs(&[
                "per_gb",
                "per_tb",
                "per_ram_spec_gb",
                "per_ram_speed",
                "per_primary_storage_gb",
                "per_secondary_storage_gb",
                "per_core",
                "per_thread",
            ]),
        })
    }

    /// The deal-class thresholds in force.
    async fn valuation_thresholds(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<ValuationThresholds> {
        let v = Valuer::load(store(ctx)).await.api()?;
        Ok(ValuationThresholds {
            good_deal: v.thresholds.good_deal,
            great_deal: v.thresholds.great_deal,
            premium_warning: v.thresholds.premium_warning,
        })
    }

    /// Versions of a rule, oldest first.
    async fn rule_versions(
        &self,
        ctx: &Context<'_>,
        rule_id: ID,
    ) -> async_graphql::Result<Vec<RuleVersion>> {
        let id = id_of("Rule", &rule_id, "ruleId").api()?;
        Ok(store(ctx)
            .rule_versions(id)
            .await
            .api()?
            .into_iter()
            .map(|v| RuleVersion {
                version: v.version,
                snapshot: Json(v.snapshot),
                change_summary: v.change_summary,
                changed_by: v.changed_by,
                created_at: v.created_at,
            })
            .collect())
    }

    /// Audited rule writes, newest first.
    async fn rule_audit_log(
        &self,
        ctx: &Context<'_>,
        ruleset_id: Option<ID>,
        #[graphql(default = 50, validator(minimum = 1, maximum = 200))] first: i32,
    ) -> async_graphql::Result<Vec<RuleAuditEntry>> {
        let rs = ruleset_id
            .map(|r| id_of("Ruleset", &r, "rulesetId"))
            .transpose()
            .api()?;
        let rows = store(ctx)
            .rule_audit(rs, u64::try_from(first).unwrap_or(50))
            .await
            .api()?;
        Ok(rows
            .into_iter()
            .map(|a| RuleAuditEntry {
                ruleset_id: a.ruleset_id,
                group_id: a.group_id,
                rule_id: a.rule_id,
                action: a.action.as_str().to_owned(),
                actor: a.actor,
                changes: Json(a.changes),
                created_at: a.created_at,
            })
            .collect())
    }

    /// API tokens (admin).
    async fn api_tokens(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ApiToken>> {
        require(ctx, DomRole::Admin)?;
        Ok(store(ctx)
            .api_tokens()
            .await
            .api()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Who is calling.
    async fn viewer(&self, ctx: &Context<'_>) -> Viewer {
        let c = ctx.data::<Caller>().cloned().unwrap_or_default();
        Viewer {
            role: c.role.map(Into::into),
            name: c.name,
        }
    }
}
