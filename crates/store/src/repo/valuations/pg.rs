//! The PostgreSQL chunk: one statement (see the module notes of `valuations`).

use domain::model::{BulkOutcome, ValuationUpdate};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbBackend, Value};
use serde_json::Value as Json;

use super::{METRIC_COLUMNS, VALUATION_COLUMNS, job_uuid};
use crate::dec::{Dec, Sql};
use crate::error::{ErrCtx, Result, StoreError};

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
fn records(chunk: &[ValuationUpdate], at: chrono::DateTime<chrono::Utc>) -> Result<Json> {
    let mut rows = Vec::with_capacity(chunk.len());
    for u in chunk {
        let v = &u.valuation;
        let mut o =
            serde_json::Map::with_capacity(VALUATION_COLUMNS.len() + METRIC_COLUMNS.len() + 3);
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
fn breakdown_key(col: &str) -> String {
    format!("CASE WHEN jsonb_typeof({col}) = 'object' THEN {col} - 'evaluatedAt' ELSE {col} END")
}

/// One chunk on PostgreSQL in one statement. All CTEs see the same snapshot, so `cur` reads
/// the list price and the stored outputs before the updates, which is what the comparison and
/// the history row need (neither update touches `price_usd`).
pub(super) async fn chunk<C: ConnectionTrait>(
    txn: &C,
    chunk: &[ValuationUpdate],
    at: chrono::DateTime<chrono::Utc>,
    out: &mut BulkOutcome,
) -> Result<()> {
    let rows = records(chunk, at)?;
    let type_of = |c: &str| match c {
        "valuation_breakdown" => "jsonb",
        "valued_at" => "timestamptz",
        "deal_class" => "text",
        _ => "numeric",
    };
    let record: Vec<String> = VALUATION_COLUMNS
        .iter()
        .chain(&METRIC_COLUMNS)
        .map(|c| format!("{c} {}", type_of(c)))
        .collect();
    // Compared: every output but `valued_at`, the breakdown without `evaluatedAt`. NUMERIC
    // equality ignores scale (180.00 = 180.0000), as the Rust path does.
    let compared: Vec<&str> = VALUATION_COLUMNS
        .iter()
        .copied()
        .filter(|c| *c != "valued_at" && *c != "valuation_breakdown")
        .collect();
    let row = |alias: &str, cols: &[&str]| -> String {
        cols.iter()
            .map(|c| format!("{alias}.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let set = |cols: &[&str]| -> String {
        cols.iter()
            .map(|c| format!("{c} = c.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut q = Sql::new(DbBackend::Postgres);
    q.push("WITH v AS (SELECT * FROM jsonb_to_recordset(")
        .bind(Value::Json(Some(Box::new(rows))))
        .push(&format!(
            ") AS v(id bigint, {}, cause text, job_id uuid)), ",
            record.join(", ")
        ))
        .push(&format!(
            "cur AS (SELECT v.*, l.price_usd AS list_price, \
             (ROW({}, {}) IS DISTINCT FROM ROW({}, {})) AS valuation_changed, \
             (ROW({}) IS DISTINCT FROM ROW({})) AS metrics_changed \
             FROM v JOIN listings l ON l.id = v.id \
             JOIN listing_valuations lv ON lv.listing_id = v.id), ",
            row("lv", &compared),
            breakdown_key("lv.valuation_breakdown"),
            row("v", &compared),
            breakdown_key("v.valuation_breakdown"),
            row("l", &METRIC_COLUMNS),
            row("v", &METRIC_COLUMNS),
        ))
        .push(&format!(
            "upd_v AS (UPDATE listing_valuations lv SET {} FROM cur c \
             WHERE lv.listing_id = c.id AND c.valuation_changed), ",
            set(&VALUATION_COLUMNS)
        ))
        .push(&format!(
            "upd_m AS (UPDATE listings l SET {}, updated_at = ",
            set(&METRIC_COLUMNS)
        ))
        .bind(at)
        .push(
            " FROM cur c WHERE l.id = c.id AND c.metrics_changed), \
             hist AS (INSERT INTO listing_valuation_history \
             (listing_id, price_usd, adjusted_price_usd, deal_class, cause, job_id, at) \
             SELECT c.id, c.list_price, c.adjusted_price_usd, c.deal_class, c.cause, c.job_id, c.valued_at \
             FROM cur c LEFT JOIN LATERAL (SELECT h.price_usd, h.adjusted_price_usd \
             FROM listing_valuation_history h WHERE h.listing_id = c.id \
             ORDER BY h.at DESC, h.id DESC LIMIT 1) h ON TRUE \
             WHERE h.price_usd IS NULL OR h.price_usd <> c.list_price \
             OR h.adjusted_price_usd IS DISTINCT FROM c.adjusted_price_usd RETURNING 1) \
             SELECT (SELECT count(*) FROM cur) AS found, \
             (SELECT count(*) FROM cur WHERE valuation_changed OR metrics_changed) AS changed, \
             (SELECT string_agg(id::text, ',') FROM cur \
              WHERE valuation_changed OR metrics_changed) AS changed_ids, \
             (SELECT count(*) FROM hist) AS history",
        );
    let result = txn
        .query_one_raw(q.build())
        .await
        .map_err(|e| ErrCtx::write("listing").map(e))?
        .ok_or_else(|| StoreError::internal("bulk valuation statement returned no row"))?;
    let count = |col: &str| -> Result<usize> {
        let n: i64 = result.try_get("", col)?;
        usize::try_from(n).map_err(|_| StoreError::internal("negative count"))
    };
    let (found, changed, history) = (count("found")?, count("changed")?, count("history")?);
    let ids: Option<String> = result.try_get("", "changed_ids")?;
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
