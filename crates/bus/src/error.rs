//! The one error type of the bus.

use std::time::Duration;

use crate::DeliveryId;

/// What can go wrong talking to the queue or the event bus. Never a panic: a Redis outage
/// surfaces here so callers (a mutation, the worker loop) can report or retry it.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// `REDIS_URL` could not be parsed.
    #[error("invalid Redis URL: {0}")]
    InvalidUrl(#[source] redis::RedisError),
    /// A Redis command failed: unreachable server, dropped connection, server error.
    #[error("Redis {op} failed: {source}")]
    Redis {
        /// The operation that failed (`XADD`, `claim`, `SUBSCRIBE`, …).
        op: &'static str,
        #[source]
        source: redis::RedisError,
    },
    /// Redis did not answer in time.
    #[error("Redis {op} timed out after {after:?}")]
    Timeout {
        /// The operation that timed out.
        op: &'static str,
        /// How long we waited.
        after: Duration,
    },
    /// A stored message or event could not be (de)serialised.
    #[error("bus message encoding: {0}")]
    Codec(#[from] serde_json::Error),
    /// A reply from Redis had an unexpected shape (a bug or an incompatible server).
    #[error("unexpected Redis reply to {op}: {detail}")]
    Protocol {
        /// The operation whose reply was malformed.
        op: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// The delivery is no longer held by this consumer: it was acknowledged already, or its
    /// visibility timeout expired and another consumer reclaimed it. The holder must stop
    /// working on it (its result may be duplicated by the new holder, which is why the job
    /// itself is idempotent).
    #[error("delivery {0} is no longer held by this consumer")]
    LeaseLost(DeliveryId),
}

impl BusError {
    /// A closure for `map_err` naming the Redis operation.
    pub(crate) fn redis(op: &'static str) -> impl FnOnce(redis::RedisError) -> BusError {
        move |source| BusError::Redis { op, source }
    }

    /// True when the error means "the backend is unreachable or the connection broke" (worth
    /// retrying later), as opposed to a bad message or a lost lease.
    pub fn is_unavailable(&self) -> bool {
        match self {
            BusError::Redis { source, .. } => {
                source.is_io_error()
                    || source.is_connection_refusal()
                    || source.is_connection_dropped()
                    || source.is_timeout()
            }
            BusError::Timeout { .. } => true,
            _ => false,
        }
    }
}

/// The bus's result type.
pub type Result<T, E = BusError> = std::result::Result<T, E>;
