//! Batched valuation writes and the valuation history.
//!
//! A valuation's outputs live in two places (migration `…_000008`): the rule-dependent ones
//! (adjusted price, breakdown, `valued_at`, deal class, Δ %, the two adjusted $/mark values) in
//! the narrow `listing_valuations` table, the rule-independent metrics (list-price $/mark,
//! CPU/GPU scores, perf/watt, composite score) on `listings`. Each part is updated only when it
//! changed, so a rule change writes `listing_valuations` rows (four indexes) and leaves
//! `listings` (~20 indexes) alone; `listings.updated_at` moves only when its metrics do.
//!
//! [`Store::bulk_update_valuations`] runs in ONE transaction, chunked at 1,000 rows.
//!
//! - **PostgreSQL** (`pg`): ONE statement per chunk. The chunk travels as a single `jsonb`
//!   parameter expanded by `jsonb_to_recordset` (sea-query's array binding has no NULL
//!   elements, and most outputs are nullable); data-modifying CTEs compare the outputs in SQL
//!   (`IS DISTINCT FROM`, the breakdown without `evaluatedAt`), update only the changed parts,
//!   look up each listing's latest history row through the `(listing_id, at DESC, id DESC)`
//!   index and insert the due history rows. One round trip per chunk.
//! - **SQLite** (`sqlite`, no server round trips to save): one SELECT of the chunk's stored
//!   outputs, one multi-row `WITH v(...) AS (VALUES …) UPDATE … FROM v` per changed part
//!   (SQLite ≥ 3.33), one SELECT of the latest history rows, one multi-row INSERT.

mod pg;
mod sqlite;

use domain::model::{
    BulkOutcome, ListingValuation, ValuationCause, ValuationHistoryEntry, ValuationUpdate,
};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value as Json;

use super::parse_enum;
use crate::dec::{Dec, now};
use crate::entity::valuation_history;
use crate::error::{Result, StoreError};
use crate::store::Store;

const CHUNK: usize = 1000;

/// One scoring profile's scores for a batch: the profile id, then (listing id, score).
pub type ProfileScores = (i64, Vec<(i64, Option<Decimal>)>);

/// Rule-dependent outputs, stored in `listing_valuations`.
const VALUATION_COLUMNS: [&str; 7] = [
    "adjusted_price_usd",
    "valuation_breakdown",
    "valued_at",
    "deal_class",
    "delta_pct",
    "dollar_per_cpu_mark_multi_adjusted",
    "dollar_per_cpu_mark_single_adjusted",
];

/// Rule-independent metrics, stored on `listings`.
const METRIC_COLUMNS: [&str; 7] = [
    "score_cpu_multi",
    "score_cpu_single",
    "score_gpu",
    "perf_per_watt",
    "score_composite",
    "dollar_per_cpu_mark_multi",
    "dollar_per_cpu_mark_single",
];

fn r2(d: Option<Decimal>) -> Option<Decimal> {
    d.map(|d| Dec::money(d).0)
}

fn r4(d: Option<Decimal>) -> Option<Decimal> {
    d.map(|d| Dec::ratio(d).0)
}

/// The breakdown without `evaluatedAt`, which change detection ignores (§4.9).
fn breakdown_key(b: &Option<Json>) -> Option<Json> {
    b.as_ref().map(|b| {
        let mut b = b.clone();
        if let Some(o) = b.as_object_mut() {
            o.remove("evaluatedAt");
        }
        b
    })
}

/// The outputs as stored (rounded to the column scales), for comparison.
fn stored_form(v: &ListingValuation) -> ListingValuation {
    ListingValuation {
        adjusted_price_usd: r2(v.adjusted_price_usd),
        valuation_breakdown: breakdown_key(&v.valuation_breakdown),
        valued_at: None,
        deal_class: v.deal_class,
        delta_pct: r2(v.delta_pct),
        score_cpu_multi: r4(v.score_cpu_multi),
        score_cpu_single: r4(v.score_cpu_single),
        score_gpu: r4(v.score_gpu),
        perf_per_watt: r4(v.perf_per_watt),
        score_composite: r4(v.score_composite),
        dollar_per_cpu_mark_multi: r4(v.dollar_per_cpu_mark_multi),
        dollar_per_cpu_mark_multi_adjusted: r4(v.dollar_per_cpu_mark_multi_adjusted),
        dollar_per_cpu_mark_single: r4(v.dollar_per_cpu_mark_single),
        dollar_per_cpu_mark_single_adjusted: r4(v.dollar_per_cpu_mark_single_adjusted),
    }
}

/// Whether the stored forms differ in a `listing_valuations` column (`valued_at` excepted).
fn valuation_differs(a: &ListingValuation, b: &ListingValuation) -> bool {
    a.adjusted_price_usd != b.adjusted_price_usd
        || a.valuation_breakdown != b.valuation_breakdown
        || a.deal_class != b.deal_class
        || a.delta_pct != b.delta_pct
        || a.dollar_per_cpu_mark_multi_adjusted != b.dollar_per_cpu_mark_multi_adjusted
        || a.dollar_per_cpu_mark_single_adjusted != b.dollar_per_cpu_mark_single_adjusted
}

/// Whether the stored forms differ in a metric column of `listings`.
fn metrics_differ(a: &ListingValuation, b: &ListingValuation) -> bool {
    a.score_cpu_multi != b.score_cpu_multi
        || a.score_cpu_single != b.score_cpu_single
        || a.score_gpu != b.score_gpu
        || a.perf_per_watt != b.perf_per_watt
        || a.score_composite != b.score_composite
        || a.dollar_per_cpu_mark_multi != b.dollar_per_cpu_mark_multi
        || a.dollar_per_cpu_mark_single != b.dollar_per_cpu_mark_single
}

fn job_uuid(id: &Option<String>) -> Result<Option<uuid::Uuid>> {
    id.as_deref()
        .map(|s| {
            s.parse::<uuid::Uuid>()
                .map_err(|_| StoreError::validation("job_id", "not a UUID"))
        })
        .transpose()
}

impl Store {
    /// Writes a batch of valuation outputs in one transaction; see the module notes.
    ///
    /// Only listings whose stored outputs differ are updated (`valued_at` and the breakdown's
    /// `evaluatedAt` are not a difference). A history row is appended for a listing when its
    /// list or adjusted price differs from its latest history row, or it has none.
    pub async fn bulk_update_valuations(&self, batch: &[ValuationUpdate]) -> Result<BulkOutcome> {
        self.write_valuations(batch, &[]).await
    }

    /// [`bulk_update_valuations`](Store::bulk_update_valuations) and the same listings'
    /// scores under other profiles (profile id, then (listing id, score)), all in ONE
    /// transaction: a batch is written whole or not at all, so a failure can never leave
    /// valuations committed whose change nobody was told about.
    pub async fn write_valuations(
        &self,
        batch: &[ValuationUpdate],
        scores: &[ProfileScores],
    ) -> Result<BulkOutcome> {
        let mut out = BulkOutcome::default();
        if batch.is_empty() && scores.iter().all(|(_, s)| s.is_empty()) {
            return Ok(out);
        }
        let at = now();
        let txn = self.begin_write().await?;
        let postgres = txn.get_database_backend() == DbBackend::Postgres;
        for chunk in batch.chunks(CHUNK) {
            if postgres {
                pg::chunk(&txn, chunk, at, &mut out).await?;
            } else {
                sqlite::chunk(&txn, chunk, at, &mut out).await?;
            }
        }
        for (profile_id, s) in scores {
            super::scoring::upsert_scores(&txn, *profile_id, s).await?;
        }
        txn.commit().await?;
        Ok(out)
    }

    /// A listing's valuation history, newest first.
    pub async fn valuation_history(
        &self,
        listing_id: i64,
        limit: u64,
    ) -> Result<Vec<ValuationHistoryEntry>> {
        use sea_orm::QuerySelect;
        let rows = valuation_history::Entity::find()
            .filter(valuation_history::Column::ListingId.eq(listing_id))
            .order_by_desc(valuation_history::Column::At)
            .order_by_desc(valuation_history::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|m| {
                Ok(ValuationHistoryEntry {
                    id: m.id,
                    listing_id: m.listing_id,
                    price_usd: m.price_usd.0,
                    adjusted_price_usd: m.adjusted_price_usd.map(|d| d.0),
                    deal_class: m.deal_class.as_deref().map(parse_enum).transpose()?,
                    cause: parse_enum::<ValuationCause>(&m.cause)?,
                    job_id: m.job_id.map(|u| u.to_string()),
                    at: m.at,
                })
            })
            .collect()
    }
}
