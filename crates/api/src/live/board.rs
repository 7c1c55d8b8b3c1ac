//! The `dealBoard` stream: the current board, then a fresh read after valuation changes —
//! throttled, and sent only when the board actually differs (or after a `Resync`, when the
//! subscriber must not trust what it has).

use std::time::Duration;

use async_graphql::ID;
use bus::{BusEvent, BusMessage};
use chrono::Utc;
use domain::model::{DealClass, Listing as DomListing};
use futures_util::FutureExt as _;
use futures_util::stream::{self, BoxStream, Stream, StreamExt};
use rust_decimal::Decimal;
use store::{ListingFilter, Store};
use tokio::time::Instant;

use super::types::{BoardReason, DealBoardSnapshot};
use crate::types::listing::Listing;

/// What one board subscription shows.
#[derive(Debug, Clone)]
pub struct BoardQuery {
    /// A non-default profile's id (`None`: the default profile's stored score).
    pub profile: Option<i64>,
    /// The profile id as the subscriber gave it.
    pub profile_id: Option<ID>,
    pub filter: ListingFilter,
    pub first: u64,
}

impl BoardQuery {
    /// Reads the board now.
    pub async fn read(&self, s: &Store) -> store::Result<Vec<DomListing>> {
        s.deal_board(self.profile, &self.filter, self.first).await
    }

    fn snapshot(&self, reason: BoardReason, listings: Vec<DomListing>) -> DealBoardSnapshot {
        DealBoardSnapshot {
            reason,
            profile_id: self.profile_id.clone(),
            listings: listings.into_iter().map(Listing).collect(),
            at: Utc::now(),
        }
    }
}

/// What a subscriber sees of a board: the order and every value a row shows.
type Fingerprint = Vec<(
    i64,
    Decimal,
    Option<Decimal>,
    Option<DealClass>,
    Option<Decimal>,
)>;

fn fingerprint(board: &[DomListing]) -> Fingerprint {
    board
        .iter()
        .map(|l| {
            (
                l.id,
                l.data.price_usd,
                l.valuation.adjusted_price_usd,
                l.valuation.deal_class,
                l.valuation.score_composite,
            )
        })
        .collect()
}

/// Why the board must be read again, given one bus message (`None`: it cannot matter).
fn trigger(m: &BusMessage) -> Option<BoardReason> {
    match m {
        BusMessage::Event(ev) => {
            matches!(**ev, BusEvent::ListingValuationUpdated(_)).then_some(BoardReason::Changed)
        }
        BusMessage::Resync(_) => Some(BoardReason::Resync),
    }
}

fn stronger(a: BoardReason, b: BoardReason) -> BoardReason {
    if a == BoardReason::Resync || b == BoardReason::Resync {
        BoardReason::Resync
    } else {
        BoardReason::Changed
    }
}

struct State<E> {
    store: Store,
    query: BoardQuery,
    events: E,
    last: Fingerprint,
    last_sent: Instant,
    min_interval: Duration,
}

/// The board's stream: `first_board` now, then re-ranked snapshots.
pub fn board_stream<E>(
    store: Store,
    query: BoardQuery,
    first_board: Vec<DomListing>,
    events: E,
    min_interval: Duration,
) -> BoxStream<'static, DealBoardSnapshot>
where
    E: Stream<Item = BusMessage> + Send + Unpin + 'static,
{
    let state = State {
        store,
        last: fingerprint(&first_board),
        last_sent: Instant::now(),
        min_interval,
        events,
        query: query.clone(),
    };
    let first = query.snapshot(BoardReason::Initial, first_board);
    stream::iter([first])
        .chain(stream::unfold(state, next_snapshot))
        .boxed()
}

async fn next_snapshot<E>(mut st: State<E>) -> Option<(DealBoardSnapshot, State<E>)>
where
    E: Stream<Item = BusMessage> + Send + Unpin + 'static,
{
    loop {
        // Wait for something that may change the board.
        let mut reason = loop {
            if let Some(r) = trigger(&st.events.next().await?) {
                break r;
            }
        };
        // Throttle, then fold in everything that arrived meanwhile: one read covers it all.
        tokio::time::sleep_until(st.last_sent + st.min_interval).await;
        while let Some(next) = st.events.next().now_or_never() {
            match next {
                Some(m) => {
                    if let Some(r) = trigger(&m) {
                        reason = stronger(reason, r);
                    }
                }
                None => return None,
            }
        }
        let board = match st.query.read(&st.store).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "reading the deal board failed; waiting for the next change");
                continue;
            }
        };
        let fp = fingerprint(&board);
        if reason == BoardReason::Changed && fp == st.last {
            continue;
        }
        st.last = fp;
        st.last_sent = Instant::now();
        let snap = st.query.snapshot(reason, board);
        return Some((snap, st));
    }
}
