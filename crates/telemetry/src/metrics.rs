//! [`Metrics`]: every instrument of the metric contract (`infra/README.md`, "Metrics"), and
//! the process-wide handle [`metrics()`].
//!
//! Instruments are named exactly as Prometheus shows them (`http_requests_total`, …): the
//! exporter is built without unit and `_total` suffixes, so the name given here is the name
//! in the exposition text, the alert rules and the dashboards (`infra/metrics.txt`).

use std::sync::OnceLock;
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Gauge, Histogram, Meter, MeterProvider as _, UpDownCounter};

/// Request and operation latencies: 5 ms to 10 s (the p95 SLO is 500 ms).
const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// One listing's valuation is microseconds to a few milliseconds.
const VALUATION_BUCKETS: &[f64] = &[
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];

/// The instruments. Get the process-wide one with [`metrics()`]; recording through it before
/// [`crate::init`] (or in a process that never calls it) does nothing.
#[derive(Debug, Clone)]
pub struct Metrics {
    pub(crate) http_requests: Counter<u64>,
    pub(crate) http_duration: Histogram<f64>,
    pub(crate) http_in_progress: UpDownCounter<i64>,
    pub(crate) graphql_operations: Counter<u64>,
    pub(crate) graphql_duration: Histogram<f64>,
    listing_valuations: Counter<u64>,
    valuation_duration: Histogram<f64>,
    recalc_jobs: Counter<u64>,
    recalc_queue_depth: Gauge<u64>,
    subscriptions_active: UpDownCounter<i64>,
    events_published: Counter<u64>,
    events_delivered: Counter<u64>,
    db_pool: Gauge<u64>,
}

static INSTALLED: OnceLock<Metrics> = OnceLock::new();
static NOOP: OnceLock<Metrics> = OnceLock::new();

/// The process-wide instruments: the ones [`crate::init`] installed, or no-op ones before
/// that. Cheap; call it where you record rather than keeping the reference from before
/// `init`.
pub fn metrics() -> &'static Metrics {
    INSTALLED.get().unwrap_or_else(|| {
        NOOP.get_or_init(|| {
            Metrics::new(&opentelemetry::metrics::noop::NoopMeterProvider::new().meter("noop"))
        })
    })
}

/// Installs `m` as the process-wide instruments (once; later calls are ignored).
pub(crate) fn install(m: Metrics) -> bool {
    INSTALLED.set(m).is_ok()
}

fn kv(key: &'static str, value: &'static str) -> [KeyValue; 1] {
    [KeyValue::new(key, value)]
}

impl Metrics {
    /// Creates every instrument on `meter`, and sets the counters with known label values to
    /// zero so `rate()`/`increase()` (and the alerts built on them) see a series before the
    /// first event.
    pub fn new(meter: &Meter) -> Metrics {
        let m = Metrics {
            http_requests: meter
                .u64_counter("http_requests_total")
                .with_description("HTTP responses by method, matched route and status code.")
                .build(),
            http_duration: meter
                .f64_histogram("http_request_duration_seconds")
                .with_unit("s")
                .with_description("HTTP request latency, by method, matched route and status.")
                .with_boundaries(LATENCY_BUCKETS.to_vec())
                .build(),
            http_in_progress: meter
                .i64_up_down_counter("http_requests_in_progress")
                .with_description("HTTP requests being served.")
                .build(),
            graphql_operations: meter
                .u64_counter("graphql_operations_total")
                .with_description("GraphQL operations by type and status (ok/error).")
                .build(),
            graphql_duration: meter
                .f64_histogram("graphql_operation_duration_seconds")
                .with_unit("s")
                .with_description("GraphQL operation latency by type.")
                .with_boundaries(LATENCY_BUCKETS.to_vec())
                .build(),
            listing_valuations: meter
                .u64_counter("listing_valuations_total")
                .with_description("Listings valued, by status (ok/error).")
                .build(),
            valuation_duration: meter
                .f64_histogram("valuation_duration_seconds")
                .with_unit("s")
                .with_description("Time to value one listing (a batch's time shared out).")
                .with_boundaries(VALUATION_BUCKETS.to_vec())
                .build(),
            recalc_jobs: meter
                .u64_counter("recalc_jobs_total")
                .with_description("Recalculation jobs finished, by status.")
                .build(),
            recalc_queue_depth: meter
                .u64_gauge("recalc_queue_depth")
                .with_description("Jobs waiting in the recalculation queue (shared queue).")
                .build(),
            subscriptions_active: meter
                .i64_up_down_counter("subscriptions_active")
                .with_description("Live GraphQL subscriptions on this instance.")
                .build(),
            events_published: meter
                .u64_counter("events_published_total")
                .with_description("Events published on the bus.")
                .build(),
            events_delivered: meter
                .u64_counter("events_delivered_total")
                .with_description("Events taken off the bus for this instance's subscribers.")
                .build(),
            db_pool: meter
                .u64_gauge("db_pool_connections")
                .with_description("Database pool connections by state (active/idle).")
                .build(),
        };
        for ty in ["query", "mutation", "subscription"] {
            for status in ["ok", "error"] {
                m.graphql_operations.add(
                    0,
                    &[KeyValue::new("type", ty), KeyValue::new("status", status)],
                );
            }
        }
        for status in ["ok", "error"] {
            m.listing_valuations.add(0, &kv("status", status));
        }
        for status in ["completed", "failed"] {
            m.recalc_jobs.add(0, &kv("status", status));
        }
        m.events_published.add(0, &[]);
        m.events_delivered.add(0, &[]);
        m.subscriptions_active.add(0, &[]);
        m.http_in_progress.add(0, &[]);
        m
    }

    /// One GraphQL subscription started on this instance (`subscriptions_active` +1). Pair
    /// it with [`Metrics::subscription_ended`], or hold a [`Metrics::subscription_guard`].
    pub fn subscription_started(&self) {
        self.subscriptions_active.add(1, &[]);
    }

    /// One GraphQL subscription ended (`subscriptions_active` −1).
    pub fn subscription_ended(&self) {
        self.subscriptions_active.add(-1, &[]);
    }

    /// `subscriptions_active` +1 now and −1 when the guard is dropped (keep it in the
    /// subscription's stream so a closed connection counts down too).
    pub fn subscription_guard(&'static self) -> SubscriptionGuard {
        self.subscription_started();
        SubscriptionGuard(self)
    }

    /// A GraphQL subscription started whose results bypass the [`GraphqlMetrics`] extension
    /// (its payloads are rendered once for many subscribers): counted as the extension counts
    /// a subscription's first result, `graphql_operations_total{type="subscription",status="ok"}`.
    ///
    /// [`GraphqlMetrics`]: crate::GraphqlMetrics
    pub fn shared_subscription_started(&self) {
        self.graphql_operations.add(
            1,
            &[
                KeyValue::new("type", "subscription"),
                KeyValue::new("status", "ok"),
            ],
        );
    }

    /// `n` events taken off the bus for this instance's subscribers (`events_delivered_total`).
    pub fn events_delivered(&self, n: u64) {
        self.events_delivered.add(n, &[]);
    }

    /// `n` events published on the bus (`events_published_total`).
    pub fn events_published(&self, n: u64) {
        self.events_published.add(n, &[]);
    }

    /// A batch valued `ok` listings and failed on `failed`, in `elapsed` overall: counts them
    /// in `listing_valuations_total` and records the per-listing share of `elapsed` once per
    /// listing in `valuation_duration_seconds` (listings are valued in one statement per
    /// batch, so a per-listing clock does not exist).
    pub fn valuations(&self, ok: u64, failed: u64, elapsed: Duration) {
        if ok > 0 {
            self.listing_valuations.add(ok, &kv("status", "ok"));
        }
        if failed > 0 {
            self.listing_valuations.add(failed, &kv("status", "error"));
        }
        let n = ok + failed;
        if n > 0 {
            let each = elapsed.as_secs_f64() / n as f64;
            for _ in 0..n {
                self.valuation_duration.record(each, &[]);
            }
        }
    }

    /// A recalculation job finished with `status` (`completed`, `failed`, …).
    pub fn recalc_job_finished(&self, status: &'static str) {
        self.recalc_jobs.add(1, &kv("status", status));
    }

    /// The shared queue's current length.
    pub fn recalc_queue_depth(&self, depth: u64) {
        self.recalc_queue_depth.record(depth, &[]);
    }

    /// The database pool's connections in use and idle.
    pub fn db_pool(&self, active: u64, idle: u64) {
        self.db_pool.record(active, &kv("state", "active"));
        self.db_pool.record(idle, &kv("state", "idle"));
    }
}

/// Counts one live subscription until dropped (see [`Metrics::subscription_guard`]).
#[derive(Debug)]
pub struct SubscriptionGuard(&'static Metrics);

impl Drop for SubscriptionGuard {
    fn drop(&mut self) {
        self.0.subscription_ended();
    }
}
