//! The PostgreSQL chunk: one statement (see the module notes of `valuations`).

use domain::model::{BulkOutcome, ValuationUpdate};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbBackend, Value};
use std::io::Write as _;

use super::{METRIC_COLUMNS, VALUATION_COLUMNS, job_uuid};
use crate::dec::{Dec, Sql};
use crate::error::{ErrCtx, Result, StoreError};

/// Appends `"key":` and the decimal as a JSON string at the column's scale, or `null`
/// (`jsonb_to_recordset` casts the text to NUMERIC exactly; text keeps the scale visible).
fn push_decimal(out: &mut Vec<u8>, key: &str, d: Option<Decimal>, money: bool) {
    push_key(out, key);
    match d {
        Some(d) => {
            let d = if money {
                Dec::money(d).0
            } else {
                Dec::ratio(d).0
            };
            // Decimal's Display is plain digits, sign and point: nothing to escape.
            let _ = write!(out, "\"{d}\"");
        }
        None => out.extend_from_slice(b"null"),
    }
}

/// Appends `"key":` (keys are the record's column names: nothing to escape).
fn push_key(out: &mut Vec<u8>, key: &str) {
    if out.last() != Some(&b'{') {
        out.push(b',');
    }
    let _ = write!(out, "\"{key}\":");
}

/// Appends `"key":"text"` for identifier-like text (enum names, RFC 3339 times, UUIDs), or
/// `null`.
fn push_plain(out: &mut Vec<u8>, key: &str, text: Option<&str>) {
    push_key(out, key);
    match text {
        Some(t) => {
            let _ = write!(out, "\"{t}\"");
        }
        None => out.extend_from_slice(b"null"),
    }
}

/// The chunk as the JSON text of the array `jsonb_to_recordset` expands (keys = the record
/// columns), written straight from the borrowed outputs: no `serde_json::Value` tree per row
/// and no copy of the breakdown, which is most of a row's bytes.
fn records(chunk: &[ValuationUpdate], at: chrono::DateTime<chrono::Utc>) -> Result<String> {
    let mut out: Vec<u8> = Vec::with_capacity(chunk.len() * 640);
    out.push(b'[');
    for (i, u) in chunk.iter().enumerate() {
        let v = &u.valuation;
        if i > 0 {
            out.push(b',');
        }
        let _ = write!(out, "{{\"id\":{}", u.listing_id);
        push_decimal(&mut out, "adjusted_price_usd", v.adjusted_price_usd, true);
        push_key(&mut out, "valuation_breakdown");
        match &v.valuation_breakdown {
            Some(b) => serde_json::to_writer(&mut out, b)
                .map_err(|e| StoreError::validation("valuation_breakdown", e.to_string()))?,
            None => out.extend_from_slice(b"null"),
        }
        // RFC 3339 with microseconds: what TIMESTAMPTZ keeps, so the value round-trips.
        let valued_at = v
            .valued_at
            .unwrap_or(at)
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        push_plain(&mut out, "valued_at", Some(&valued_at));
        push_plain(&mut out, "deal_class", v.deal_class.map(|c| c.as_str()));
        push_decimal(&mut out, "delta_pct", v.delta_pct, true);
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
            push_decimal(&mut out, k, d, false);
        }
        push_plain(&mut out, "cause", Some(u.cause.as_str()));
        let job = job_uuid(&u.job_id)?.map(|j| j.to_string());
        push_plain(&mut out, "job_id", job.as_deref());
        out.push(b'}');
    }
    out.push(b']');
    String::from_utf8(out).map_err(|_| StoreError::internal("valuation rows are not UTF-8"))
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
    q.push("WITH v AS (SELECT * FROM jsonb_to_recordset(CAST(")
        .bind(Value::String(Some(rows)))
        .push(&format!(
            " AS jsonb)) AS v(id bigint, {}, cause text, job_id uuid)), ",
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use domain::model::{DealClass, ListingValuation, ValuationCause, ValuationUpdate};
    use rust_decimal::Decimal;
    use serde_json::json;

    use super::{METRIC_COLUMNS, records};

    #[test]
    fn records_are_the_json_rows_jsonb_to_recordset_reads() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-29T10:00:00.123456Z")
            .unwrap()
            .to_utc();
        let full = ValuationUpdate {
            listing_id: 7,
            valuation: ListingValuation {
                adjusted_price_usd: Some(Decimal::new(123_456, 3)),
                valuation_breakdown: Some(json!({"note": "a \"quoted\" \\ ünïcode\nline"})),
                deal_class: Some(DealClass::GoodDeal),
                delta_pct: Some(Decimal::new(-512, 2)),
                dollar_per_cpu_mark_multi_adjusted: Some(Decimal::new(1, 5)),
                ..Default::default()
            },
            cause: ValuationCause::RuleChange,
            job_id: Some("6f1c1a2e-8e55-4d7a-9d59-0c7c4f1d2b3a".into()),
        };
        let empty = ValuationUpdate {
            listing_id: 8,
            valuation: ListingValuation::default(),
            cause: ValuationCause::Manual,
            job_id: None,
        };
        let text = records(&[full, empty], at).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        let nulls = |mut row: serde_json::Value, keys: &[&str]| {
            for k in keys {
                row[*k] = serde_json::Value::Null;
            }
            row
        };
        let metrics: Vec<&str> = METRIC_COLUMNS
            .iter()
            .copied()
            .chain(["dollar_per_cpu_mark_single_adjusted"])
            .collect();
        let first = nulls(
            json!({
                "id": 7,
                "adjusted_price_usd": "123.46",
                "valuation_breakdown": {"note": "a \"quoted\" \\ ünïcode\nline"},
                "valued_at": "2026-11-29T10:00:00.123456Z",
                "deal_class": "good_deal",
                "delta_pct": "-5.12",
                "dollar_per_cpu_mark_multi_adjusted": "0.0000",
                "cause": "rule_change",
                "job_id": "6f1c1a2e-8e55-4d7a-9d59-0c7c4f1d2b3a",
            }),
            &metrics,
        );
        let second = nulls(
            json!({"id": 8, "valued_at": "2026-11-29T10:00:00.123456Z", "cause": "manual"}),
            &[
                &metrics[..],
                &[
                    "adjusted_price_usd",
                    "valuation_breakdown",
                    "deal_class",
                    "delta_pct",
                    "dollar_per_cpu_mark_multi_adjusted",
                    "job_id",
                ],
            ]
            .concat(),
        );
        assert_eq!(parsed, json!([first, second]));
    }
}
