//! The HTTP middleware: a span per request (method, matched route, status, latency), the
//! `http_*` metrics and a `Server-Timing: app;dur=<ms>` response header (the server's own
//! time, so clients and the resilience tests can tell it from network and queueing time). Mount it with `axum::middleware::from_fn(telemetry::http::track)` as a
//! `Router::layer`, so it runs after routing and sees [`MatchedPath`].

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use opentelemetry::KeyValue;
use tracing::Instrument as _;

use crate::metrics;

/// The `route` label of a request no route matched: never the raw path, whose values are
/// unbounded.
pub const UNMATCHED: &str = "unmatched";

/// Routes polled by probes and scrapers: their completion is logged at `debug`.
const QUIET_ROUTES: &[&str] = &["/health", "/ready", "/metrics"];

/// Decrements `http_requests_in_progress` even when the request future is dropped (client
/// gone, timeout).
struct InProgress;

impl InProgress {
    fn start() -> InProgress {
        metrics().http_in_progress.add(1, &[]);
        InProgress
    }
}

impl Drop for InProgress {
    fn drop(&mut self) {
        metrics().http_in_progress.add(-1, &[]);
    }
}

/// The middleware function (see the module docs).
pub async fn track(req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_owned(), |p| p.as_str().to_owned());
    let span = tracing::info_span!(
        "http.request",
        http.method = %method,
        http.route = %route,
        http.status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    let started = Instant::now();
    let guard = InProgress::start();
    let mut response = next.run(req).instrument(span.clone()).await;
    drop(guard);
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    if let Ok(v) = HeaderValue::from_str(&format!("app;dur={latency_ms:.3}")) {
        response.headers_mut().insert("server-timing", v);
    }
    span.record("http.status", status);
    span.record("latency_ms", latency_ms);
    let attrs = [
        KeyValue::new("method", method),
        KeyValue::new("route", route.clone()),
        KeyValue::new("status", status.to_string()),
    ];
    let m = metrics();
    m.http_requests.add(1, &attrs);
    m.http_duration.record(elapsed.as_secs_f64(), &attrs);
    span.in_scope(|| {
        if QUIET_ROUTES.contains(&route.as_str()) {
            tracing::debug!(status, latency_ms, "request finished");
        } else {
            tracing::info!(status, latency_ms, "request finished");
        }
    });
    response
}
