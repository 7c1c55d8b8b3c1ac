//! Batched valuation writes: exactly the changed rows, history only on price changes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing test panics

mod common;

use common::{Fixture, dec, listing, valuation};
use domain::model::*;

fn upd(id: i64, v: ListingValuation) -> ValuationUpdate {
    ValuationUpdate {
        listing_id: id,
        valuation: v,
        cause: ValuationCause::RuleChange,
        job_id: None,
    }
}

/// A listing's `updated_at` and `valued_at`.
async fn stamp(
    s: &store::Store,
    id: i64,
) -> (
    chrono::DateTime<chrono::Utc>,
    Option<chrono::DateTime<chrono::Utc>>,
) {
    let l = s.listing(id).await.unwrap().unwrap();
    (l.updated_at, l.valuation.valued_at)
}

async fn bulk_writes_exactly_the_changed_rows(f: Fixture) {
    let s = &f.store;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            s.create_listing(&listing(&format!("Unit {i}"), "200"))
                .await
                .unwrap()
                .id,
        );
    }
    let first: Vec<_> = ids.iter().map(|id| upd(*id, valuation("180"))).collect();
    let out = s.bulk_update_valuations(&first).await.unwrap();
    assert_eq!(
        (out.changed, out.unchanged, out.history_rows),
        (5, 0, 5),
        "first valuation writes history"
    );
    let l = s.listing(ids[0]).await.unwrap().unwrap();
    assert_eq!(l.valuation.adjusted_price_usd, Some(dec("180.00")));
    assert_eq!(
        l.valuation.dollar_per_cpu_mark_multi_adjusted,
        Some(dec("0.0123"))
    );
    assert_eq!(l.valuation.deal_class, Some(DealClass::Neutral));
    // (updated_at, valued_at) of each listing after its first valuation.
    let mut stamps = Vec::new();
    for id in &ids {
        stamps.push(stamp(s, *id).await);
    }

    // Same values again (a new evaluatedAt/valued_at is not a change): nothing written.
    let again: Vec<_> = ids
        .iter()
        .map(|id| {
            let mut v = valuation("180");
            v.valuation_breakdown =
                Some(serde_json::json!({"adjustedPrice": "180", "evaluatedAt": "later"}));
            upd(*id, v)
        })
        .collect();
    let out = s.bulk_update_valuations(&again).await.unwrap();
    assert_eq!((out.changed, out.unchanged, out.history_rows), (0, 5, 0));
    assert_eq!(stamp(s, ids[0]).await, stamps[0], "rows untouched");

    // Two adjusted prices change, one score changes (no price change → no history).
    let mut batch: Vec<_> = ids.iter().map(|id| upd(*id, valuation("180"))).collect();
    batch[1].valuation = valuation("150");
    batch[2].valuation = valuation("150");
    batch[3].valuation.score_composite = Some(dec("42.5"));
    batch.push(upd(987_654, valuation("1")));
    let out = s.bulk_update_valuations(&batch).await.unwrap();
    assert_eq!(
        (out.changed, out.unchanged, out.missing, out.history_rows),
        (3, 2, 1, 2)
    );
    assert_eq!(
        s.listing(ids[3])
            .await
            .unwrap()
            .unwrap()
            .valuation
            .score_composite,
        Some(dec("42.5"))
    );
    assert_eq!(stamp(s, ids[4]).await, stamps[4], "unchanged row untouched");
    // A rule-dependent change rewrites the valuation row only: the listing row (and its
    // `updated_at`) stays; a metric change rewrites the listing row.
    let (updated, valued) = stamp(s, ids[1]).await;
    assert_eq!(
        updated, stamps[1].0,
        "listing row untouched by a valuation change"
    );
    assert_ne!(valued, stamps[1].1, "valued_at moves with the valuation");
    assert!(
        stamp(s, ids[3]).await.0 > stamps[3].0,
        "a metric change moves updated_at"
    );
    let h = s.valuation_history(ids[1], 10).await.unwrap();
    assert_eq!(
        h.iter().map(|e| e.adjusted_price_usd).collect::<Vec<_>>(),
        vec![Some(dec("150")), Some(dec("180"))]
    );
    assert_eq!(h[0].cause, ValuationCause::RuleChange);
    assert_eq!(s.valuation_history(ids[3], 10).await.unwrap().len(), 1);

    // A list price change alone (same adjusted) appends history.
    let mut w = listing("Unit 0", "210");
    w.data.title = "Unit 0".into();
    s.update_listing(ids[0], &w).await.unwrap();
    let out = s
        .bulk_update_valuations(&[upd(ids[0], valuation("180"))])
        .await
        .unwrap();
    assert_eq!((out.changed, out.history_rows), (0, 1));
    assert_eq!(
        s.valuation_history(ids[0], 10).await.unwrap()[0].price_usd,
        dec("210")
    );

    // Larger than one statement chunk, in one call.
    let mut many = Vec::new();
    for i in 0..1100 {
        let id = s
            .create_listing(&listing(&format!("Bulk {i}"), "100"))
            .await
            .unwrap()
            .id;
        many.push(upd(id, valuation("90")));
    }
    let out = s.bulk_update_valuations(&many).await.unwrap();
    assert_eq!((out.changed, out.history_rows), (1100, 1100));
}

both!(bulk_writes_exactly_the_changed_rows);

/// Every listing has exactly one `listing_valuations` row, however it was inserted (the
/// store, a raw multi-row INSERT as imports and seeds issue), and loses it with the listing.
async fn every_listing_has_one_valuation_row(f: Fixture) {
    use sea_orm::{ConnectionTrait, Database, Statement};
    let s = &f.store;
    let created = s.create_listing(&listing("Unit A", "200")).await.unwrap();
    assert_eq!(created.valuation.adjusted_price_usd, None, "not valued yet");
    let conn = Database::connect(f.db.url.as_str()).await.unwrap();
    let backend = conn.get_database_backend();
    let now = if backend == sea_orm::DbBackend::Sqlite {
        "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    } else {
        "now()"
    };
    conn.execute_unprepared(&format!(
        "INSERT INTO listings (title, price_usd, url_key, created_at, updated_at) VALUES \
         ('Raw one', '10.00', '', {now}, {now}), ('Raw two', '20.00', '', {now}, {now})"
    ))
    .await
    .unwrap();
    let count = |sql: &'static str| {
        let conn = &conn;
        async move {
            let row = conn
                .query_one_raw(Statement::from_string(backend, sql))
                .await
                .unwrap()
                .unwrap();
            row.try_get::<i64>("", "n").unwrap()
        }
    };
    let orphans = "SELECT COUNT(*) AS n FROM listings l WHERE NOT EXISTS \
                   (SELECT 1 FROM listing_valuations v WHERE v.listing_id = l.id)";
    assert_eq!(count("SELECT COUNT(*) AS n FROM listings").await, 3);
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM listing_valuations").await,
        3
    );
    assert_eq!(count(orphans).await, 0);
    assert_eq!(s.count_listings().await.unwrap(), 3);

    s.delete_listing(created.id).await.unwrap();
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM listing_valuations").await,
        2
    );
    assert!(s.listing(created.id).await.unwrap().is_none());
}

both!(every_listing_has_one_valuation_row);
