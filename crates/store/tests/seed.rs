//! `seed` loads the sample data and a second run changes nothing; a freshly seeded table gets
//! planner statistics before a job walks it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing test panics

mod common;

use common::Fixture;
use store::PageRequest;
use store::seed::seed;

async fn seed_is_idempotent(f: Fixture) {
    let s = &f.store;
    let first = seed(s, 40).await.unwrap();
    assert!(first.cpus >= 60 && first.gpus >= 15, "{first:?}");
    assert_eq!((first.scoring_profiles, first.listings), (2, 40));
    assert!(first.rules >= 10);
    let default = s.default_scoring_profile().await.unwrap().unwrap();
    assert_eq!(default.data.name, "Proxmox");
    let rules: Vec<_> = {
        let rs = s.rulesets(true).await.unwrap();
        let groups = s.rule_groups(rs[0].id).await.unwrap();
        assert_eq!(
            groups
                .iter()
                .map(|g| g.data.name.as_str())
                .collect::<Vec<_>>(),
            ["CPU", "RAM", "Storage", "Condition", "Ports"]
        );
        s.rules_of_groups(&groups.iter().map(|g| g.id).collect::<Vec<_>>())
            .await
            .unwrap()
    };
    let mut types: Vec<String> = rules
        .iter()
        .flat_map(|r| r.data.actions.as_array().cloned().unwrap_or_default())
        .map(|a| a["type"].as_str().unwrap_or_default().to_owned())
        .collect();
    types.sort();
    types.dedup();
    assert_eq!(
        types,
        [
            "additive",
            "benchmark_based",
            "fixed_value",
            "formula",
            "multiplier",
            "per_unit"
        ]
    );
    let listings = s
        .list_listings(
            &Default::default(),
            Default::default(),
            &PageRequest::first(100),
        )
        .await
        .unwrap();
    assert!(
        listings
            .items
            .iter()
            .all(|l| l.valuation.adjusted_price_usd.is_none() && l.data.cpu_id.is_some())
    );

    let count = s.count_listings().await.unwrap();
    let second = seed(s, 40).await.unwrap();
    assert_eq!(second, Default::default(), "second run creates nothing");
    assert_eq!(s.count_listings().await.unwrap(), count);
    assert_eq!(
        s.cpus(&PageRequest::first(500)).await.unwrap().items.len(),
        first.cpus
    );
}

/// A freshly seeded PostgreSQL table has no statistics; a job's walk refreshes them first (see
/// `Store::refresh_listing_statistics`). SQLite has nothing to refresh.
async fn a_walk_refreshes_missing_statistics(f: Fixture) {
    let s = &f.store;
    seed(s, 40).await.unwrap();
    s.refresh_listing_statistics(40).await.unwrap();
    if f.db.url.starts_with("postgres") {
        use sea_orm::{ConnectionTrait, Statement};
        let db = sea_orm::Database::connect(&f.db.url).await.unwrap();
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'listings'::regclass",
            ))
            .await
            .unwrap()
            .unwrap();
        let estimate: f64 = row.try_get("", "n").unwrap();
        assert_eq!(
            estimate, 40.0,
            "ANALYZE counted every row of the small table"
        );
    }
}

both!(seed_is_idempotent, a_walk_refreshes_missing_statistics);
