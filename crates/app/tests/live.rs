//! Live updates end to end, through real `dealbrain` processes:
//!
//! - embedded (SQLite, in-process queue and events, the worker inside `serve`): a rule
//!   created over HTTP reaches a WebSocket subscriber as one event per changed listing;
//! - scale-out (PostgreSQL + Redis): two API processes and one worker; a rule created on A
//!   reaches a subscriber on B for every affected listing; then the worker is SIGKILLed in the
//!   middle of a 20,000-listing job and restarted, and every listing ends correct with no
//!   duplicated history row.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use common::Proc;
use common::live::*;
use domain::model::JobStatus;
use futures_util::StreamExt;
use sea_orm::ConnectionTrait;
use store::Store;
use store::revalue::Valuer;
use test_support::TestDb;

/// Listing id → adjusted price, from every valuation event until `quiet` passes without one.
async fn collect_updates(ws: &mut Socket, quiet: Duration) -> HashMap<i64, String> {
    let mut got = HashMap::new();
    while let Some(m) = next_json(ws, quiet).await {
        let u = &m["payload"]["data"]["listingValuationUpdated"];
        assert_eq!(u["__typename"], "ListingValuationUpdate", "{m}");
        let id = decode_listing_id(u["listingId"].as_str().unwrap());
        got.insert(id, u["adjustedPrice"].as_str().unwrap_or("null").to_owned());
    }
    got
}

/// Asserts every active/pending listing holds what the engine computes from the current rules
/// (evaluated here, independently of the worker).
async fn assert_all_correct(store: &Store) {
    let valuer = Valuer::load(store).await.unwrap();
    let ids = store.active_listing_ids(0, 1_000_000).await.unwrap();
    let now = chrono::Utc::now();
    let mut checked = 0;
    for chunk in ids.chunks(2_000) {
        let by_id = store.listings_by_ids(chunk).await.unwrap();
        let listings: Vec<_> = chunk.iter().filter_map(|i| by_id.get(i).cloned()).collect();
        let prepared = Valuer::contexts(store, &listings).await.unwrap();
        for l in &listings {
            let (v, _) = valuer.value_with(&valuer.plan, l, &prepared[&l.id], now);
            assert_eq!(
                l.valuation.adjusted_price_usd.map(|d| d.round_dp(2)),
                v.adjusted_price_usd.map(|d| d.round_dp(2)),
                "listing {} holds a stale valuation",
                l.id
            );
            checked += 1;
        }
    }
    assert_eq!(checked, ids.len());
}

/// History rows that repeat the previous row of their listing (same list and adjusted price).
async fn duplicated_history_rows(url: &str) -> i64 {
    let sql = "SELECT COUNT(*) AS n FROM (SELECT price_usd, adjusted_price_usd, \
        LAG(price_usd) OVER w AS prev_price, LAG(adjusted_price_usd) OVER w AS prev_adjusted \
        FROM listing_valuation_history WINDOW w AS (PARTITION BY listing_id ORDER BY at, id)) h \
        WHERE prev_price IS NOT NULL AND prev_price = price_usd \
        AND prev_adjusted IS NOT DISTINCT FROM adjusted_price_usd";
    let conn = sea_orm::Database::connect(url).await.unwrap();
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

/// The newest recalculation job that is not a coalesced request.
async fn newest_job(store: &Store) -> Option<domain::model::RecalculationJob> {
    store
        .jobs(None)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.status != JobStatus::Coalesced)
}

/// Waits for the newest job created after `known` to reach `until`.
async fn wait_job(
    store: &Store,
    known: Option<&str>,
    deadline: Duration,
    until: impl Fn(&domain::model::RecalculationJob) -> bool,
) -> domain::model::RecalculationJob {
    let end = Instant::now() + deadline;
    loop {
        if let Some(j) = newest_job(store).await
            && Some(j.id.as_str()) != known
            && until(&j)
        {
            return j;
        }
        assert!(
            Instant::now() < end,
            "the job did not get there in {deadline:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

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
    let job = wait_job(&store, None, Duration::from_secs(60), |j| {
        j.status == JobStatus::Succeeded
    })
    .await;
    let got = collect_updates(&mut ws, Duration::from_secs(2)).await;
    let after = adjusted(&store).await;
    let changed: HashSet<i64> = after
        .iter()
        .filter(|(id, v)| before.get(id) != Some(v))
        .map(|(id, _)| *id)
        .collect();
    assert!(!changed.is_empty());
    assert_eq!(got.keys().copied().collect::<HashSet<_>>(), changed);
    assert_eq!(got.len() as i32, job.changed);
    assert_all_correct(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_closes_websockets_with_going_away_and_exits() {
    let db = TestDb::sqlite().await;
    let mut api = Proc::serve(&[("DATABASE_URL", db.url.as_str()), ("LOG_LEVEL", "warn")]);
    let token = api.admin_token();
    let mut ws = subscribe_all(&api.base, &token).await;
    let reader = tokio::spawn(async move {
        loop {
            match ws.next().await {
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(Some(f)))) => {
                    return Some(u16::from(f.code));
                }
                Some(Ok(_)) => continue,
                _ => return None,
            }
        }
    });
    let status = tokio::task::spawn_blocking(move || api.terminate(Duration::from_secs(15)))
        .await
        .unwrap();
    assert!(
        status.is_some_and(|s| s.success()),
        "serve did not exit cleanly: {status:?}"
    );
    assert_eq!(reader.await.unwrap(), Some(1001));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_out_two_apis_one_worker_and_a_worker_killed_mid_job() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let (redis_url, prefix) = test_support::redis_namespace();
    let store = Store::connect(&db.url, 4).await.unwrap();
    store::seed::seed(&store, 20_000).await.unwrap();
    value_everything(&store).await;
    let env = [
        ("DATABASE_URL", db.url.as_str()),
        ("REDIS_URL", redis_url.as_str()),
        ("REDIS_PREFIX", prefix.as_str()),
        ("LOG_LEVEL", "warn"),
        // A killed worker's job is taken over after seconds, not the production minute.
        ("WORKER_LEASE_SECS", "3"),
        ("QUEUE_VISIBILITY_TIMEOUT_SECS", "3"),
    ];
    let a = Proc::serve(&env);
    let b = Proc::serve(&env);
    let mut worker = Proc::worker(&env);
    let token = a.admin_token();
    // Both API processes hold their one bus subscription before anything is changed.
    let mut redis = redis::Client::open(redis_url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let channel = format!("{prefix}events");
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, n): (String, i64) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(&channel)
            .query_async::<(String, i64)>(&mut redis)
            .await
            .unwrap();
        if n >= 2 {
            break;
        }
        assert!(Instant::now() < end, "the API processes never subscribed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut ws = subscribe_all(&b.base, &token).await;

    // 1. A change on A: B's subscriber gets every affected listing's new valuation.
    let before = adjusted(&store).await;
    add_flat_rule(&a.base, &token, "Flat test discount", -7).await;
    let first = wait_job(&store, None, Duration::from_secs(180), |j| {
        j.status == JobStatus::Succeeded
    })
    .await;
    let got = collect_updates(&mut ws, Duration::from_secs(3)).await;
    let after = adjusted(&store).await;
    let changed: HashSet<i64> = after
        .iter()
        .filter(|(id, v)| before.get(id) != Some(v))
        .map(|(id, _)| *id)
        .collect();
    assert!(changed.len() > 10_000, "{} listings changed", changed.len());
    assert_eq!(got.keys().copied().collect::<HashSet<_>>(), changed);
    for (id, price) in &got {
        let stored = after[id].map(|d| format!("{:.2}", d.round_dp(2)));
        assert_eq!(Some(price.clone()), stored, "listing {id}");
    }

    // 2. Another change; the worker dies (SIGKILL) after a few batches and is restarted.
    add_flat_rule(&a.base, &token, "Second flat test discount", -3).await;
    let running = wait_job(&store, Some(&first.id), Duration::from_secs(60), |j| {
        j.status == JobStatus::Running && j.processed >= 300
    })
    .await;
    drop(worker); // SIGKILL
    let midway = store.job(&running.id).await.unwrap().unwrap();
    assert!(
        midway.processed < midway.total,
        "the job finished before the kill ({} of {})",
        midway.processed,
        midway.total
    );
    worker = Proc::worker(&env);
    let done = wait_job(&store, Some(&first.id), Duration::from_secs(240), |j| {
        j.id == running.id && j.status == JobStatus::Succeeded
    })
    .await;
    assert_eq!(done.processed, done.total);
    assert_all_correct(&store).await;
    assert_eq!(duplicated_history_rows(&db.url).await, 0);
    drop((worker, a, b));
    let _: () = redis::cmd("EVAL")
        .arg("for _,k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end")
        .arg(0)
        .arg(format!("{prefix}*"))
        .query_async(&mut redis)
        .await
        .unwrap();
}
