//! # bus — the job queue and the event bus
//!
//! Two small traits the rest of Deal Brain programs against, each with a Redis and an
//! in-process implementation chosen by configuration ([`connect`]):
//!
//! - [`JobQueue`]: durable, at-least-once jobs. The API enqueues a [`JobMessage`] (a job id —
//!   the job row itself lives in the database, DOMAIN.md §8); workers `claim` a [`Delivery`],
//!   commit the work, then `ack`. A failure is `retry`ed with exponential backoff and, after
//!   `max_attempts`, dead-lettered; a delivery whose worker died is reclaimed by the next
//!   claimer after the visibility timeout. Duplicates are possible (that is what
//!   at-least-once means), so the worker claims the job row with a compare-and-set.
//! - [`EventBus`]: fire-and-forget events ([`BusEvent`]) to every subscriber — every API
//!   instance. Events are not stored; instead a subscriber that may have missed some gets
//!   [`BusMessage::Resync`] (lagging, reconnect) and refetches. Never a silent gap.
//!
//! A worker task, in short (errors from `claim` mean the backend is down: back off, retry):
//!
//! ```no_run
//! # async fn run_job(_: &bus::JobMessage) -> Result<(), String> { Ok(()) }
//! # async fn worker(queue: std::sync::Arc<dyn bus::JobQueue>) -> bus::Result<()> {
//! use std::time::Duration;
//! loop {
//!     let Some(delivery) = queue.claim("host-1234-0", Duration::from_secs(5)).await? else {
//!         continue;
//!     };
//!     match run_job(&delivery.message).await {
//!         Ok(()) => queue.ack(&delivery).await?, // after the work is committed
//!         Err(e) => {
//!             queue.retry(&delivery, &e).await?; // backoff, or dead letter at the last attempt
//!         }
//!     }
//! }
//! # }
//! ```
//!
//! Layout: [`traits`] (the two traits, dyn-compatible via [`BoxFuture`]), [`message`] (queue
//! types), [`event`] (event types, [`EventStream`]), [`options`] ([`BusOptions`]),
//! [`error`] ([`BusError`]), [`memory`] (in-process: a mutex'd queue + `Notify`, a tokio
//! broadcast channel), [`redis`] (streams + pub/sub).
//!
//! ## Why Redis Streams rather than a queue library
//!
//! The guarantees we need — acknowledgement after commit, reclaim of a dead worker's job,
//! retries with backoff, a dead-letter list, a depth gauge — map one-to-one onto stream
//! primitives: a consumer group (`XREADGROUP`) with its pending-entries list (`XACK`,
//! `XPENDING … IDLE` + `XCLAIM`), a ZSET of delayed retries, and a second stream for dead
//! letters. That is about 300 lines and four short Lua scripts that make every multi-key step
//! atomic, on the Redis we already run for pub/sub. A queue library (apalis, for one) would
//! bring its own worker framework, storage layout and retry semantics, and we would still
//! need our own dead-letter listing, depth gauge and — above all — an in-process twin with
//! the same semantics for the embedded deployment. Keeping both implementations in one crate,
//! tested by one behavioural suite, is what keeps them equivalent. The queue carries only job ids,
//! so the job rows in the database remain the source of truth if Redis is ever flushed.

pub mod error;
pub mod event;
pub mod memory;
pub mod message;
pub mod options;
pub mod redis;
pub mod traits;

use std::sync::Arc;

pub use error::{BusError, Result};
pub use event::{
    BusEvent, BusMessage, EventStream, JobFinished, ListingValuationUpdated, RecalculationProgress,
    ResyncReason,
};
pub use message::{DeadLetter, Delivery, DeliveryId, JobMessage, QueueDepth, RetryOutcome};
pub use options::BusOptions;
pub use traits::{BoxFuture, EventBus, JobQueue};

/// The default key prefix.
pub const DEFAULT_PREFIX: &str = "dealbrain:";

/// The queue and the bus: Redis when `redis_url` is given (keys under `prefix`), else
/// in-process. Does no I/O — a Redis that is down shows as errors from the first operations
/// (use `ping` for a readiness check). Must run inside a tokio runtime.
pub async fn connect(
    redis_url: Option<&str>,
    prefix: &str,
    options: BusOptions,
) -> Result<(Arc<dyn JobQueue>, Arc<dyn EventBus>)> {
    match redis_url {
        Some(url) => {
            let (queue, bus) = redis::connect(url, prefix, &options)?;
            Ok((Arc::new(queue), Arc::new(bus)))
        }
        None => Ok((
            Arc::new(memory::MemoryJobQueue::new(options.clone())),
            Arc::new(memory::MemoryEventBus::new(options.event_buffer)),
        )),
    }
}
