//! [`EventHub`]: the one event-bus subscription of an API process, fanned out to every
//! GraphQL subscription through a tokio broadcast channel.
//!
//! One bus subscription per process (not one per WebSocket) keeps Redis connections constant
//! however many clients watch the board. Each GraphQL subscription reads the broadcast
//! channel and filters it itself. Nothing is ever dropped silently: when the bus reports a
//! gap (reconnect, lag upstream) the hub forwards its `Resync`, and a subscription that falls
//! behind the broadcast channel turns the `Lagged` error into a `Resync` of its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bus::{BusMessage, EventBus, ResyncReason};
use tokio::sync::{broadcast, watch};
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::{Stream, StreamExt};

/// How many messages the broadcast channel holds before slow subscriptions lag (a full
/// recalculation batch of events for every subscription to read at its own pace).
pub const DEFAULT_CAPACITY: usize = 16_384;

/// Shared handle to the process's event fan-out. Cheap to clone.
#[derive(Clone)]
pub struct EventHub {
    inner: Arc<Inner>,
}

struct Inner {
    tx: broadcast::Sender<BusMessage>,
    shutdown: watch::Sender<bool>,
    /// Messages fanned out so far: every one may mean changed data (the response cache's
    /// invalidation signal).
    seen: Arc<AtomicU64>,
}

impl std::fmt::Debug for EventHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventHub")
            .field("subscriptions", &self.inner.tx.receiver_count())
            .finish()
    }
}

impl EventHub {
    /// A hub fed by `bus`: spawns the task that holds the bus subscription (re-subscribing with
    /// backoff if the bus ever ends the stream). Must run inside a tokio runtime.
    pub fn start(bus: Arc<dyn EventBus>, capacity: usize) -> EventHub {
        let hub = EventHub::detached(capacity);
        let out = Fanout {
            tx: hub.inner.tx.clone(),
            seen: hub.inner.seen.clone(),
        };
        tokio::spawn(pump(bus, out, hub.shutdown_signal()));
        hub
    }

    /// A hub with no bus behind it (tests, tools): subscriptions see only [`publish_local`]ed
    /// messages.
    ///
    /// [`publish_local`]: EventHub::publish_local
    pub fn detached(capacity: usize) -> EventHub {
        let (tx, _) = broadcast::channel(capacity.max(16));
        let (shutdown, _) = watch::channel(false);
        EventHub {
            inner: Arc::new(Inner {
                tx,
                shutdown,
                seen: Arc::new(AtomicU64::new(0)),
            }),
        }
    }

    /// Delivers a message to this process's subscriptions only (not through the bus).
    pub fn publish_local(&self, message: BusMessage) {
        self.inner.seen.fetch_add(1, Ordering::AcqRel);
        // No receiver is not an error: nobody is watching.
        let _ = self.inner.tx.send(message);
    }

    /// How many messages this hub has fanned out since it started (bus events, resyncs,
    /// local messages); grows whenever data may have changed.
    pub fn messages_seen(&self) -> u64 {
        self.inner.seen.load(Ordering::Acquire)
    }

    /// A new reader of the fan-out; lag becomes `Resync(Lagged)`.
    pub fn subscribe(&self) -> impl Stream<Item = BusMessage> + Send + Unpin + 'static {
        BroadcastStream::new(self.inner.tx.subscribe()).map(|m| match m {
            Ok(m) => m,
            Err(BroadcastStreamRecvError::Lagged(n)) => {
                BusMessage::Resync(ResyncReason::Lagged { missed: Some(n) })
            }
        })
    }

    /// How many readers the fan-out has (one per running GraphQL subscription).
    pub fn readers(&self) -> usize {
        self.inner.tx.receiver_count()
    }

    /// Tells every WebSocket connection to close (the server is shutting down).
    pub fn shut_down(&self) {
        self.inner.shutdown.send_replace(true);
    }

    /// Resolves when [`shut_down`](EventHub::shut_down) is called.
    pub fn shutdown_signal(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.inner.shutdown.subscribe();
        async move {
            // An error means the hub is gone, which is a shutdown as well.
            let _ = rx.wait_for(|down| *down).await;
        }
    }
}

/// The pump's side of the hub: the channel and the message counter.
struct Fanout {
    tx: broadcast::Sender<BusMessage>,
    seen: Arc<AtomicU64>,
}

impl Fanout {
    fn send(&self, message: BusMessage) {
        // A batch that changed nothing wrote nothing: the one message that need not mark cached
        // answers stale (a job's progress counts are then at most the cache's TTL behind).
        let wrote_nothing = matches!(&message, BusMessage::Event(e)
            if matches!(&**e, bus::BusEvent::RecalculationProgress(p) if p.changed == 0));
        if !wrote_nothing {
            self.seen.fetch_add(1, Ordering::AcqRel);
        }
        // No receiver is not an error: nobody is watching.
        let _ = self.tx.send(message);
    }
}

/// Holds the bus subscription and copies it into the broadcast channel until shutdown.
async fn pump(bus: Arc<dyn EventBus>, out: Fanout, shutdown: impl Future<Output = ()>) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut backoff = Duration::from_millis(100);
    let mut first = true;
    loop {
        let subscribed = tokio::select! {
            () = &mut shutdown => return,
            s = bus.subscribe() => s,
        };
        match subscribed {
            Ok(mut stream) => {
                backoff = Duration::from_millis(100);
                if !first {
                    // Anything published between the old stream's end and now is gone.
                    out.send(BusMessage::Resync(ResyncReason::Reconnected));
                }
                first = false;
                loop {
                    let next = tokio::select! {
                        () = &mut shutdown => return,
                        m = stream.recv() => m,
                    };
                    match next {
                        Some(m) => out.send(m),
                        None => break,
                    }
                }
                tracing::warn!("event bus subscription ended; subscribing again");
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff, "event bus subscription failed");
                first = false;
            }
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bus::{BusEvent, JobFinished};
    use chrono::Utc;
    use domain::model::JobStatus;

    fn finished() -> BusMessage {
        BusMessage::Event(Arc::new(BusEvent::JobFinished(JobFinished {
            job_id: uuid::Uuid::nil(),
            status: JobStatus::Succeeded,
            processed: 1,
            total: 1,
            changed: 0,
            failed: 0,
            error: None,
            at: chrono::DateTime::<Utc>::UNIX_EPOCH,
        })))
    }

    #[tokio::test]
    async fn a_lagging_reader_gets_a_resync_not_a_gap() {
        let hub = EventHub::detached(16);
        let mut reader = hub.subscribe();
        for _ in 0..20 {
            hub.publish_local(finished());
        }
        assert_eq!(
            reader.next().await,
            Some(BusMessage::Resync(ResyncReason::Lagged { missed: Some(4) }))
        );
        assert_eq!(reader.next().await, Some(finished()));
    }

    #[tokio::test]
    async fn bus_events_reach_every_reader() {
        let (_, bus) = bus::connect(None, "t:", bus::BusOptions::default())
            .await
            .unwrap();
        let hub = EventHub::start(bus.clone(), 64);
        let mut a = hub.subscribe();
        let mut b = hub.subscribe();
        // The pump subscribes asynchronously: publish until it has.
        let mut got = None;
        for _ in 0..100 {
            let BusMessage::Event(ev) = finished() else {
                unreachable!()
            };
            bus.publish((*ev).clone()).await.unwrap();
            if let Ok(m) = tokio::time::timeout(Duration::from_millis(20), a.next()).await {
                got = m;
                break;
            }
        }
        assert_eq!(got, Some(finished()));
        assert_eq!(b.next().await, Some(finished()));
        assert_eq!(hub.readers(), 2);
        hub.shut_down();
    }
}
