//! `just bench-store`: the store's performance targets (issue 3), as a plain binary.
//!
//! 1. Bulk-write valuations for 100,000 listings in batches of 1,000 (target ≥ 50,000/s on
//!    PostgreSQL), twice: the first valuation of unvalued listings, then a rule change (every
//!    adjusted output changes, the rule-independent metrics do not). Every listing changes
//!    both times, so every valuation row is updated and gets a history row.
//! 2. A keyset page of 50 listings sorted by adjusted $/CPU-mark (multi) with two filters
//!    (status, form factor) on the 100,000-listing table (target < 5 ms median), measured on
//!    the first page and on pages deep in the table.
//!
//! Runs on a fresh PostgreSQL database (`DEALBRAIN_TEST_DATABASE_URL`) and, for comparison,
//! a SQLite file. `BENCH_LISTINGS` overrides the table size.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

use std::time::{Duration, Instant};

use domain::model::{DealClass, ListingStatus, ListingValuation, ValuationCause, ValuationUpdate};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, Database};
use store::{ListingFilter, ListingSort, ListingSortKey, PageRequest, Store};
use test_support::TestDb;

const BATCH: usize = 1000;

async fn fill(url: &str, sqlite: bool, n: usize) {
    let db = Database::connect(url).await.expect("connect");
    let (price, now) = if sqlite {
        (
            "printf('%.2f', (n % 700) + 99.99)",
            "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        )
    } else {
        ("CAST((n % 700) + 99.99 AS NUMERIC(12,2))", "now()")
    };
    let sql = format!(
        "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {n}) \
         INSERT INTO listings (title, price_usd, status, condition, form_factor, manufacturer, url_key, created_at, updated_at) \
         SELECT 'Bench listing ' || n, {price}, CASE WHEN n % 10 = 0 THEN 'archived' ELSE 'active' END, 'used', \
         CASE n % 4 WHEN 0 THEN 'SFF' WHEN 1 THEN 'Mini' WHEN 2 THEN 'Tiny' ELSE 'Micro' END, 'HP', '', {now}, {now} FROM s"
    );
    db.execute_unprepared(&sql).await.expect("fill");
    db.close().await.ok();
}

fn valuation(i: usize, round: u32) -> ValuationUpdate {
    let adjusted = Decimal::new((50_000 + (i as i64 * 7919) % 60_000) + i64::from(round), 2);
    ValuationUpdate {
        listing_id: i as i64 + 1,
        valuation: ListingValuation {
            adjusted_price_usd: Some(adjusted),
            valuation_breakdown: Some(
                serde_json::json!({"adjustedPrice": adjusted.to_string(), "rulesets": []}),
            ),
            valued_at: Some(chrono::Utc::now()),
            deal_class: Some(DealClass::LightSaving),
            delta_pct: Some(Decimal::new(512, 2)),
            score_cpu_multi: Some(Decimal::from(15000)),
            score_cpu_single: Some(Decimal::from(3000)),
            perf_per_watt: Some(Decimal::new(4285714, 4)),
            score_composite: Some(Decimal::new(7512345 + i as i64, 4)),
            dollar_per_cpu_mark_multi: Some(Decimal::new(200 + (i as i64 % 97), 4)),
            dollar_per_cpu_mark_multi_adjusted: Some(adjusted / Decimal::from(15000)),
            dollar_per_cpu_mark_single: Some(Decimal::new(1000 + (i as i64 % 89), 4)),
            dollar_per_cpu_mark_single_adjusted: Some(adjusted / Decimal::from(3000)),
            ..Default::default()
        },
        cause: ValuationCause::RuleChange,
        job_id: None,
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn run(label: &str, db: &TestDb, sqlite: bool, n: usize) {
    fill(&db.url, sqlite, n).await;
    let store = Store::connect(&db.url, 4).await.expect("store");
    // Round 0 values unvalued listings (every output is new: both the valuation row and the
    // listing's metrics are written); round 1 is a rule change (every adjusted output moves by
    // a cent, the rule-independent metrics stay), which is what a recalculation writes.
    for (round, what) in [(0u32, "first valuation"), (1, "after a rule change")] {
        let t = Instant::now();
        for start in (0..n).step_by(BATCH) {
            let batch: Vec<_> = (start..(start + BATCH).min(n))
                .map(|i| valuation(i, round))
                .collect();
            store.bulk_update_valuations(&batch).await.expect("bulk");
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "[{label}] bulk valuation write, {what}: {n} listings in {secs:.2} s = {:.0} listings/s (batches of {BATCH}, all changed, history appended)",
            n as f64 / secs
        );
    }

    let raw = Database::connect(db.url.as_str()).await.expect("connect");
    raw.execute_unprepared("ANALYZE").await.ok();
    raw.close().await.ok();
    let filter = ListingFilter {
        statuses: vec![ListingStatus::Active],
        form_factor: Some("SFF".into()),
        ..Default::default()
    };
    let sort = ListingSort::asc(ListingSortKey::DollarPerMarkMultiAdjusted);
    // Cursors spread through the table: first page, then pages at ~25/50/75 %.
    let mut cursors = vec![None];
    let mut req = PageRequest::first(50);
    for page_no in 0..300 {
        let page = store
            .list_listings(&filter, sort, &req)
            .await
            .expect("page");
        let Some(c) = page.end_cursor() else { break };
        if page_no % 100 == 99 {
            cursors.push(Some(c.to_owned()));
        }
        req = PageRequest::after(50, c);
    }
    let mut times = Vec::new();
    for i in 0..400 {
        let cursor = &cursors[i % cursors.len()];
        let req = PageRequest {
            size: 50,
            after: cursor.clone(),
            ..Default::default()
        };
        let t = Instant::now();
        let page = store
            .list_listings(&filter, sort, &req)
            .await
            .expect("page");
        times.push(t.elapsed());
        assert_eq!(page.items.len(), 50);
    }
    let med = median(times.clone());
    times.sort();
    let p95 = times[times.len() * 95 / 100];
    println!(
        "[{label}] keyset page of 50 by adjusted $/CPU-mark multi, filters status+form factor, {n} listings: median {:.2} ms, p95 {:.2} ms ({} runs)",
        med.as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3,
        times.len()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::var("BENCH_LISTINGS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    // `BENCH_BACKENDS=postgres` (or `sqlite`) runs one backend only; `BENCH_KEEP_DB=1` keeps
    // the databases after the run (their URLs are printed) for EXPLAIN sessions.
    let only = std::env::var("BENCH_BACKENDS").unwrap_or_default();
    let keep = std::env::var("BENCH_KEEP_DB").is_ok_and(|v| v == "1");
    if (only.is_empty() || only.contains("postgres"))
        && let Some(pg) = TestDb::postgres().await
    {
        run("postgres", &pg, false, n).await;
        if keep {
            println!("[postgres] kept {}", pg.url);
            std::mem::forget(pg);
        }
    }
    if only.is_empty() || only.contains("sqlite") {
        let lite = TestDb::sqlite().await;
        run("sqlite", &lite, true, n).await;
        if keep {
            println!("[sqlite] kept {}", lite.url);
            std::mem::forget(lite);
        }
    }
}
