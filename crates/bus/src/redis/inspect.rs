//! Read-only views of the queue: the depth gauge and the dead-letter list.

use chrono::{DateTime, Utc};
use redis::streams::StreamRangeReply;
use serde::{Deserialize, Serialize};

use super::queue::RedisJobQueue;
use crate::{BusError, DeadLetter, DeliveryId, JobMessage, QueueDepth, Result};

/// A dead-letter entry's single field `d`.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct DeadRecord {
    pub message: JobMessage,
    pub attempts: u32,
    pub error: String,
}

impl RedisJobQueue {
    pub(super) async fn depth_inner(&self) -> Result<QueueDepth> {
        let (len, pending, delayed, dead): (u64, redis::Value, u64, u64) = redis::pipe()
            .cmd("XLEN")
            .arg(&self.keys.stream)
            .cmd("XPENDING")
            .arg(&self.keys.stream)
            .arg(&self.keys.group)
            .cmd("ZCARD")
            .arg(&self.keys.delayed)
            .cmd("XLEN")
            .arg(&self.keys.dead)
            .query_async(&mut self.conn.clone())
            .await
            .map_err(BusError::redis("depth"))?;
        // The XPENDING summary is `[count, smallest id, greatest id, consumers]`.
        let in_flight = match pending {
            redis::Value::Array(items) => match items.first() {
                Some(redis::Value::Int(n)) => u64::try_from(*n).unwrap_or(0),
                _ => 0,
            },
            _ => 0,
        };
        Ok(QueueDepth {
            ready: len.saturating_sub(in_flight),
            in_flight,
            delayed,
            dead,
        })
    }

    pub(super) async fn dead_letters_inner(&self, limit: usize) -> Result<Vec<DeadLetter>> {
        let reply: StreamRangeReply = redis::cmd("XRANGE")
            .arg(&self.keys.dead)
            .arg("-")
            .arg("+")
            .arg("COUNT")
            .arg(limit)
            .query_async(&mut self.conn.clone())
            .await
            .map_err(BusError::redis("XRANGE"))?;
        reply
            .ids
            .into_iter()
            .map(|entry| {
                let raw: String = entry.get("d").ok_or_else(|| BusError::Protocol {
                    op: "XRANGE",
                    detail: format!("dead letter {} has no record", entry.id),
                })?;
                let record: DeadRecord = serde_json::from_str(&raw)?;
                Ok(DeadLetter {
                    failed_at: id_time(&entry.id),
                    id: DeliveryId(entry.id),
                    message: record.message,
                    attempts: record.attempts,
                    error: record.error,
                })
            })
            .collect()
    }
}

/// A stream id is `<server ms>-<seq>`: the time it was added.
fn id_time(id: &str) -> DateTime<Utc> {
    id.split('-')
        .next()
        .and_then(|ms| ms.parse::<i64>().ok())
        .and_then(DateTime::from_timestamp_millis)
        .unwrap_or_default()
}
