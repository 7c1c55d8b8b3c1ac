//! `just bench-live`: the live path measured on PostgreSQL + Redis with real processes.
//!
//! 1. **Full recalculation**: `BENCH_LISTINGS` (100,000) valued listings, one `dealbrain serve`
//!    and one `dealbrain worker`; one rule is created over HTTP and the clock runs until the
//!    job is done and a subscriber holds every listing's new valuation. Every event's delivery
//!    latency (receipt − the worker's commit timestamp `at`) gives p50/p99.
//! 2. **Fan-out**: `BENCH_SUBSCRIBERS` (10,000) WebSocket connections on one API instance,
//!    each watching `BENCH_WATCH` (10) of `BENCH_FANOUT_LISTINGS` (1,000) listings; one rule
//!    change revalues those listings. Reports lost events (expected − received), p50/p99
//!    delivery latency, and the API's RSS growth per idle subscription.
//!
//! Loopback only; client sockets are spread over 127.0.0.1–8 so ephemeral ports do not run out.
//! Each side holds one socket per subscriber: the open-file limit must exceed
//! `BENCH_SUBSCRIBERS` (the Justfile recipe raises the soft limit to the hard one).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::Proc;
use common::jobs::newest_job;
use common::live::*;
use domain::model::JobStatus;
use serde_json::{Value, json};
use store::Store;
use test_support::TestDb;
use tokio::sync::{Semaphore, mpsc};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A valuation event's listing and delivery latency in ms, if `m` is one.
fn delivery(m: &Value, received: DateTime<Utc>) -> Option<(i64, f64)> {
    let u = &m["payload"]["data"]["listingValuationUpdated"];
    let id = decode_listing_id(u["listingId"].as_str()?);
    let at: DateTime<Utc> = u["at"].as_str()?.parse().ok()?;
    Some((id, (received - at).num_microseconds()? as f64 / 1000.0))
}

async fn wait_done(store: &Store, deadline: Duration) -> domain::model::RecalculationJob {
    let end = Instant::now() + deadline;
    loop {
        if let Some(j) = newest_job(store).await
            && j.status == JobStatus::Succeeded
        {
            return j;
        }
        assert!(Instant::now() < end, "no finished job in {deadline:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A database seeded with `n` listings, all valued.
async fn prepared_db(n: usize) -> (TestDb, Store) {
    let db = TestDb::postgres()
        .await
        .expect("PostgreSQL (DEALBRAIN_TEST_DATABASE_URL) is needed");
    let store = Store::connect(&db.url, 8).await.unwrap();
    let t = Instant::now();
    store::seed::seed(&store, n).await.unwrap();
    value_everything(&store).await;
    println!(
        "  setup: {n} listings seeded and valued in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    (db, store)
}

fn process_env<'a>(db: &'a TestDb, redis: &'a str, prefix: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("DATABASE_URL", db.url.as_str()),
        ("REDIS_URL", redis),
        ("REDIS_PREFIX", prefix),
        ("LOG_LEVEL", "warn"),
        ("API_RATE_PER_SECOND", "1000000"),
        ("API_RATE_BURST", "1000000"),
        ("DATABASE_POOL_SIZE", "20"),
    ]
}

async fn full_recalculation(redis: &str) {
    let n = env_usize("BENCH_LISTINGS", 100_000);
    // The worker's batch size: its default unless the bench is run with RECALC_BATCH_SIZE.
    let batch = env_usize("RECALC_BATCH_SIZE", 100).to_string();
    println!("full recalculation of {n} listings after one rule change, batches of {batch}");
    let (db, store) = prepared_db(n).await;
    let (_, prefix) = test_support::redis_namespace();
    let mut env = process_env(&db, redis, &prefix);
    env.push(("RECALC_BATCH_SIZE", batch.as_str()));
    let api = Proc::serve(&env);
    let _worker = Proc::worker(&env);
    let token = api.admin_token();
    let mut ws = subscribe_all(&api.base, &token).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let t0 = Instant::now();
    add_flat_rule(&api.base, &token, "Bench flat discount", -5).await;
    let mut latencies = Vec::with_capacity(n);
    let mut last_event = t0;
    let mut seen = std::collections::HashSet::new();
    let job = loop {
        match next_json(&mut ws, Duration::from_millis(200)).await {
            Some(m) => {
                if let Some((id, ms)) = delivery(&m, Utc::now()) {
                    latencies.push(ms);
                    seen.insert(id);
                    last_event = Instant::now();
                }
            }
            None => {
                if let Some(j) = newest_job(&store).await
                    && j.status == JobStatus::Succeeded
                    && seen.len() >= usize::try_from(j.changed).unwrap_or(0)
                {
                    break j;
                }
            }
        }
        assert!(
            t0.elapsed() < Duration::from_secs(900),
            "the job never finished"
        );
    };
    latencies.sort_by(f64::total_cmp);
    let run = job
        .finished_at
        .zip(job.started_at)
        .map(|(f, s)| (f - s).num_milliseconds() as f64 / 1000.0)
        .unwrap_or(f64::NAN);
    println!(
        "  mutation → last event received: {:.2} s; job running (claim → done): {run:.2} s",
        (last_event - t0).as_secs_f64()
    );
    println!(
        "  {} listings processed, {} changed, {} events received; rate {:.0} listings/s",
        job.processed,
        job.changed,
        seen.len(),
        f64::from(job.processed) / run
    );
    println!(
        "  commit → subscriber latency: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN)
    );
}

async fn fan_out(redis: &str) {
    let subscribers = env_usize("BENCH_SUBSCRIBERS", 10_000);
    let listings = env_usize("BENCH_FANOUT_LISTINGS", 1_000);
    let watch = env_usize("BENCH_WATCH", 10);
    println!(
        "fan-out: {subscribers} WebSocket subscribers, each watching {watch} of {listings} listings"
    );
    let (db, store) = prepared_db(listings).await;
    let ids = store.active_listing_ids(0, listings as u64).await.unwrap();
    let (_, prefix) = test_support::redis_namespace();
    let env = process_env(&db, redis, &prefix);
    let api = Proc::serve(&env);
    let _worker = Proc::worker(&env);
    let token = api.admin_token();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_before = rss_kib(api.pid());
    let (tx, mut rx) = mpsc::unbounded_channel::<(usize, i64, f64)>();
    let handshakes = Arc::new(Semaphore::new(256));
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<()>();
    let mut watched: Vec<Vec<i64>> = Vec::with_capacity(subscribers);
    let t_connect = Instant::now();
    for i in 0..subscribers {
        let mine: Vec<i64> = (0..watch)
            .map(|k| ids[(i * watch + k) % ids.len()])
            .collect();
        watched.push(mine.clone());
        let (base, token, tx, ready, gate) = (
            api.base.clone(),
            token.clone(),
            tx.clone(),
            ready_tx.clone(),
            handshakes.clone(),
        );
        let ip = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1 + (i % 8) as u8));
        tokio::spawn(async move {
            let permit = gate.acquire_owned().await.unwrap();
            let mut ws = connect(&base, &token, Some(ip)).await;
            let gids: Vec<String> = mine
                .iter()
                .map(|id| {
                    use base64::Engine as _;
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Listing:{id}"))
                })
                .collect();
            subscribe(&mut ws, "w", VALUATIONS, json!({"f": {"listingIds": gids}})).await;
            drop(permit);
            let _ = ready.send(());
            while let Some(m) = next_json(&mut ws, Duration::from_secs(3600)).await {
                if let Some((id, ms)) = delivery(&m, Utc::now()) {
                    let _ = tx.send((i, id, ms));
                }
            }
        });
    }
    for _ in 0..subscribers {
        ready_rx.recv().await.unwrap();
    }
    // Subscriptions start when the server has read the `subscribe`: wait for the gauge.
    let end = Instant::now() + Duration::from_secs(120);
    loop {
        let (_, text) = common::get(&format!("{}/metrics", api.base)).await;
        let active = text
            .lines()
            .filter(|l| l.starts_with("subscriptions_active"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>();
        if active as usize >= subscribers {
            break;
        }
        assert!(Instant::now() < end, "subscriptions never all started");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "  {subscribers} connected and subscribed in {:.1} s",
        t_connect.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after = rss_kib(api.pid());
    let per_sub = (rss_after.saturating_sub(rss_before)) as f64 * 1024.0 / subscribers as f64;
    println!(
        "  API RSS {:.1} MiB → {:.1} MiB: {:.1} KB per idle subscription",
        rss_before as f64 / 1024.0,
        rss_after as f64 / 1024.0,
        per_sub / 1000.0
    );
    let before = adjusted(&store).await;
    add_flat_rule(&api.base, &token, "Bench flat discount", -5).await;
    let job = wait_done(&store, Duration::from_secs(300)).await;
    let after = adjusted(&store).await;
    let changed: std::collections::HashSet<i64> = after
        .iter()
        .filter(|(id, v)| before.get(id) != Some(v))
        .map(|(id, _)| *id)
        .collect();
    let expected: usize = watched
        .iter()
        .map(|w| w.iter().filter(|id| changed.contains(id)).count())
        .sum();
    let mut got: HashMap<(usize, i64), f64> = HashMap::with_capacity(expected);
    let quiet = Duration::from_secs(3);
    while let Ok(Some((i, id, ms))) = tokio::time::timeout(quiet, rx.recv()).await {
        got.insert((i, id), ms);
    }
    let mut latencies: Vec<f64> = got.values().copied().collect();
    latencies.sort_by(f64::total_cmp);
    println!(
        "  job: {} listings, {} changed; expected deliveries {expected}, received {}, lost {}",
        job.processed,
        job.changed,
        got.len(),
        expected.saturating_sub(got.len())
    );
    println!(
        "  delivery latency: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN)
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let redis = std::env::var("DEALBRAIN_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    rt.block_on(async {
        if only.is_empty() || only == "recalc" {
            full_recalculation(&redis).await;
        }
        if only.is_empty() || only == "fanout" {
            fan_out(&redis).await;
        }
    });
}
