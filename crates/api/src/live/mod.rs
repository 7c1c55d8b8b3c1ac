//! Live updates: GraphQL subscriptions fed by the event bus, served over WebSocket.
//!
//! Layout:
//! - [`hub`] — [`EventHub`]: the process's single bus subscription fanned out through a
//!   broadcast channel; lag and reconnects become `Resync`.
//! - [`subscription`] — the subscription root: `listingValuationUpdated`, `dealBoard`,
//!   `recalculationProgress`, `dealAlerts`; [`board`] — the throttled board stream;
//!   [`types`] — what they yield and the in-memory event filter; [`share`] — one rendering
//!   of a `listingValuationUpdated` event for every subscriber of the same document.
//! - [`protocol`] — `graphql-transport-ws` messages and close codes; [`socket`] — one
//!   connection's loop (init/auth, subscribe/complete, ping/pong, keepalive, shutdown).

pub mod board;
pub mod handover;
pub mod hub;
pub mod protocol;
pub mod share;
pub mod socket;
pub mod subscription;
pub mod types;

use futures_util::stream::{BoxStream, Stream, StreamExt};

pub use hub::EventHub;
pub use subscription::Subscription;

/// Boxes a subscription's stream and accounts for it: `subscriptions_active` while it lives,
/// `events_delivered_total` for each item it yields.
pub(crate) fn tracked<T: Send + 'static>(
    s: impl Stream<Item = T> + Send + 'static,
) -> BoxStream<'static, T> {
    let live = telemetry::metrics().subscription_guard();
    s.map(move |item| {
        // The guard lives as long as the stream (it is moved into this closure).
        let _held = &live;
        telemetry::metrics().events_delivered(1);
        item
    })
    .boxed()
}
