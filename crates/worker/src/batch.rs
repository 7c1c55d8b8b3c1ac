//! One batch of a job, in two halves: [`prepare`] reads and evaluates the targets, [`commit`]
//! writes them (one transaction per cause, normally one), isolates failing listings, detects
//! which listings were written and builds their events. The runner prepares the next batch
//! while it commits the current one.

use std::collections::BTreeMap;

use bus::{BusEvent, ListingValuationUpdated};
use chrono::{DateTime, Utc};
use domain::model::{ListingValuation, ValuationCause};
use serde_json::Value as Json;
use store::revalue::{Evaluated, ValuationChange, Valuer, evaluate, revalue_with};
use store::{RecalcCause, RecalcTarget, Store, StoreError};
use uuid::Uuid;

/// What a batch did.
#[derive(Debug, Default)]
pub(crate) struct BatchOutcome {
    /// One `ListingValuationUpdated` per listing whose stored valuation changed.
    pub events: Vec<BusEvent>,
    /// Listings that could not be valued (logged).
    pub failed: u64,
}

/// The cause of the latest request covering the listing (DOMAIN.md §8: history rows carry
/// it); `manual` when no recorded request does (a job written before causes were kept).
fn cause_of(t: &RecalcTarget, causes: &[RecalcCause]) -> ValuationCause {
    causes
        .iter()
        .rev()
        .find(|c| c.scope.covers(t))
        .map_or(ValuationCause::Manual, |c| c.cause)
}

/// A batch read and evaluated, not yet written.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// The id of the batch's last target: the job's cursor once the batch is written.
    pub last_id: i64,
    pub len: usize,
    /// Time spent reading and evaluating, counted into the batch's valuation time.
    spent: std::time::Duration,
    /// Per cause: the listing ids and their evaluation (or why it failed).
    groups: Vec<(ValuationCause, Vec<i64>, Result<Evaluated, StoreError>)>,
}

/// Reads and evaluates one batch (`None` when `targets` is empty). Never writes, so it can
/// run while the previous batch is written; an evaluation error is kept for
/// [`commit`] to isolate.
pub(crate) async fn prepare(
    store: &Store,
    valuer: &Valuer,
    targets: &[RecalcTarget],
    causes: &[RecalcCause],
    job_id: Uuid,
) -> Option<Prepared> {
    let last_id = targets.last()?.id;
    let clock = std::time::Instant::now();
    let mut by_cause: BTreeMap<ValuationCause, Vec<i64>> = BTreeMap::new();
    for t in targets {
        by_cause.entry(cause_of(t, causes)).or_default().push(t.id);
    }
    let mut groups = Vec::with_capacity(by_cause.len());
    for (cause, ids) in by_cause {
        let evaluated = evaluate(store, valuer, &ids, cause, Some(job_id.to_string())).await;
        groups.push((cause, ids, evaluated));
    }
    Some(Prepared {
        last_id,
        len: targets.len(),
        spent: clock.elapsed(),
        groups,
    })
}

/// Writes a prepared batch (one transaction per cause, normally one). `Err` only when the
/// database is gone (the job is retried); a listing whose valuation fails while the database
/// answers is counted in `failed` and skipped.
pub(crate) async fn commit(
    store: &Store,
    valuer: &Valuer,
    batch: Prepared,
    job_id: Uuid,
) -> Result<BatchOutcome, StoreError> {
    let mut out = BatchOutcome::default();
    let mut changes: Vec<(ValuationChange, ValuationCause)> = Vec::with_capacity(batch.len);
    let clock = std::time::Instant::now();
    for (cause, ids, evaluated) in batch.groups {
        let written = match evaluated {
            Ok(e) => e.write(store).await,
            Err(e) => Err(e),
        };
        match written {
            Ok(c) => changes.extend(c.into_iter().map(|c| (c, cause))),
            Err(e) => {
                let (ok, failed) = isolate(store, valuer, &ids, cause, job_id, e).await?;
                changes.extend(ok.into_iter().map(|c| (c, cause)));
                out.failed += failed;
            }
        }
    }
    let valued = batch.len as u64;
    telemetry::metrics().valuations(
        valued.saturating_sub(out.failed),
        out.failed,
        batch.spent + clock.elapsed(),
    );
    // Events come from the outputs just written: no second read of the listings. Their `at`
    // is the commit, as the API documents it: the valuation's own time is when it was
    // evaluated, which the runner does while the previous batch is still being written.
    let committed = Utc::now();
    for (c, cause) in changes {
        if c.written {
            out.events.push(event(&c, cause, job_id, committed));
        }
    }
    Ok(out)
}

/// The batch's transaction failed. If the database still answers, the batch holds a listing
/// that cannot be valued: value each listing on its own so the others commit, and count the
/// failures. If it does not answer (now, or after every listing failed), give up: the job is
/// retried from its last committed batch.
async fn isolate(
    store: &Store,
    valuer: &Valuer,
    ids: &[i64],
    cause: ValuationCause,
    job_id: Uuid,
    batch_error: StoreError,
) -> Result<(Vec<ValuationChange>, u64), StoreError> {
    let alive = store.job(&job_id.to_string()).await;
    if alive.is_err() {
        return Err(batch_error);
    }
    let mut ok = Vec::with_capacity(ids.len());
    let mut failed = 0;
    for id in ids {
        match revalue_with(store, valuer, &[*id], cause, Some(job_id.to_string())).await {
            Ok(c) => ok.extend(c),
            Err(e) => {
                failed += 1;
                tracing::warn!(listing_id = id, %job_id, error = %crate::error::WorkerError::from(e), "listing could not be revalued");
            }
        }
    }
    if ok.is_empty() && ids.len() > 1 {
        store.job(&job_id.to_string()).await?;
    }
    Ok((ok, failed))
}

/// The metrics of a valuation: every output except the ones the event carries by name.
fn metrics(v: &ListingValuation) -> Json {
    let mut m = serde_json::to_value(v).unwrap_or(Json::Null);
    if let Some(o) = m.as_object_mut() {
        for k in [
            "adjusted_price_usd",
            "valuation_breakdown",
            "valued_at",
            "deal_class",
            "delta_pct",
        ] {
            o.remove(k);
        }
    }
    m
}

fn event(
    c: &ValuationChange,
    cause: ValuationCause,
    job_id: Uuid,
    committed: DateTime<Utc>,
) -> BusEvent {
    let v = &c.valuation;
    BusEvent::ListingValuationUpdated(ListingValuationUpdated {
        listing_id: c.listing_id,
        price_usd: c.price_usd,
        previous_adjusted_price_usd: c.previous_adjusted,
        adjusted_price_usd: v.adjusted_price_usd,
        previous_deal_class: c.previous_class,
        deal_class: v.deal_class,
        delta_pct: v.delta_pct,
        metrics: metrics(v),
        cause,
        job_id,
        at: committed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::RecalcTargets;

    #[test]
    fn the_latest_covering_request_gives_the_cause() {
        let t = RecalcTarget {
            id: 7,
            cpu_id: Some(3),
            gpu_id: None,
        };
        let at = Utc::now();
        let causes = vec![
            RecalcCause {
                cause: ValuationCause::RuleChange,
                scope: RecalcTargets::all(),
                at,
            },
            RecalcCause {
                cause: ValuationCause::CpuChange,
                scope: RecalcTargets {
                    cpu_ids: vec![3],
                    ..RecalcTargets::default()
                },
                at,
            },
            RecalcCause {
                cause: ValuationCause::GpuChange,
                scope: RecalcTargets {
                    gpu_ids: vec![9],
                    ..RecalcTargets::default()
                },
                at,
            },
        ];
        assert_eq!(cause_of(&t, &causes), ValuationCause::CpuChange);
        assert_eq!(cause_of(&t, &causes[..1]), ValuationCause::RuleChange);
        assert_eq!(cause_of(&t, &[]), ValuationCause::Manual);
    }
}
