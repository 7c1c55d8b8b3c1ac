//! The fixture every behavioural test runs on: the in-process bus, or the Redis bus under a
//! unique key prefix (skipped with a notice when Redis is unreachable, unless
//! `DEALBRAIN_REQUIRE_SERVICES=1`, which makes it fail).

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use bus::{BusEvent, BusMessage, BusOptions, EventBus, EventStream, JobMessage, JobQueue};
use uuid::Uuid;

/// Which implementation a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Memory,
    Redis,
}

/// One test's queue and bus.
pub struct Fixture {
    pub kind: Kind,
    pub queue: Arc<dyn JobQueue>,
    pub bus: Arc<dyn EventBus>,
    /// `(url, prefix)` for Redis.
    pub redis: Option<(String, String)>,
}

/// Millisecond-scale settings so the suite is fast.
pub fn fast() -> BusOptions {
    BusOptions {
        visibility_timeout: Duration::from_millis(300),
        max_attempts: 3,
        retry_base: Duration::from_millis(50),
        retry_max: Duration::from_millis(400),
        poll_interval: Duration::from_millis(50),
        event_buffer: 64,
        connect_timeout: Duration::from_millis(500),
        response_timeout: Duration::from_secs(2),
        connect_retries: 0,
        reconnect_min: Duration::from_millis(20),
        reconnect_max: Duration::from_millis(200),
        subscriber_ping_interval: Duration::from_secs(1),
    }
}

async fn redis_reachable(url: &str) -> Result<(), String> {
    let client = redis::Client::open(url).map_err(|e| e.to_string())?;
    let ping = async {
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<String>(&mut conn).await
    };
    match tokio::time::timeout(Duration::from_secs(2), ping).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("timed out".to_owned()),
    }
}

/// The fixture, or `None` when Redis is unreachable and not required.
pub async fn fixture(kind: Kind, options: BusOptions) -> Option<Fixture> {
    match kind {
        Kind::Memory => {
            let (queue, bus) = bus::connect(None, "", options).await.unwrap();
            Some(Fixture {
                kind,
                queue,
                bus,
                redis: None,
            })
        }
        Kind::Redis => {
            let (url, prefix) = test_support::redis_namespace();
            if let Err(e) = redis_reachable(&url).await {
                let msg = format!("Redis at {url} is unreachable: {e}");
                if test_support::services_required() {
                    panic!("{msg} (DEALBRAIN_REQUIRE_SERVICES=1: a test that needs Redis fails)");
                }
                eprintln!("SKIPPED: {msg}");
                return None;
            }
            let (queue, bus) = bus::connect(Some(&url), &prefix, options).await.unwrap();
            Some(Fixture {
                kind,
                queue,
                bus,
                redis: Some((url, prefix)),
            })
        }
    }
}

impl Fixture {
    /// A plain connection to the test's Redis (Redis fixtures only).
    pub async fn redis_conn(&self) -> redis::aio::MultiplexedConnection {
        let (url, _) = self.redis.as_ref().expect("a Redis fixture");
        let client = redis::Client::open(url.as_str()).unwrap();
        client.get_multiplexed_async_connection().await.unwrap()
    }

    /// Deletes the test's keys.
    pub async fn cleanup(self) {
        let Some((_, prefix)) = &self.redis else {
            return;
        };
        let mut conn = self.redis_conn().await;
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{prefix}*"))
            .query_async(&mut conn)
            .await
            .unwrap();
        if !keys.is_empty() {
            redis::cmd("DEL")
                .arg(&keys)
                .exec_async(&mut conn)
                .await
                .unwrap();
        }
    }
}

/// A message for a fresh job id.
pub fn job() -> JobMessage {
    JobMessage::new(Uuid::new_v4(), JobMessage::RECALCULATION)
}

/// A numbered event (the number is `processed`).
pub fn numbered(n: u64) -> BusEvent {
    BusEvent::RecalculationProgress(bus::RecalculationProgress {
        job_id: Uuid::nil(),
        processed: n,
        total: 0,
        changed: 0,
        failed: 0,
        at: chrono::Utc::now(),
    })
}

/// The number of a numbered event.
pub fn number(msg: &BusMessage) -> Option<u64> {
    match msg {
        BusMessage::Event(ev) => match ev.as_ref() {
            BusEvent::RecalculationProgress(p) => Some(p.processed),
            _ => None,
        },
        BusMessage::Resync(_) => None,
    }
}

/// The next message within `within`, or `None`.
pub async fn next(stream: &mut EventStream, within: Duration) -> Option<BusMessage> {
    tokio::time::timeout(within, stream.recv())
        .await
        .ok()
        .flatten()
}

/// Expands each named `async fn name(kind: Kind)` into a test per implementation:
/// `memory::name` and `redis::name`.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::common::Kind::Memory).await
                }
            )*
        }
        mod redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::common::Kind::Redis).await
                }
            )*
        }
    };
}
