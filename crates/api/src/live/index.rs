//! The listing-id index of the fan-out: subscriptions that watch named listings
//! (`listingValuationUpdated(filter: {listingIds})`, the board's watched rows) register here
//! instead of reading the broadcast channel.
//!
//! Why: a broadcast send wakes every reader, so 10,000 subscriptions watching 10 listings each
//! would each wake, clone and filter every one of a recalculation's events — 10 million checks
//! for 1,000 changed listings. Through the index an event reaches only the subscriptions that
//! named its listing (about 100 in that case). Each registration has its own bounded channel;
//! when it is full the event is dropped for that subscription and its next read is a
//! `Resync(Lagged)`, so a slow client still never sees a silent gap.

use std::collections::{HashMap, HashSet};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use bus::{BusEvent, BusMessage, ResyncReason};
use tokio::sync::mpsc;
use tokio_stream::Stream;

/// Messages one registration holds before it lags (a few batches of its own listings).
const CHANNEL_CAPACITY: usize = 256;

/// One subscription's end of the index.
struct Slot {
    tx: mpsc::Sender<BusMessage>,
    lagged: AtomicBool,
}

impl Slot {
    fn offer(&self, m: BusMessage) {
        match self.tx.try_send(m) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => self.lagged.store(true, Ordering::Release),
            // The stream is being dropped; its guard removes the registration.
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }
}

#[derive(Default)]
struct Registry {
    next: u64,
    by_listing: HashMap<i64, Vec<(u64, Arc<Slot>)>>,
    slots: HashMap<u64, (Arc<Slot>, Vec<i64>)>,
}

/// The index: listing id → the registrations watching it.
#[derive(Default)]
pub(crate) struct ListingIndex {
    registry: Mutex<Registry>,
}

impl ListingIndex {
    fn lock(&self) -> MutexGuard<'_, Registry> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that
        // matters more than losing live updates: keep serving.
        self.registry.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hands `m` to the registrations it concerns: a valuation event to those watching its
    /// listing, a resync to all; other events are not for listing watchers.
    pub(crate) fn dispatch(&self, m: &BusMessage) {
        let reg = self.lock();
        match m {
            BusMessage::Event(ev) => {
                if let BusEvent::ListingValuationUpdated(e) = &**ev
                    && let Some(watchers) = reg.by_listing.get(&e.listing_id)
                {
                    for (_, slot) in watchers {
                        slot.offer(m.clone());
                    }
                }
            }
            BusMessage::Resync(_) => {
                for (slot, _) in reg.slots.values() {
                    slot.offer(m.clone());
                }
            }
        }
    }

    /// How many subscriptions are registered.
    pub(crate) fn len(&self) -> usize {
        self.lock().slots.len()
    }

    /// Registers a watcher of `ids`; the stream unregisters itself when dropped.
    pub(crate) fn watch(self: &Arc<Self>, ids: &HashSet<i64>) -> WatchStream {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let slot = Arc::new(Slot {
            tx,
            lagged: AtomicBool::new(false),
        });
        let mut reg = self.lock();
        reg.next += 1;
        let key = reg.next;
        let ids: Vec<i64> = ids.iter().copied().collect();
        for id in &ids {
            reg.by_listing
                .entry(*id)
                .or_default()
                .push((key, slot.clone()));
        }
        reg.slots.insert(key, (slot.clone(), ids));
        WatchStream {
            rx,
            slot,
            _guard: Unregister {
                index: self.clone(),
                key,
            },
        }
    }

    fn unregister(&self, key: u64) {
        let mut reg = self.lock();
        let Some((_, ids)) = reg.slots.remove(&key) else {
            return;
        };
        for id in ids {
            if let Some(v) = reg.by_listing.get_mut(&id) {
                v.retain(|(k, _)| *k != key);
                if v.is_empty() {
                    reg.by_listing.remove(&id);
                }
            }
        }
    }
}

struct Unregister {
    index: Arc<ListingIndex>,
    key: u64,
}

impl Drop for Unregister {
    fn drop(&mut self) {
        self.index.unregister(self.key);
    }
}

/// The messages of one registration; a dropped message turns into `Resync(Lagged)`.
pub(crate) struct WatchStream {
    rx: mpsc::Receiver<BusMessage>,
    slot: Arc<Slot>,
    _guard: Unregister,
}

impl Stream for WatchStream {
    type Item = BusMessage;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<BusMessage>> {
        if self.slot.lagged.swap(false, Ordering::AcqRel) {
            return Poll::Ready(Some(BusMessage::Resync(ResyncReason::Lagged {
                missed: None,
            })));
        }
        self.rx.poll_recv(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use chrono::Utc;
    use rust_decimal::Decimal;
    use tokio_stream::StreamExt;

    use super::*;

    fn valuation(listing_id: i64) -> BusMessage {
        BusMessage::Event(Arc::new(BusEvent::ListingValuationUpdated(
            bus::ListingValuationUpdated {
                listing_id,
                price_usd: Decimal::ONE,
                previous_adjusted_price_usd: None,
                adjusted_price_usd: None,
                previous_deal_class: None,
                deal_class: None,
                delta_pct: None,
                metrics: serde_json::Value::Null,
                cause: domain::model::ValuationCause::Manual,
                job_id: uuid::Uuid::nil(),
                at: Utc::now(),
            },
        )))
    }

    fn listing_of(m: &BusMessage) -> Option<i64> {
        match m {
            BusMessage::Event(ev) => match &**ev {
                BusEvent::ListingValuationUpdated(e) => Some(e.listing_id),
                _ => None,
            },
            BusMessage::Resync(_) => None,
        }
    }

    #[tokio::test]
    async fn events_reach_only_the_watchers_of_their_listing() {
        let index = Arc::new(ListingIndex::default());
        let mut a = index.watch(&HashSet::from([1, 2]));
        let mut b = index.watch(&HashSet::from([2, 3]));
        for id in [1, 2, 3, 4] {
            index.dispatch(&valuation(id));
        }
        index.dispatch(&BusMessage::Resync(ResyncReason::Reconnected));
        let got_a: Vec<_> = [a.next().await, a.next().await]
            .iter()
            .map(|m| listing_of(m.as_ref().unwrap()))
            .collect();
        assert_eq!(got_a, vec![Some(1), Some(2)]);
        assert_eq!(
            a.next().await,
            Some(BusMessage::Resync(ResyncReason::Reconnected))
        );
        assert_eq!(listing_of(&b.next().await.unwrap()), Some(2));
        assert_eq!(listing_of(&b.next().await.unwrap()), Some(3));
        drop(a);
        drop(b);
        assert_eq!(index.len(), 0);
        assert!(index.lock().by_listing.is_empty());
    }

    #[tokio::test]
    async fn a_full_registration_gets_a_resync_instead_of_a_gap() {
        let index = Arc::new(ListingIndex::default());
        let mut w = index.watch(&HashSet::from([7]));
        for _ in 0..CHANNEL_CAPACITY + 5 {
            index.dispatch(&valuation(7));
        }
        assert_eq!(
            w.next().await,
            Some(BusMessage::Resync(ResyncReason::Lagged { missed: None }))
        );
        let mut n = 0;
        while let Ok(Some(m)) =
            tokio::time::timeout(std::time::Duration::from_millis(50), w.next()).await
        {
            assert_eq!(listing_of(&m), Some(7));
            n += 1;
        }
        assert_eq!(n, CHANNEL_CAPACITY);
    }
}
