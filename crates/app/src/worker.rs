//! `dealbrain worker`: runs recalculation jobs from the Redis queue until SIGTERM/Ctrl-C
//! (finishing the current batch first). Also the glue `serve` uses: the API's
//! [`RecalcRequester`] backed by the worker's job requester, and — without `REDIS_URL` — the
//! in-process queue with the worker running inside `serve`.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use api::{RecalcError, RecalcFuture, RecalcRequester, RecalcScope};
use bus::{BusOptions, EventBus, JobQueue};
use clap::Args;
use domain::model::ValuationCause;
use store::Store;
use tokio::task::JoinSet;
use worker::{CancellationToken, JobRequester, RecalcTargets, Worker, WorkerConfig};

use crate::migrate::DbArgs;

/// Where jobs and events go, and how jobs run (shared by `serve` and `worker`).
#[derive(Debug, Clone, Args)]
pub struct JobArgs {
    /// Redis for the job queue and events; unset = in-process (the worker runs in `serve`).
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,
    /// Prefix of every Redis key (several deployments can share one Redis).
    #[arg(long, env = "REDIS_PREFIX", default_value = bus::DEFAULT_PREFIX)]
    pub redis_prefix: String,
    /// Listings per recalculation batch (one transaction each).
    #[arg(long, env = "RECALC_BATCH_SIZE", default_value_t = 100)]
    pub batch_size: u64,
    /// Worker loops per process (each claims its own jobs).
    #[arg(long, env = "WORKER_CONCURRENCY", default_value_t = 1)]
    pub concurrency: usize,
}

impl JobArgs {
    fn config(&self) -> WorkerConfig {
        WorkerConfig {
            batch_size: self.batch_size.max(1),
            ..WorkerConfig::default()
        }
    }

    async fn connect(&self) -> anyhow::Result<(Arc<dyn JobQueue>, Arc<dyn EventBus>)> {
        bus::connect(
            self.redis_url.as_deref(),
            &self.redis_prefix,
            BusOptions::default(),
        )
        .await
        .context("connecting the job queue")
    }
}

/// Settings of `worker`.
#[derive(Debug, Clone, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub jobs: JobArgs,
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
    #[allow(dead_code)]
    pub bus: Arc<dyn EventBus>,
    stop: CancellationToken,
    loops: JoinSet<()>,
}

impl Jobs {
    /// Lets the in-process loops finish their current batch, then returns.
    pub async fn stop(mut self) {
        self.stop.cancel();
        while self.loops.join_next().await.is_some() {}
    }
}

/// The queue for `serve`. Without `REDIS_URL` the worker runs in this process: jobs left
/// `queued`/`running` by the previous run are enqueued again first.
pub async fn start_for_serve(store: &Store, args: &JobArgs) -> anyhow::Result<Jobs> {
    let (queue, bus) = args.connect().await?;
    let config = args.config();
    let requester = JobRequester::new(store.clone(), queue.clone(), config.clone());
    let mut jobs = Jobs {
        recalc: Arc::new(QueueRecalc(Arc::new(requester))),
        bus: bus.clone(),
        stop: CancellationToken::new(),
        loops: JoinSet::new(),
    };
    if args.redis_url.is_none() {
        let w = Arc::new(Worker::new(store.clone(), queue, bus, config));
        let n = w.requeue_unfinished(true).await?;
        if n > 0 {
            tracing::info!(jobs = n, "re-enqueued unfinished recalculation jobs");
        }
        spawn_loops(&mut jobs.loops, &w, args.concurrency, &jobs.stop);
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
pub fn run(args: &WorkerArgs) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .init();
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(work(args))
}

async fn work(args: &WorkerArgs) -> anyhow::Result<ExitCode> {
    if args.jobs.redis_url.is_none() {
        tracing::warn!(
            "REDIS_URL is unset: this worker has its own in-process queue and only runs jobs \
             left in the database; `serve` runs the worker itself in this mode"
        );
    }
    let store = args.db.connect().await?;
    let (queue, bus) = args.jobs.connect().await?;
    let w = Arc::new(Worker::new(store, queue, bus, args.jobs.config()));
    // Other workers may be running these; they are taken over only once their heartbeat
    // is stale.
    let n = w.requeue_unfinished(false).await?;
    tracing::info!(
        unfinished = n,
        loops = args.jobs.concurrency,
        "worker started"
    );
    let stop = CancellationToken::new();
    let mut loops = JoinSet::new();
    spawn_loops(&mut loops, &w, args.jobs.concurrency, &stop);
    shutdown_signal().await;
    tracing::info!("shutting down: finishing the current batches");
    stop.cancel();
    while loops.join_next().await.is_some() {}
    Ok(ExitCode::SUCCESS)
}

/// SIGTERM (containers, systemd) or Ctrl-C.
async fn shutdown_signal() {
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
