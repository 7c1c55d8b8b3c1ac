//! The recalculation job row's steps (DOMAIN.md §8): request (create or coalesce), claim
//! (compare-and-set), progress, requeue or finish, and the unfinished jobs to re-enqueue.
//!
//! The job row is the source of truth; the queue only carries its id. Every step is a
//! conditional UPDATE on `status`, so duplicate queue deliveries and concurrent workers cannot
//! both move a job, and `updated_at` doubles as a running job's heartbeat: a `running` row not
//! touched for a lease period belongs to a dead worker and may be taken over.

use chrono::{DateTime, Duration, Utc};
use domain::model::{JobStatus, JobWork, RecalculationJob, ValuationCause};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value as Json;
use uuid::Uuid;

use super::jobs_targets::{RecalcCause, RecalcRequestOutcome, RecalcTargets};
use crate::entity::recalculation_job;
use crate::error::{ErrCtx, Result, StoreError};
use crate::store::Store;

/// How often a coalescing request retries when a concurrent request moved the job first.
const COALESCE_TRIES: usize = 5;

fn job_uuid(id: &str) -> Result<Uuid> {
    id.parse::<Uuid>()
        .map_err(|_| StoreError::validation("id", "not a UUID"))
}

fn write_err(e: sea_orm::DbErr) -> StoreError {
    ErrCtx::write("recalculation_job").map(e)
}

impl Store {
    /// Records a request for a recalculation (§8 coalescing). A job still `queued` and never
    /// started absorbs it: scopes union, the cause is appended, `not_before` moves to
    /// `now + delay` but never past `created_at + max_delay`; the request itself is kept as a
    /// `coalesced` row pointing at that job. Otherwise a new `queued` job is created. Each
    /// path is one transaction; the absorbing UPDATE is conditional on the row being unchanged
    /// since it was read, so concurrent requests (or a worker claiming it) retry instead of
    /// losing a scope.
    pub async fn request_recalculation(
        &self,
        scope: &RecalcTargets,
        cause: ValuationCause,
        requested_by: Option<&str>,
        delay: Duration,
        max_delay: Duration,
    ) -> Result<RecalcRequestOutcome> {
        let scope = scope.clone().normalized();
        let entry = |at| RecalcCause {
            cause,
            scope: scope.clone(),
            at,
        };
        for _ in 0..COALESCE_TRIES {
            let now = Utc::now();
            let open = recalculation_job::Entity::find()
                .filter(recalculation_job::Column::Status.eq(JobStatus::Queued.as_str()))
                .filter(recalculation_job::Column::StartedAt.is_null())
                .order_by_asc(recalculation_job::Column::CreatedAt)
                .one(&self.db)
                .await?;
            let Some(job) = open else {
                let id = Uuid::new_v4();
                let not_before = now + delay;
                let causes = serde_json::to_value([entry(now)]).map_err(StoreError::internal)?;
                let mut row = new_row(id, &scope, causes, now, requested_by);
                row.not_before = Set(Some(not_before));
                recalculation_job::Entity::insert(row)
                    .exec(&self.db)
                    .await
                    .map_err(write_err)?;
                return Ok(RecalcRequestOutcome {
                    job_id: id.to_string(),
                    coalesced: false,
                    not_before,
                });
            };
            let mut merged = RecalcTargets::from_json(&job.scope)?;
            merged.union(&scope);
            let mut causes = job.causes.as_array().cloned().unwrap_or_default();
            causes.push(serde_json::to_value(entry(now)).map_err(StoreError::internal)?);
            let cap = job.created_at + max_delay;
            let moved_to = Ord::min(now + delay, cap);
            let not_before = Ord::max(moved_to, Ord::min(job.not_before.unwrap_or(now), cap));
            let txn = self.begin_write().await?;
            let moved = recalculation_job::Entity::update_many()
                .col_expr(recalculation_job::Column::Scope, merged.to_json().into())
                .col_expr(
                    recalculation_job::Column::Causes,
                    Json::Array(causes).into(),
                )
                .col_expr(recalculation_job::Column::NotBefore, not_before.into())
                .col_expr(recalculation_job::Column::UpdatedAt, now.into())
                .filter(recalculation_job::Column::Id.eq(job.id))
                .filter(recalculation_job::Column::Status.eq(JobStatus::Queued.as_str()))
                .filter(recalculation_job::Column::UpdatedAt.eq(job.updated_at))
                .exec(&txn)
                .await?;
            if moved.rows_affected != 1 {
                txn.rollback().await?;
                continue;
            }
            let causes = serde_json::to_value([entry(now)]).map_err(StoreError::internal)?;
            let mut row = new_row(Uuid::new_v4(), &scope, causes, now, requested_by);
            row.status = Set(JobStatus::Coalesced.as_str().to_owned());
            row.coalesced_into = Set(Some(job.id));
            row.finished_at = Set(Some(now));
            recalculation_job::Entity::insert(row)
                .exec(&txn)
                .await
                .map_err(write_err)?;
            txn.commit().await?;
            return Ok(RecalcRequestOutcome {
                job_id: job.id.to_string(),
                coalesced: true,
                not_before,
            });
        }
        Err(StoreError::validation(
            "recalculation_job",
            "too many concurrent requests; try again",
        ))
    }

    /// Claims a job for a worker: `queued → running`, or takes over a `running` job whose
    /// heartbeat is older than `stale_before` (its worker died). Counts the attempt, keeps the
    /// first `started_at`. `None` when someone else holds it or it is finished.
    pub async fn claim_recalc_job(
        &self,
        id: &str,
        stale_before: DateTime<Utc>,
    ) -> Result<Option<RecalculationJob>> {
        let uid = job_uuid(id)?;
        let now = Utc::now();
        let status = recalculation_job::Column::Status;
        let res = recalculation_job::Entity::update_many()
            .col_expr(status, JobStatus::Running.as_str().into())
            .col_expr(
                recalculation_job::Column::StartedAt,
                Expr::from(Func::coalesce([
                    Expr::col(recalculation_job::Column::StartedAt),
                    Expr::val(now),
                ])),
            )
            .col_expr(
                recalculation_job::Column::Attempts,
                ExprTrait::add(Expr::col(recalculation_job::Column::Attempts), 1),
            )
            .col_expr(recalculation_job::Column::UpdatedAt, now.into())
            .filter(recalculation_job::Column::Id.eq(uid))
            .filter(
                Condition::any()
                    .add(status.eq(JobStatus::Queued.as_str()))
                    .add(
                        Condition::all()
                            .add(status.eq(JobStatus::Running.as_str()))
                            .add(recalculation_job::Column::UpdatedAt.lt(stale_before)),
                    ),
            )
            .exec(&self.db)
            .await?;
        if res.rows_affected != 1 {
            return Ok(None);
        }
        self.job(id).await
    }

    /// Records a running job's progress (and heartbeat): counters, total and resume cursor.
    /// Only under `job`'s own claim (its `attempts`, counted by [`claim_recalc_job`]): false
    /// when the job is no longer `running` under it — cancelled meanwhile, or taken over by
    /// another worker that found the heartbeat stale. Either way the caller stops.
    ///
    /// [`claim_recalc_job`]: Store::claim_recalc_job
    pub async fn recalc_job_progress(&self, job: &RecalculationJob) -> Result<bool> {
        let res = recalculation_job::Entity::update_many()
            .col_expr(recalculation_job::Column::Scope, job.scope.clone().into())
            .col_expr(recalculation_job::Column::Total, job.total.into())
            .col_expr(recalculation_job::Column::Processed, job.processed.into())
            .col_expr(recalculation_job::Column::Changed, job.changed.into())
            .col_expr(recalculation_job::Column::Failed, job.failed.into())
            .col_expr(recalculation_job::Column::UpdatedAt, Utc::now().into())
            .filter(recalculation_job::Column::Id.eq(job_uuid(&job.id)?))
            .filter(recalculation_job::Column::Status.eq(JobStatus::Running.as_str()))
            .filter(recalculation_job::Column::Attempts.eq(job.attempts))
            .exec(&self.db)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Ends a running job (`succeeded`, `failed`, `cancelled`) or hands it back (`queued`,
    /// resumable from its cursor), with an optional error text. False when it was not running.
    pub async fn end_recalc_job(
        &self,
        id: &str,
        to: JobStatus,
        error: Option<&str>,
    ) -> Result<bool> {
        self.end_job_row(id, None, to, error).await
    }

    /// [`end_recalc_job`](Store::end_recalc_job) for the worker holding `job`'s claim: false,
    /// and nothing changed, when another worker has taken the job over since (a worker whose
    /// lease lapsed must not hand back or finish a job someone else now runs).
    pub async fn end_claimed_recalc_job(
        &self,
        job: &RecalculationJob,
        to: JobStatus,
        error: Option<&str>,
    ) -> Result<bool> {
        self.end_job_row(&job.id, Some(job.attempts), to, error)
            .await
    }

    async fn end_job_row(
        &self,
        id: &str,
        claim: Option<i32>,
        to: JobStatus,
        error: Option<&str>,
    ) -> Result<bool> {
        let now = Utc::now();
        let finished = (to != JobStatus::Queued).then_some(now);
        let mut update = recalculation_job::Entity::update_many()
            .col_expr(recalculation_job::Column::Status, to.as_str().into())
            .col_expr(recalculation_job::Column::FinishedAt, finished.into())
            .col_expr(
                recalculation_job::Column::Error,
                error.map(str::to_owned).into(),
            )
            .col_expr(recalculation_job::Column::UpdatedAt, now.into())
            .filter(recalculation_job::Column::Id.eq(job_uuid(id)?))
            .filter(recalculation_job::Column::Status.eq(JobStatus::Running.as_str()));
        if let Some(attempts) = claim {
            update = update.filter(recalculation_job::Column::Attempts.eq(attempts));
        }
        let res = update.exec(&self.db).await?;
        Ok(res.rows_affected == 1)
    }

    /// Jobs still `queued` or `running`, oldest first (re-enqueued when a worker starts,
    /// since the in-process queue does not survive a restart).
    pub async fn unfinished_recalc_jobs(&self) -> Result<Vec<RecalculationJob>> {
        let mut out = self.jobs(Some(JobStatus::Queued)).await?;
        out.extend(self.jobs(Some(JobStatus::Running)).await?);
        out.sort_by_key(|j| j.created_at);
        Ok(out)
    }
}

fn new_row(
    id: Uuid,
    scope: &RecalcTargets,
    causes: Json,
    now: DateTime<Utc>,
    requested_by: Option<&str>,
) -> recalculation_job::ActiveModel {
    recalculation_job::ActiveModel {
        id: Set(id),
        causes: Set(causes),
        scope: Set(scope.to_json()),
        work: Set(JobWork::Full.as_str().to_owned()),
        status: Set(JobStatus::Queued.as_str().to_owned()),
        batch_size: Set(100),
        total: Set(0),
        processed: Set(0),
        changed: Set(0),
        failed: Set(0),
        coalesced_into: Set(None),
        requested_by: Set(requested_by.map(str::to_owned)),
        attempts: Set(0),
        not_before: Set(None),
        started_at: Set(None),
        finished_at: Set(None),
        error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}
