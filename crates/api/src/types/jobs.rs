//! Recalculation jobs (DOMAIN.md §8) as the API shows them: `job(id)`, `jobs(status)` and
//! `cancelJob(id)`. The rows are written by the job requester and the worker; the API only
//! reads them and moves a queued or running job to `cancelled`.

use async_graphql::{Context, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::model::{self as m, ApiRole};

use super::connection::{Conn, PageArgs, from_page};
use super::enums::{JobStatus, JobWork};
use crate::auth::require;
use crate::error::{ApiError, ApiResultExt, Code};
use crate::query::store;

/// A recalculation job: which listings it covers, why, and how far it got.
#[derive(SimpleObject, Debug, Clone)]
pub struct RecalculationJob {
    /// Job id (UUID).
    pub id: String,
    /// State.
    pub status: JobStatus,
    /// What it recomputes.
    pub work: JobWork,
    /// Which listings (`{"all": true}`, `{"listing_ids": […]}`, …).
    pub scope: Json<serde_json::Value>,
    /// The requests it absorbed (`[{cause, scope, at}]`).
    pub causes: Json<serde_json::Value>,
    /// Listings per batch.
    pub batch_size: i32,
    /// Listings to walk.
    pub total: i32,
    /// Listings walked so far.
    pub processed: i32,
    /// Listings whose valuation changed.
    pub changed: i32,
    /// Listings that failed to value.
    pub failed: i32,
    /// The job that absorbed this request (status `COALESCED`).
    pub coalesced_into: Option<String>,
    /// Who asked.
    pub requested_by: Option<String>,
    /// Runs started.
    pub attempts: i32,
    /// Earliest start.
    pub not_before: Option<DateTime<Utc>>,
    /// When the first run started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed.
    pub error: Option<String>,
    /// When requested.
    pub created_at: DateTime<Utc>,
    /// Last change (a running job's heartbeat).
    pub updated_at: DateTime<Utc>,
}

impl From<m::RecalculationJob> for RecalculationJob {
    fn from(j: m::RecalculationJob) -> Self {
        Self {
            id: j.id,
            status: j.status.into(),
            work: j.work.into(),
            scope: Json(j.scope),
            causes: Json(j.causes),
            batch_size: j.batch_size,
            total: j.total,
            processed: j.processed,
            changed: j.changed,
            failed: j.failed,
            coalesced_into: j.coalesced_into,
            requested_by: j.requested_by,
            attempts: j.attempts,
            not_before: j.not_before,
            started_at: j.started_at,
            finished_at: j.finished_at,
            error: j.error,
            created_at: j.created_at,
            updated_at: j.updated_at,
        }
    }
}

/// Job queries.
#[derive(Debug, Default)]
pub struct JobQuery;

#[Object]
impl JobQuery {
    /// One recalculation job.
    async fn job(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> async_graphql::Result<Option<RecalculationJob>> {
        // A malformed id is the store's validation error (BAD_USER_INPUT naming `id`).
        Ok(store(ctx).job(id.trim()).await.api()?.map(Into::into))
    }

    /// Recalculation jobs, newest first, optionally of one status.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity + 1")]
    async fn jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only jobs in this state.")] status: Option<JobStatus>,
        #[graphql(desc = "Page size from the start (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the item before the page.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (not with `first`).")] last: Option<i32>,
        #[graphql(desc = "Cursor of the item after the page.")] before: Option<String>,
    ) -> async_graphql::Result<Conn<RecalculationJob>> {
        let req = PageArgs::new(first, after, last, before)
            .checked(ctx, 20)
            .api()?;
        let s = store(ctx);
        let status = status.map(m::JobStatus::from);
        let page = s.jobs_page(status, &req).await.api()?;
        let total = if ctx.look_ahead().field("totalCount").exists() {
            s.count_jobs(status).await.api()?
        } else {
            0
        };
        Ok(from_page(page, total, RecalculationJob::from))
    }
}

/// Job mutations.
#[derive(Debug, Default)]
pub struct JobMutation;

#[Object]
impl JobMutation {
    /// Cancels a job (admin, like `enqueueRecalculation`). A queued job is skipped by the worker; a running one stops after the batch in hand (batches already committed stay: each is one transaction) and ends `CANCELLED`. A job already finished or coalesced into another is a `CONFLICT`.
    async fn cancel_job(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> async_graphql::Result<RecalculationJob> {
        require(ctx, ApiRole::Admin)?;
        let s = store(ctx);
        let id = id.trim().to_owned();
        // Compare-and-set from each live state, so a worker claiming or finishing the job at
        // the same moment wins cleanly; the worker sees the running row gone at its next
        // progress write.
        let mut moved = false;
        for from in [m::JobStatus::Queued, m::JobStatus::Running] {
            if s.transition_job(&id, from, m::JobStatus::Cancelled)
                .await
                .api()?
            {
                moved = true;
                break;
            }
        }
        let job = s
            .job(&id)
            .await
            .api()?
            .ok_or_else(|| ApiError::not_found("job", &id))?;
        if !moved {
            return Err(ApiError::new(
                Code::Conflict,
                format!(
                    "job {id} is {}; only a queued or running job can be cancelled",
                    job.status.as_str()
                ),
            )
            .into());
        }
        Ok(job.into())
    }
}
