//! Tunables shared by both implementations.

use std::time::Duration;

/// How the queue and the bus behave. `Default` is the production setting; tests shrink the
/// timeouts to milliseconds.
#[derive(Debug, Clone)]
pub struct BusOptions {
    /// A claimed message not acknowledged, retried or touched within this long is considered
    /// abandoned (its consumer died) and handed to the next consumer that claims.
    pub visibility_timeout: Duration,
    /// Deliveries per message before it is dead-lettered (failed retries and reclaims count).
    pub max_attempts: u32,
    /// The first retry backoff; each further retry doubles it…
    pub retry_base: Duration,
    /// …up to this cap.
    pub retry_max: Duration,
    /// Redis: the longest a blocking read waits before the claimer re-checks for due retries
    /// and abandoned deliveries. (In-process claimers wake exactly when something is due.)
    pub poll_interval: Duration,
    /// Messages a subscriber may fall behind before it is told to `Resync`.
    pub event_buffer: usize,
    /// Redis: the limit for establishing one connection.
    pub connect_timeout: Duration,
    /// Redis: the limit for one command's reply.
    pub response_timeout: Duration,
    /// Redis: reconnection attempts of the shared connection per failing command (each one
    /// bounded by `connect_timeout`), so a command fails in bounded time when Redis is down.
    pub connect_retries: usize,
    /// Redis subscriber: the first reconnection backoff (doubling up to `reconnect_max`).
    pub reconnect_min: Duration,
    /// Redis subscriber: the reconnection backoff cap.
    pub reconnect_max: Duration,
    /// Redis subscriber: how often the idle subscription is pinged, so a silently dead
    /// connection is noticed (and a `Resync` sent) within about this long.
    pub subscriber_ping_interval: Duration,
}

impl Default for BusOptions {
    fn default() -> Self {
        BusOptions {
            visibility_timeout: Duration::from_secs(30),
            max_attempts: 3,
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(60),
            poll_interval: Duration::from_secs(1),
            event_buffer: 4096,
            connect_timeout: Duration::from_secs(2),
            response_timeout: Duration::from_secs(5),
            connect_retries: 1,
            reconnect_min: Duration::from_millis(100),
            reconnect_max: Duration::from_secs(5),
            subscriber_ping_interval: Duration::from_secs(5),
        }
    }
}

impl BusOptions {
    /// The backoff after failed attempt `attempt` (1-based): `retry_base × 2^(attempt−1)`,
    /// capped at `retry_max`.
    pub fn retry_delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(30);
        self.retry_base
            .checked_mul(1u32 << doublings)
            .unwrap_or(self.retry_max)
            .min(self.retry_max)
    }

    /// `max_attempts`, at least 1.
    pub(crate) fn attempts_allowed(&self) -> u32 {
        self.max_attempts.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let o = BusOptions::default();
        let secs: Vec<u64> = (1..=8).map(|a| o.retry_delay(a).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(o.retry_delay(u32::MAX), Duration::from_secs(60));
    }
}
