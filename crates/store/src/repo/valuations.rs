//! Batched valuation writes and the valuation history.
//!
//! [`Store::bulk_update_valuations`] runs in ONE transaction, chunked at 1,000 rows.
//!
//! - **PostgreSQL**: ONE statement per chunk. The chunk travels as a single `jsonb` parameter
//!   expanded by `jsonb_to_recordset` (sea-query's array binding has no NULL elements, and most
//!   outputs are nullable); data-modifying CTEs compare the outputs in SQL (`IS DISTINCT FROM`,
//!   the breakdown without `evaluatedAt`), update only the changed rows, look up each listing's
//!   latest history row through the `(listing_id, at DESC, id DESC)` index and insert the due
//!   history rows. No listing row crosses the wire; one round trip per chunk. The update's cost
//!   is dominated by index maintenance (a valuation update changes indexed columns, so it is
//!   never HOT and inserts into every index on `listings` whose predicate the row satisfies);
//!   see the crate README for the figures.
//! - **SQLite** (no server round trips to save): one SELECT of the chunk's stored outputs, one
//!   multi-row `WITH v(...) AS (VALUES …) UPDATE listings … FROM v` of the changed rows
//!   (SQLite ≥ 3.33), one SELECT of the latest history rows, one multi-row INSERT.

use std::collections::HashMap;

use domain::model::{
    BulkOutcome, ListingValuation, ValuationCause, ValuationHistoryEntry, ValuationUpdate,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use sea_orm::{DbBackend, FromQueryResult, Value};
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
    // "Latest" = first in `valuation_history`'s order (at DESC, id DESC), as on PostgreSQL.
    q.push("SELECT h.listing_id, h.price_usd, h.adjusted_price_usd FROM listing_valuation_history h WHERE h.id = (SELECT h2.id FROM listing_valuation_history h2 WHERE h2.listing_id = h.listing_id ORDER BY h2.at DESC, h2.id DESC LIMIT 1) AND h.listing_id IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(*id);
    }
    q.push(")");
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

/// The SQLite variant of one chunk: compare in Rust, then one UPDATE and one INSERT.
async fn sqlite_chunk<C: ConnectionTrait>(
    txn: &C,
    chunk: &[ValuationUpdate],
    at: chrono::DateTime<chrono::Utc>,
    out: &mut BulkOutcome,
) -> Result<()> {
    let ids: Vec<i64> = chunk.iter().map(|u| u.listing_id).collect();
    let stored: HashMap<i64, listing::Model> = listing::Entity::find()
        .filter(listing::Column::Id.is_in(ids.clone()))
        .all(txn)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let latest = latest_history(txn, &ids).await?;
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
            Some(l) => l.price_usd.0 != price || l.adjusted_price_usd.map(|d| d.0) != adjusted,
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
    out.changed_ids.extend(changed.iter().map(|u| u.listing_id));
    if !changed.is_empty() {
        update_chunk(txn, &changed, at).await?;
    }
    out.history_rows += history.len();
    if !history.is_empty() {
        valuation_history::Entity::insert_many(history)
            .exec(txn)
            .await
            .map_err(|e| ErrCtx::write("valuation_history").map(e))?;
    }
    Ok(())
}

/// A decimal as JSON text at the column's scale (`jsonb_to_recordset` casts it to NUMERIC
/// exactly; a JSON number would go through no float either, but text keeps the scale visible).
fn jdec(d: Option<Decimal>, dp: u32) -> Json {
    match d {
        Some(d) if dp == 2 => Json::String(Dec::money(d).0.to_string()),
        Some(d) => Json::String(Dec::ratio(d).0.to_string()),
        None => Json::Null,
    }
}

/// The chunk as the `jsonb` array `jsonb_to_recordset` expands (keys = the record columns).
fn pg_rows(chunk: &[ValuationUpdate], at: chrono::DateTime<chrono::Utc>) -> Result<Json> {
    let mut rows = Vec::with_capacity(chunk.len());
    for u in chunk {
        let v = &u.valuation;
        let mut o = serde_json::Map::with_capacity(COLUMNS.len() + 3);
        o.insert("id".into(), Json::from(u.listing_id));
        o.insert("adjusted_price_usd".into(), jdec(v.adjusted_price_usd, 2));
        o.insert(
            "valuation_breakdown".into(),
            v.valuation_breakdown.clone().unwrap_or(Json::Null),
        );
        // RFC 3339 with microseconds: what TIMESTAMPTZ keeps, so the value round-trips.
        o.insert(
            "valued_at".into(),
            Json::String(
                v.valued_at
                    .unwrap_or(at)
                    .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            ),
        );
        o.insert(
            "deal_class".into(),
            v.deal_class
                .map_or(Json::Null, |c| Json::String(c.as_str().to_owned())),
        );
        o.insert("delta_pct".into(), jdec(v.delta_pct, 2));
        for (k, d) in [
            ("score_cpu_multi", v.score_cpu_multi),
            ("score_cpu_single", v.score_cpu_single),
            ("score_gpu", v.score_gpu),
            ("perf_per_watt", v.perf_per_watt),
            ("score_composite", v.score_composite),
            ("dollar_per_cpu_mark_multi", v.dollar_per_cpu_mark_multi),
            (
                "dollar_per_cpu_mark_multi_adjusted",
                v.dollar_per_cpu_mark_multi_adjusted,
            ),
            ("dollar_per_cpu_mark_single", v.dollar_per_cpu_mark_single),
            (
                "dollar_per_cpu_mark_single_adjusted",
                v.dollar_per_cpu_mark_single_adjusted,
            ),
        ] {
            o.insert(k.into(), jdec(d, 4));
        }
        o.insert("cause".into(), Json::String(u.cause.as_str().to_owned()));
        o.insert(
            "job_id".into(),
            job_uuid(&u.job_id)?.map_or(Json::Null, |j| Json::String(j.to_string())),
        );
        rows.push(Json::Object(o));
    }
    Ok(Json::Array(rows))
}

/// The breakdown without `evaluatedAt` (§4.9), as `breakdown_key` does in Rust.
fn pg_breakdown_key(col: &str) -> String {
    format!("CASE WHEN jsonb_typeof({col}) = 'object' THEN {col} - 'evaluatedAt' ELSE {col} END")
}

/// One chunk on PostgreSQL in one statement (see the module notes). All CTEs see the same
/// snapshot, so `cur` reads the list price and the stored outputs before the update, which is
/// what the comparison and the history row need (the update does not touch `price_usd`).
async fn pg_chunk<C: ConnectionTrait>(
    txn: &C,
    chunk: &[ValuationUpdate],
    at: chrono::DateTime<chrono::Utc>,
    out: &mut BulkOutcome,
) -> Result<()> {
    let rows = pg_rows(chunk, at)?;
    let types = [
        ("adjusted_price_usd", "numeric"),
        ("valuation_breakdown", "jsonb"),
        ("valued_at", "timestamptz"),
        ("deal_class", "text"),
        ("delta_pct", "numeric"),
        ("score_cpu_multi", "numeric"),
        ("score_cpu_single", "numeric"),
        ("score_gpu", "numeric"),
        ("perf_per_watt", "numeric"),
        ("score_composite", "numeric"),
        ("dollar_per_cpu_mark_multi", "numeric"),
        ("dollar_per_cpu_mark_multi_adjusted", "numeric"),
        ("dollar_per_cpu_mark_single", "numeric"),
        ("dollar_per_cpu_mark_single_adjusted", "numeric"),
    ];
    let record: Vec<String> = types.iter().map(|(c, t)| format!("{c} {t}")).collect();
    // Compared outputs: every output column except `valued_at`; the breakdown without
    // `evaluatedAt`. NUMERIC equality ignores scale (180.00 = 180.0000), as the Rust path does.
    let compared: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|c| *c != "valued_at" && *c != "valuation_breakdown")
        .collect();
    let stored: Vec<String> = compared.iter().map(|c| format!("l.{c}")).collect();
    let new: Vec<String> = compared.iter().map(|c| format!("v.{c}")).collect();
    let set: Vec<String> = COLUMNS.iter().map(|c| format!("{c} = c.{c}")).collect();
    let mut q = Sql::new(DbBackend::Postgres);
    q.push("WITH v AS (SELECT * FROM jsonb_to_recordset(")
        .bind(Value::Json(Some(Box::new(rows))))
        .push(&format!(
            ") AS v(id bigint, {}, cause text, job_id uuid)), ",
            record.join(", ")
        ))
        .push(&format!(
            "cur AS (SELECT v.*, l.price_usd AS list_price, \
             (ROW({}, {}) IS DISTINCT FROM ROW({}, {})) AS changed \
             FROM v JOIN listings l ON l.id = v.id), ",
            stored.join(", "),
            pg_breakdown_key("l.valuation_breakdown"),
            new.join(", "),
            pg_breakdown_key("v.valuation_breakdown"),
        ))
        .push(&format!(
            "upd AS (UPDATE listings l SET {}, updated_at = ",
            set.join(", ")
        ))
        .bind(at)
        .push(
            " FROM cur c WHERE l.id = c.id AND c.changed), \
             hist AS (INSERT INTO listing_valuation_history \
             (listing_id, price_usd, adjusted_price_usd, deal_class, cause, job_id, at) \
             SELECT c.id, c.list_price, c.adjusted_price_usd, c.deal_class, c.cause, c.job_id, c.valued_at \
             FROM cur c LEFT JOIN LATERAL (SELECT h.price_usd, h.adjusted_price_usd \
             FROM listing_valuation_history h WHERE h.listing_id = c.id \
             ORDER BY h.at DESC, h.id DESC LIMIT 1) h ON TRUE \
             WHERE h.price_usd IS NULL OR h.price_usd <> c.list_price \
             OR h.adjusted_price_usd IS DISTINCT FROM c.adjusted_price_usd RETURNING 1) \
             SELECT (SELECT count(*) FROM cur) AS found, \
             (SELECT count(*) FROM cur WHERE changed) AS changed, \
             (SELECT string_agg(id::text, ',') FROM cur WHERE changed) AS changed_ids, \
             (SELECT count(*) FROM hist) AS history",
        );
    let row = txn
        .query_one_raw(q.build())
        .await
        .map_err(|e| ErrCtx::write("listing").map(e))?
        .ok_or_else(|| StoreError::internal("bulk valuation statement returned no row"))?;
    let count = |col: &str| -> Result<usize> {
        let n: i64 = row.try_get("", col)?;
        usize::try_from(n).map_err(|_| StoreError::internal("negative count"))
    };
    let (found, changed, history) = (count("found")?, count("changed")?, count("history")?);
    let ids: Option<String> = row.try_get("", "changed_ids")?;
    for id in ids
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
    {
        out.changed_ids.push(
            id.parse()
                .map_err(|_| StoreError::internal("changed_ids holds a non-integer"))?,
        );
    }
    // `found`/`changed` count batch entries (a listing named twice counts twice, as on SQLite).
    out.missing += chunk.len().saturating_sub(found);
    out.changed += changed;
    out.unchanged += found.saturating_sub(changed);
    out.history_rows += history;
    Ok(())
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
        let txn = self.begin_write().await?;
        let postgres = txn.get_database_backend() == DbBackend::Postgres;
        for chunk in batch.chunks(CHUNK) {
            if postgres {
                pg_chunk(&txn, chunk, at, &mut out).await?;
            } else {
                sqlite_chunk(&txn, chunk, at, &mut out).await?;
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
