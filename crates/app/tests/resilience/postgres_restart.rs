//! Scenario 3: PostgreSQL restarted under a running API and worker. The database is a private
//! cluster (`initdb` in a scratch directory, `pg_ctl -m fast stop` / `start` on the same port);
//! Redis is the shared server under a key prefix of this test.
//!
//! Expected while it is down: queries and mutations fail promptly with `INTERNAL` and the
//! fixed message — no driver text (connection refused, sqlx, pool…) reaches the client;
//! `/ready` and `/health` answer 503. After the restart both recover without restarting the
//! API or the worker: queries succeed, `/ready` is 200, and a rule change is recalculated by
//! the same worker. Measured: failure latency, time to the first successful query and to
//! `/ready` after the restart.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::jobs::*;
use crate::common::live::*;
use crate::common::services::PrivatePostgres;
use crate::common::{Proc, get, graphql, graphql_status};
use domain::model::JobStatus;
use store::Store;

/// Words of driver and transport errors that must never reach a client.
const LEAKS: [&str; 9] = [
    "sqlx",
    "postgres",
    "connection",
    "refused",
    "pool",
    "os error",
    "tcp",
    "database",
    "timed out",
];

/// Asserts a response failed with `INTERNAL`, the fixed message, and nothing else.
fn assert_internal(r: &Value, what: &str) {
    let errors = r["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{what} succeeded while PostgreSQL was down: {r}"));
    for e in errors {
        assert_eq!(e["extensions"]["code"], "INTERNAL", "{what}: {r}");
        assert_eq!(e["message"], "internal error", "{what}: {r}");
    }
    let text = r.to_string().to_lowercase();
    for word in LEAKS {
        assert!(!text.contains(word), "{what} leaks `{word}`: {r}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_fails_cleanly_and_recovers_without_restarts() {
    let Some(pg) = PrivatePostgres::start() else {
        return;
    };
    let (redis_url, prefix) = test_support::redis_namespace();
    if !crate::common::redis_reachable(&redis_url) {
        return;
    }
    let url = pg.url();
    let store = Store::connect(&url, 2).await.unwrap();
    store.migrate_up().await.unwrap();
    store::seed::seed(&store, 300).await.unwrap();
    value_everything(&store).await;
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("REDIS_URL", redis_url.as_str()),
        ("REDIS_PREFIX", prefix.as_str()),
        ("LOG_LEVEL", "warn"),
        // How long a request waits for a connection before it fails (production: 5 s).
        ("DATABASE_ACQUIRE_TIMEOUT_SECS", "2"),
    ];
    let mut api = Proc::serve(&env);
    let mut worker = Proc::worker(&env);
    let token = api.admin_token();
    let query = "{ listings(first: 2) { totalCount edges { node { id title } } } }";
    let ok = graphql(&api.base, Some(&token), query).await;
    assert!(ok.get("errors").is_none(), "{ok}");
    assert_eq!(get(&format!("{}/ready", api.base)).await.0, 200);

    pg.stop_server();
    let down_at = Instant::now();
    let mut slowest = Duration::ZERO;
    for (what, token) in [
        ("a query with a token", Some(token.as_str())),
        ("a public query", None),
    ] {
        let started = Instant::now();
        let (status, r) = graphql_status(&api.base, token, query).await;
        slowest = slowest.max(started.elapsed());
        assert_internal(&r, what);
        // A token that cannot be checked is not the caller's fault.
        assert!(status == 200 || status == 500, "{what}: HTTP {status}");
    }
    let started = Instant::now();
    let r = graphql(
        &api.base,
        Some(&token),
        "mutation { enqueueRecalculation(scope: ALL) }",
    )
    .await;
    slowest = slowest.max(started.elapsed());
    assert_internal(&r, "a mutation");
    assert!(
        slowest < Duration::from_secs(2 + 3),
        "a request took {slowest:?} to fail (acquire timeout 2 s)"
    );
    let (ready, body) = get(&format!("{}/ready", api.base)).await;
    assert_eq!(ready, 503, "/ready while PostgreSQL is down: {body}");
    let (health, body) = get(&format!("{}/health", api.base)).await;
    assert_eq!(health, 503, "/health while PostgreSQL is down: {body}");
    // Long enough for the worker's idle loop and the samplers to hit the outage too.
    tokio::time::sleep(Duration::from_secs(2).saturating_sub(down_at.elapsed())).await;
    assert!(
        api.alive() && worker.alive(),
        "a process died with the database"
    );
    let downtime = down_at.elapsed();

    pg.start_server();
    let up_at = Instant::now();
    let mut query_after = None;
    let mut ready_after = None;
    while up_at.elapsed() < Duration::from_secs(30) && ready_after.is_none() {
        if query_after.is_none()
            && graphql(&api.base, Some(&token), query)
                .await
                .get("errors")
                .is_none()
        {
            query_after = Some(up_at.elapsed());
        }
        if query_after.is_some() && get(&format!("{}/ready", api.base)).await.0 == 200 {
            ready_after = Some(up_at.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let query_after = query_after.expect("no query succeeded within 30 s of the restart");
    let ready_after = ready_after.expect("/ready stayed 503 for 30 s after the restart");

    // The same worker picks up work again.
    add_flat_rule(&api.base, &token, "After the restart", -5).await;
    let job = wait_job(&store, None, Duration::from_secs(60), |j| {
        j.status == JobStatus::Succeeded
    })
    .await;
    assert!(job.changed > 0, "{job:?}");
    assert_all_correct(&store).await;
    assert!(api.alive() && worker.alive(), "a process was restarted");
    println!(
        "RESILIENCE postgres-restart: down {:.1} s; failing requests answered INTERNAL within \
         {:.2} s (no driver text); /ready and /health 503; after restart: first query {:.2} s, \
         /ready 200 {:.2} s; job after the restart done by the same worker",
        downtime.as_secs_f64(),
        slowest.as_secs_f64(),
        query_after.as_secs_f64(),
        ready_after.as_secs_f64()
    );
    drop((api, worker));
    clear_prefix(&redis_url, &prefix).await;
}
