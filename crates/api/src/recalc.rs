//! The hook through which writes ask for a recalculation of other listings (§8). The binary
//! plugs in the worker's job requester (a job row plus a queue message); [`NoRecalc`] accepts
//! and drops requests (tests, tools without a worker).

use std::future::Future;
use std::pin::Pin;

use domain::model::ValuationCause;

/// Which listings a recalculation covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecalcScope {
    /// Every active and pending listing.
    All,
    /// Listings linked to these CPUs.
    Cpus(Vec<i64>),
    /// Listings linked to these GPUs.
    Gpus(Vec<i64>),
    /// These listings.
    Listings(Vec<i64>),
}

/// The recalculation could not be queued (the job queue or the database is unavailable).
#[derive(Debug, Clone, thiserror::Error)]
#[error("recalculation could not be queued: {0}")]
pub struct RecalcError(pub String);

/// What [`RecalcRequester::request`] returns: a boxed future, so the trait stays
/// dyn-compatible.
pub type RecalcFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<String>, RecalcError>> + Send + 'a>>;

/// Enqueues recalculation jobs.
pub trait RecalcRequester: Send + Sync + std::fmt::Debug {
    /// Creates a job, or joins the one still queued (coalescing); the id of the job that will
    /// do the work, `None` when nothing is queued. `Err` when it could not be queued, so the
    /// caller reports it instead of silently dropping the recalculation.
    fn request(&self, scope: RecalcScope, cause: ValuationCause) -> RecalcFuture<'_>;
}

/// Accepts and drops every request (no worker configured).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRecalc;

impl RecalcRequester for NoRecalc {
    fn request(&self, _scope: RecalcScope, _cause: ValuationCause) -> RecalcFuture<'_> {
        Box::pin(async { Ok(None) })
    }
}
