//! Jobs on a Redis stream with one consumer group.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::aio::{ConnectionManager, MultiplexedConnection};
use redis::streams::StreamReadReply;
use redis::{AsyncConnectionConfig, Client};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use uuid::Uuid;

use super::inspect::DeadRecord;
use super::{Keys, bounded, scripts};
use crate::{
    BoxFuture, BusError, BusOptions, DeadLetter, Delivery, DeliveryId, JobMessage, JobQueue,
    QueueDepth, Result, RetryOutcome,
};

/// Due delayed messages moved into the stream per claim step.
const PROMOTE_LIMIT: u32 = 100;
/// Idle blocking connections kept for reuse.
const POOL_SIZE: usize = 8;

/// A stream entry's single field `e`: the message and the attempts it has used up. The nonce
/// keeps two identical envelopes distinct in the delayed ZSET (a ZSET member is unique).
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    m: JobMessage,
    a: u32,
    n: Uuid,
}

/// The Redis [`JobQueue`].
#[derive(Debug, Clone)]
pub struct RedisJobQueue {
    pub(super) client: Client,
    pub(super) conn: ConnectionManager,
    pub(super) keys: Arc<Keys>,
    pub(super) options: BusOptions,
    pub(super) group_ready: Arc<AtomicBool>,
    /// Blocking reads (XREADGROUP BLOCK) hold their connection for the whole wait, so they
    /// get dedicated connections instead of stalling the shared multiplexed one.
    pub(super) blocking: Arc<Mutex<Vec<MultiplexedConnection>>>,
}

fn is_nogroup(e: &BusError) -> bool {
    matches!(e, BusError::Redis { source, .. } if source.code() == Some("NOGROUP")
        || source.to_string().contains("NOGROUP"))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl RedisJobQueue {
    pub(super) fn new(
        client: Client,
        conn: ConnectionManager,
        keys: Arc<Keys>,
        options: &BusOptions,
    ) -> Self {
        RedisJobQueue {
            client,
            conn,
            keys,
            options: options.clone(),
            group_ready: Arc::default(),
            blocking: Arc::default(),
        }
    }

    /// Creates the consumer group once per process (and again if the stream was deleted).
    /// It starts at `0`, not `$`: entries added before the group existed are still work.
    async fn ensure_group(&self) -> Result<()> {
        if self.group_ready.load(Ordering::Acquire) {
            return Ok(());
        }
        let created: redis::RedisResult<()> = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&self.keys.stream)
            .arg(&self.keys.group)
            .arg("0")
            .arg("MKSTREAM")
            .exec_async(&mut self.conn.clone())
            .await;
        match created {
            Ok(()) => {}
            Err(e) if e.code() == Some("BUSYGROUP") => {}
            Err(e) => return Err(BusError::redis("XGROUP CREATE")(e)),
        }
        self.group_ready.store(true, Ordering::Release);
        Ok(())
    }

    /// Runs `op`, recreating the group once if Redis says it is gone.
    async fn with_group<T, F, Fut>(&self, op: F) -> Result<T>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.ensure_group().await?;
        match op().await {
            Err(e) if is_nogroup(&e) => {
                self.group_ready.store(false, Ordering::Release);
                self.ensure_group().await?;
                op().await
            }
            other => other,
        }
    }

    fn delivery(&self, id: String, env: &str, deliveries: i64, consumer: &str) -> Result<Delivery> {
        let env: Envelope = serde_json::from_str(env)?;
        let deliveries = u32::try_from(deliveries.max(1)).unwrap_or(u32::MAX);
        Ok(Delivery {
            id: DeliveryId(id),
            message: env.m,
            attempt: env.a.saturating_add(deliveries),
            consumer: consumer.to_owned(),
        })
    }

    /// The atomic, non-blocking claim step (see [`scripts::CLAIM`]). `Err(wait)` when nothing
    /// is claimable, with the time until the next delayed message is due.
    async fn claim_step(&self, consumer: &str) -> Result<Result<Delivery, Option<Duration>>> {
        let (kind, id, env, n): (String, String, String, i64) = scripts::CLAIM
            .key(&self.keys.stream)
            .key(&self.keys.delayed)
            .arg(&self.keys.group)
            .arg(consumer)
            .arg(millis(self.options.visibility_timeout))
            .arg(PROMOTE_LIMIT)
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(BusError::redis("claim"))?;
        match kind.as_str() {
            "new" | "reclaimed" => Ok(Ok(self.delivery(id, &env, n, consumer)?)),
            _ => Ok(Err(u64::try_from(n).ok().map(Duration::from_millis))),
        }
    }

    async fn blocking_conn(&self) -> Result<MultiplexedConnection> {
        let pooled = self.blocking.lock().ok().and_then(|mut p| p.pop());
        if let Some(conn) = pooled {
            return Ok(conn);
        }
        // The reply to a blocking read may take the whole poll interval.
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.options.connect_timeout))
            .set_response_timeout(Some(
                self.options.poll_interval + self.options.response_timeout,
            ));
        bounded(
            "connect",
            self.options.connect_timeout * 2,
            self.client
                .get_multiplexed_async_connection_with_config(&config),
        )
        .await
    }

    fn give_back_conn(&self, conn: MultiplexedConnection) {
        if let Ok(mut pool) = self.blocking.lock()
            && pool.len() < POOL_SIZE
        {
            pool.push(conn);
        }
    }

    /// Waits up to `block` for a new stream entry (XREADGROUP BLOCK).
    async fn blocking_read(&self, consumer: &str, block: Duration) -> Result<Option<Delivery>> {
        let mut conn = self.blocking_conn().await?;
        let reply: Option<StreamReadReply> = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(&self.keys.group)
            .arg(consumer)
            .arg("COUNT")
            .arg(1)
            .arg("BLOCK")
            .arg(millis(block).max(1))
            .arg("STREAMS")
            .arg(&self.keys.stream)
            .arg(">")
            .query_async(&mut conn)
            .await
            .map_err(BusError::redis("XREADGROUP"))?;
        self.give_back_conn(conn);
        let Some(entry) = reply
            .into_iter()
            .flat_map(|r| r.keys)
            .flat_map(|k| k.ids)
            .next()
        else {
            return Ok(None);
        };
        let env: String = entry.get("e").ok_or_else(|| BusError::Protocol {
            op: "XREADGROUP",
            detail: format!("entry {} has no envelope", entry.id),
        })?;
        self.delivery(entry.id, &env, 1, consumer).map(Some)
    }

    async fn claim_inner(&self, consumer: &str, max_wait: Duration) -> Result<Option<Delivery>> {
        let deadline = Instant::now() + max_wait;
        loop {
            let step = self.with_group(|| self.claim_step(consumer)).await?;
            let next_due = match step {
                Ok(d) if d.attempt > self.options.attempts_allowed() => {
                    // Its holders kept dying (or stalling): stop handing it out.
                    let error = format!(
                        "visibility timeout expired; {} attempts made",
                        d.attempt - 1
                    );
                    self.give_back(&d, "dead", 0, &self.dead_record(&d, d.attempt - 1, error)?)
                        .await?;
                    continue;
                }
                Ok(d) => return Ok(Some(d)),
                Err(next_due) => next_due,
            };
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            // Wake in time for the next due retry and to notice abandoned deliveries.
            let mut block = left.min(self.options.poll_interval);
            if let Some(due) = next_due {
                block = block.min(due.max(Duration::from_millis(1)));
            }
            let read = self
                .with_group(|| self.blocking_read(consumer, block))
                .await?;
            if let Some(d) = read {
                return Ok(Some(d));
            }
        }
    }

    fn dead_record(&self, d: &Delivery, attempts: u32, error: String) -> Result<String> {
        Ok(serde_json::to_string(&DeadRecord {
            message: d.message.clone(),
            attempts,
            error,
        })?)
    }

    /// Runs [`scripts::GIVE_BACK`]; `LeaseLost` when the consumer no longer holds it.
    async fn give_back(
        &self,
        d: &Delivery,
        mode: &str,
        delay_ms: u64,
        payload: &str,
    ) -> Result<()> {
        let held: i64 = scripts::GIVE_BACK
            .key(&self.keys.stream)
            .key(&self.keys.delayed)
            .key(&self.keys.dead)
            .arg(&self.keys.group)
            .arg(&d.id.0)
            .arg(&d.consumer)
            .arg(mode)
            .arg(delay_ms)
            .arg(payload)
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(BusError::redis("retry"))?;
        if held == 1 {
            Ok(())
        } else {
            Err(BusError::LeaseLost(d.id.clone()))
        }
    }

    async fn retry_inner(&self, d: &Delivery, error: &str) -> Result<RetryOutcome> {
        if d.attempt >= self.options.attempts_allowed() {
            let record = self.dead_record(d, d.attempt, error.to_owned())?;
            self.give_back(d, "dead", 0, &record).await?;
            return Ok(RetryOutcome::DeadLettered);
        }
        let after = self.options.retry_delay(d.attempt);
        let env = serde_json::to_string(&Envelope {
            m: d.message.clone(),
            a: d.attempt,
            n: Uuid::new_v4(),
        })?;
        self.give_back(d, "retry", millis(after), &env).await?;
        Ok(RetryOutcome::Retrying {
            next_attempt: d.attempt + 1,
            after,
        })
    }

    async fn enqueue_inner(&self, message: JobMessage) -> Result<()> {
        let delay = message.delay_from_now();
        let env = serde_json::to_string(&Envelope {
            m: message,
            a: 0,
            n: Uuid::new_v4(),
        })?;
        let mut conn = self.conn.clone();
        if delay.is_zero() {
            redis::cmd("XADD")
                .arg(&self.keys.stream)
                .arg("*")
                .arg("e")
                .arg(env)
                .query_async::<String>(&mut conn)
                .await
                .map_err(BusError::redis("XADD"))?;
        } else {
            scripts::ENQUEUE_DELAYED
                .key(&self.keys.delayed)
                .arg(millis(delay))
                .arg(env)
                .invoke_async::<i64>(&mut conn)
                .await
                .map_err(BusError::redis("enqueue delayed"))?;
        }
        Ok(())
    }
}

impl JobQueue for RedisJobQueue {
    fn enqueue(&self, message: JobMessage) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.enqueue_inner(message))
    }

    fn claim<'a>(
        &'a self,
        consumer: &'a str,
        max_wait: Duration,
    ) -> BoxFuture<'a, Result<Option<Delivery>>> {
        Box::pin(self.claim_inner(consumer, max_wait))
    }

    fn ack<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            redis::pipe()
                .atomic()
                .cmd("XACK")
                .arg(&self.keys.stream)
                .arg(&self.keys.group)
                .arg(&delivery.id.0)
                .ignore()
                .cmd("XDEL")
                .arg(&self.keys.stream)
                .arg(&delivery.id.0)
                .ignore()
                .exec_async(&mut self.conn.clone())
                .await
                .map_err(BusError::redis("XACK"))
        })
    }

    fn retry<'a>(
        &'a self,
        delivery: &'a Delivery,
        error: &'a str,
    ) -> BoxFuture<'a, Result<RetryOutcome>> {
        Box::pin(self.retry_inner(delivery, error))
    }

    fn touch<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let held: i64 = scripts::TOUCH
                .key(&self.keys.stream)
                .arg(&self.keys.group)
                .arg(&delivery.id.0)
                .arg(&delivery.consumer)
                .invoke_async(&mut self.conn.clone())
                .await
                .map_err(BusError::redis("touch"))?;
            if held == 1 {
                Ok(())
            } else {
                Err(BusError::LeaseLost(delivery.id.clone()))
            }
        })
    }

    fn depth(&self) -> BoxFuture<'_, Result<QueueDepth>> {
        Box::pin(self.with_group(|| self.depth_inner()))
    }

    fn dead_letters(&self, limit: usize) -> BoxFuture<'_, Result<Vec<DeadLetter>>> {
        Box::pin(self.dead_letters_inner(limit))
    }

    fn ping(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(super::ping(&self.conn))
    }
}
