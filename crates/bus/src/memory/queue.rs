//! In-process jobs: a mutex-guarded queue plus a `Notify` to wake waiting claimers.
//!
//! The state mirrors the Redis layout so both behave alike: `ready` (the stream's undelivered
//! entries), `leased` (the pending-entries list), `delayed` (the retry ZSET) and `dead`.
//! Claimers sleep until the earliest of: their deadline, the next delayed message being due,
//! the next lease expiring — or a notification that something changed.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::{
    BoxFuture, BusError, BusOptions, DeadLetter, Delivery, DeliveryId, JobMessage, JobQueue,
    QueueDepth, Result, RetryOutcome,
};

#[derive(Debug)]
struct Entry {
    id: DeliveryId,
    message: JobMessage,
    /// Attempts already made (failed retries and reclaims).
    attempts: u32,
}

#[derive(Debug)]
struct Lease {
    entry: Entry,
    consumer: String,
    expires: Instant,
    attempt: u32,
}

#[derive(Debug, Default)]
struct State {
    next_id: u64,
    ready: VecDeque<Entry>,
    delayed: Vec<(Instant, Entry)>,
    leased: HashMap<DeliveryId, Lease>,
    dead: Vec<DeadLetter>,
}

impl State {
    fn new_id(&mut self) -> DeliveryId {
        self.next_id += 1;
        DeliveryId(format!("mem-{}", self.next_id))
    }

    /// Moves every due delayed entry to the back of `ready`, earliest first.
    fn promote_due(&mut self, now: Instant) {
        if self.delayed.iter().all(|(due, _)| *due > now) {
            return;
        }
        let (mut due, later): (Vec<_>, Vec<_>) =
            self.delayed.drain(..).partition(|(at, _)| *at <= now);
        self.delayed = later;
        due.sort_by_key(|(at, _)| *at);
        self.ready.extend(due.into_iter().map(|(_, e)| e));
    }

    fn dead_letter(&mut self, entry: Entry, attempts: u32, error: String) {
        let id = self.new_id();
        self.dead.push(DeadLetter {
            id,
            message: entry.message,
            attempts,
            error,
            failed_at: Utc::now(),
        });
    }

    /// The earliest instant something becomes claimable.
    fn next_event(&self) -> Option<Instant> {
        let delayed = self.delayed.iter().map(|(at, _)| *at);
        let leases = self.leased.values().map(|l| l.expires);
        delayed.chain(leases).min()
    }
}

/// The in-process [`JobQueue`].
#[derive(Debug, Clone)]
pub struct MemoryJobQueue {
    state: Arc<Mutex<State>>,
    changed: Arc<Notify>,
    options: BusOptions,
}

impl MemoryJobQueue {
    /// An empty queue.
    pub fn new(options: BusOptions) -> MemoryJobQueue {
        MemoryJobQueue {
            state: Arc::default(),
            changed: Arc::new(Notify::new()),
            options,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-updated in a way that
        // matters more than losing the queue, so carry on with the data as it is.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Hands one message to `consumer` if any is claimable now.
    fn try_claim(&self, consumer: &str) -> Option<Delivery> {
        let now = Instant::now();
        let mut st = self.lock();
        st.promote_due(now);
        // Abandoned leases first: they have waited longest.
        loop {
            let expired = st
                .leased
                .iter()
                .filter(|(_, l)| l.expires <= now)
                .min_by_key(|(_, l)| l.expires)
                .map(|(id, _)| id.clone());
            let Some(id) = expired else { break };
            let Some(lease) = st.leased.remove(&id) else {
                break;
            };
            let attempt = lease.attempt + 1;
            if attempt > self.options.attempts_allowed() {
                let error = format!(
                    "visibility timeout expired ({} held it); {} attempts made",
                    lease.consumer, lease.attempt
                );
                st.dead_letter(lease.entry, lease.attempt, error);
                continue;
            }
            return Some(self.lease(&mut st, lease.entry, consumer, attempt, now));
        }
        let entry = st.ready.pop_front()?;
        let attempt = entry.attempts + 1;
        Some(self.lease(&mut st, entry, consumer, attempt, now))
    }

    fn lease(
        &self,
        st: &mut State,
        entry: Entry,
        consumer: &str,
        attempt: u32,
        now: Instant,
    ) -> Delivery {
        let delivery = Delivery {
            id: entry.id.clone(),
            message: entry.message.clone(),
            attempt,
            consumer: consumer.to_owned(),
        };
        st.leased.insert(
            entry.id.clone(),
            Lease {
                entry,
                consumer: consumer.to_owned(),
                expires: now + self.options.visibility_timeout,
                attempt,
            },
        );
        delivery
    }

    async fn claim_inner(&self, consumer: &str, max_wait: Duration) -> Option<Delivery> {
        let deadline = Instant::now() + max_wait;
        loop {
            // Register interest before looking, so a notification between the look and the
            // wait is not missed.
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(delivery) = self.try_claim(consumer) {
                return Some(delivery);
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            let wake = self
                .lock()
                .next_event()
                .map_or(deadline, |t| t.min(deadline));
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep_until(wake) => {}
            }
        }
    }

    /// Removes the lease of `delivery` if `delivery.consumer` still holds it.
    fn take_lease(st: &mut State, delivery: &Delivery) -> Result<Lease> {
        match st.leased.get(&delivery.id) {
            Some(l) if l.consumer == delivery.consumer => {}
            _ => return Err(BusError::LeaseLost(delivery.id.clone())),
        }
        st.leased
            .remove(&delivery.id)
            .ok_or_else(|| BusError::LeaseLost(delivery.id.clone()))
    }

    fn retry_inner(&self, delivery: &Delivery, error: &str) -> Result<RetryOutcome> {
        let mut st = self.lock();
        let lease = Self::take_lease(&mut st, delivery)?;
        let outcome = if lease.attempt >= self.options.attempts_allowed() {
            st.dead_letter(lease.entry, lease.attempt, error.to_owned());
            RetryOutcome::DeadLettered
        } else {
            let after = self.options.retry_delay(lease.attempt);
            let id = st.new_id();
            let entry = Entry {
                id,
                message: lease.entry.message,
                attempts: lease.attempt,
            };
            st.delayed.push((Instant::now() + after, entry));
            RetryOutcome::Retrying {
                next_attempt: lease.attempt + 1,
                after,
            }
        };
        drop(st);
        // Sleeping claimers recompute their wake-up time.
        self.changed.notify_waiters();
        Ok(outcome)
    }
}

impl JobQueue for MemoryJobQueue {
    fn enqueue(&self, message: JobMessage) -> BoxFuture<'_, Result<()>> {
        let delay = message.delay_from_now();
        let mut st = self.lock();
        let id = st.new_id();
        let entry = Entry {
            id,
            message,
            attempts: 0,
        };
        if delay.is_zero() {
            st.ready.push_back(entry);
        } else {
            st.delayed.push((Instant::now() + delay, entry));
        }
        drop(st);
        self.changed.notify_waiters();
        Box::pin(async { Ok(()) })
    }

    fn claim<'a>(
        &'a self,
        consumer: &'a str,
        max_wait: Duration,
    ) -> BoxFuture<'a, Result<Option<Delivery>>> {
        Box::pin(async move { Ok(self.claim_inner(consumer, max_wait).await) })
    }

    fn ack<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<()>> {
        self.lock().leased.remove(&delivery.id);
        Box::pin(async { Ok(()) })
    }

    fn retry<'a>(
        &'a self,
        delivery: &'a Delivery,
        error: &'a str,
    ) -> BoxFuture<'a, Result<RetryOutcome>> {
        let outcome = self.retry_inner(delivery, error);
        Box::pin(async { outcome })
    }

    fn touch<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<()>> {
        let mut st = self.lock();
        let result = match st.leased.get_mut(&delivery.id) {
            Some(l) if l.consumer == delivery.consumer => {
                l.expires = Instant::now() + self.options.visibility_timeout;
                Ok(())
            }
            _ => Err(BusError::LeaseLost(delivery.id.clone())),
        };
        drop(st);
        self.changed.notify_waiters();
        Box::pin(async { result })
    }

    fn depth(&self) -> BoxFuture<'_, Result<QueueDepth>> {
        let mut st = self.lock();
        st.promote_due(Instant::now());
        let depth = QueueDepth {
            ready: st.ready.len() as u64,
            in_flight: st.leased.len() as u64,
            delayed: st.delayed.len() as u64,
            dead: st.dead.len() as u64,
        };
        Box::pin(async move { Ok(depth) })
    }

    fn dead_letters(&self, limit: usize) -> BoxFuture<'_, Result<Vec<DeadLetter>>> {
        let dead: Vec<DeadLetter> = self.lock().dead.iter().take(limit).cloned().collect();
        Box::pin(async move { Ok(dead) })
    }

    fn ping(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async { Ok(()) })
    }
}
