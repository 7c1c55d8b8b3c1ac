//! [`JobRequester`]: a write's request for a recalculation becomes (or joins) a job.

use std::sync::Arc;

use bus::{JobMessage, JobQueue};
use domain::model::ValuationCause;
use store::{RecalcRequestOutcome, RecalcTargets, Store};
use uuid::Uuid;

use crate::config::{WorkerConfig, chrono_duration};
use crate::error::WorkerError;

/// Creates or coalesces the job row, then enqueues its id.
#[derive(Debug)]
pub struct JobRequester {
    store: Store,
    queue: Arc<dyn JobQueue>,
    config: WorkerConfig,
    /// Requests from this process take turns, so a burst coalesces into one job instead of
    /// racing to create several; across processes the store's conditional update keeps
    /// every scope, at worst in a second job.
    gate: tokio::sync::Mutex<()>,
}

impl JobRequester {
    pub fn new(store: Store, queue: Arc<dyn JobQueue>, config: WorkerConfig) -> JobRequester {
        JobRequester {
            store,
            queue,
            config,
            gate: tokio::sync::Mutex::new(()),
        }
    }

    /// Records the request (one transaction) and enqueues the job. An absorbing job is
    /// enqueued again too: duplicate messages are harmless (the worker's compare-and-set runs
    /// the job once) and this way a job whose first enqueue failed still gets delivered.
    /// `Err` when the database or the queue is unavailable; the job row then stays `queued`
    /// and is enqueued again by the next request or when a worker starts.
    pub async fn request(
        &self,
        targets: &RecalcTargets,
        cause: ValuationCause,
        requested_by: Option<&str>,
    ) -> Result<RecalcRequestOutcome, WorkerError> {
        let out = {
            let _turn = self.gate.lock().await;
            self.store
                .request_recalculation(
                    targets,
                    cause,
                    requested_by,
                    chrono_duration(self.config.coalesce_delay),
                    chrono_duration(self.config.coalesce_max_delay),
                )
                .await?
        };
        let id: Uuid = out
            .job_id
            .parse()
            .map_err(|_| WorkerError::BadJobId(out.job_id.clone()))?;
        self.queue
            .enqueue(JobMessage::new(id, JobMessage::RECALCULATION).not_before(out.not_before))
            .await?;
        tracing::debug!(job_id = %out.job_id, coalesced = out.coalesced, %cause, "recalculation requested");
        Ok(out)
    }
}
