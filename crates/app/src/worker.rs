//! `dealbrain worker`: runs recalculation jobs from the Redis queue until SIGTERM/Ctrl-C
//! (finishing the current batch first, within `SHUTDOWN_GRACE_SECS`). Also the glue `serve`
//! uses: the API's [`RecalcRequester`] backed by the worker's job requester, and — without
//! `REDIS_URL` — the in-process queue with the worker running inside `serve`.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use api::{RecalcError, RecalcFuture, RecalcRequester, RecalcScope};
use bus::{EventBus, JobQueue};
use clap::Args;
use domain::model::ValuationCause;
use store::Store;
use tokio::task::JoinSet;
use worker::{CancellationToken, JobRequester, RecalcTargets, Worker};

use crate::migrate::DbArgs;
use crate::settings::{Layer, Settings};

/// Job flags (shared by `serve` and `worker`). Each overrides its variable.
#[derive(Debug, Clone, Default, Args)]
pub struct JobArgs {
    /// Redis for the job queue and events (`REDIS_URL`); unset = in-process.
    #[arg(long)]
    pub redis_url: Option<String>,
    /// Listings per recalculation batch (`RECALC_BATCH_SIZE`).
    #[arg(long)]
    pub batch_size: Option<u64>,
    /// Worker loops per process (`WORKER_CONCURRENCY`).
    #[arg(long)]
    pub concurrency: Option<usize>,
}

impl JobArgs {
    /// The flags given, as settings overrides.
    pub fn overrides(&self, layer: &mut Layer) {
        if let Some(url) = &self.redis_url {
            layer.insert("REDIS_URL".into(), url.clone());
        }
        if let Some(n) = self.batch_size {
            layer.insert("RECALC_BATCH_SIZE".into(), n.to_string());
        }
        if let Some(n) = self.concurrency {
            layer.insert("WORKER_CONCURRENCY".into(), n.to_string());
        }
    }
}

/// Connects the queue and the bus: Redis when `REDIS_URL` is set, in-process otherwise.
pub(crate) async fn connect_bus(
    settings: &Settings,
) -> anyhow::Result<(Arc<dyn JobQueue>, Arc<dyn EventBus>)> {
    bus::connect(
        settings.redis_url.as_ref().map(|u| u.expose()),
        &settings.redis_prefix,
        settings.bus_options(),
    )
    .await
    .context("connecting the job queue")
}

/// Flags of `worker`.
#[derive(Debug, Clone, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub jobs: JobArgs,
}

impl WorkerArgs {
    /// Loads the settings with these flags on top.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let mut layer = Layer::new();
        self.db.overrides(&mut layer);
        self.jobs.overrides(&mut layer);
        Ok(Settings::load(layer)?)
    }
}

/// The API's requester: scopes become job targets; a failure is the mutation's error.
#[derive(Debug)]
pub struct QueueRecalc(pub Arc<JobRequester>);

impl RecalcRequester for QueueRecalc {
    fn request(&self, scope: RecalcScope, cause: ValuationCause) -> RecalcFuture<'_> {
        Box::pin(async move {
            let targets = match scope {
                RecalcScope::All => RecalcTargets::all(),
                RecalcScope::Cpus(cpu_ids) => RecalcTargets {
                    cpu_ids,
                    ..RecalcTargets::default()
                },
                RecalcScope::Gpus(gpu_ids) => RecalcTargets {
                    gpu_ids,
                    ..RecalcTargets::default()
                },
                RecalcScope::Listings(listing_ids) => RecalcTargets {
                    listing_ids,
                    ..RecalcTargets::default()
                },
            };
            self.0
                .request(&targets, cause, None)
                .await
                .map(|o| Some(o.job_id))
                .map_err(|e| RecalcError(e.to_string()))
        })
    }
}

/// What `serve` holds: the requester for the API, the event bus (for subscriptions), and the
/// in-process worker loops when there is no Redis.
#[derive(Debug)]
pub struct Jobs {
    pub recalc: Arc<dyn RecalcRequester>,
    /// The bus the worker publishes on; the API's subscription fan-out reads it (in-process
    /// mode needs this very instance).
    pub bus: Arc<dyn EventBus>,
    /// The queue the requester enqueues on (readiness checks and the depth gauge).
    pub queue: Arc<dyn JobQueue>,
    stop: CancellationToken,
    loops: JoinSet<()>,
}

impl Jobs {
    /// Lets the in-process loops finish their current batch (for at most `grace`), then
    /// returns.
    pub async fn stop(mut self, grace: Duration) {
        self.stop.cancel();
        finish_loops(&mut self.loops, grace).await;
    }
}

/// The queue for `serve`. Without `REDIS_URL` the worker runs in this process: jobs left
/// `queued`/`running` by the previous run are enqueued again first.
pub async fn start_for_serve(store: &Store, settings: &Settings) -> anyhow::Result<Jobs> {
    let (queue, bus) = connect_bus(settings).await?;
    let config = settings.worker_config();
    let requester = JobRequester::new(store.clone(), queue.clone(), config.clone());
    let mut jobs = Jobs {
        recalc: Arc::new(QueueRecalc(Arc::new(requester))),
        bus: bus.clone(),
        queue: queue.clone(),
        stop: CancellationToken::new(),
        loops: JoinSet::new(),
    };
    if settings.redis_url.is_none() {
        let w = Arc::new(Worker::new(store.clone(), queue, bus, config));
        let n = w.requeue_unfinished(true).await?;
        if n > 0 {
            tracing::info!(jobs = n, "re-enqueued unfinished recalculation jobs");
        }
        spawn_loops(&mut jobs.loops, &w, settings.worker_concurrency, &jobs.stop);
    }
    Ok(jobs)
}

fn spawn_loops(set: &mut JoinSet<()>, w: &Arc<Worker>, n: usize, stop: &CancellationToken) {
    // Consumer names must be unique per loop across every worker process.
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".to_owned());
    let pid = std::process::id();
    for i in 0..n.max(1) {
        let (w, stop) = (w.clone(), stop.clone());
        let consumer = format!("{host}-{pid}-{i}");
        set.spawn(async move { w.run(&consumer, &stop).await });
    }
}

/// Runs the worker until SIGTERM or Ctrl-C.
pub fn run(settings: &Settings) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        // In the runtime: the OTLP exporters need it.
        let _telemetry = telemetry::init(&settings.telemetry("dealbrain-worker"))?;
        settings.log_effective();
        work(settings).await
    })
}

async fn work(settings: &Settings) -> anyhow::Result<ExitCode> {
    if settings.redis_url.is_none() {
        tracing::warn!(
            "REDIS_URL is unset: this worker has its own in-process queue and only runs jobs \
             left in the database; `serve` runs the worker itself in this mode"
        );
    }
    let store = crate::migrate::connect(settings).await?;
    let (queue, bus) = connect_bus(settings).await?;
    let stop = CancellationToken::new();
    // The worker's own /metrics and /health (Prometheus scrapes every worker).
    let listener = crate::ops_routes::worker_listener(settings).await?;
    let samplers = crate::ops_routes::spawn_samplers(&store, Some(queue.clone()), &stop);
    let w = Arc::new(Worker::new(store, queue, bus, settings.worker_config()));
    // Other workers may be running these; they are taken over only once their heartbeat
    // is stale.
    let n = w.requeue_unfinished(false).await?;
    tracing::info!(
        unfinished = n,
        loops = settings.worker_concurrency,
        "worker started"
    );
    let mut loops = JoinSet::new();
    spawn_loops(&mut loops, &w, settings.worker_concurrency, &stop);
    let http = tokio::spawn(crate::ops_routes::serve_worker_metrics(
        listener,
        stop.clone(),
    ));
    shutdown_signal().await;
    tracing::info!("shutting down: finishing the current batches");
    stop.cancel();
    finish_loops(&mut loops, settings.shutdown_grace).await;
    samplers.abort();
    let _ = http.await;
    Ok(ExitCode::SUCCESS)
}

/// Waits for the loops to end after their current batch; past `grace` (a batch stuck on a
/// database that stopped answering) they are abandoned: the job's committed batches stay, and
/// its row is taken over once its heartbeat is stale.
async fn finish_loops(loops: &mut JoinSet<()>, grace: Duration) {
    let all = async { while loops.join_next().await.is_some() {} };
    if tokio::time::timeout(grace, all).await.is_err() {
        tracing::warn!(
            ?grace,
            "a batch was still running after the shutdown grace; exiting"
        );
        loops.abort_all();
    }
}

/// SIGTERM (containers, systemd) or Ctrl-C.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
