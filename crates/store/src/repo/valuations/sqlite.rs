//! The SQLite chunk: compare in Rust, then one UPDATE per changed part and one INSERT.

use std::collections::HashMap;

use domain::model::{BulkOutcome, ListingValuation, ValuationUpdate};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sea_orm::{FromQueryResult, Value};

use super::valuation_differs;
use super::{METRIC_COLUMNS, VALUATION_COLUMNS, job_uuid, metrics_differ, r2, stored_form};
use crate::dec::{Dec, Sql, money, ratio};
use crate::entity::{listing, valuation_history};
use crate::error::{ErrCtx, Result, StoreError};

/// The SQL value of output `column` of `v` (`valued_at` defaults to the write's time).
fn column_value(v: &ListingValuation, column: &str, at: chrono::DateTime<chrono::Utc>) -> Value {
    match column {
        "adjusted_price_usd" => money(v.adjusted_price_usd),
        "valuation_breakdown" => Value::Json(v.valuation_breakdown.clone().map(Box::new)),
        "valued_at" => Value::ChronoDateTimeUtc(Some(v.valued_at.unwrap_or(at))),
        "deal_class" => Value::String(v.deal_class.map(|c| c.as_str().to_owned())),
        "delta_pct" => money(v.delta_pct),
        "score_cpu_multi" => ratio(v.score_cpu_multi),
        "score_cpu_single" => ratio(v.score_cpu_single),
        "score_gpu" => ratio(v.score_gpu),
        "perf_per_watt" => ratio(v.perf_per_watt),
        "score_composite" => ratio(v.score_composite),
        "dollar_per_cpu_mark_multi" => ratio(v.dollar_per_cpu_mark_multi),
        "dollar_per_cpu_mark_multi_adjusted" => ratio(v.dollar_per_cpu_mark_multi_adjusted),
        "dollar_per_cpu_mark_single" => ratio(v.dollar_per_cpu_mark_single),
        _ => ratio(v.dollar_per_cpu_mark_single_adjusted),
    }
}

/// One part of the outputs: the table holding it, its listing-id column, its columns, and
/// whether a change moves the row's `updated_at`.
struct Part {
    table: &'static str,
    key: &'static str,
    columns: &'static [&'static str],
    touches_updated_at: bool,
}

const VALUATIONS: Part = Part {
    table: "listing_valuations",
    key: "listing_id",
    columns: &VALUATION_COLUMNS,
    touches_updated_at: false,
};

const METRICS: Part = Part {
    table: "listings",
    key: "id",
    columns: &METRIC_COLUMNS,
    touches_updated_at: true,
};

/// `WITH v(id, …) AS (VALUES …) UPDATE <table> SET … FROM v` for the `rows` of one part.
async fn update_part<C: ConnectionTrait>(
    db: &C,
    part: &Part,
    rows: &[&ValuationUpdate],
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut q = Sql::new(db.get_database_backend());
    q.push("WITH v(id, ")
        .push(&part.columns.join(", "))
        .push(") AS (VALUES ");
    for (i, u) in rows.iter().enumerate() {
        q.push(if i == 0 { "(" } else { ", (" });
        q.bind(u.listing_id);
        for c in part.columns {
            q.push(", ");
            q.bind(column_value(&u.valuation, c, at));
        }
        q.push(")");
    }
    q.push(&format!(") UPDATE {} SET ", part.table));
    let set: Vec<String> = part
        .columns
        .iter()
        .map(|c| format!("{c} = v.{c}"))
        .collect();
    q.push(&set.join(", "));
    if part.touches_updated_at {
        q.push(", updated_at = ").bind(at);
    }
    q.push(&format!(" FROM v WHERE {}.{} = v.id", part.table, part.key));
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

/// One chunk on SQLite; see the module notes of `valuations`.
pub(super) async fn chunk<C: ConnectionTrait>(
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
    let (mut valuations, mut metrics) = (Vec::new(), Vec::new());
    let mut history = Vec::new();
    for u in chunk {
        let Some(m) = stored.get(&u.listing_id) else {
            out.missing += 1;
            continue;
        };
        let current = stored_form(&crate::repo::listings::listing_record(m.clone())?.valuation);
        let new = stored_form(&u.valuation);
        let (valuation, metric) = (
            valuation_differs(&current, &new),
            metrics_differ(&current, &new),
        );
        if valuation {
            valuations.push(u);
        }
        if metric {
            metrics.push(u);
        }
        if valuation || metric {
            out.changed += 1;
            out.changed_ids.push(u.listing_id);
        } else {
            out.unchanged += 1;
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
    update_part(txn, &VALUATIONS, &valuations, at).await?;
    update_part(txn, &METRICS, &metrics, at).await?;
    out.history_rows += history.len();
    if !history.is_empty() {
        valuation_history::Entity::insert_many(history)
            .exec(txn)
            .await
            .map_err(|e| ErrCtx::write("valuation_history").map(e))?;
    }
    Ok(())
}
