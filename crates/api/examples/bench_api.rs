//! `just bench-api`'s load generator: the board query (50 listings with every edge and the
//! breakdown) POSTed by `--concurrency` keep-alive clients for `--secs` seconds against a
//! running `dealbrain serve`; prints requests/s and latency percentiles. A small client of our
//! own instead of oha/wrk so the benchmark needs nothing beyond the workspace.
//!
//! `cargo run --release -p api --example bench_api -- [--url URL] [--concurrency N]
//! [--secs S] [--warmup S] [--total true|false]` (`--total false` drops `totalCount`, one
//! COUNT over the filtered listings per request).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

const BOARD: &str = r#"query Board {
  listings(first: 50, orderBy: {field: SCORE_COMPOSITE, direction: DESC}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id title price adjustedPrice deltaPct dealClass scoreComposite
      dollarPerCpuMarkMultiAdjusted perfPerWatt
      cpu { name cpuMarkMulti cpuMarkSingle } gpu { name gpuMark }
      ramSpec { label totalCapacityGb } storage { label capacityGb }
      ports { name ports { portType count } }
      valuationBreakdown { listingPrice adjustedPrice totalAdjustment
        rulesets { name adjustment rules { ruleName matched adjustment } } }
    } }
  }
}"#;

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_owned())
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// One client: POSTs until `until`, keeping latencies of requests started after `measure_from`.
async fn client(
    http: reqwest::Client,
    url: String,
    body: String,
    measure_from: Instant,
    until: Instant,
) -> (Vec<Duration>, u64) {
    let mut times = Vec::with_capacity(16_384);
    let mut errors = 0;
    while Instant::now() < until {
        let t = Instant::now();
        let ok = match http
            .post(&url)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => r
                .bytes()
                .await
                .is_ok_and(|b| !b.windows(9).any(|w| w == b"\"errors\":")),
            _ => false,
        };
        if t >= measure_from {
            if ok {
                times.push(t.elapsed());
            } else {
                errors += 1;
            }
        }
    }
    (times, errors)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let url = arg("--url", "http://127.0.0.1:8000/graphql");
    let concurrency: usize = arg("--concurrency", "32").parse().expect("--concurrency");
    let secs: u64 = arg("--secs", "20").parse().expect("--secs");
    let warmup: u64 = arg("--warmup", "3").parse().expect("--warmup");
    let with_total = arg("--total", "true") != "false";
    let query = if with_total {
        BOARD.to_owned()
    } else {
        BOARD.replace("    totalCount\n", "")
    };
    let body = serde_json::json!({ "query": query }).to_string();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("client");
    // One request first: a failing query should stop the run, not fill it with errors.
    let probe: serde_json::Value = http
        .post(&url)
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .expect("server reachable")
        .json()
        .await
        .expect("JSON answer");
    assert!(probe.get("errors").is_none(), "board query failed: {probe}");
    let total = match &probe["data"]["listings"]["totalCount"] {
        serde_json::Value::Null => "(no totalCount)".to_owned(),
        n => format!("{n}"),
    };
    let start = Instant::now();
    let measure_from = start + Duration::from_secs(warmup);
    let until = measure_from + Duration::from_secs(secs);
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            tokio::spawn(client(
                http.clone(),
                url.clone(),
                body.clone(),
                measure_from,
                until,
            ))
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (times, e) = t.await.expect("client task");
        all.extend(times);
        errors += e;
    }
    all.sort();
    let rps = all.len() as f64 / secs as f64;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "board query (50 of {total} listings, all edges + breakdown), {concurrency} clients, {secs} s after {warmup} s warm-up"
    );
    println!(
        "requests {} ok, {errors} failed; {rps:.0} req/s; latency ms p50 {:.1} p95 {:.1} p99 {:.1} max {:.1}",
        all.len(),
        ms(pct(&all, 0.50)),
        ms(pct(&all, 0.95)),
        ms(pct(&all, 0.99)),
        ms(all.last().copied().unwrap_or_default()),
    );
}
