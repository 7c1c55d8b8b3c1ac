//! The hook through which writes ask for a recalculation of other listings (§8). The worker
//! issue plugs a queue in; until then [`NoRecalc`] accepts and drops requests.

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

/// Enqueues recalculation jobs; returns the job id when one was queued.
pub trait RecalcRequester: Send + Sync + std::fmt::Debug {
    fn request(&self, scope: RecalcScope, cause: ValuationCause) -> Option<String>;
}

/// Accepts and drops every request (no worker configured).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRecalc;

impl RecalcRequester for NoRecalc {
    fn request(&self, _scope: RecalcScope, _cause: ValuationCause) -> Option<String> {
        None
    }
}
