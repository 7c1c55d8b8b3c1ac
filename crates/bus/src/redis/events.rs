//! Events on one Redis pub/sub channel.
//!
//! Each subscription owns a dedicated RESP3 connection (named `{prefix}events-subscriber` in
//! `CLIENT LIST`) whose pushes a background task forwards into a bounded channel. The task
//! never lets a gap pass unmarked: when the connection drops (a `Disconnection` push, a closed
//! push channel, or a failed periodic PING) it reconnects with exponential backoff and, once
//! subscribed again, sends `Resync(Reconnected)`; when the subscriber's channel is full it drops
//! the event and sends `Resync(Lagged)` as soon as there is room. Resubscribing happens in our
//! task rather than in the client library so that we know exactly when the gap occurred.

use std::sync::Arc;

use redis::aio::{ConnectionManager, MultiplexedConnection};
use redis::{AsyncConnectionConfig, Client, ProtocolVersion, PushInfo, PushKind};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::{Keys, bounded};
use crate::{
    BoxFuture, BusError, BusEvent, BusMessage, BusOptions, EventBus, EventStream, Result,
    ResyncReason,
};

/// The Redis [`EventBus`].
#[derive(Debug, Clone)]
pub struct RedisEventBus {
    conn: ConnectionManager,
    /// The same server, spoken to in RESP3 so a plain multiplexed connection can subscribe
    /// (and be named, and pinged) while pushes arrive on a channel.
    sub_client: Client,
    keys: Arc<Keys>,
    options: BusOptions,
    client_name: String,
}

type Pushes = mpsc::UnboundedReceiver<PushInfo>;

impl RedisEventBus {
    pub(super) fn new(
        client: &Client,
        conn: ConnectionManager,
        keys: Arc<Keys>,
        options: &BusOptions,
        prefix: &str,
    ) -> Self {
        let info = client.get_connection_info().clone();
        let redis = info
            .redis_settings()
            .clone()
            .set_protocol(ProtocolVersion::RESP3);
        let sub_client =
            Client::open(info.set_redis_settings(redis)).unwrap_or_else(|_| client.clone());
        // Client names may not contain spaces.
        let client_name = format!("{prefix}events-subscriber").replace(' ', "_");
        RedisEventBus {
            conn,
            sub_client,
            keys,
            options: options.clone(),
            client_name,
        }
    }

    /// Opens a named connection and subscribes it to the channel.
    async fn open(&self) -> Result<(MultiplexedConnection, Pushes)> {
        let (push_tx, pushes) = mpsc::unbounded_channel();
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.options.connect_timeout))
            .set_response_timeout(Some(self.options.response_timeout))
            .set_push_sender(push_tx);
        let mut conn = bounded(
            "connect",
            self.options.connect_timeout * 2,
            self.sub_client
                .get_multiplexed_async_connection_with_config(&config),
        )
        .await?;
        redis::cmd("CLIENT")
            .arg("SETNAME")
            .arg(&self.client_name)
            .exec_async(&mut conn)
            .await
            .map_err(BusError::redis("CLIENT SETNAME"))?;
        conn.subscribe(&self.keys.channel)
            .await
            .map_err(BusError::redis("SUBSCRIBE"))?;
        Ok((conn, pushes))
    }

    /// Reopens the subscription with exponential backoff; `None` when the subscriber went away
    /// meanwhile.
    async fn reopen(
        &self,
        tx: &mpsc::Sender<BusMessage>,
    ) -> Option<(MultiplexedConnection, Pushes)> {
        let mut backoff = self.options.reconnect_min;
        loop {
            match self.open().await {
                Ok(opened) => return Some(opened),
                Err(e) => {
                    tracing::warn!(error = %e, retry_in = ?backoff, "event subscription lost")
                }
            }
            tokio::select! {
                _ = tx.closed() => return None,
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(self.options.reconnect_max);
        }
    }

    /// Forwards pushes to the subscriber until it drops its stream.
    async fn forward(
        self,
        mut conn: MultiplexedConnection,
        mut pushes: Pushes,
        tx: mpsc::Sender<BusMessage>,
    ) {
        let mut gap: Option<ResyncReason> = None;
        let mut ping = tokio::time::interval(self.options.subscriber_ping_interval);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ping.reset();
        loop {
            let broken = tokio::select! {
                biased;
                _ = tx.closed() => return,
                permit = tx.reserve(), if gap.is_some() => {
                    let Ok(permit) = permit else { return };
                    if let Some(reason) = gap.take() {
                        permit.send(BusMessage::Resync(reason));
                    }
                    false
                }
                push = pushes.recv() => match push {
                    Some(PushInfo { kind: PushKind::Message, data }) => {
                        deliver(&tx, &mut gap, decode(&data));
                        false
                    }
                    Some(PushInfo { kind: PushKind::Disconnection, .. }) | None => true,
                    Some(_) => false,
                },
                _ = ping.tick() => {
                    let pong = tokio::time::timeout(
                        self.options.response_timeout,
                        redis::cmd("PING").query_async::<redis::Value>(&mut conn),
                    ).await;
                    !matches!(pong, Ok(Ok(_)))
                }
            };
            if broken {
                drop(conn);
                let Some((c, p)) = self.reopen(&tx).await else {
                    return;
                };
                (conn, pushes) = (c, p);
                gap = Some(ResyncReason::Reconnected);
                tracing::info!(channel = %self.keys.channel, "event subscription re-established");
            }
        }
    }
}

/// The event in a `message` push (`[channel, payload]`); `None` when it does not decode.
fn decode(data: &[redis::Value]) -> Option<BusEvent> {
    let payload: String = redis::from_redis_value_ref(data.last()?).ok()?;
    match serde_json::from_str(&payload) {
        Ok(event) => Some(event),
        Err(e) => {
            tracing::warn!(error = %e, "undecodable bus event; subscribers will resync");
            None
        }
    }
}

/// Sends an event unless a gap is waiting to be reported or the subscriber is full; an event
/// that cannot be sent becomes (part of) a gap.
fn deliver(tx: &mpsc::Sender<BusMessage>, gap: &mut Option<ResyncReason>, event: Option<BusEvent>) {
    let sent = match (&gap, event) {
        (None, Some(event)) => tx.try_send(BusMessage::Event(Arc::new(event))).is_ok(),
        _ => false,
    };
    if !sent {
        *gap = Some(match gap.take() {
            Some(ResyncReason::Lagged { missed }) => ResyncReason::Lagged {
                missed: missed.map(|n| n + 1),
            },
            Some(ResyncReason::Reconnected) => ResyncReason::Reconnected,
            None => ResyncReason::Lagged { missed: Some(1) },
        });
    }
}

fn encode(event: &BusEvent) -> Result<String> {
    Ok(serde_json::to_string(event)?)
}

impl EventBus for RedisEventBus {
    fn publish(&self, event: BusEvent) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            redis::cmd("PUBLISH")
                .arg(&self.keys.channel)
                .arg(encode(&event)?)
                .query_async::<i64>(&mut self.conn.clone())
                .await
                .map(drop)
                .map_err(BusError::redis("PUBLISH"))
        })
    }

    fn publish_all(&self, events: Vec<BusEvent>) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            if events.is_empty() {
                return Ok(());
            }
            let mut pipe = redis::pipe();
            for event in &events {
                pipe.cmd("PUBLISH")
                    .arg(&self.keys.channel)
                    .arg(encode(event)?)
                    .ignore();
            }
            pipe.exec_async(&mut self.conn.clone())
                .await
                .map_err(BusError::redis("PUBLISH"))
        })
    }

    fn subscribe(&self) -> BoxFuture<'_, Result<EventStream>> {
        Box::pin(async move {
            let (conn, pushes) = self.open().await?;
            let (tx, rx) = mpsc::channel(self.options.event_buffer.max(1));
            tokio::spawn(self.clone().forward(conn, pushes, tx));
            Ok(EventStream::new(ReceiverStream::new(rx)))
        })
    }

    fn ping(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(super::ping(&self.conn))
    }
}
