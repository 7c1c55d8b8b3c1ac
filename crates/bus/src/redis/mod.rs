//! The Redis implementation: jobs on a stream with a consumer group, events on pub/sub.
//!
//! Keys, all under the configured prefix (default `dealbrain:`):
//! - `{prefix}jobs` — the stream; consumer group `workers`. An entry is deleted when it is
//!   acknowledged or given back, so `XLEN` counts exactly the unfinished messages.
//! - `{prefix}jobs:delayed` — a ZSET of envelopes scored by the server-time millisecond they
//!   become due (retry backoff, `not_before`); claimers move due ones into the stream.
//! - `{prefix}jobs:dead` — the dead-letter stream.
//! - `{prefix}events` — the pub/sub channel.

mod events;
mod inspect;
mod queue;
mod scripts;

use std::time::Duration;

use redis::Client;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

pub use events::RedisEventBus;
pub use queue::RedisJobQueue;

use crate::{BusError, BusOptions, Result};

/// The key names of one namespace.
#[derive(Debug)]
pub(crate) struct Keys {
    pub stream: String,
    pub delayed: String,
    pub dead: String,
    pub channel: String,
    pub group: String,
}

impl Keys {
    fn new(prefix: &str) -> Keys {
        Keys {
            stream: format!("{prefix}jobs"),
            delayed: format!("{prefix}jobs:delayed"),
            dead: format!("{prefix}jobs:dead"),
            channel: format!("{prefix}events"),
            group: "workers".to_owned(),
        }
    }
}

/// Builds both halves on one shared, lazily connecting connection manager. No I/O happens
/// here: a Redis that is down at start-up shows as errors from the first operations (and the
/// manager reconnects on its own once it is back).
pub(crate) fn connect(
    url: &str,
    prefix: &str,
    options: &BusOptions,
) -> Result<(RedisJobQueue, RedisEventBus)> {
    let client = Client::open(url).map_err(BusError::InvalidUrl)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(options.connect_timeout))
        .set_response_timeout(Some(options.response_timeout))
        .set_number_of_retries(options.connect_retries)
        .set_max_delay(Duration::from_secs(1));
    let manager = ConnectionManager::new_lazy_with_config(client.clone(), config)
        .map_err(BusError::redis("connect"))?;
    let keys = std::sync::Arc::new(Keys::new(prefix));
    let queue = RedisJobQueue::new(client.clone(), manager.clone(), keys.clone(), options);
    let bus = RedisEventBus::new(&client, manager, keys, options, prefix);
    Ok((queue, bus))
}

/// Runs `fut` with a deadline, mapping the timeout to [`BusError::Timeout`]. Used for the
/// steps the redis client does not bound itself (opening a dedicated connection).
pub(crate) async fn bounded<T>(
    op: &'static str,
    after: Duration,
    fut: impl Future<Output = redis::RedisResult<T>>,
) -> Result<T> {
    match tokio::time::timeout(after, fut).await {
        Ok(result) => result.map_err(BusError::redis(op)),
        Err(_) => Err(BusError::Timeout { op, after }),
    }
}

/// A round trip on the shared connection.
pub(crate) async fn ping(conn: &ConnectionManager) -> Result<()> {
    redis::cmd("PING")
        .query_async::<String>(&mut conn.clone())
        .await
        .map(drop)
        .map_err(BusError::redis("PING"))
}
