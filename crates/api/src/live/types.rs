//! What subscriptions yield: valuation updates, board snapshots, job progress, alerts, and
//! the `Resync` marker that stands in for events a subscriber could not be given.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject, Union};
use chrono::{DateTime, Utc};
use domain::model as m;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::{ApiError, ApiResultExt};
use crate::query::store;
use crate::types::enums::{DealClass, JobStatus, ValuationCause};
use crate::types::listing::Listing;
use crate::types::scalars::{Money, global_id, id_of};

/// A listing's stored valuation changed (one per changed listing of a recalculation).
#[derive(Debug, Clone)]
pub struct ListingValuationUpdate(pub bus::ListingValuationUpdated);

impl ListingValuationUpdate {
    fn ev(&self) -> &bus::ListingValuationUpdated {
        &self.0
    }
}

/// The valuation event inside a bus message, if it is one.
pub fn valuation_of(ev: &bus::BusEvent) -> Option<&bus::ListingValuationUpdated> {
    match ev {
        bus::BusEvent::ListingValuationUpdated(e) => Some(e),
        _ => None,
    }
}

#[Object]
impl ListingValuationUpdate {
    /// The listing's global id.
    async fn listing_id(&self) -> ID {
        global_id("Listing", self.ev().listing_id)
    }
    /// The listing as stored now (one read; null when it was deleted meanwhile).
    async fn listing(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Listing>> {
        Ok(store(ctx)
            .listing(self.ev().listing_id)
            .await
            .api()?
            .map(Listing))
    }
    /// List price the valuation is relative to.
    async fn price(&self) -> Money {
        Money(self.ev().price_usd)
    }
    /// Adjusted price before the change.
    async fn previous_adjusted_price(&self) -> Option<Money> {
        self.ev().previous_adjusted_price_usd.map(Money)
    }
    /// Adjusted price now.
    async fn adjusted_price(&self) -> Option<Money> {
        self.ev().adjusted_price_usd.map(Money)
    }
    /// List − adjusted price (positive = saving).
    async fn delta(&self) -> Option<Money> {
        let e = self.ev();
        e.adjusted_price_usd.map(|a| Money(e.price_usd - a))
    }
    /// Delta as a percentage of the list price.
    async fn delta_pct(&self) -> Option<Decimal> {
        self.ev().delta_pct
    }
    /// Deal class before the change.
    async fn previous_deal_class(&self) -> Option<DealClass> {
        self.ev().previous_deal_class.map(Into::into)
    }
    /// Deal class now.
    async fn deal_class(&self) -> Option<DealClass> {
        self.ev().deal_class.map(Into::into)
    }
    /// The derived metrics ($/mark adjusted and raw, perf/watt, scores) as computed.
    async fn metrics(&self) -> Json<serde_json::Value> {
        Json(self.ev().metrics.clone())
    }
    /// Why the listing was revalued.
    async fn cause(&self) -> ValuationCause {
        self.ev().cause.into()
    }
    /// The recalculation job that wrote it.
    async fn job_id(&self) -> Uuid {
        self.ev().job_id
    }
    /// When the worker committed it.
    async fn at(&self) -> DateTime<Utc> {
        self.ev().at
    }
}

/// Why a subscriber must refetch.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResyncReason {
    /// The subscriber fell behind and events were dropped.
    Lagged,
    /// The API's connection to the event bus was re-established; events in between are gone.
    Reconnected,
}

/// Events may have been lost before this point: refetch whatever you mirror.
#[derive(SimpleObject, Debug, Clone)]
pub struct Resync {
    /// Why events may have been lost.
    pub reason: ResyncReason,
    /// How many events were dropped, when known.
    pub missed: Option<u64>,
    /// When the gap was noticed.
    pub at: DateTime<Utc>,
}

impl From<bus::ResyncReason> for Resync {
    fn from(r: bus::ResyncReason) -> Self {
        let (reason, missed) = match r {
            bus::ResyncReason::Lagged { missed } => (ResyncReason::Lagged, missed),
            bus::ResyncReason::Reconnected => (ResyncReason::Reconnected, None),
        };
        Resync {
            reason,
            missed,
            at: Utc::now(),
        }
    }
}

/// What `listingValuationUpdated` yields.
#[derive(Union, Debug, Clone)]
pub enum ValuationMessage {
    Update(ListingValuationUpdate),
    Resync(Resync),
}

/// A listing that newly reached at least the requested deal class.
#[derive(SimpleObject, Debug, Clone)]
pub struct DealAlert {
    /// The valuation change that triggered the alert.
    pub update: ListingValuationUpdate,
}

/// What `dealAlerts` yields.
#[derive(Union, Debug, Clone)]
pub enum DealAlertMessage {
    Alert(DealAlert),
    Resync(Resync),
}

/// Why a board snapshot was sent.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoardReason {
    /// The board when the subscription started.
    Initial,
    /// Valuations that touch the board changed.
    Changed,
    /// Events may have been missed; this is a fresh read.
    Resync,
}

/// The ranked top N of the deal board.
#[derive(SimpleObject, Debug, Clone)]
pub struct DealBoardSnapshot {
    /// Why this snapshot was sent.
    pub reason: BoardReason,
    /// Scoring profile the board is ranked by.
    pub profile_id: Option<ID>,
    /// Best first: composite score desc, adjusted $/multi-mark asc, id.
    pub listings: Vec<Listing>,
    /// When the board was read.
    pub at: DateTime<Utc>,
}

/// Progress of a recalculation job.
#[derive(SimpleObject, Debug, Clone)]
pub struct RecalculationProgressUpdate {
    /// The job doing the work (a coalesced request's id resolves to it).
    pub job_id: Uuid,
    /// Where the job is.
    pub status: JobStatus,
    /// Listings valued so far.
    pub processed: u64,
    /// Listings the job covers.
    pub total: u64,
    /// Listings whose stored valuation changed.
    pub changed: u64,
    /// Listings that could not be valued.
    pub failed: u64,
    /// Why the job failed, if it did.
    pub error: Option<String>,
    /// When this state was recorded.
    pub at: DateTime<Utc>,
}

impl RecalculationProgressUpdate {
    /// The state of a job row.
    pub fn of_job(j: &m::RecalculationJob, id: Uuid) -> Self {
        let n = |v: i32| u64::try_from(v).unwrap_or(0);
        RecalculationProgressUpdate {
            job_id: id,
            status: j.status.into(),
            processed: n(j.processed),
            total: n(j.total),
            changed: n(j.changed),
            failed: n(j.failed),
            error: j.error.clone(),
            at: j.updated_at,
        }
    }
}

/// Which valuation events a subscription wants (all given criteria must hold). Evaluated on
/// the event itself, so filtering costs no database read.
#[derive(InputObject, Debug, Clone, Default)]
pub struct ValuationEventFilter {
    /// Only these listings.
    pub listing_ids: Option<Vec<ID>>,
    /// Only when the new deal class is one of these.
    pub deal_classes: Option<Vec<DealClass>>,
    /// Lowest list price.
    pub price_min: Option<Money>,
    /// Highest list price.
    pub price_max: Option<Money>,
    /// Lowest new adjusted price.
    pub adjusted_price_min: Option<Money>,
    /// Highest new adjusted price.
    pub adjusted_price_max: Option<Money>,
    /// Only events of this recalculation job.
    pub job_id: Option<Uuid>,
}

/// [`ValuationEventFilter`] with ids decoded and sets built, ready for the hot path.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    listing_ids: Option<std::collections::HashSet<i64>>,
    deal_classes: Option<Vec<m::DealClass>>,
    price: (Option<Decimal>, Option<Decimal>),
    adjusted: (Option<Decimal>, Option<Decimal>),
    job_id: Option<Uuid>,
}

/// Most listing ids one filter may name.
pub const MAX_FILTER_IDS: usize = 1_000;

impl ValuationEventFilter {
    /// Decodes ids and checks sizes.
    pub fn compile(&self) -> Result<EventFilter, ApiError> {
        let listing_ids = match &self.listing_ids {
            Some(v) if v.len() > MAX_FILTER_IDS => {
                return Err(ApiError::invalid(
                    "filter.listingIds",
                    "too_many",
                    format!("at most {MAX_FILTER_IDS} listing ids"),
                ));
            }
            Some(v) => Some(
                v.iter()
                    .map(|i| id_of("Listing", i, "filter.listingIds"))
                    .collect::<Result<_, _>>()?,
            ),
            None => None,
        };
        Ok(EventFilter {
            listing_ids,
            deal_classes: self
                .deal_classes
                .as_ref()
                .map(|v| v.iter().map(|c| (*c).into()).collect()),
            price: (self.price_min.map(|m| m.0), self.price_max.map(|m| m.0)),
            adjusted: (
                self.adjusted_price_min.map(|m| m.0),
                self.adjusted_price_max.map(|m| m.0),
            ),
            job_id: self.job_id,
        })
    }
}

fn within(v: Option<Decimal>, (lo, hi): (Option<Decimal>, Option<Decimal>)) -> bool {
    match v {
        Some(v) => lo.is_none_or(|lo| v >= lo) && hi.is_none_or(|hi| v <= hi),
        None => lo.is_none() && hi.is_none(),
    }
}

impl EventFilter {
    /// Whether the event passes every criterion.
    pub fn matches(&self, e: &bus::ListingValuationUpdated) -> bool {
        self.listing_ids
            .as_ref()
            .is_none_or(|s| s.contains(&e.listing_id))
            && self
                .deal_classes
                .as_ref()
                .is_none_or(|v| e.deal_class.is_some_and(|c| v.contains(&c)))
            && within(Some(e.price_usd), self.price)
            && within(e.adjusted_price_usd, self.adjusted)
            && self.job_id.is_none_or(|j| j == e.job_id)
    }
}

/// Position of a class from best (0) to worst.
pub fn class_rank(c: m::DealClass) -> usize {
    m::DealClass::ALL
        .iter()
        .position(|x| *x == c)
        .unwrap_or(usize::MAX)
}

/// Whether the event moves a listing into `min` or better from below it (or from no class).
pub fn newly_reaches(e: &bus::ListingValuationUpdated, min: m::DealClass) -> bool {
    let reaches = |c: Option<m::DealClass>| c.is_some_and(|c| class_rank(c) <= class_rank(min));
    reaches(e.deal_class) && !reaches(e.previous_deal_class)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(
        id: i64,
        prev: Option<m::DealClass>,
        now: Option<m::DealClass>,
    ) -> bus::ListingValuationUpdated {
        bus::ListingValuationUpdated {
            listing_id: id,
            price_usd: Decimal::from(400),
            previous_adjusted_price_usd: Some(Decimal::from(380)),
            adjusted_price_usd: Some(Decimal::from(300)),
            previous_deal_class: prev,
            deal_class: now,
            delta_pct: Some(Decimal::from(25)),
            metrics: serde_json::Value::Null,
            cause: m::ValuationCause::RuleChange,
            job_id: Uuid::nil(),
            at: Utc::now(),
        }
    }

    #[test]
    fn alerts_fire_only_when_a_listing_enters_the_class() {
        use m::DealClass::*;
        assert!(newly_reaches(
            &ev(1, Some(LightSaving), Some(GreatDeal)),
            GoodDeal
        ));
        assert!(newly_reaches(&ev(1, None, Some(GoodDeal)), GoodDeal));
        assert!(!newly_reaches(
            &ev(1, Some(GoodDeal), Some(GreatDeal)),
            GoodDeal
        ));
        assert!(!newly_reaches(
            &ev(1, Some(Neutral), Some(LightSaving)),
            GoodDeal
        ));
        assert!(!newly_reaches(
            &ev(1, Some(GreatDeal), Some(Premium)),
            GoodDeal
        ));
    }

    #[test]
    fn filters_check_ids_classes_and_price_ranges() {
        let f = ValuationEventFilter {
            listing_ids: Some(vec![ID::from("7"), global_id("Listing", 8)]),
            adjusted_price_max: Some(Money(Decimal::from(350))),
            ..Default::default()
        }
        .compile()
        .unwrap();
        assert!(f.matches(&ev(7, None, None)));
        assert!(f.matches(&ev(8, None, None)));
        assert!(!f.matches(&ev(9, None, None)));
        let cheap = ValuationEventFilter {
            adjusted_price_max: Some(Money(Decimal::from(299))),
            ..Default::default()
        }
        .compile()
        .unwrap();
        assert!(!cheap.matches(&ev(7, None, None)));
        let classes = ValuationEventFilter {
            deal_classes: Some(vec![DealClass::GreatDeal]),
            ..Default::default()
        }
        .compile()
        .unwrap();
        assert!(classes.matches(&ev(1, None, Some(m::DealClass::GreatDeal))));
        assert!(!classes.matches(&ev(1, None, None)));
        let bad = ValuationEventFilter {
            listing_ids: Some(vec![global_id("Cpu", 1)]),
            ..Default::default()
        };
        assert!(bad.compile().is_err());
    }
}
