//! A short-lived cache of whole GraphQL responses for read-only operations.
//!
//! The deal board and third-party scripts send the same few queries over and over (the board
//! query is ~20 ms of database and serialisation work per request). Between two changes of the
//! data the answer is the same, so it is served from memory.
//!
//! Correctness rests on a *generation*: the sum of this process's own write counter (bumped
//! after every operation that is not a plain query: mutations, uploads) and the event hub's
//! message counter (bumped by every bus event that may mean written data: valuation updates
//! from any worker, progress of a batch that changed listings, job ends, resyncs). An entry remembers the generation read *before* its query ran and is
//! used only while the generation is unchanged, so a query that raced a write is never reused.
//! Changes that reach this process by neither route (a mutation on another API instance that
//! changes no valuation, a CLI import) are bounded by the time to live, one second by default.
//!
//! Keys hold the whole request body, the negotiated media type and the caller (token id or
//! anonymous), compared byte for byte — never a hash alone — so two callers or two documents
//! cannot share an answer. Only successful answers without errors are kept.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;

use crate::live::EventHub;

/// Bodies larger than this are not cached (big documents are rarely repeated verbatim).
const MAX_KEY_BYTES: usize = 16 * 1024;

/// What a cached answer depends on besides the data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    caller: Option<i64>,
    media: &'static str,
    request: Bytes,
}

impl CacheKey {
    /// The key of `request` (POST body or GET query string), or `None` when it is too big to
    /// be worth keeping.
    pub fn new(caller: Option<i64>, media: &'static str, request: Bytes) -> Option<CacheKey> {
        (request.len() <= MAX_KEY_BYTES).then_some(CacheKey {
            caller,
            media,
            request,
        })
    }
}

struct Entry {
    body: Bytes,
    generation: u64,
    stored: Instant,
}

/// The cache; shared by every request of the process.
pub struct ResponseCache {
    ttl: Duration,
    capacity: usize,
    writes: AtomicU64,
    hub: EventHub,
    entries: Mutex<HashMap<CacheKey, Entry>>,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache")
            .field("ttl", &self.ttl)
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl ResponseCache {
    /// A cache keeping up to `capacity` answers for `ttl` each; a zero `ttl` or `capacity`
    /// turns it off.
    pub fn new(ttl: Duration, capacity: usize, hub: EventHub) -> ResponseCache {
        ResponseCache {
            ttl,
            capacity,
            writes: AtomicU64::new(0),
            hub,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Whether answers are cached at all.
    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero() && self.capacity > 0
    }

    /// The data generation now; read it before running a query whose answer may be stored.
    pub fn generation(&self) -> u64 {
        self.writes
            .load(Ordering::Acquire)
            .wrapping_add(self.hub.messages_seen())
    }

    /// Marks every stored answer stale: call after an operation that may have written.
    pub fn invalidate(&self) {
        self.writes.fetch_add(1, Ordering::AcqRel);
    }

    /// The stored answer for `key` if it is still current.
    pub fn get(&self, key: &CacheKey) -> Option<Bytes> {
        if !self.enabled() {
            return None;
        }
        let generation = self.generation();
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(key)?;
        (entry.generation == generation && entry.stored.elapsed() < self.ttl)
            .then(|| entry.body.clone())
    }

    /// Stores `body` as the answer to `key`, computed from data of `generation`.
    pub fn put(&self, key: CacheKey, generation: u64, body: Bytes) {
        if !self.enabled() || generation != self.generation() {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            // Full: drop what can no longer be served; if everything is current, start over
            // rather than track recency (a full cache of live answers is rare and cheap to refill).
            let ttl = self.ttl;
            entries.retain(|_, e| e.generation == generation && e.stored.elapsed() < ttl);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                body,
                generation,
                stored: Instant::now(),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bus::{BusMessage, ResyncReason};

    fn key(body: &'static str) -> CacheKey {
        CacheKey::new(
            None,
            "application/json",
            Bytes::from_static(body.as_bytes()),
        )
        .unwrap()
    }

    #[test]
    fn an_answer_is_served_until_a_write_or_an_event() {
        let hub = EventHub::detached(16);
        let cache = ResponseCache::new(Duration::from_secs(60), 8, hub.clone());
        let g = cache.generation();
        cache.put(key("q"), g, Bytes::from_static(b"a"));
        assert_eq!(cache.get(&key("q")).as_deref(), Some(&b"a"[..]));
        assert_eq!(cache.get(&key("other")), None);

        cache.invalidate();
        assert_eq!(cache.get(&key("q")), None, "a local write makes it stale");

        cache.put(key("q"), cache.generation(), Bytes::from_static(b"b"));
        hub.publish_local(BusMessage::Resync(ResyncReason::Reconnected));
        assert_eq!(cache.get(&key("q")), None, "a bus message makes it stale");
    }

    #[test]
    fn an_answer_computed_across_a_write_is_not_stored() {
        let cache = ResponseCache::new(Duration::from_secs(60), 8, EventHub::detached(16));
        let before = cache.generation();
        cache.invalidate();
        cache.put(key("q"), before, Bytes::from_static(b"old"));
        assert_eq!(cache.get(&key("q")), None);
    }

    #[test]
    fn callers_and_media_types_do_not_share_answers() {
        let cache = ResponseCache::new(Duration::from_secs(60), 8, EventHub::detached(16));
        let body = Bytes::from_static(b"q");
        let anonymous = CacheKey::new(None, "application/json", body.clone()).unwrap();
        cache.put(
            anonymous.clone(),
            cache.generation(),
            Bytes::from_static(b"a"),
        );
        let token = CacheKey::new(Some(7), "application/json", body.clone()).unwrap();
        let media = CacheKey::new(None, "application/graphql-response+json", body).unwrap();
        assert_eq!(cache.get(&token), None);
        assert_eq!(cache.get(&media), None);
        assert!(cache.get(&anonymous).is_some());
    }

    #[test]
    fn entries_expire_and_a_zero_ttl_disables_the_cache() {
        let cache = ResponseCache::new(Duration::from_millis(1), 8, EventHub::detached(16));
        cache.put(key("q"), cache.generation(), Bytes::from_static(b"a"));
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(cache.get(&key("q")), None);

        let off = ResponseCache::new(Duration::ZERO, 8, EventHub::detached(16));
        off.put(key("q"), off.generation(), Bytes::from_static(b"a"));
        assert_eq!(off.get(&key("q")), None);
        assert!(!off.enabled());
    }

    #[test]
    fn a_full_cache_stays_within_its_capacity() {
        let cache = ResponseCache::new(Duration::from_secs(60), 2, EventHub::detached(16));
        for body in ["a", "b", "c", "d"] {
            cache.put(key(body), cache.generation(), Bytes::from_static(b"x"));
        }
        assert!(cache.entries.lock().unwrap().len() <= 2);
        assert!(cache.get(&key("d")).is_some());
        assert!(
            CacheKey::new(
                None,
                "application/json",
                Bytes::from(vec![b' '; MAX_KEY_BYTES + 1])
            )
            .is_none()
        );
    }
}
