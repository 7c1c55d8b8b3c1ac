//! Live updates end to end, through a real `dealbrain serve` in the embedded deployment
//! (SQLite, in-process queue and events, the worker inside `serve`): a rule created over HTTP
//! reaches a WebSocket subscriber as one event per changed listing. The scale-out path (two
//! API processes, a worker SIGKILLed mid-job) and shutdown are in the `resilience` suite.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::Proc;
use common::jobs::assert_all_correct;
use common::live::*;
use store::Store;
use test_support::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_rule_change_reaches_a_subscriber() {
    let db = TestDb::sqlite().await;
    let store = Store::connect(&db.url, 2).await.unwrap();
    store::seed::seed(&store, 300).await.unwrap();
    value_everything(&store).await;
    let before = adjusted(&store).await;
    let api = Proc::serve(&[("DATABASE_URL", db.url.as_str()), ("LOG_LEVEL", "warn")]);
    let token = api.admin_token();
    let mut ws = subscribe_all(&api.base, &token).await;
    add_flat_rule(&api.base, &token, "Flat test discount", -7).await;
    let settled = settle(
        &store,
        &mut ws,
        &before,
        Duration::from_secs(60),
        Duration::from_secs(2),
    )
    .await;
    assert!(!settled.changed.is_empty());
    settled.assert_every_change_received();
    assert_eq!(settled.got.len() as i32, settled.job.changed);
    assert_all_correct(&store).await;
}
