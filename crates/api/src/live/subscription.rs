//! The subscription root. Every field reads the process's [`EventHub`] and filters it in
//! memory; only the board and job progress touch the database (to read current state).

use std::time::Duration;

use async_graphql::{Context, ID, Subscription};
use bus::{BusEvent, BusMessage};
use futures_util::stream::{self, BoxStream, StreamExt};
use store::Store;
use uuid::Uuid;

use super::board::{BoardQuery, board_stream};
use super::handover::Handover;
use super::hub::EventHub;
use super::share::RenderOne;
use super::types::*;
use crate::error::{ApiError, ApiResultExt, Code};
use crate::inputs::ListingFilterInput;
use crate::query::store;
use crate::types::scalars::id_of;

/// The fewest milliseconds between two board snapshots (DOMAIN.md §9: ≤ 1 per 500 ms).
pub const BOARD_MIN_INTERVAL: Duration = Duration::from_millis(500);

fn hub<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a EventHub> {
    ctx.data::<EventHub>()
        .map_err(|_| ApiError::internal(&"no event hub").into())
}

/// Live updates.
#[derive(Debug, Default)]
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// The new valuation of every listing matching `filter`, as the worker commits it. A
    /// `Resync` means events may have been lost: refetch what you show.
    async fn listing_valuation_updated(
        &self,
        ctx: &Context<'_>,
        filter: Option<ValuationEventFilter>,
    ) -> async_graphql::Result<BoxStream<'static, ValuationMessage>> {
        if let Some(RenderOne(m)) = ctx.data_opt::<RenderOne>() {
            return Ok(stream::iter(valuation_message(m.clone())).boxed());
        }
        let f = filter.unwrap_or_default().compile().api()?;
        let events = hub(ctx)?.subscribe().filter(move |m| {
            std::future::ready(match m {
                BusMessage::Event(ev) => valuation_of(ev).is_some_and(|e| f.matches(e)),
                BusMessage::Resync(_) => true,
            })
        });
        let events = super::tracked(events);
        let events = match ctx.data_opt::<Handover>() {
            // The connection renders them, shared with the subscriptions of the same document.
            Some(h) => match h.give(events) {
                Ok(()) => return Ok(stream::pending().boxed()),
                Err(events) => events,
            },
            None => events,
        };
        Ok(events
            .filter_map(|m| std::future::ready(valuation_message(m)))
            .boxed())
    }

    /// The ranked top `first` of the board of a scoring profile (default: the default
    /// profile): the current board first, then the re-ranked board whenever a valuation change
    /// alters it (at most one snapshot per 500 ms).
    async fn deal_board(
        &self,
        ctx: &Context<'_>,
        profile_id: Option<ID>,
        filter: Option<ListingFilterInput>,
        #[graphql(default = 20, validator(minimum = 1, maximum = 100))] first: i32,
    ) -> async_graphql::Result<BoxStream<'static, DealBoardSnapshot>> {
        let s = store(ctx).clone();
        let profile = match &profile_id {
            Some(id) => {
                let n = id_of("ScoringProfile", id, "profileId").api()?;
                let p = s.scoring_profile(n).await.api()?.ok_or_else(|| {
                    ApiError::new(Code::NotFound, "no scoring profile with this id")
                })?;
                // The default profile's scores are columns of the listing (an index scan).
                (!p.data.is_default).then_some(n)
            }
            None => None,
        };
        let q = BoardQuery {
            profile,
            profile_id,
            filter: filter.unwrap_or_default().to_store().api()?,
            first: u64::try_from(first).unwrap_or(20),
        };
        let events = hub(ctx)?.subscribe();
        let first_board = q.read(&s).await.api()?;
        Ok(super::tracked(board_stream(
            s,
            q,
            first_board,
            events,
            BOARD_MIN_INTERVAL,
        )))
    }

    /// Progress of a recalculation job: its current state, one update per batch, and the
    /// final state, after which the subscription completes.
    async fn recalculation_progress(
        &self,
        ctx: &Context<'_>,
        job_id: Uuid,
    ) -> async_graphql::Result<BoxStream<'static, RecalculationProgressUpdate>> {
        let s = store(ctx).clone();
        // Subscribe before reading the row, so nothing between the two is missed.
        let events = hub(ctx)?.subscribe();
        let (id, first) = job_state(&s, job_id).await?;
        if is_final(&first) {
            return Ok(stream::iter([first]).boxed());
        }
        let rest = stream::unfold(Some((events, s)), move |state| async move {
            let (mut events, s) = state?;
            loop {
                match events.next().await? {
                    BusMessage::Event(ev) => match &*ev {
                        BusEvent::RecalculationProgress(p) if p.job_id == id => {
                            let u = RecalculationProgressUpdate {
                                job_id: id,
                                status: crate::types::enums::JobStatus::Running,
                                processed: p.processed,
                                total: p.total,
                                changed: p.changed,
                                failed: p.failed,
                                error: None,
                                at: p.at,
                            };
                            return Some((u, Some((events, s))));
                        }
                        BusEvent::JobFinished(f) if f.job_id == id => {
                            let u = RecalculationProgressUpdate {
                                job_id: id,
                                status: f.status.into(),
                                processed: f.processed,
                                total: f.total,
                                changed: f.changed,
                                failed: f.failed,
                                error: f.error.clone(),
                                at: f.at,
                            };
                            return Some((u, None));
                        }
                        _ => {}
                    },
                    // Events were lost: the row says where the job is.
                    BusMessage::Resync(_) => {
                        if let Ok((_, u)) = job_state(&s, id).await {
                            let next = (!is_final(&u)).then_some((events, s));
                            return Some((u, next));
                        }
                    }
                }
            }
        });
        Ok(super::tracked(stream::iter([first]).chain(rest)))
    }

    /// Listings that newly reach `minClass` or better (and match `filter`).
    async fn deal_alerts(
        &self,
        ctx: &Context<'_>,
        filter: Option<ValuationEventFilter>,
        #[graphql(default_with = "crate::types::enums::DealClass::GoodDeal")]
        min_class: crate::types::enums::DealClass,
    ) -> async_graphql::Result<BoxStream<'static, DealAlertMessage>> {
        let f = filter.unwrap_or_default().compile().api()?;
        let min: domain::model::DealClass = min_class.into();
        let events = hub(ctx)?.subscribe();
        Ok(super::tracked(events.filter_map(move |m| {
            let out = match m {
                BusMessage::Event(ev) => valuation_of(&ev)
                    .filter(|e| newly_reaches(e, min) && f.matches(e))
                    .map(|e| {
                        DealAlertMessage::Alert(DealAlert {
                            update: ListingValuationUpdate(e.clone()),
                        })
                    }),
                BusMessage::Resync(r) => Some(DealAlertMessage::Resync(r.into())),
            };
            std::future::ready(out)
        })))
    }
}

/// What `listingValuationUpdated` yields for a message (that passed the filter).
fn valuation_message(m: BusMessage) -> Option<ValuationMessage> {
    match m {
        BusMessage::Event(ev) => {
            valuation_of(&ev).map(|e| ValuationMessage::Update(ListingValuationUpdate(e.clone())))
        }
        BusMessage::Resync(r) => Some(ValuationMessage::Resync(r.into())),
    }
}

fn is_final(u: &RecalculationProgressUpdate) -> bool {
    use crate::types::enums::JobStatus as S;
    !matches!(u.status, S::Queued | S::Running)
}

/// The job's current state, following a coalesced request to the job that does its work.
async fn job_state(
    s: &Store,
    mut id: Uuid,
) -> async_graphql::Result<(Uuid, RecalculationProgressUpdate)> {
    for _ in 0..4 {
        let job =
            s.job(&id.to_string()).await.api()?.ok_or_else(|| {
                ApiError::new(Code::NotFound, "no recalculation job with this id")
            })?;
        match (job.status, &job.coalesced_into) {
            (domain::model::JobStatus::Coalesced, Some(into)) => {
                id = into
                    .to_string()
                    .parse()
                    .map_err(|_| ApiError::internal(&"a coalesced job points at a non-UUID id"))?;
            }
            _ => return Ok((id, RecalculationProgressUpdate::of_job(&job, id))),
        }
    }
    Err(ApiError::internal(&"coalesced jobs form a chain").into())
}
