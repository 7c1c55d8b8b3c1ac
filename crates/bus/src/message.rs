//! What travels on the job queue: messages, deliveries, dead letters and the depth gauge.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A job message. Deliberately small: the job row (scope, causes, progress) lives in the
/// database, the queue only says "job X is ready to run" — so a message can be delivered twice
/// without harm (the worker claims the row with a compare-and-set).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobMessage {
    /// The job row's id.
    pub job_id: Uuid,
    /// What kind of job this is (`"recalculation"`), so one queue can carry several kinds.
    pub kind: String,
    /// Kind-specific extras (small JSON; never the listing set).
    #[serde(default)]
    pub payload: serde_json::Value,
    /// Not deliverable before this instant (§8: `not_before` = now + 250 ms lets later requests
    /// coalesce into the queued job). `None` = at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<DateTime<Utc>>,
    /// When the producer enqueued it (for queue-latency metrics).
    pub enqueued_at: DateTime<Utc>,
}

impl JobMessage {
    /// The message kind of a recalculation job.
    pub const RECALCULATION: &'static str = "recalculation";

    /// A message for `job_id` of `kind`, deliverable at once, with an empty payload.
    pub fn new(job_id: Uuid, kind: impl Into<String>) -> JobMessage {
        JobMessage {
            job_id,
            kind: kind.into(),
            payload: serde_json::Value::Null,
            not_before: None,
            enqueued_at: Utc::now(),
        }
    }

    /// The same message, not deliverable before `at`.
    pub fn not_before(mut self, at: DateTime<Utc>) -> JobMessage {
        self.not_before = Some(at);
        self
    }

    /// The same message with `payload`.
    pub fn with_payload(mut self, payload: serde_json::Value) -> JobMessage {
        self.payload = payload;
        self
    }

    /// How long from now until the message may be delivered (zero when due).
    pub(crate) fn delay_from_now(&self) -> Duration {
        self.not_before
            .and_then(|at| (at - Utc::now()).to_std().ok())
            .unwrap_or(Duration::ZERO)
    }
}

/// Identifies one queued copy of a message (a Redis stream id, or an in-process counter).
/// A retry gets a new id; a reclaim keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DeliveryId(pub String);

impl fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A message handed to one consumer. It stays invisible to others until it is acknowledged,
/// retried, or its visibility timeout passes without a `touch`.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Which queued copy this is.
    pub id: DeliveryId,
    /// The message.
    pub message: JobMessage,
    /// 1 for the first delivery; every retry and every reclaim (a consumer that died or stalled
    /// counts as a failed attempt, so a message that crashes workers cannot loop forever)
    /// adds one.
    pub attempt: u32,
    /// The consumer holding it.
    pub consumer: String,
}

/// What `retry` did with a failed delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryOutcome {
    /// Requeued; deliverable again after `after` (exponential backoff) as attempt `next_attempt`.
    Retrying {
        /// The attempt number of the next delivery.
        next_attempt: u32,
        /// The backoff before it becomes deliverable.
        after: Duration,
    },
    /// `max_attempts` reached: moved to the dead-letter list.
    DeadLettered,
}

/// A message that failed `max_attempts` times (or whose consumers kept dying), kept for
/// inspection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// Its id in the dead-letter list.
    pub id: DeliveryId,
    /// The message.
    pub message: JobMessage,
    /// How many attempts were made.
    pub attempts: u32,
    /// The last error (or "visibility timeout expired" when the consumer died).
    pub error: String,
    /// When it was dead-lettered.
    pub failed_at: DateTime<Utc>,
}

/// How much work the queue holds (the `recalc_queue_depth` gauge is [`QueueDepth::pending`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct QueueDepth {
    /// Deliverable now, not yet claimed.
    pub ready: u64,
    /// Claimed, not yet acknowledged.
    pub in_flight: u64,
    /// Waiting for a retry backoff or a `not_before`.
    pub delayed: u64,
    /// In the dead-letter list.
    pub dead: u64,
}

impl QueueDepth {
    /// Messages not yet done: ready + in flight + delayed.
    pub fn pending(&self) -> u64 {
        self.ready + self.in_flight + self.delayed
    }
}
