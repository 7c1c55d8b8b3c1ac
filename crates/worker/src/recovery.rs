//! Putting jobs back on the queue from their rows, the source of truth: at start-up, and
//! after the queue or the database failed under a running worker.

use std::sync::atomic::Ordering;

use bus::JobMessage;
use domain::model::JobStatus;

use crate::error::WorkerError;
use crate::runner::Worker;

impl Worker {
    /// Enqueues every job still `queued` or `running` in the database (at start-up: the
    /// in-process queue does not survive a restart, and Redis may have been flushed).
    /// `sole_worker` (the embedded deployment) also hands `running` jobs back at once — no
    /// other process can be running them; otherwise they are taken over when their
    /// heartbeat goes stale. Returns how many were enqueued.
    pub async fn requeue_unfinished(&self, sole_worker: bool) -> Result<usize, WorkerError> {
        let jobs = self.store.unfinished_recalc_jobs().await?;
        for j in &jobs {
            if sole_worker && j.status == JobStatus::Running {
                self.store
                    .end_recalc_job(&j.id, JobStatus::Queued, None)
                    .await?;
            }
            let id =
                j.id.parse()
                    .map_err(|_| WorkerError::BadJobId(j.id.clone()))?;
            let mut m = JobMessage::new(id, JobMessage::RECALCULATION);
            m.not_before = j.not_before.filter(|_| j.status == JobStatus::Queued);
            self.queue.enqueue(m).await?;
        }
        Ok(jobs.len())
    }

    /// Once the queue answers again after a failure: every unfinished job back on the queue
    /// (one loop does it; on failure the next successful claim tries again).
    pub(crate) async fn resync_after_outage(&self) {
        if !self.resync_queue.swap(false, Ordering::AcqRel) {
            return;
        }
        match self.requeue_unfinished(false).await {
            Ok(n) => tracing::info!(jobs = n, "after an outage: re-enqueued unfinished jobs"),
            Err(e) => {
                self.resync_queue.store(true, Ordering::Release);
                tracing::warn!(error = %e, "after an outage: re-enqueuing unfinished jobs failed");
            }
        }
    }
}
