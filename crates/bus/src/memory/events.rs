//! In-process events: one `tokio::sync::broadcast` channel.

use std::sync::Arc;

use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

use crate::{BoxFuture, BusEvent, BusMessage, EventBus, EventStream, Result, ResyncReason};

/// Events fanned out through a broadcast channel. A receiver that falls more than
/// `event_buffer` events behind loses the oldest ones; the broadcast channel reports that as
/// `Lagged(n)`, which the stream turns into `Resync(Lagged)`.
#[derive(Debug, Clone)]
pub struct MemoryEventBus {
    tx: broadcast::Sender<Arc<BusEvent>>,
}

impl MemoryEventBus {
    /// A bus whose subscribers may fall `buffer` events behind before they must resync.
    pub fn new(buffer: usize) -> MemoryEventBus {
        let (tx, _) = broadcast::channel(buffer.max(1));
        MemoryEventBus { tx }
    }

    fn send(&self, event: BusEvent) {
        // An error only means nobody is subscribed right now: nothing to deliver.
        let _ = self.tx.send(Arc::new(event));
    }
}

impl EventBus for MemoryEventBus {
    fn publish(&self, event: BusEvent) -> BoxFuture<'_, Result<()>> {
        self.send(event);
        Box::pin(async { Ok(()) })
    }

    fn publish_all(&self, events: Vec<BusEvent>) -> BoxFuture<'_, Result<()>> {
        for event in events {
            self.send(event);
        }
        Box::pin(async { Ok(()) })
    }

    fn subscribe(&self) -> BoxFuture<'_, Result<EventStream>> {
        let stream = BroadcastStream::new(self.tx.subscribe()).map(|item| match item {
            Ok(event) => BusMessage::Event(event),
            Err(BroadcastStreamRecvError::Lagged(missed)) => {
                BusMessage::Resync(ResyncReason::Lagged {
                    missed: Some(missed),
                })
            }
        });
        Box::pin(async move { Ok(EventStream::new(stream)) })
    }

    fn ping(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async { Ok(()) })
    }
}
