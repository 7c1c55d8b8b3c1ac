//! [`WorkerConfig`]: the worker's and the requester's tunables.

use std::time::Duration;

/// How jobs are requested and run. `Default` is the production setting (DOMAIN.md §8).
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Listings per batch (`RECALC_BATCH_SIZE`); one transaction each.
    pub batch_size: u64,
    /// A new job waits this long before it may start, so requests right after it coalesce.
    pub coalesce_delay: Duration,
    /// Coalescing never pushes a job's start past this long after its first request.
    pub coalesce_max_delay: Duration,
    /// A `running` job whose heartbeat is older than this is taken over (its worker died).
    /// Must exceed the longest batch by far; each batch renews the heartbeat.
    pub lease: Duration,
    /// Attempts of one job before it is marked `failed` (the queue's `max_attempts` also
    /// dead-letters the delivery).
    pub max_attempts: i32,
    /// The longest one `claim` waits, which bounds how fast an idle loop notices shutdown.
    pub claim_wait: Duration,
    /// Backoff after a failing `claim` (the queue backend is down): first step…
    pub backoff_min: Duration,
    /// …and cap, doubling in between.
    pub backoff_max: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            batch_size: 100,
            coalesce_delay: Duration::from_millis(250),
            coalesce_max_delay: Duration::from_secs(2),
            lease: Duration::from_secs(60),
            max_attempts: 3,
            claim_wait: Duration::from_secs(1),
            backoff_min: Duration::from_millis(200),
            backoff_max: Duration::from_secs(10),
        }
    }
}

/// A std duration as a chrono one (saturating; these are seconds, never centuries).
pub(crate) fn chrono_duration(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}
