//! Concurrent writers on one SQLite file (the embedded default runs the worker inside `serve`):
//! rule edits while a recalculation writes batches must all succeed. A deferred transaction
//! that reads before it writes used to fail with `SQLITE_BUSY_SNAPSHOT` (517) whenever the
//! other writer committed in between.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing test panics

use domain::model::{ChangeMeta, RuleData, ValuationCause};
use store::Store;
use test_support::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_edits_and_recalculation_batches_never_collide() {
    let db = TestDb::sqlite().await;
    let store = Store::connect(&db.url, 4).await.unwrap();
    store::seed::seed(&store, 300).await.unwrap();
    let ids = store.active_listing_ids(0, 1_000).await.unwrap();
    let rulesets = store.rulesets(false).await.unwrap();
    let group = store.rule_groups(rulesets[0].id).await.unwrap()[0].id;
    let data = move |value: i32| RuleData {
        group_id: group,
        name: "concurrency probe".into(),
        description: None,
        evaluation_order: 99,
        is_active: true,
        conditions: None,
        actions: serde_json::json!([{"type": "additive", "value": value}]),
        metadata: serde_json::json!({}),
        created_by: None,
    };
    let rule = store
        .create_rule(&data(-1), &ChangeMeta::default())
        .await
        .unwrap();

    let recalculation = {
        let store = store.clone();
        tokio::spawn(async move {
            for _ in 0..10 {
                for batch in ids.chunks(50) {
                    store::revalue::revalue(&store, batch, ValuationCause::RuleChange, None)
                        .await
                        .expect("a recalculation batch failed");
                }
            }
        })
    };
    let edits = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..60 {
                store
                    .update_rule(rule.id, &data(-(i % 7) - 1), &ChangeMeta::default())
                    .await
                    .expect("a rule edit failed");
                tokio::task::yield_now().await;
            }
        })
    };
    recalculation.await.unwrap();
    edits.await.unwrap();
    let after = store.rule(rule.id).await.unwrap().unwrap();
    assert_eq!(after.version, 61, "every edit bumped the version once");
}
