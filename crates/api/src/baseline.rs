//! Baselines over GraphQL (DOMAIN.md §7.6, §9 "baseline"): `baseline` and `baselineDiff`
//! (viewer), `instantiateBaseline` and `adoptBaseline` (admin). Shapes, hashes and diffs are
//! `domain::baseline`; the store writes the system ruleset in one transaction.
//! `valuationLayerInfluence` and `topRules` (viewer) aggregate the stored breakdowns of the
//! active and pending listings, a page at a time.

use async_graphql::{Context, ID, Json, Object, SimpleObject};
use chrono::Utc;
use domain::baseline::influence::Influence;
use domain::baseline::{self, diff};
use domain::model::{ApiRole, ChangeMeta, RuleAuditAction, ValuationCause};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::auth::require;
use crate::error::ApiResultExt;
use crate::mutation::recalc;
use crate::packages::refused;
use crate::query::store;
use crate::recalc::RecalcScope;
use crate::types::rules::Ruleset;
use crate::types::scalars::global_id;

/// One attribute of a baseline field that differs.
#[derive(SimpleObject, Debug, Clone)]
pub struct BaselineAttributeChange {
    /// The attribute (`Formula`, `valuation_buckets`, …).
    pub attribute: String,
    /// Its value in the active baseline (null when absent).
    pub before: Json<Value>,
    /// Its value in the candidate (null when absent).
    pub after: Json<Value>,
}

/// A field whose attributes differ.
#[derive(SimpleObject, Debug, Clone)]
pub struct BaselineFieldChange {
    /// `<entity>.<id>`.
    pub key: String,
    /// The attributes that differ.
    pub attributes: Vec<BaselineAttributeChange>,
}

/// A candidate baseline compared with the active one.
#[derive(SimpleObject, Debug, Clone)]
pub struct BaselineDiff {
    /// The active baseline ruleset (null when there is none: everything is added).
    pub active_ruleset_id: Option<ID>,
    /// SHA-256 of the active baseline's document.
    pub active_hash: Option<String>,
    /// SHA-256 of the candidate's canonical JSON.
    pub candidate_hash: String,
    /// Fields only in the candidate (`<entity>.<id>`).
    pub added: Vec<String>,
    /// Fields in both whose attributes differ.
    pub changed: Vec<BaselineFieldChange>,
    /// Fields only in the active baseline.
    pub removed: Vec<String>,
}

/// What a baseline write left active.
#[derive(SimpleObject, Debug, Clone)]
pub struct BaselineResult {
    /// The active system baseline ruleset.
    pub ruleset: Ruleset,
    /// False when a baseline with the same content hash existed (returned unchanged).
    pub created: bool,
    /// Older system baselines deactivated by this write.
    pub deactivated_ruleset_ids: Vec<ID>,
    /// The recalculation queued, if any.
    pub job_id: Option<String>,
}

/// How much one valuation layer moves prices (over active and pending listings).
#[derive(SimpleObject, Debug, Clone)]
pub struct LayerInfluence {
    /// `baseline` (system baselines, priority ≤ 5), `basic` (≤ 10) or `advanced`.
    pub layer: String,
    /// Listings whose valuation evaluated a ruleset of this layer.
    pub listings: i64,
    /// Of those, listings the layer moved.
    pub adjusted_listings: i64,
    /// Σ of the layer's adjustments.
    pub total_adjustment: Decimal,
    /// Σ of |the layer's adjustment| per listing ÷ listings (0 without listings), 4 places.
    pub mean_abs_adjustment: Decimal,
    /// This layer's Σ|adjustment| ÷ that of all layers (0–1, 4 places; 0 when nothing moved).
    pub share: Decimal,
}

/// A rule and how much it moved prices.
#[derive(SimpleObject, Debug, Clone)]
pub struct TopRule {
    /// The rule's global id.
    pub rule_id: ID,
    /// Its name when valued.
    pub rule_name: String,
    /// Its group's name.
    pub group_name: String,
    /// Its ruleset's global id.
    pub ruleset_id: ID,
    /// Its ruleset's name.
    pub ruleset_name: String,
    /// Its ruleset's layer.
    pub layer: String,
    /// Listings it matched.
    pub matched: i64,
    /// Σ of its adjustments.
    pub total_adjustment: Decimal,
    /// Σ of |its adjustment|.
    pub total_abs_adjustment: Decimal,
}

/// Aggregates the stored breakdowns of active and pending listings.
async fn influence(ctx: &Context<'_>) -> async_graphql::Result<Influence> {
    let s = store(ctx);
    let mut acc = Influence::default();
    let mut after = 0;
    loop {
        let page = s.valuation_breakdowns(after, 1000).await.api()?;
        let Some((last, _)) = page.last() else {
            return Ok(acc);
        };
        after = *last;
        for (_, b) in &page {
            acc.add(b);
        }
    }
}

fn ratio(a: Decimal, b: Decimal) -> Decimal {
    if b.is_zero() {
        Decimal::ZERO
    } else {
        (a / b).round_dp(4)
    }
}

/// Baseline queries.
#[derive(Debug, Default)]
pub struct BaselineQuery;

#[Object]
impl BaselineQuery {
    /// The active system baseline ruleset (the newest when several are active), or null.
    async fn baseline(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Ruleset>> {
        require(ctx, ApiRole::Viewer)?;
        Ok(store(ctx)
            .active_baseline()
            .await
            .api()?
            .map(|(rs, _)| Ruleset(rs)))
    }

    /// Per valuation layer, how many active/pending listings it moved and by how much, from the stored breakdowns.
    async fn valuation_layer_influence(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<LayerInfluence>> {
        require(ctx, ApiRole::Viewer)?;
        let acc = influence(ctx).await?;
        let all: Decimal = acc.layers.values().map(|t| t.total_abs_adjustment).sum();
        Ok(acc
            .layers
            .into_iter()
            .map(|(layer, t)| LayerInfluence {
                layer,
                listings: i64::try_from(t.listings).unwrap_or(i64::MAX),
                adjusted_listings: i64::try_from(t.adjusted_listings).unwrap_or(i64::MAX),
                total_adjustment: t.total_adjustment,
                mean_abs_adjustment: ratio(t.total_abs_adjustment, Decimal::from(t.listings)),
                share: ratio(t.total_abs_adjustment, all),
            })
            .collect())
    }

    /// The rules that moved active/pending listing prices most (Σ|adjustment| descending, then rule id), from the stored breakdowns.
    async fn top_rules(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default = 10,
            validator(minimum = 1, maximum = 100),
            desc = "How many (1–100)."
        )]
        first: i32,
    ) -> async_graphql::Result<Vec<TopRule>> {
        require(ctx, ApiRole::Viewer)?;
        let acc = influence(ctx).await?;
        let n = usize::try_from(first).unwrap_or(10);
        Ok(acc
            .top_rules(n)
            .into_iter()
            .map(|r| TopRule {
                rule_id: global_id("Rule", r.rule_id),
                rule_name: r.rule_name,
                group_name: r.group_name,
                ruleset_id: global_id("Ruleset", r.ruleset_id),
                ruleset_name: r.ruleset_name,
                layer: r.layer,
                matched: i64::try_from(r.matched).unwrap_or(i64::MAX),
                total_adjustment: r.total_adjustment,
                total_abs_adjustment: r.total_abs_adjustment,
            })
            .collect())
    }

    /// Compares a candidate baseline document with the active baseline: fields (`<entity>.<id>`) added, changed per attribute, and removed. Nothing is written.
    async fn baseline_diff(
        &self,
        ctx: &Context<'_>,
        candidate: Json<Value>,
    ) -> async_graphql::Result<BaselineDiff> {
        require(ctx, ApiRole::Viewer)?;
        let cand = baseline::validate(&candidate.0).map_err(|i| refused("candidate", &[i]))?;
        let active = store(ctx).active_baseline().await.api()?;
        let current = match &active {
            Some((_, doc)) => baseline::validate(doc).map_err(|i| refused("baseline", &[i]))?,
            None => Vec::new(),
        };
        let d = diff::diff(&current, &cand);
        Ok(BaselineDiff {
            active_ruleset_id: active.as_ref().map(|(rs, _)| global_id("Ruleset", rs.id)),
            active_hash: active.as_ref().map(|(_, doc)| baseline::source_hash(doc)),
            candidate_hash: baseline::source_hash(&candidate.0),
            added: d.added,
            changed: d
                .changed
                .into_iter()
                .map(|c| BaselineFieldChange {
                    key: c.key,
                    attributes: c
                        .attributes
                        .into_iter()
                        .map(|a| BaselineAttributeChange {
                            attribute: a.attribute,
                            before: Json(a.before),
                            after: Json(a.after),
                        })
                        .collect(),
                })
                .collect(),
            removed: d.removed,
        })
    }
}

async fn write(
    ctx: &Context<'_>,
    doc: &Value,
    arg: &str,
    action: RuleAuditAction,
    revalue: bool,
) -> async_graphql::Result<BaselineResult> {
    let caller = require(ctx, ApiRole::Admin)?;
    let meta = ChangeMeta {
        actor: caller.actor(),
        summary: Some(action.as_str().to_owned()),
        impact: None,
    };
    let today = Utc::now().date_naive();
    let w = match store(ctx)
        .install_baseline(doc, action, &meta, today)
        .await
        .api()?
    {
        Ok(w) => w,
        Err(issue) => return Err(refused(arg, &[issue])),
    };
    let job_id = if w.created && revalue {
        recalc(ctx, RecalcScope::All, ValuationCause::Baseline)
            .await
            .api()?
    } else {
        None
    };
    Ok(BaselineResult {
        ruleset: Ruleset(w.ruleset),
        created: w.created,
        deactivated_ruleset_ids: w
            .deactivated
            .into_iter()
            .map(|id| global_id("Ruleset", id))
            .collect(),
        job_id,
    })
}

/// Baseline mutations (admin).
#[derive(Debug, Default)]
pub struct BaselineMutation;

#[Object]
impl BaselineMutation {
    /// Loads a baseline document into a read-only system ruleset `System: Baseline v<schema_version>.<YYYYMMDD>` (priority 5, one group per entity, one placeholder rule adding 0 per field) and deactivates older system baselines (admin). Idempotent: a document with the hash of an existing baseline returns it unchanged. Audited as `baseline_instantiated`; queues a recalculation when created.
    async fn instantiate_baseline(
        &self,
        ctx: &Context<'_>,
        document: Json<Value>,
    ) -> async_graphql::Result<BaselineResult> {
        write(
            ctx,
            &document.0,
            "document",
            RuleAuditAction::BaselineInstantiated,
            true,
        )
        .await
    }

    /// Adopts a candidate baseline as a new version (admin): all its differences, or only the `selected` keys (`<entity>.<id>` from `baselineDiff`) applied to the active baseline. The previous baseline is deactivated; audited as `baseline_adopted`; listings are revalued when `recalculate` is true.
    async fn adopt_baseline(
        &self,
        ctx: &Context<'_>,
        candidate: Json<Value>,
        selected: Option<Vec<String>>,
        #[graphql(default = true)] recalculate: bool,
    ) -> async_graphql::Result<BaselineResult> {
        require(ctx, ApiRole::Admin)?;
        let current = match store(ctx).active_baseline().await.api()? {
            Some((_, doc)) => doc,
            None => json!({"schema_version": candidate.0.get("schema_version"), "entities": {}}),
        };
        let doc = diff::adopt(&current, &candidate.0, selected.as_deref())
            .map_err(|i| refused("", &[i]))?;
        write(
            ctx,
            &doc,
            "candidate",
            RuleAuditAction::BaselineAdopted,
            recalculate,
        )
        .await
    }
}
