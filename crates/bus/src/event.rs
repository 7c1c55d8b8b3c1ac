//! What travels on the event bus: typed events, the `Resync` signal, and the subscriber stream.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use chrono::{DateTime, Utc};
use domain::model::{DealClass, JobStatus, ValuationCause};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio_stream::{Stream, StreamExt};
use uuid::Uuid;

/// An event, serialised as JSON with a `type` tag (`{"type":"ListingValuationUpdated",…}`).
/// A subscriber built against an older version reads a newer event type as `Unknown`
/// instead of failing, so producers can be upgraded first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum BusEvent {
    /// A listing's stored valuation changed (one per changed listing, §8).
    ListingValuationUpdated(ListingValuationUpdated),
    /// A recalculation job finished a batch.
    RecalculationProgress(RecalculationProgress),
    /// A recalculation job ended (succeeded, failed, cancelled).
    JobFinished(JobFinished),
    /// An event type this build does not know.
    #[serde(other)]
    Unknown,
}

/// A listing's valuation before and after a recalculation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListingValuationUpdated {
    pub listing_id: i64,
    /// The list price the valuation is relative to.
    pub price_usd: Decimal,
    pub previous_adjusted_price_usd: Option<Decimal>,
    pub adjusted_price_usd: Option<Decimal>,
    pub previous_deal_class: Option<DealClass>,
    pub deal_class: Option<DealClass>,
    /// (adjusted − list) / list × 100, when both are known.
    #[serde(default)]
    pub delta_pct: Option<Decimal>,
    /// The derived metrics ($/mark, perf/watt, scores…) as the worker computed them.
    #[serde(default)]
    pub metrics: serde_json::Value,
    pub cause: ValuationCause,
    pub job_id: Uuid,
    pub at: DateTime<Utc>,
}

/// Progress of a recalculation job after a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecalculationProgress {
    pub job_id: Uuid,
    pub processed: u64,
    pub total: u64,
    pub changed: u64,
    pub failed: u64,
    pub at: DateTime<Utc>,
}

/// The end of a recalculation job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobFinished {
    pub job_id: Uuid,
    pub status: JobStatus,
    pub processed: u64,
    pub total: u64,
    pub changed: u64,
    pub failed: u64,
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

/// Why a subscriber must resynchronise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResyncReason {
    /// The subscriber fell behind and events were dropped (`missed` when the count is known).
    Lagged {
        /// How many events were dropped, if known.
        missed: Option<u64>,
    },
    /// The connection to the broker dropped and was re-established; anything published
    /// meanwhile is gone.
    Reconnected,
}

/// What a subscription yields: events, or word that some were lost.
#[derive(Debug, Clone, PartialEq)]
pub enum BusMessage {
    /// An event (shared: the API fans one event out to many subscriptions).
    Event(Arc<BusEvent>),
    /// Events may have been lost before this point: refetch whatever state you mirror.
    /// Never omitted — a gap in the stream is always marked by one of these.
    Resync(ResyncReason),
}

/// A subscription: a [`Stream`] of [`BusMessage`]s. It ends only when the bus is dropped
/// (in-process) — the Redis subscriber reconnects forever. Dropping it unsubscribes.
pub struct EventStream {
    inner: Pin<Box<dyn Stream<Item = BusMessage> + Send>>,
}

impl EventStream {
    /// Wraps any stream of bus messages.
    pub fn new(inner: impl Stream<Item = BusMessage> + Send + 'static) -> EventStream {
        EventStream {
            inner: Box::pin(inner),
        }
    }

    /// The next message; `None` when the bus is gone.
    pub async fn recv(&mut self) -> Option<BusMessage> {
        self.inner.next().await
    }
}

impl fmt::Debug for EventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream").finish_non_exhaustive()
    }
}

impl Stream for EventStream {
    type Item = BusMessage;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<BusMessage>> {
        self.inner.as_mut().poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_carry_a_type_tag_and_unknown_types_are_tolerated() {
        let ev = BusEvent::RecalculationProgress(RecalculationProgress {
            job_id: Uuid::nil(),
            processed: 100,
            total: 250,
            changed: 7,
            failed: 0,
            at: DateTime::<Utc>::UNIX_EPOCH,
        });
        let json = serde_json::to_value(&ev).unwrap();
        assert_eq!(json["type"], "RecalculationProgress");
        assert_eq!(json["processed"], 100);
        assert_eq!(serde_json::from_value::<BusEvent>(json).unwrap(), ev);
        let future: BusEvent = serde_json::from_str(r#"{"type":"SomethingNew","x":1}"#).unwrap();
        assert_eq!(future, BusEvent::Unknown);
    }
}
