//! Scenario 2: Redis restarted (SIGKILL, a few seconds down, started again empty — no
//! persistence, like a crashed cache node) while 500 WebSocket subscribers are connected and
//! a recalculation runs. The Redis is a private `redis-server` on a free port; PostgreSQL is
//! the shared server.
//!
//! Expected: the API keeps serving queries during the outage (`/ready` says 503); a rule
//! changed during the outage is either queued or the mutation fails with a clear error —
//! either way the change is saved and its recalculation runs once Redis is back (the job rows
//! in the database are the source of truth: the worker re-enqueues unfinished jobs after an
//! outage). Every subscriber gets a `Resync` (reason `RECONNECTED`), and afterwards every
//! event again: a later rule change must reach each subscriber for each of its watched
//! listings that changed — events lost = 0. Measured: time to `/ready`, to the last resync,
//! to the jobs done, and events expected vs received.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::jobs::*;
use crate::common::live::*;
use crate::common::services::PrivateRedis;
use crate::common::{Proc, get, graphql};
use domain::model::JobStatus;
use store::Store;
use test_support::TestDb;

const SUBSCRIBERS: usize = 500;
const LISTINGS: usize = 2_000;

const WATCH: &str = "subscription($f: ValuationEventFilter) { listingValuationUpdated(filter: $f) { \
    __typename ... on ListingValuationUpdate { listingId jobId } ... on Resync { reason } } }";

/// A rule created during the outage: `Ok` (queued) or the error's code and message.
async fn create_rule(base: &str, token: &str, group: &str, delta: i32) -> Result<(), Value> {
    let r = create_flat_rule(base, token, group, "Rule during the outage", delta).await;
    match r.get("errors") {
        None => Ok(()),
        Some(e) => Err(e[0].clone()),
    }
}

/// Waits until no job is queued or running; how long that took.
async fn wait_all_jobs_done(store: &Store, within: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let open = store.unfinished_recalc_jobs().await.unwrap();
        if open.is_empty() {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < within,
            "jobs still unfinished after {within:?}: {open:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restart_under_load_loses_no_job_and_no_event() {
    let Some(mut redis) = PrivateRedis::start() else {
        return;
    };
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let store = Store::connect(&db.url, 4).await.unwrap();
    store::seed::seed(&store, LISTINGS).await.unwrap();
    value_everything(&store).await;
    let ids = store.active_listing_ids(0, 1_000_000).await.unwrap();
    let (url, prefix) = (redis.url(), "resilience:".to_owned());
    let extra = [
        &[("RECALC_BATCH_SIZE", "40")][..],
        &FAST_TAKEOVER,
        // 500 connections from one loopback address are not an abuse to throttle here.
        &[
            ("API_RATE_PER_SECOND", "100000"),
            ("API_RATE_BURST", "100000"),
        ],
    ]
    .concat();
    let env = cluster_env(&db.url, &url, &prefix, &extra);
    let mut api = Proc::serve(&env);
    let mut worker = Proc::worker(&env);
    let token = api.admin_token();
    wait_bus_subscribers(&url, &prefix, 1, Duration::from_secs(30)).await;

    // Each subscriber watches its own slice of the listings.
    let per = ids.len().div_ceil(SUBSCRIBERS);
    let mut watched: Vec<Vec<i64>> = Vec::with_capacity(SUBSCRIBERS);
    let mut subs = Vec::with_capacity(SUBSCRIBERS);
    for i in 0..SUBSCRIBERS {
        let mine: Vec<i64> = ids.iter().skip(i * per).take(per).copied().collect();
        let gids: Vec<String> = mine.iter().map(|id| listing_gid(*id)).collect();
        let mut ws = connect(&api.base, &token, None).await;
        subscribe(&mut ws, "v", WATCH, json!({"f": {"listingIds": gids}})).await;
        subs.push(Recorder::start(ws));
        watched.push(mine);
    }
    let groups = graphql(
        &api.base,
        Some(&token),
        "{ rulesets(first: 1) { edges { node { groups { id } } } } }",
    )
    .await;
    let group = groups["data"]["rulesets"]["edges"][0]["node"]["groups"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // A recalculation runs when Redis dies.
    add_flat_rule(&api.base, &token, "Before the outage", -7).await;
    let running = wait_job(&store, None, Duration::from_secs(60), |j| {
        j.status == JobStatus::Running && j.processed >= 80
    })
    .await;
    redis.kill();
    let down_at = Instant::now();

    let served = graphql(
        &api.base,
        Some(&token),
        "{ listings(first: 1) { totalCount } }",
    )
    .await;
    assert!(
        served["data"]["listings"]["totalCount"].as_i64() == Some(ids.len() as i64),
        "a query failed while Redis was down: {served}"
    );
    let (ready, body) = get(&format!("{}/ready", api.base)).await;
    assert_eq!(ready, 503, "/ready while Redis is down: {body}");
    let during = create_rule(&api.base, &token, &group, -3).await;
    if let Err(e) = &during {
        assert_eq!(e["extensions"]["code"], "INTERNAL", "{e}");
        let message = e["message"].as_str().unwrap_or_default();
        assert!(message.contains("could not be queued"), "{e}");
    }
    // Down for a few seconds in all.
    tokio::time::sleep(Duration::from_secs(3).saturating_sub(down_at.elapsed())).await;
    let downtime = down_at.elapsed();
    redis.restart();
    let up_at = Instant::now();

    let mut ready_after = None;
    while up_at.elapsed() < Duration::from_secs(30) {
        if get(&format!("{}/ready", api.base)).await.0 == 200 {
            ready_after = Some(up_at.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ready_after = ready_after.expect("/ready did not recover within 30 s");

    // Every subscriber is told to resync, once the API's bus subscription is back.
    let resync_deadline = Instant::now() + Duration::from_secs(30);
    let last_resync = loop {
        let firsts: Vec<Option<Instant>> = subs
            .iter()
            .map(|s| {
                s.valuations()
                    .into_iter()
                    .find(|(at, v)| *at >= down_at && v["__typename"] == "Resync")
                    .map(|(at, v)| {
                        assert_eq!(v["reason"], "RECONNECTED", "{v}");
                        at
                    })
            })
            .collect();
        if firsts.iter().all(Option::is_some) {
            break firsts.into_iter().flatten().max().unwrap();
        }
        let missing = firsts.iter().filter(|f| f.is_none()).count();
        assert!(
            Instant::now() < resync_deadline,
            "{missing} of {SUBSCRIBERS} subscribers got no resync"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let resync_after = last_resync.saturating_duration_since(up_at);

    // The job that was running and the change made during the outage both complete.
    let jobs_after = up_at.elapsed() + wait_all_jobs_done(&store, Duration::from_secs(90)).await;
    let j1 = store.job(&running.id).await.unwrap().unwrap();
    assert_eq!(j1.status, JobStatus::Succeeded, "{j1:?}");
    assert_all_correct(&store).await;

    // After the resync, events flow again, and none is lost.
    let before = adjusted(&store).await;
    add_flat_rule(&api.base, &token, "After the outage", -2).await;
    let after_job = wait_job(&store, Some(&running.id), Duration::from_secs(90), |j| {
        j.status == JobStatus::Succeeded
    })
    .await;
    let changed = changed_ids(&before, &adjusted(&store).await);
    assert!(!changed.is_empty());
    let expected_total: usize = watched
        .iter()
        .map(|w| w.iter().filter(|id| changed.contains(id)).count())
        .sum();
    let quiet_until = Instant::now() + Duration::from_secs(30);
    let mut lost = usize::MAX;
    let mut received: HashMap<usize, usize> = HashMap::new();
    while Instant::now() < quiet_until {
        received.clear();
        for (i, s) in subs.iter().enumerate() {
            let n = s
                .valuations()
                .iter()
                .filter(|(_, v)| v["jobId"].as_str() == Some(after_job.id.as_str()))
                .count();
            received.insert(i, n);
        }
        lost = expected_total.saturating_sub(received.values().sum());
        if lost == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for (i, w) in watched.iter().enumerate() {
        let expected = w.iter().filter(|id| changed.contains(id)).count();
        assert_eq!(
            received[&i], expected,
            "subscriber {i}: events received vs expected"
        );
    }
    assert_eq!(lost, 0);
    assert!(api.alive() && worker.alive(), "a process died");
    assert_eq!(duplicated_history_rows(&db.url).await, 0);
    println!(
        "RESILIENCE redis-restart: down {:.1} s during job {} ({SUBSCRIBERS} subscribers); \
         queries served during the outage; rule change during the outage: {}; /ready 200 \
         {:.2} s after restart; last of {SUBSCRIBERS} resyncs {:.2} s after restart; all jobs \
         done {:.1} s after restart; events after resync: expected {expected_total}, received \
         {}, lost {lost}",
        downtime.as_secs_f64(),
        running.id,
        match &during {
            Ok(()) => "queued".to_owned(),
            Err(e) => format!("failed clearly ({})", e["message"]),
        },
        ready_after.as_secs_f64(),
        resync_after.as_secs_f64(),
        jobs_after.as_secs_f64(),
        received.values().sum::<usize>(),
    );
}
