//! # worker — recalculation jobs (DOMAIN.md §8)
//!
//! When a valuation input changes (a rule, a CPU mark, a listing), the API asks for a
//! recalculation; this crate turns the request into a job and runs it:
//!
//! - [`JobRequester`] records the request as a `queued` job row — or coalesces it into the
//!   job already waiting (scopes union, causes accumulate, `not_before` moves by 250 ms but
//!   never past 2 s after the first request), so ten rule edits in a second make one pass —
//!   then enqueues the job id on the [`bus::JobQueue`]. A queue that is down is an error the
//!   caller reports, never a silently dropped job.
//! - [`Worker`] claims a delivery, moves the job row `queued → running` with a
//!   compare-and-set, loads and compiles the rules once ([`store::revalue::Valuer`]), then
//!   walks the targets by id in batches (`RECALC_BATCH_SIZE`, default 100): one transaction
//!   per batch, only changed listings written, history only on change (both guaranteed by
//!   the store), one `ListingValuationUpdated` per changed listing and one
//!   `RecalculationProgress` per batch, the job's counters and resume cursor after each
//!   batch. A listing that fails is counted and logged; the rest of its batch commits.
//!
//! Failure model. The job row is the source of truth and is always resumable: its cursor
//! (`scope.after_id`) marks the committed batches, and re-running a batch changes nothing.
//! A job whose database goes away is handed back (`queued`) and its delivery retried with
//! backoff; after the last attempt it is `failed`. A worker that dies leaves the row
//! `running` with a stale heartbeat (`updated_at`); the queue re-delivers the message after its
//! visibility timeout and the next worker takes the row over once the heartbeat is older than
//! [`WorkerConfig::lease`]. After the queue or the database failed under it (Redis restarted
//! empty, say, or a request the API could not enqueue), the worker re-enqueues every
//! unfinished job row as soon as the queue answers again. Shutdown (a cancelled token, SIGTERM in the binary) finishes the
//! current batch, hands the job back and re-enqueues it.
//!
//! Layout: [`config`] ([`WorkerConfig`]), [`error`] ([`WorkerError`]), [`requester`]
//! ([`JobRequester`]), [`runner`] ([`Worker`]: the claim loop and one job's outcome), `walk`
//! (one job's batches: the next one read and evaluated while the current one is written),
//! `recovery` (jobs back on the queue from their rows), `batch` (one batch: evaluation, then
//! the write with failure isolation, change detection, events), `metrics`
//! ([`record_queue_depth`]; jobs, valuations and published events are counted where they
//! happen, through `telemetry::metrics()`).

mod batch;
pub mod config;
pub mod error;
mod metrics;
mod recovery;
pub mod requester;
pub mod runner;
mod walk;

pub use config::WorkerConfig;
pub use error::WorkerError;
pub use metrics::record_queue_depth;
pub use requester::JobRequester;
pub use runner::{Handled, Worker};
pub use store::{RecalcRequestOutcome, RecalcTargets};
pub use tokio_util::sync::CancellationToken;
