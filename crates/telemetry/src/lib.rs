//! # telemetry — Deal Brain's tracing, logs and metrics in one place
//!
//! Every process (`dealbrain serve`, `dealbrain worker`) calls [`init`] once with a
//! [`TelemetryConfig`] built from its settings: it installs the tracing subscriber
//! (`EnvFilter` from `LOG_LEVEL`, text or JSON lines on stderr), OTLP/gRPC export of traces
//! and metrics when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, and a Prometheus registry
//! (through opentelemetry-prometheus) rendered by [`render_prometheus`] for `GET /metrics`.
//!
//! Metrics are recorded through the process-wide [`Metrics`] handle, [`metrics()`]. It is
//! usable anywhere and at any time: before `init` (and in tests that never call it) it is
//! backed by a no-op meter, so recording costs nothing and goes nowhere. The instruments are
//! the contract of `infra/README.md` ("Metrics"), named exactly as the alert rules and
//! dashboards query them (`infra/metrics.txt`).
//!
//! Recording from other crates — for example the GraphQL subscriptions:
//!
//! ```
//! // a subscription starts: subscriptions_active +1, and −1 when the guard drops
//! let live = telemetry::metrics().subscription_guard();
//! // three events taken off the bus for this instance's subscribers
//! telemetry::metrics().events_delivered(3);
//! drop(live);
//! ```
//!
//! (`subscription_started()` / `subscription_ended()` do the same without a guard.)
//!
//! Layout:
//! - [`setup`] — [`init`], [`TelemetryConfig`], [`LogFormat`], [`parse_filter`] (also used
//!   to validate `LOG_LEVEL`), [`render_prometheus`], the [`Telemetry`] shutdown guard.
//! - [`metrics`](mod@metrics) — [`Metrics`] and [`metrics()`].
//! - [`http`] — axum middleware: a span per request (method, matched route, status, latency)
//!   and `http_requests_total`, `http_request_duration_seconds`, `http_requests_in_progress`.
//! - [`graphql`] — [`GraphqlMetrics`], the async-graphql extension: a span per operation
//!   (name, type, complexity) and `graphql_operations_total{type,status}`,
//!   `graphql_operation_duration_seconds{type}`.

pub mod graphql;
pub mod http;
pub mod metrics;
pub mod setup;

pub use graphql::GraphqlMetrics;
pub use metrics::{Metrics, SubscriptionGuard, metrics};
pub use setup::{
    LogFormat, Telemetry, TelemetryConfig, TelemetryError, init, parse_filter, render_prometheus,
};
