//! [`WorkerError`]: what stops a job or a request.

use std::error::Error as _;

/// A store or queue failure. Display includes the hidden causes: these land in logs and in
/// the job row's `error`, never in front of an API client.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("database: {}", chain(.0))]
    Store(#[from] store::StoreError),
    #[error("job queue: {0}")]
    Bus(#[from] bus::BusError),
    /// A job row whose id is not a UUID (the queue carries UUIDs).
    #[error("job id {0} is not a UUID")]
    BadJobId(String),
}

impl WorkerError {
    /// True when the job queue backend is unreachable (the request could not be queued).
    pub fn is_queue_unavailable(&self) -> bool {
        matches!(self, WorkerError::Bus(e) if e.is_unavailable())
    }
}

/// An error with its sources, `a: b: c` (the store hides driver text behind its Display).
fn chain(e: &store::StoreError) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
