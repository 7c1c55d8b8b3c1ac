//! Operations endpoints around the API router: `GET /ready` (dependencies), `GET /metrics`
//! (Prometheus text, when `PROMETHEUS_ENABLED`), the HTTP metrics layer over every route; the
//! worker's own `/metrics` and `/health` listener; and the samplers of the gauges that are
//! read rather than counted (database pool, queue depth).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bus::{EventBus, JobQueue};
use serde_json::{Value as Json, json};
use store::Store;
use worker::CancellationToken;

use crate::settings::Settings;
use crate::worker::Jobs;

/// How long one dependency check may take before it counts as down: a probe must answer
/// well within the orchestrator's timeout (k8s: 1s default, ours 3s).
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);
/// How often the pool and queue gauges are sampled (Prometheus scrapes every 15s).
const SAMPLE_EVERY: Duration = Duration::from_secs(5);

/// What `/ready` checks.
#[derive(Debug, Clone)]
pub struct Ops {
    store: Store,
    /// `None` when `REDIS_URL` is unset: the in-process queue and bus cannot be down.
    redis: Option<(Arc<dyn JobQueue>, Arc<dyn EventBus>)>,
    prometheus: bool,
}

impl Ops {
    pub fn new(store: &Store, jobs: &Jobs, settings: &Settings) -> Ops {
        Ops {
            store: store.clone(),
            redis: settings
                .redis_url
                .as_ref()
                .map(|_| (jobs.queue.clone(), jobs.bus.clone())),
            prometheus: settings.prometheus_enabled,
        }
    }
}

/// `api` with `/ready` and (when enabled) `/metrics` merged in, and the HTTP metrics layer
/// over every route (as a `Router::layer`, so it sees the matched route).
pub fn with_ops(api: Router, ops: Ops) -> Router {
    let mut extra = Router::new().route("/ready", get(ready));
    if ops.prometheus {
        extra = extra.route("/metrics", get(metrics));
    }
    api.merge(extra.with_state(Arc::new(ops)))
        .layer(axum::middleware::from_fn(telemetry::http::track))
}

/// Runs one check: `{"status": "ok", "latency_ms": …}` or `{"status": "error", "error": …}`.
async fn check<F, E>(fut: F) -> (bool, Json)
where
    F: std::future::Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let started = Instant::now();
    let outcome = tokio::time::timeout(CHECK_TIMEOUT, fut).await;
    let latency_ms = (started.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0;
    match outcome {
        Ok(Ok(())) => (true, json!({"status": "ok", "latency_ms": latency_ms})),
        Ok(Err(e)) => (
            false,
            json!({"status": "error", "latency_ms": latency_ms, "error": e.to_string()}),
        ),
        Err(_) => (
            false,
            json!({"status": "error", "latency_ms": latency_ms, "error": "timed out"}),
        ),
    }
}

/// Every known migration applied (a replica running ahead of `dealbrain migrate` is not
/// ready: its queries would hit columns that do not exist yet).
async fn migrations(store: &Store) -> Result<(), String> {
    let all = store.migration_status().await.map_err(|e| e.to_string())?;
    let pending: Vec<_> = all.iter().filter(|m| !m.applied).map(|m| &m.name).collect();
    if pending.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} of {} migrations pending (first: {})",
            pending.len(),
            all.len(),
            pending[0]
        ))
    }
}

async fn ready(State(ops): State<Arc<Ops>>) -> Response {
    let (db_ok, database) = check(ops.store.ping()).await;
    let (mig_ok, migrations) = check(migrations(&ops.store)).await;
    let (redis_ok, redis) = match &ops.redis {
        None => (true, json!({"status": "not_configured"})),
        Some((queue, bus)) => {
            check(async {
                queue.ping().await?;
                bus.ping().await
            })
            .await
        }
    };
    let ready = db_ok && mig_ok && redis_ok;
    let body = json!({
        "status": if ready { "ready" } else { "not_ready" },
        "checks": {"database": database, "migrations": migrations, "redis": redis},
    });
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, axum::Json(body)).into_response()
}

/// `GET /metrics`: the Prometheus text format.
async fn metrics() -> Response {
    match telemetry::render_prometheus() {
        Some(text) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "Prometheus is disabled\n").into_response(),
    }
}

/// Records the pool gauges and the queue depth now and every [`SAMPLE_EVERY`] until `stop`.
pub fn spawn_samplers(
    store: &Store,
    queue: Option<Arc<dyn JobQueue>>,
    stop: &CancellationToken,
) -> tokio::task::JoinHandle<()> {
    let (store, stop) = (store.clone(), stop.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SAMPLE_EVERY);
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tick.tick() => {}
            }
            let pool = store.pool_stats();
            telemetry::metrics().db_pool(u64::from(pool.active), u64::from(pool.idle));
            if let Some(q) = &queue {
                worker::record_queue_depth(q.as_ref()).await;
            }
        }
    })
}

/// Binds the worker's metrics port (`WORKER_METRICS_PORT`; at startup, so a taken port
/// fails the start).
pub async fn worker_listener(settings: &Settings) -> anyhow::Result<tokio::net::TcpListener> {
    let addr = format!("{}:{}", settings.api_host, settings.worker_metrics_port);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("binding WORKER_METRICS_PORT ({addr})"))?;
    let bound = listener.local_addr().context("reading the bound address")?;
    println!("worker metrics on http://{bound}/metrics");
    tracing::info!(addr = %bound, "worker metrics listening");
    Ok(listener)
}

/// The worker's listener: `/metrics` (404 when Prometheus is disabled) and `/health`, until
/// `stop`.
pub async fn serve_worker_metrics(listener: tokio::net::TcpListener, stop: CancellationToken) {
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/health", get(|| async { "ok\n" }));
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await;
    if let Err(e) = served {
        tracing::error!(error = %e, "the worker metrics listener failed");
    }
}
