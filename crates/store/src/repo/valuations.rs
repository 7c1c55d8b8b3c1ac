//! Batched valuation writes and the valuation history.
//!
//! [`Store::bulk_update_valuations`] runs in ONE transaction: one SELECT of the batch's stored
//! outputs, one multi-row `WITH v(...) AS (VALUES …) UPDATE listings … FROM v` for the rows
//! whose outputs changed (the same SQL on PostgreSQL and SQLite ≥ 3.33), one SELECT of each
//! listing's latest history row and one multi-row INSERT of the history rows that are due.
//! Statements are chunked at 1,000 rows to stay under both backends' parameter limits.

use std::collections::HashMap;

use domain::model::{
    BulkOutcome, ListingValuation, ValuationCause, ValuationHistoryEntry, ValuationUpdate,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use sea_orm::{FromQueryResult, TransactionTrait, Value};
use serde_json::Value as Json;

use super::parse_enum;
use crate::dec::{Dec, Sql, money, now, ratio};
use crate::entity::{listing, valuation_history};
use crate::error::{ErrCtx, Result, StoreError};
use crate::store::Store;

const CHUNK: usize = 1000;

/// Output columns written by a valuation, in VALUES order after `id`.
const COLUMNS: [&str; 14] = [
    "adjusted_price_usd",
    "valuation_breakdown",
    "valued_at",
    "deal_class",
    "delta_pct",
    "score_cpu_multi",
    "score_cpu_single",
    "score_gpu",
    "perf_per_watt",
    "score_composite",
    "dollar_per_cpu_mark_multi",
    "dollar_per_cpu_mark_multi_adjusted",
    "dollar_per_cpu_mark_single",
    "dollar_per_cpu_mark_single_adjusted",
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

fn row_values(u: &ValuationUpdate, at: chrono::DateTime<chrono::Utc>) -> Vec<Value> {
    let v = &u.valuation;
    vec![
        Value::BigInt(Some(u.listing_id)),
        money(v.adjusted_price_usd),
        Value::Json(v.valuation_breakdown.clone().map(Box::new)),
        Value::ChronoDateTimeUtc(Some(v.valued_at.unwrap_or(at))),
        Value::String(v.deal_class.map(|c| c.as_str().to_owned())),
        money(v.delta_pct),
        ratio(v.score_cpu_multi),
        ratio(v.score_cpu_single),
        ratio(v.score_gpu),
        ratio(v.perf_per_watt),
        ratio(v.score_composite),
        ratio(v.dollar_per_cpu_mark_multi),
        ratio(v.dollar_per_cpu_mark_multi_adjusted),
        ratio(v.dollar_per_cpu_mark_single),
        ratio(v.dollar_per_cpu_mark_single_adjusted),
    ]
}

async fn update_chunk<C: ConnectionTrait>(
    db: &C,
    rows: &[&ValuationUpdate],
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let mut q = Sql::new(db.get_database_backend());
    q.push("WITH v(id, ")
        .push(&COLUMNS.join(", "))
        .push(") AS (VALUES ");
    for (i, u) in rows.iter().enumerate() {
        q.push(if i == 0 { "(" } else { ", (" });
        for (j, value) in row_values(u, at).into_iter().enumerate() {
            if j > 0 {
                q.push(", ");
            }
            q.bind(value);
        }
        q.push(")");
    }
    q.push(") UPDATE listings SET ");
    for c in COLUMNS {
        q.push(c).push(" = v.").push(c).push(", ");
    }
    q.push("updated_at = ")
        .bind(at)
        .push(" FROM v WHERE listings.id = v.id");
    db.execute_raw(q.build())
        .await
        .map_err(|e| ErrCtx::write("listing").map(e))?;
    Ok(())
}

#[derive(Debug, FromQueryResult)]
struct Latest {
    listing_id: i64,
    price_usd: Dec,
    adjusted_price_usd: Option<Dec>,
}

async fn latest_history<C: ConnectionTrait>(db: &C, ids: &[i64]) -> Result<HashMap<i64, Latest>> {
    let mut q = Sql::new(db.get_database_backend());
    q.push("SELECT listing_id, price_usd, adjusted_price_usd FROM listing_valuation_history WHERE id IN (SELECT MAX(id) FROM listing_valuation_history WHERE listing_id IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(*id);
    }
    q.push(") GROUP BY listing_id)");
    let rows = db.query_all_raw(q.build()).await?;
    rows.iter()
        .map(|r| {
            Latest::from_query_result(r, "")
                .map(|l| (l.listing_id, l))
                .map_err(StoreError::from)
        })
        .collect()
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
        let mut out = BulkOutcome::default();
        if batch.is_empty() {
            return Ok(out);
        }
        let at = now();
        let txn = self.db.begin().await?;
        for chunk in batch.chunks(CHUNK) {
            let ids: Vec<i64> = chunk.iter().map(|u| u.listing_id).collect();
            let stored: HashMap<i64, listing::Model> = listing::Entity::find()
                .filter(listing::Column::Id.is_in(ids.clone()))
                .all(&txn)
                .await?
                .into_iter()
                .map(|m| (m.id, m))
                .collect();
            let latest = latest_history(&txn, &ids).await?;
            let mut changed = Vec::new();
            let mut history = Vec::new();
            for u in chunk {
                let Some(m) = stored.get(&u.listing_id) else {
                    out.missing += 1;
                    continue;
                };
                let current = super::listings::listing_record(m.clone())?;
                if stored_form(&current.valuation) == stored_form(&u.valuation) {
                    out.unchanged += 1;
                } else {
                    changed.push(u);
                }
                let price = m.price_usd.0;
                let adjusted = r2(u.valuation.adjusted_price_usd);
                let due = match latest.get(&u.listing_id) {
                    None => true,
                    Some(l) => {
                        l.price_usd.0 != price || l.adjusted_price_usd.map(|d| d.0) != adjusted
                    }
                };
                if due {
                    history.push(valuation_history::ActiveModel {
                        listing_id: Set(u.listing_id),
                        price_usd: Set(Dec::money(price)),
                        adjusted_price_usd: Set(adjusted.map(Dec::money)),
                        deal_class: Set(u.valuation.deal_class.map(|c| c.as_str().to_owned())),
                        cause: Set(u.cause.as_str().to_owned()),
                        job_id: Set(job_uuid(&u.job_id)?),
                        at: Set(u.valuation.valued_at.unwrap_or(at)),
                        ..Default::default()
                    });
                }
            }
            out.changed += changed.len();
            if !changed.is_empty() {
                update_chunk(&txn, &changed, at).await?;
            }
            out.history_rows += history.len();
            if !history.is_empty() {
                valuation_history::Entity::insert_many(history)
                    .exec(&txn)
                    .await
                    .map_err(|e| ErrCtx::write("valuation_history").map(e))?;
            }
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
