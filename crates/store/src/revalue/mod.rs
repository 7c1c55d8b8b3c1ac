//! Revalue listings by id: the one valuation path shared by API writes and the worker.
//!
//! [`Valuer::load`] reads the rulesets (groups, rules), the listing custom-field registry,
//! the thresholds and the scoring profiles once and compiles the [`Plan`]; [`Valuer::contexts`]
//! builds the engine contexts of a batch of listings with one query per linked table (rows
//! shared between listings; [`Valuer::prepare`] keeps them across a job's batches, see
//! `contexts.rs`); [`Valuer::value_with`] evaluates one listing and computes its metrics, deal
//! class and scores. [`evaluate`] reads and evaluates a batch, [`Evaluated::write`] writes it
//! with [`Store::write_valuations`] (outputs and every profile's scores in one transaction);
//! [`revalue`] chains them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::context::{Context, FieldRegistry};
use domain::metrics::{self, CpuMarks, GpuMarks, ScoringWeights, Thresholds};
use domain::model::{
    CustomFieldEntity, CustomFieldType, DealClass, JobId, Listing, ListingValuation,
    ValuationCause, ValuationUpdate,
};
use domain::valuation::{
    Breakdown, Evaluator, GroupSpec, ListingOverride, Outcome, Plan, RuleSpec, RulesetSpec,
};
use rust_decimal::Decimal;
use serde_json::Value as Json;
use tokio::sync::Mutex;

use crate::error::Result;
use crate::store::Store;

mod contexts;
pub use contexts::LinkedRows;

/// How one listing's valuation moved.
#[derive(Debug, Clone, PartialEq)]
pub struct ValuationChange {
    pub listing_id: i64,
    pub previous_adjusted: Option<Decimal>,
    pub new_adjusted: Option<Decimal>,
    pub previous_class: Option<DealClass>,
    pub new_class: Option<DealClass>,
    /// The list price the valuation was computed for.
    pub price_usd: Decimal,
    /// The new outputs, as written, without the breakdown (events do not carry it, and
    /// copying a breakdown per listing is a measurable share of a batch).
    pub valuation: ListingValuation,
    /// Whether the stored outputs differed and were written (decided by the write itself, so
    /// a concurrent writer cannot make it wrong); only written listings get an event.
    pub written: bool,
}

/// Everything a batch of valuations needs, loaded and compiled once.
#[derive(Debug)]
pub struct Valuer {
    pub plan: Plan,
    pub registry: FieldRegistry,
    pub specs: Vec<RulesetSpec>,
    pub thresholds: Thresholds,
    /// (profile id, weights, is default), profiles whose weights no longer parse left out.
    pub profiles: Vec<(i64, ScoringWeights, bool)>,
    /// Catalogue rows read by earlier batches of the same job.
    linked: Mutex<LinkedRows>,
}

/// A listing's context plus what metrics need from its CPU and GPU.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub ctx: Context,
    pub cpu: Option<CpuMarks>,
    pub gpu: Option<GpuMarks>,
    pub over: ListingOverride,
}

fn thresholds(v: Option<&Json>) -> Thresholds {
    let mut t = Thresholds::default();
    let get = |k: &str| {
        v.and_then(|v| v.get(k))
            .and_then(|x| {
                x.as_f64()
                    .or_else(|| x.as_str().and_then(|s| s.parse().ok()))
            })
            .and_then(Decimal::from_f64_retain)
    };
    if let Some(d) = get("good_deal") {
        t.good_deal = d;
    }
    if let Some(d) = get("great_deal") {
        t.great_deal = d;
    }
    if let Some(d) = get("premium_warning") {
        t.premium_warning = d;
    }
    t
}

impl Valuer {
    /// Loads rulesets, registry, thresholds and profiles; compiles the plan.
    pub async fn load(store: &Store) -> Result<Valuer> {
        let rulesets = store.rulesets(false).await?;
        let ids: Vec<i64> = rulesets.iter().map(|r| r.id).collect();
        let groups = store.rule_groups_of(&ids).await?;
        let group_ids: Vec<i64> = groups.values().flatten().map(|g| g.id).collect();
        let mut rules: HashMap<i64, Vec<RuleSpec>> = HashMap::new();
        for r in store.rules_of_groups(&group_ids).await? {
            rules.entry(r.data.group_id).or_default().push(RuleSpec {
                id: r.id,
                name: r.data.name,
                evaluation_order: r.data.evaluation_order,
                is_active: r.data.is_active,
                conditions: r.data.conditions,
                actions: r.data.actions,
            });
        }
        let specs: Vec<RulesetSpec> = rulesets
            .into_iter()
            .map(|rs| RulesetSpec {
                id: rs.id,
                name: rs.data.name,
                priority: rs.data.priority,
                created_at: rs.created_at,
                is_active: rs.data.is_active,
                metadata: rs.data.metadata,
                conditions: rs.data.conditions,
                groups: groups
                    .get(&rs.id)
                    .into_iter()
                    .flatten()
                    .map(|g| GroupSpec {
                        id: g.id,
                        name: g.data.name.clone(),
                        display_order: g.data.display_order,
                        is_active: g.data.is_active,
                        rules: rules.remove(&g.id).unwrap_or_default(),
                    })
                    .collect(),
            })
            .collect();
        let fields = store
            .custom_fields(CustomFieldEntity::Listing, false)
            .await?;
        let active = fields.iter().filter(|f| f.data.is_active);
        let registry = FieldRegistry::new(active.clone().map(|f| f.data.key.clone()));
        let numeric = FieldRegistry::new(
            active
                .filter(|f| f.data.data_type == CustomFieldType::Number)
                .map(|f| f.data.key.clone()),
        );
        let setting = store.setting("valuation_thresholds").await?;
        let profiles = store
            .scoring_profiles()
            .await?
            .into_iter()
            .filter_map(|p| {
                ScoringWeights::parse(&p.data.weights, &numeric)
                    .ok()
                    .map(|w| (p.id, w, p.data.is_default))
            })
            .collect();
        Ok(Valuer {
            plan: Plan::compile(&specs, &registry),
            registry,
            specs,
            thresholds: thresholds(setting.as_ref().map(|s| &s.value)),
            profiles,
            linked: Mutex::default(),
        })
    }

    /// The default profile: `is_default`, else the lowest id (§5.2).
    pub fn default_profile(&self) -> Option<&(i64, ScoringWeights, bool)> {
        self.profiles
            .iter()
            .find(|p| p.2)
            .or_else(|| self.profiles.iter().min_by_key(|p| p.0))
    }

    /// Values one prepared listing; the breakdown is rendered with `plan`.
    pub fn value_with(
        &self,
        plan: &Plan,
        l: &Listing,
        p: &Prepared,
        now: DateTime<Utc>,
    ) -> (ListingValuation, Breakdown) {
        let out = plan.evaluate(&p.ctx, l.data.price_usd, &p.over);
        self.finish(plan, l, p, &out, now)
    }

    /// [`Valuer::value_with`] through `evaluator` (and its plan): a batch shares one, so rules
    /// that read one catalogue row alone are decided once per row (the same outcome).
    pub fn value_in(
        &self,
        evaluator: &mut Evaluator<'_>,
        l: &Listing,
        p: &Prepared,
        now: DateTime<Utc>,
    ) -> (ListingValuation, Breakdown) {
        let out = evaluator.evaluate(&p.ctx, l.data.price_usd, &p.over);
        self.finish(evaluator.plan(), l, p, &out, now)
    }

    /// The breakdown, metrics, deal and score of an evaluated listing.
    fn finish(
        &self,
        plan: &Plan,
        l: &Listing,
        p: &Prepared,
        out: &Outcome,
        now: DateTime<Utc>,
    ) -> (ListingValuation, Breakdown) {
        let price = l.data.price_usd;
        let breakdown = out.breakdown(plan, now);
        let adjusted = out.adjusted_price;
        let m = metrics::compute(price, adjusted, p.cpu.as_ref(), p.gpu.as_ref());
        let deal = metrics::classify(price, adjusted, &self.thresholds);
        let score = self.default_profile().and_then(|(_, w, _)| w.score(&p.ctx));
        let v = ListingValuation {
            adjusted_price_usd: Some(adjusted),
            valuation_breakdown: serde_json::to_value(&breakdown).ok(),
            valued_at: Some(now),
            deal_class: deal.class.as_str().parse().ok(),
            delta_pct: Some(deal.delta_pct),
            score_cpu_multi: m.score_cpu_multi.map(Decimal::from),
            score_cpu_single: m.score_cpu_single.map(Decimal::from),
            score_gpu: m.score_gpu,
            perf_per_watt: m.perf_per_watt,
            score_composite: score,
            dollar_per_cpu_mark_multi: m.dollar_per_cpu_mark_multi,
            dollar_per_cpu_mark_multi_adjusted: m.dollar_per_cpu_mark_multi_adjusted,
            dollar_per_cpu_mark_single: m.dollar_per_cpu_mark_single,
            dollar_per_cpu_mark_single_adjusted: m.dollar_per_cpu_mark_single_adjusted,
        };
        (v, breakdown)
    }

    /// Builds the contexts of `listings` (one query per linked table).
    pub async fn contexts(store: &Store, listings: &[Listing]) -> Result<HashMap<i64, Prepared>> {
        let mut linked = LinkedRows::default();
        linked.fill(store, listings).await?;
        let ids: Vec<i64> = listings.iter().map(|l| l.id).collect();
        linked.prepare(listings, &store.disabled_rulesets(&ids).await?)
    }

    /// [`Valuer::contexts`] through this valuer's linked-row cache: only catalogue rows not
    /// seen by an earlier batch are read.
    pub async fn prepare(
        &self,
        store: &Store,
        listings: &[Listing],
    ) -> Result<HashMap<i64, Prepared>> {
        let ids: Vec<i64> = listings.iter().map(|l| l.id).collect();
        let disabled = store.disabled_rulesets(&ids).await?;
        let mut linked = self.linked.lock().await;
        linked.fill(store, listings).await?;
        linked.prepare(listings, &disabled)
    }
}

/// `v` without its breakdown.
fn outputs_only(v: &ListingValuation) -> ListingValuation {
    ListingValuation {
        adjusted_price_usd: v.adjusted_price_usd,
        valuation_breakdown: None,
        valued_at: v.valued_at,
        deal_class: v.deal_class,
        delta_pct: v.delta_pct,
        score_cpu_multi: v.score_cpu_multi,
        score_cpu_single: v.score_cpu_single,
        score_gpu: v.score_gpu,
        perf_per_watt: v.perf_per_watt,
        score_composite: v.score_composite,
        dollar_per_cpu_mark_multi: v.dollar_per_cpu_mark_multi,
        dollar_per_cpu_mark_multi_adjusted: v.dollar_per_cpu_mark_multi_adjusted,
        dollar_per_cpu_mark_single: v.dollar_per_cpu_mark_single,
        dollar_per_cpu_mark_single_adjusted: v.dollar_per_cpu_mark_single_adjusted,
    }
}

/// Revalues `listing_ids` (missing ids are skipped) and writes the outputs and scores.
pub async fn revalue(
    store: &Store,
    listing_ids: &[i64],
    cause: ValuationCause,
    job_id: Option<JobId>,
) -> Result<Vec<ValuationChange>> {
    let valuer = Valuer::load(store).await?;
    revalue_with(store, &valuer, listing_ids, cause, job_id).await
}

/// [`revalue`] with an already loaded [`Valuer`] (workers reuse it across batches).
pub async fn revalue_with(
    store: &Store,
    valuer: &Valuer,
    listing_ids: &[i64],
    cause: ValuationCause,
    job_id: Option<JobId>,
) -> Result<Vec<ValuationChange>> {
    evaluate(store, valuer, listing_ids, cause, job_id)
        .await?
        .write(store)
        .await
}

/// The valuations of a batch, evaluated and not yet written: the read half of
/// [`revalue_with`], so a worker can read and evaluate its next batch while this one writes.
#[derive(Debug)]
pub struct Evaluated {
    changes: Vec<ValuationChange>,
    updates: Vec<ValuationUpdate>,
    /// Per scoring profile: (listing id, score).
    scores: HashMap<i64, Vec<(i64, Option<Decimal>)>>,
}

/// Reads `listing_ids` (missing ids are skipped) and evaluates them; writes nothing.
pub async fn evaluate(
    store: &Store,
    valuer: &Valuer,
    listing_ids: &[i64],
    cause: ValuationCause,
    job_id: Option<JobId>,
) -> Result<Evaluated> {
    let by_id = store.listings_for_valuation(listing_ids).await?;
    let listings: Vec<Listing> = listing_ids
        .iter()
        .filter_map(|i| by_id.get(i).cloned())
        .collect();
    let prepared = valuer.prepare(store, &listings).await?;
    let now = Utc::now();
    let mut out = Evaluated {
        changes: Vec::with_capacity(listings.len()),
        updates: Vec::with_capacity(listings.len()),
        scores: HashMap::new(),
    };
    let mut evaluator = Evaluator::new(&valuer.plan);
    for l in &listings {
        let Some(p) = prepared.get(&l.id) else {
            continue;
        };
        let (v, _) = valuer.value_in(&mut evaluator, l, p, now);
        for (pid, w, _) in &valuer.profiles {
            out.scores
                .entry(*pid)
                .or_default()
                .push((l.id, w.score(&p.ctx)));
        }
        out.changes.push(ValuationChange {
            listing_id: l.id,
            previous_adjusted: l.valuation.adjusted_price_usd,
            new_adjusted: v.adjusted_price_usd,
            previous_class: l.valuation.deal_class,
            new_class: v.deal_class,
            price_usd: l.data.price_usd,
            valuation: outputs_only(&v),
            written: false,
        });
        out.updates.push(ValuationUpdate {
            listing_id: l.id,
            valuation: v,
            cause,
            job_id: job_id.clone(),
        });
    }
    Ok(out)
}

impl Evaluated {
    /// Writes the outputs and scores; returns every evaluated listing with `written` set.
    pub async fn write(self, store: &Store) -> Result<Vec<ValuationChange>> {
        let Evaluated {
            mut changes,
            updates,
            scores,
        } = self;
        let scores: Vec<_> = scores.into_iter().collect();
        let outcome = store.write_valuations(&updates, &scores).await?;
        let written: std::collections::HashSet<i64> = outcome.changed_ids.into_iter().collect();
        for c in &mut changes {
            c.written = written.contains(&c.listing_id);
        }
        Ok(changes)
    }
}
