//! Which listings a recalculation job covers (DOMAIN.md §8): [`RecalcTargets`] (the job's
//! `scope` JSON), the requests it absorbed ([`RecalcCause`], its `causes` JSON), and the
//! queries that walk the targets by id in batches and count them. The job row's steps are in
//! `jobs_rows`.

use chrono::{DateTime, Utc};
use domain::model::ValuationCause;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use crate::entity::listing_base;
use crate::error::{ErrCtx, Result, StoreError};
use crate::store::Store;

/// Ids per `IN (…)` list, well under both backends' parameter limits.
const IN_CHUNK: usize = 1000;

/// The listings a job covers: stored as the job's `scope` JSON. `all`, CPUs and GPUs select
/// active and pending listings; explicit listing ids are taken whatever their status (the
/// write that asked for them knows best). `after_id` is the resume cursor of a job that was
/// interrupted: every listing up to it is done.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecalcTargets {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub listing_ids: Vec<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpu_ids: Vec<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gpu_ids: Vec<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_id: Option<i64>,
}

/// One listing a job will revalue, with the links that decide which request covered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecalcTarget {
    pub id: i64,
    pub cpu_id: Option<i64>,
    pub gpu_id: Option<i64>,
}

/// One request absorbed into a job: an entry of the job's `causes` JSON array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecalcCause {
    pub cause: ValuationCause,
    pub scope: RecalcTargets,
    pub at: DateTime<Utc>,
}

/// What [`Store::request_recalculation`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecalcRequestOutcome {
    /// The job that will do the work.
    pub job_id: String,
    /// True when an already queued job absorbed the request.
    pub coalesced: bool,
    /// When the job may start (the queue message's `not_before`).
    pub not_before: DateTime<Utc>,
}

fn merge(into: &mut Vec<i64>, from: &[i64]) {
    into.extend_from_slice(from);
    into.sort_unstable();
    into.dedup();
}

impl RecalcTargets {
    /// Every active and pending listing.
    pub fn all() -> RecalcTargets {
        RecalcTargets {
            all: true,
            ..RecalcTargets::default()
        }
    }

    /// Widens `self` to cover `other` too ("all" absorbs everything else).
    pub fn union(&mut self, other: &RecalcTargets) {
        if self.all || other.all {
            *self = RecalcTargets::all();
            return;
        }
        merge(&mut self.listing_ids, &other.listing_ids);
        merge(&mut self.cpu_ids, &other.cpu_ids);
        merge(&mut self.gpu_ids, &other.gpu_ids);
    }

    /// Whether a listing (status aside) falls under these (normalised) targets.
    pub fn covers(&self, t: &RecalcTarget) -> bool {
        self.all
            || self.listing_ids.binary_search(&t.id).is_ok()
            || t.cpu_id
                .is_some_and(|c| self.cpu_ids.binary_search(&c).is_ok())
            || t.gpu_id
                .is_some_and(|g| self.gpu_ids.binary_search(&g).is_ok())
    }

    /// The targets as the job's `scope` JSON.
    pub fn to_json(&self) -> Json {
        serde_json::to_value(self).unwrap_or_else(|_| json!({}))
    }

    /// Reads a job's `scope` JSON.
    pub fn from_json(v: &Json) -> Result<RecalcTargets> {
        let t: RecalcTargets = serde_json::from_value(v.clone())
            .map_err(|e| StoreError::validation("scope", e.to_string()))?;
        Ok(t.normalized())
    }

    /// The id lists sorted and without duplicates (what [`RecalcTargets::covers`] relies on).
    pub fn normalized(mut self) -> RecalcTargets {
        for l in [&mut self.listing_ids, &mut self.cpu_ids, &mut self.gpu_ids] {
            l.sort_unstable();
            l.dedup();
        }
        self
    }

    /// Active/pending listings selected by `all`, CPUs or GPUs (never true when none is set).
    fn linked(&self) -> Condition {
        let live = listing_base::Column::Status.is_in(["active", "pending"]);
        if self.all {
            return Condition::all().add(live);
        }
        // `IS NOT NULL` first so the condition is never NULL: its negation (in the count)
        // must hold for an unlinked listing.
        let mut by_link = Condition::any();
        if !self.cpu_ids.is_empty() {
            by_link = by_link.add(
                Condition::all()
                    .add(listing_base::Column::CpuId.is_not_null())
                    .add(listing_base::Column::CpuId.is_in(self.cpu_ids.clone())),
            );
        }
        if !self.gpu_ids.is_empty() {
            by_link = by_link.add(
                Condition::all()
                    .add(listing_base::Column::GpuId.is_not_null())
                    .add(listing_base::Column::GpuId.is_in(self.gpu_ids.clone())),
            );
        }
        if self.cpu_ids.is_empty() && self.gpu_ids.is_empty() {
            return Condition::all().add(ExprTrait::eq(Expr::val(1), 0));
        }
        Condition::all().add(live).add(by_link)
    }
}

/// Decodes a job's `causes` JSON (entries that do not parse are skipped: old rows).
pub fn recalc_causes(v: &Json) -> Vec<RecalcCause> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| serde_json::from_value::<RecalcCause>(e.clone()).ok())
                .map(|mut c| {
                    c.scope = c.scope.normalized();
                    c
                })
                .collect()
        })
        .unwrap_or_default()
}

impl Store {
    /// Up to `limit` targets with id > `after`, by id. Explicit listing ids enter the query a
    /// window at a time (so an import of any size stays under the parameter limits); when the
    /// window is full the page stops at its last id, so no explicit id is ever skipped.
    pub async fn recalc_targets(
        &self,
        t: &RecalcTargets,
        mut after: i64,
        limit: u64,
    ) -> Result<Vec<RecalcTarget>> {
        let limit = Ord::max(limit, 1);
        loop {
            let window: Vec<i64> = t
                .listing_ids
                .iter()
                .copied()
                .filter(|i| *i > after)
                .take(usize::try_from(limit).unwrap_or(usize::MAX))
                .collect();
            let full = window.len() as u64 == limit;
            let mut cond = Condition::any().add(t.linked());
            if !window.is_empty() {
                cond = cond.add(listing_base::Column::Id.is_in(window.clone()));
            }
            let mut q = listing_base::Entity::find()
                .select_only()
                .column(listing_base::Column::Id)
                .column(listing_base::Column::CpuId)
                .column(listing_base::Column::GpuId)
                .filter(listing_base::Column::Id.gt(after))
                .filter(cond);
            let window_end = window.last().copied();
            if let (true, Some(end)) = (full, window_end) {
                q = q.filter(listing_base::Column::Id.lte(end));
            }
            let rows: Vec<(i64, Option<i64>, Option<i64>)> = q
                .order_by_asc(listing_base::Column::Id)
                .limit(limit)
                .into_tuple()
                .all(&self.db)
                .await?;
            match (rows.is_empty(), full, window_end) {
                // Every id of a full window was deleted meanwhile: move past it.
                (true, true, Some(end)) => after = end,
                _ => {
                    return Ok(rows
                        .into_iter()
                        .map(|(id, cpu_id, gpu_id)| RecalcTarget { id, cpu_id, gpu_id })
                        .collect());
                }
            }
        }
    }

    /// Makes PostgreSQL's statistics of `listings` (and `listing_valuations`, which the
    /// valuation write joins) roughly current before a job walks
    /// `listings` listings: `ANALYZE` when the table was never analysed or its row estimate is
    /// under half of that. A job pages by id (`id > cursor AND status IN (…) ORDER BY id
    /// LIMIT n`); on a freshly seeded or imported table without statistics the planner takes
    /// it for a few rows and sorts every remaining listing through the `(status, id)` index
    /// for each batch — measured 12 ms instead of 0.2 ms per batch at 20,000 listings, and
    /// growing with the table, so a full recalculation turned quadratic. Autovacuum catches up
    /// only after its own delay. SQLite plans this walk by rowid without statistics.
    pub async fn refresh_listing_statistics(&self, listings: u64) -> Result<()> {
        if self.backend != DbBackend::Postgres {
            return Ok(());
        }
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'listings'::regclass",
            ))
            .await?;
        let estimate: f64 = match row {
            Some(r) => r.try_get("", "n")?,
            None => -1.0,
        };
        if estimate < 0.0 || estimate < listings as f64 / 2.0 {
            self.db
                .execute_unprepared("ANALYZE listings, listing_valuations")
                .await
                .map_err(|e| ErrCtx::write("listing").map(e))?;
        }
        Ok(())
    }

    /// How many listings `t` covers (ignoring `after_id`): the linked ones plus the explicit
    /// ids that exist and are not linked.
    pub async fn count_recalc_targets(&self, t: &RecalcTargets) -> Result<u64> {
        let mut n = listing_base::Entity::find()
            .filter(t.linked())
            .count(&self.db)
            .await?;
        for chunk in t.listing_ids.chunks(IN_CHUNK) {
            n += listing_base::Entity::find()
                .filter(listing_base::Column::Id.is_in(chunk.to_vec()))
                .filter(t.linked().not())
                .count(&self.db)
                .await?;
        }
        Ok(n)
    }
}
