//! One job's walk over its targets: batches read and evaluated one step ahead of the batch
//! being written (see [`crate::batch`]), progress and events after each write.

use std::sync::atomic::Ordering;

use bus::{BusError, BusEvent, Delivery, RecalculationProgress};
use chrono::Utc;
use domain::model::{JobStatus, RecalculationJob};
use store::revalue::Valuer;
use store::{RecalcCause, RecalcTargets, recalc_causes};
use tokio_util::sync::CancellationToken;

use crate::batch;
use crate::error::WorkerError;
use crate::runner::{Worker, to_u64};

/// How a run ended, short of an error.
pub(crate) enum RunEnd {
    Done,
    Interrupted,
    LeaseLost,
    Cancelled,
}

impl Worker {
    /// Walks the job's targets from its cursor, one batch at a time.
    pub(crate) async fn run_job(
        &self,
        d: &Delivery,
        job: &mut RecalculationJob,
        shutdown: &CancellationToken,
    ) -> Result<RunEnd, WorkerError> {
        let targets = RecalcTargets::from_json(&job.scope)?;
        let causes = recalc_causes(&job.causes);
        let valuer = Valuer::load(&self.store).await?;
        if targets.after_id.is_none() {
            let total = self.store.count_recalc_targets(&targets).await?;
            job.total = i32::try_from(total).unwrap_or(i32::MAX);
        }
        let job_id = d.message.job_id;
        // Only a planning aid: the walk is correct, just slower, without it.
        let size = u64::try_from(job.total).unwrap_or(0);
        if let Err(e) = self.store.refresh_listing_statistics(size).await {
            tracing::warn!(job_id = %d.message.job_id, error = %e, "refreshing the listing statistics failed");
        }
        let after = targets.after_id.unwrap_or(0);
        let mut next = self
            .prepare(&targets, after, &valuer, &causes, job_id)
            .await?;
        loop {
            if shutdown.is_cancelled() {
                return Ok(RunEnd::Interrupted);
            }
            let Some(batch) = next else {
                return Ok(RunEnd::Done);
            };
            let last = batch.last_id;
            // The next batch is read and evaluated while this one is written and reported:
            // it touches other listings, and it is dropped unwritten if this one ends the run.
            let (recorded, following) = tokio::join!(
                self.write_batch(d, job, &targets, &valuer, batch),
                self.prepare(&targets, last, &valuer, &causes, job_id)
            );
            if let Some(end) = recorded? {
                return Ok(end);
            }
            next = following?;
        }
    }

    /// Writes a prepared batch, records the job's progress and cursor, publishes the batch's
    /// events and renews the delivery. `Some` when the run must end here.
    async fn write_batch(
        &self,
        d: &Delivery,
        job: &mut RecalculationJob,
        targets: &RecalcTargets,
        valuer: &Valuer,
        batch: batch::Prepared,
    ) -> Result<Option<RunEnd>, WorkerError> {
        let job_id = d.message.job_id;
        let (last, len) = (batch.last_id, batch.len);
        let out = batch::commit(&self.store, valuer, batch, job_id).await?;
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        job.processed = job.processed.saturating_add(count(len));
        job.changed = job.changed.saturating_add(count(out.events.len()));
        job.failed = job
            .failed
            .saturating_add(i32::try_from(out.failed).unwrap_or(i32::MAX));
        job.total = job.total.max(job.processed);
        let cursor = RecalcTargets {
            after_id: Some(last),
            ..targets.clone()
        };
        job.scope = cursor.to_json();
        // The batch is committed: its listings' events go out whatever happens next. The
        // progress row may fail to save (the job is then retried from its previous cursor,
        // and the retry finds these listings unchanged and announces nothing), or the job may
        // no longer be `running` (cancelled through the API while this batch ran).
        let running = self.store.recalc_job_progress(job).await;
        let mut events = out.events;
        if matches!(running, Ok(true)) {
            events.push(BusEvent::RecalculationProgress(RecalculationProgress {
                job_id,
                processed: to_u64(job.processed),
                total: to_u64(job.total),
                changed: to_u64(job.changed),
                failed: to_u64(job.failed),
                at: Utc::now(),
            }));
        }
        // A bus outage loses these events (subscribers get a Resync when their own connection
        // recovers) but must not undo or repeat work.
        let n = events.len() as u64;
        match self.bus.publish_all(events).await {
            Ok(()) => telemetry::metrics().events_published(n),
            Err(e) => {
                tracing::warn!(%job_id, error = %e, "publishing a batch's events failed");
            }
        }
        if !running? {
            // Cancelled through the API, or taken over by a worker that found this one's
            // heartbeat stale: only the first is the job's end.
            let cancelled = matches!(
                self.store.job(&job.id).await?,
                Some(j) if j.status == JobStatus::Cancelled
            );
            return Ok(Some(if cancelled {
                RunEnd::Cancelled
            } else {
                RunEnd::LeaseLost
            }));
        }
        match self.queue.touch(d).await {
            Ok(()) => Ok(None),
            Err(BusError::LeaseLost(_)) => Ok(Some(RunEnd::LeaseLost)),
            Err(e) => {
                // Redis may be down or have restarted without this delivery.
                self.resync_queue.store(true, Ordering::Release);
                tracing::warn!(error = %e, "renewing the job's delivery failed");
                Ok(None)
            }
        }
    }

    /// The job's next batch after listing `after`, read and evaluated (`None`: no targets
    /// left).
    async fn prepare(
        &self,
        targets: &RecalcTargets,
        after: i64,
        valuer: &Valuer,
        causes: &[RecalcCause],
        job_id: uuid::Uuid,
    ) -> Result<Option<batch::Prepared>, WorkerError> {
        let batch = self
            .store
            .recalc_targets(targets, after, self.config.batch_size)
            .await?;
        Ok(batch::prepare(&self.store, valuer, &batch, causes, job_id).await)
    }
}
