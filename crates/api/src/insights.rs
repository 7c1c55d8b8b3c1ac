//! Read-only analysis queries: rankings, dashboard, dry-run evaluation, rule preview, rule
//! builder metadata, thresholds, audit and versions, tokens and the caller.

use async_graphql::{Context, ID, Json, Object};
use chrono::Utc;
use domain::model::ApiRole as DomRole;
use domain::valuation::Plan;
use rust_decimal::Decimal;
use store::revalue::Valuer;
use store::{ListingFilter, ListingSort, ListingSortKey, PageRequest};

use crate::auth::{Caller, require};
use crate::error::{ApiError, ApiResultExt};
use crate::inputs::ListingFilterInput;
use crate::query::store;
use crate::types::analysis::*;
use crate::types::enums::DealClass;
use crate::types::listing::Listing;
use crate::types::rules::{ApiToken, RuleAuditEntry, RuleVersion};
use crate::types::scalars::{Money, id_of};

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
        crate::preview::preview(store(ctx), conditions, actions, sample_size, filter).await
    }

    /// Context roots, fields (custom included), operators and action types for rule editors.
    async fn rule_builder_metadata(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<RuleBuilderMetadata> {
        crate::preview::rule_builder(store(ctx)).await
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
