//! [`Worker`]: the claim loop, and one job from claim to acknowledgement.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bus::{BusEvent, Delivery, EventBus, JobFinished, JobMessage, JobQueue, RetryOutcome};
use chrono::{DateTime, Utc};
use domain::model::{JobStatus, RecalculationJob};
use store::Store;
use tokio_util::sync::CancellationToken;

use crate::config::{WorkerConfig, chrono_duration};
use crate::error::WorkerError;
use crate::walk::RunEnd;

/// Runs recalculation jobs from the queue. Cheap to share: run several loops (each with its
/// own consumer name) on one `Arc<Worker>`.
#[derive(Debug)]
pub struct Worker {
    pub(crate) store: Store,
    pub(crate) queue: Arc<dyn JobQueue>,
    pub(crate) bus: Arc<dyn EventBus>,
    pub(crate) config: WorkerConfig,
    /// Set when the queue or the database failed under us: a delivery may be gone (Redis
    /// restarted empty, a retry that could not be recorded, a request the API could not
    /// enqueue). The next successful claim re-enqueues every unfinished job row, the source of
    /// truth; duplicates are harmless (each job is claimed with a compare-and-set).
    pub(crate) resync_queue: AtomicBool,
}

/// What handling one delivery did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// The job ran to the end: `succeeded`.
    Succeeded { job_id: String },
    /// Nothing to do: the job is finished or coalesced, or unknown, or not a recalculation.
    Skipped { job_id: String },
    /// Not due yet, or another live worker runs it: re-enqueued for later.
    Deferred { job_id: String },
    /// Shutdown (or a lost delivery) mid-job: committed batches kept, the job handed back.
    Interrupted { job_id: String },
    /// It failed and will be retried from its last committed batch.
    Retrying { job_id: String, error: String },
    /// It failed for the last time: `failed`.
    Failed { job_id: String, error: String },
    /// Cancelled (`cancelJob`) while running: stopped after the batch in hand, which stays.
    Cancelled { job_id: String },
}

impl Worker {
    pub fn new(
        store: Store,
        queue: Arc<dyn JobQueue>,
        bus: Arc<dyn EventBus>,
        config: WorkerConfig,
    ) -> Worker {
        Worker {
            store,
            queue,
            bus,
            config,
            resync_queue: AtomicBool::new(false),
        }
    }

    /// Claims and runs jobs as `consumer` (unique per loop) until `shutdown` is cancelled.
    /// A failing `claim` (the queue backend is down) is retried with a doubling backoff.
    pub async fn run(&self, consumer: &str, shutdown: &CancellationToken) {
        let mut backoff = self.config.backoff_min;
        loop {
            let claimed = tokio::select! {
                _ = shutdown.cancelled() => break,
                c = self.queue.claim(consumer, self.config.claim_wait) => c,
            };
            if claimed.is_ok() {
                self.resync_after_outage().await;
            }
            match claimed {
                Ok(Some(d)) => {
                    backoff = self.config.backoff_min;
                    if self.process(&d, shutdown).await.is_err() {
                        self.resync_queue.store(true, Ordering::Release);
                    }
                }
                Ok(None) => backoff = self.config.backoff_min,
                Err(e) => {
                    self.resync_queue.store(true, Ordering::Release);
                    tracing::warn!(consumer, error = %e, retry_in = ?backoff, "claiming a job failed");
                    tokio::select! {
                        _ = shutdown.cancelled() => break,
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(self.config.backoff_max);
                }
            }
        }
        tracing::info!(consumer, "worker loop stopped");
    }

    /// Claims one delivery (waiting up to `max_wait`) and handles it; `None` when none came.
    pub async fn run_once(
        &self,
        consumer: &str,
        max_wait: std::time::Duration,
        shutdown: &CancellationToken,
    ) -> Result<Option<Handled>, WorkerError> {
        match self.queue.claim(consumer, max_wait).await? {
            Some(d) => self.process(&d, shutdown).await.map(Some),
            None => Ok(None),
        }
    }

    /// Handles a delivery; an error before or after the run gives the delivery back to the
    /// queue (backoff, dead letter at the last attempt).
    async fn process(
        &self,
        d: &Delivery,
        shutdown: &CancellationToken,
    ) -> Result<Handled, WorkerError> {
        match self.handle(d, shutdown).await {
            Ok(h) => {
                tracing::debug!(?h, "delivery handled");
                Ok(h)
            }
            Err(e) => {
                tracing::warn!(job_id = %d.message.job_id, attempt = d.attempt, error = %e, "job delivery failed");
                if let Err(r) = self.queue.retry(d, &e.to_string()).await {
                    tracing::warn!(error = %r, "could not hand the delivery back; it is reclaimed after the visibility timeout");
                }
                Err(e)
            }
        }
    }

    async fn handle(
        &self,
        d: &Delivery,
        shutdown: &CancellationToken,
    ) -> Result<Handled, WorkerError> {
        let job_id = d.message.job_id.to_string();
        if d.message.kind != JobMessage::RECALCULATION {
            tracing::warn!(kind = %d.message.kind, "not a recalculation message; dropped");
            self.queue.ack(d).await?;
            return Ok(Handled::Skipped { job_id });
        }
        let now = Utc::now();
        let job = match self.store.job(&job_id).await? {
            Some(j) if matches!(j.status, JobStatus::Queued | JobStatus::Running) => j,
            _ => {
                self.queue.ack(d).await?;
                return Ok(Handled::Skipped { job_id });
            }
        };
        let due = job.not_before.filter(|at| *at > now);
        if let (Some(at), JobStatus::Queued) = (due, job.status) {
            return self.defer(d, at).await;
        }
        let lease = chrono_duration(self.config.lease);
        let Some(mut job) = self.store.claim_recalc_job(&job_id, now - lease).await? else {
            return match self.store.job(&job_id).await? {
                // A live worker has it: look again when its heartbeat would be stale.
                Some(j) if j.status == JobStatus::Running => {
                    let at = j.updated_at + lease + chrono::Duration::milliseconds(100);
                    self.defer(d, at).await
                }
                Some(j) if j.status == JobStatus::Queued => self.defer(d, now).await,
                _ => {
                    self.queue.ack(d).await?;
                    Ok(Handled::Skipped { job_id })
                }
            };
        };
        tracing::info!(%job_id, attempt = job.attempts, "recalculation job started");
        match self.run_job(d, &mut job, shutdown).await {
            Ok(RunEnd::Done) => {
                self.store
                    .end_claimed_recalc_job(&job, JobStatus::Succeeded, None)
                    .await?;
                self.publish_finished(&job, JobStatus::Succeeded, None)
                    .await;
                self.queue.ack(d).await?;
                telemetry::metrics().recalc_job_finished("completed");
                tracing::info!(%job_id, processed = job.processed, changed = job.changed, failed = job.failed, "recalculation job succeeded");
                Ok(Handled::Succeeded { job_id })
            }
            Ok(RunEnd::Interrupted) => {
                self.store
                    .end_claimed_recalc_job(&job, JobStatus::Queued, None)
                    .await?;
                // A fresh message rather than leaving the delivery to be reclaimed: a
                // shutdown is not a failed attempt.
                self.queue
                    .enqueue(JobMessage::new(d.message.job_id, JobMessage::RECALCULATION))
                    .await?;
                self.queue.ack(d).await?;
                tracing::info!(%job_id, processed = job.processed, "recalculation job interrupted; the rest stays queued");
                Ok(Handled::Interrupted { job_id })
            }
            Ok(RunEnd::LeaseLost) => {
                // Another consumer holds the delivery now; hand the row back so it can start
                // (a no-op when that worker has already claimed the row: it is its job now).
                self.store
                    .end_claimed_recalc_job(&job, JobStatus::Queued, None)
                    .await?;
                // Or nobody does: Redis restarted empty (its queue recreated by whoever touched
                // it first), and with it went every other queued message. Re-enqueue from the
                // rows at the next claim; a duplicate of a delivery that still exists is
                // harmless.
                self.resync_queue.store(true, Ordering::Release);
                Ok(Handled::Interrupted { job_id })
            }
            Ok(RunEnd::Cancelled) => {
                self.publish_finished(&job, JobStatus::Cancelled, None)
                    .await;
                self.queue.ack(d).await?;
                telemetry::metrics().recalc_job_finished("cancelled");
                tracing::info!(%job_id, processed = job.processed, "recalculation job cancelled; committed batches stay");
                Ok(Handled::Cancelled { job_id })
            }
            Err(e) => Ok(self.fail(d, &job, e).await),
        }
    }

    /// A failed run: retry from the cursor, or `failed` after the last attempt.
    async fn fail(&self, d: &Delivery, job: &RecalculationJob, e: WorkerError) -> Handled {
        let job_id = job.id.clone();
        let error = e.to_string();
        let outcome = self.queue.retry(d, &error).await;
        if let Err(r) = &outcome {
            tracing::warn!(error = %r, "could not hand the delivery back; it is reclaimed after the visibility timeout");
        }
        let last = job.attempts >= self.config.max_attempts
            || matches!(outcome, Ok(RetryOutcome::DeadLettered));
        let to = if last {
            JobStatus::Failed
        } else {
            JobStatus::Queued
        };
        if let Err(w) = self
            .store
            .end_claimed_recalc_job(job, to, Some(&error))
            .await
        {
            // The database is gone too: the row stays `running` and is taken over once its
            // heartbeat is stale — by the re-enqueue after the outage should the delivery be
            // dead-lettered meanwhile.
            self.resync_queue.store(true, Ordering::Release);
            tracing::warn!(%job_id, error = %w, "could not record the job's failure");
        }
        tracing::warn!(%job_id, attempt = job.attempts, last, %error, "recalculation job failed");
        if last {
            telemetry::metrics().recalc_job_finished("failed");
            self.publish_finished(job, JobStatus::Failed, Some(error.clone()))
                .await;
            Handled::Failed { job_id, error }
        } else {
            Handled::Retrying { job_id, error }
        }
    }

    /// Re-enqueues the job for `at` and drops this delivery.
    async fn defer(&self, d: &Delivery, at: DateTime<Utc>) -> Result<Handled, WorkerError> {
        self.queue
            .enqueue(JobMessage::new(d.message.job_id, JobMessage::RECALCULATION).not_before(at))
            .await?;
        self.queue.ack(d).await?;
        Ok(Handled::Deferred {
            job_id: d.message.job_id.to_string(),
        })
    }

    async fn publish_finished(
        &self,
        job: &RecalculationJob,
        status: JobStatus,
        error: Option<String>,
    ) {
        let Ok(job_id) = job.id.parse() else {
            return;
        };
        let ev = BusEvent::JobFinished(JobFinished {
            job_id,
            status,
            processed: to_u64(job.processed),
            total: to_u64(job.total),
            changed: to_u64(job.changed),
            failed: to_u64(job.failed),
            error,
            at: Utc::now(),
        });
        match self.bus.publish(ev).await {
            Ok(()) => telemetry::metrics().events_published(1),
            Err(e) => {
                tracing::warn!(job_id = %job.id, error = %e, "publishing the job's end failed")
            }
        }
    }
}

pub(crate) fn to_u64(n: i32) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
