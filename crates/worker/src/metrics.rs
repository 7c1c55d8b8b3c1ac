//! The worker's side of the metric contract (`infra/README.md`): what it records through
//! `telemetry::metrics()` besides the counters in the runner and the batch.

use bus::JobQueue;

/// Samples the shared queue's length into `recalc_queue_depth`: every message not yet done
/// (ready, claimed, or waiting for its time). A queue that does not answer keeps the last
/// value and is logged; readiness reports the outage.
pub async fn record_queue_depth(queue: &dyn JobQueue) {
    match queue.depth().await {
        Ok(d) => telemetry::metrics().recalc_queue_depth(d.pending()),
        Err(e) => tracing::debug!(error = %e, "reading the queue depth failed"),
    }
}
