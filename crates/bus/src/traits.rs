//! The two traits the rest of Deal Brain programs against.
//!
//! Methods return boxed futures ([`BoxFuture`]) instead of `async fn` so the traits stay
//! dyn-compatible: the composition root picks an implementation at run time and hands out
//! `Arc<dyn JobQueue>` / `Arc<dyn EventBus>`. Implementations write ordinary `async fn`s and
//! box them in the trait impl; callers just `.await`.

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::{
    BusEvent, DeadLetter, Delivery, EventStream, JobMessage, QueueDepth, Result, RetryOutcome,
};

/// A `Send` future borrowed from `'a`, as returned by the trait methods.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A durable, at-least-once job queue with one logical consumer group (the workers).
///
/// The worker loop is: `claim` → do the work and commit it → `ack`; on a failure `retry`
/// (which backs off, then dead-letters after `max_attempts`); for long work `touch` now and
/// then so the delivery is not reclaimed. A consumer that dies simply stops touching: after
/// the visibility timeout the next `claim` by anyone reclaims the delivery (attempt + 1).
pub trait JobQueue: Send + Sync + Debug {
    /// Stores a message. `Ok` means it is durably queued (Redis acknowledged the write); when
    /// the backend is unreachable this fails — a job is never silently dropped. A message
    /// with a future `not_before` is held back until then.
    fn enqueue(&self, message: JobMessage) -> BoxFuture<'_, Result<()>>;

    /// Hands the next deliverable message to `consumer` (a name unique per worker task, e.g.
    /// `host-pid-n`), waiting up to `max_wait` for one; `Ok(None)` when none came. Before
    /// taking a new message it reclaims one whose holder exceeded the visibility timeout, and
    /// moves due retries back into the queue; a reclaimed message past `max_attempts` is
    /// dead-lettered instead of being handed out.
    fn claim<'a>(
        &'a self,
        consumer: &'a str,
        max_wait: Duration,
    ) -> BoxFuture<'a, Result<Option<Delivery>>>;

    /// Removes the delivered message for good. Call it after the work is committed.
    /// Acknowledging twice, or after the delivery was reclaimed, is harmless.
    fn ack<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<()>>;

    /// Gives a failed delivery back: requeued after an exponential backoff, or dead-lettered
    /// with `error` when it was the last allowed attempt. [`crate::BusError::LeaseLost`] when
    /// the caller no longer holds it.
    fn retry<'a>(
        &'a self,
        delivery: &'a Delivery,
        error: &'a str,
    ) -> BoxFuture<'a, Result<RetryOutcome>>;

    /// Restarts the delivery's visibility timeout (a heartbeat for long jobs).
    /// [`crate::BusError::LeaseLost`] when it was reclaimed meanwhile: stop working on it.
    fn touch<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<()>>;

    /// How much the queue holds (the `recalc_queue_depth` metric).
    fn depth(&self) -> BoxFuture<'_, Result<QueueDepth>>;

    /// The oldest `limit` dead letters.
    fn dead_letters(&self, limit: usize) -> BoxFuture<'_, Result<Vec<DeadLetter>>>;

    /// Checks the backend is reachable (for readiness probes).
    fn ping(&self) -> BoxFuture<'_, Result<()>>;
}

/// Fire-and-forget events to every current subscriber (every API instance).
///
/// Delivery is best effort — events are not stored — but never silently lossy: a subscriber
/// that misses events (it lagged, or its connection dropped) receives
/// [`crate::BusMessage::Resync`] and refetches.
pub trait EventBus: Send + Sync + Debug {
    /// Sends one event to the current subscribers. Fails when the backend is unreachable.
    fn publish(&self, event: BusEvent) -> BoxFuture<'_, Result<()>>;

    /// Sends several events in order, in one round trip where the backend allows (the worker
    /// publishes a batch's events together).
    fn publish_all(&self, events: Vec<BusEvent>) -> BoxFuture<'_, Result<()>>;

    /// A new subscription. Every event published after this returns `Ok` is delivered (or
    /// covered by a `Resync`). Fails when the backend is unreachable at the time of the call;
    /// later outages are retried inside the subscription.
    fn subscribe(&self) -> BoxFuture<'_, Result<EventStream>>;

    /// Checks the backend is reachable (for readiness probes).
    fn ping(&self) -> BoxFuture<'_, Result<()>>;
}
