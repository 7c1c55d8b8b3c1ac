//! Engine throughput on the shared workload (`cargo bench -p domain`, `just bench-engine`).
//!
//! Per listing: build the context from the listing's stored facts (as the worker does from a
//! row), value it against the compiled plan, classify the deal. Single-threaded; the listings
//! themselves are generated before timing. After the runs it prints the peak RSS of a plain
//! 100,000-listing pass (VmHWM), measured in a fresh child process so criterion's own memory
//! does not count.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod workload;

use std::hint::black_box;
use std::time::Instant;

use criterion::{BenchmarkId, Criterion, Throughput};
use domain::context::{Context, FieldRegistry};
use domain::metrics::{Thresholds, classify};
use domain::valuation::{Evaluator, ListingOverride, Outcome, Plan};

/// Values a batch as the store values one: one [`Evaluator`] (and its per-row memo, empty at
/// the start) for the batch.
fn value_all(plan: &Plan, listings: &[workload::GenListing]) -> rust_decimal::Decimal {
    let mut evaluator = Evaluator::new(plan);
    let mut ctx = Context::new();
    let mut out = Outcome::default();
    let over = ListingOverride::default();
    let thresholds = Thresholds::default();
    let mut sum = rust_decimal::Decimal::ZERO;
    for l in listings {
        l.fill(&mut ctx);
        evaluator.evaluate_into(&ctx, l.price, &over, &mut out);
        let deal = classify(l.price, out.adjusted_price, &thresholds);
        sum += deal.delta;
    }
    sum
}

fn plan() -> (serde_json::Value, Plan) {
    let w = workload::load();
    let registry = FieldRegistry::new(workload::custom_keys());
    let plan = Plan::compile(&[workload::ruleset(&w)], &registry);
    (w, plan)
}

fn bench(c: &mut Criterion) {
    let (w, plan) = plan();
    let mut group = c.benchmark_group("engine");
    for n in [1_000usize, 10_000, 100_000] {
        let listings = workload::generate(&w, n);
        group.throughput(Throughput::Elements(n as u64));
        group.sample_size(if n >= 100_000 { 10 } else { 30 });
        group.bench_with_input(BenchmarkId::new("value_listings", n), &listings, |b, l| {
            b.iter(|| black_box(value_all(&plan, l)))
        });
    }
    group.finish();
}

/// CPU time of this thread in nanoseconds (first field of `/proc/thread-self/schedstat`), so
/// the throughput of a single-threaded pass holds even when other processes share the cores.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `--memory-probe`: generate and value 100,000 listings (`PROBE_N` to change, e.g. for a
/// quicker run under callgrind), print throughput and peak RSS.
fn memory_probe() {
    let (w, plan) = plan();
    let n = probe_n();
    let listings = workload::generate(&w, n);
    // Best of five passes, by wall clock and by this thread's CPU time.
    let mut best_wall = f64::INFINITY;
    let mut best_cpu = f64::INFINITY;
    for _ in 0..5 {
        let cpu0 = thread_cpu_ns();
        let start = Instant::now();
        black_box(value_all(&plan, &listings));
        best_wall = best_wall.min(start.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (cpu0, thread_cpu_ns()) {
            best_cpu = best_cpu.min((b - a) as f64 / 1e9);
        }
    }
    println!(
        "memory probe: {n} listings valued in {best_wall:.3} s wall ({:.0} listings/s), \
         {best_cpu:.3} s CPU ({:.0} listings/s per core), peak RSS {} KiB",
        n as f64 / best_wall,
        n as f64 / best_cpu,
        peak_rss_kib().unwrap_or(0)
    );
}

fn main() {
    if std::env::args().any(|a| a == "--split") {
        split_probe();
        return;
    }
    if std::env::args().any(|a| a == "--memory-probe") {
        memory_probe();
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    if let Ok(exe) = std::env::current_exe() {
        let _ = std::process::Command::new(exe)
            .arg("--memory-probe")
            .status();
    }
}

/// The number of listings of a probe: `PROBE_N`, 100,000 by default.
fn probe_n() -> usize {
    std::env::var("PROBE_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// `--split`: the cost of building contexts alone versus building and valuing them.
fn split_probe() {
    let (w, plan) = plan();
    let n = probe_n();
    let listings = workload::generate(&w, n);
    let mut ctx = Context::new();
    let t = Instant::now();
    for _ in 0..3 {
        for l in &listings {
            l.fill(&mut ctx);
            black_box(&ctx);
        }
    }
    println!(
        "fill only: {:.0} ns/listing",
        t.elapsed().as_nanos() as f64 / (3 * n) as f64
    );
    let mut out = Outcome::default();
    let over = ListingOverride::default();
    let mut evaluator = Evaluator::new(&plan);
    let t = Instant::now();
    for _ in 0..3 {
        for l in &listings {
            l.fill(&mut ctx);
            evaluator.evaluate_into(&ctx, l.price, &over, &mut out);
            black_box(&out);
        }
    }
    println!(
        "fill+evaluate: {:.0} ns/listing",
        t.elapsed().as_nanos() as f64 / (3 * n) as f64
    );
}
