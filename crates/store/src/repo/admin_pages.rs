//! Keyset pages of the UUID-keyed admin tables (recalculation jobs, import sessions), newest
//! first: ordered by `(created_at DESC, id DESC)`, the cursor holding both.

use chrono::{DateTime, Utc};
use domain::model::{ImportSession, JobStatus, RecalculationJob};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use serde_json::json;
use uuid::Uuid;

use super::admin::{job_record, session_record};
use crate::entity::{import_session, recalculation_job};
use crate::error::{Result, StoreError};
use crate::page::{Cursor, Page, PageRequest, finish};
use crate::store::Store;

fn key_of(c: &Cursor, field: &str) -> Result<(DateTime<Utc>, Uuid)> {
    let bad = || StoreError::validation(field, "not a cursor of this list");
    let at =
        c.v.get(0)
            .and_then(|v| v.as_str())
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .ok_or_else(bad)?
            .with_timezone(&Utc);
    let id =
        c.v.get(1)
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse::<Uuid>().ok())
            .ok_or_else(bad)?;
    Ok((at, id))
}

fn cursor(list: &str, at: DateTime<Utc>, id: &str) -> Cursor {
    Cursor {
        s: format!("{list}:created_at:desc"),
        v: json!([at.to_rfc3339(), id]),
        id: 0,
    }
}

/// Applies `req`'s window to a newest-first query: rows after `after` are older, rows before
/// `before` newer (ties on `created_at` by id, in the same direction).
fn window<E, C>(q: Select<E>, at: C, id: C, list: &str, req: &PageRequest) -> Result<Select<E>>
where
    E: EntityTrait,
    C: ColumnTrait,
{
    let (after, before) = req.bounds(&format!("{list}:created_at:desc"))?;
    let mut q = q;
    if let Some(c) = after {
        let (t, u) = key_of(&c, "after")?;
        q = q.filter(
            Condition::any()
                .add(at.lt(t))
                .add(Condition::all().add(at.eq(t)).add(id.lt(u))),
        );
    }
    if let Some(c) = before {
        let (t, u) = key_of(&c, "before")?;
        q = q.filter(
            Condition::any()
                .add(at.gt(t))
                .add(Condition::all().add(at.eq(t)).add(id.gt(u))),
        );
    }
    q = if req.backward {
        q.order_by_asc(at).order_by_asc(id)
    } else {
        q.order_by_desc(at).order_by_desc(id)
    };
    Ok(q.limit(req.limit() + 1))
}

impl Store {
    /// A page of recalculation jobs, newest first, optionally of one status.
    pub async fn jobs_page(
        &self,
        status: Option<JobStatus>,
        req: &PageRequest,
    ) -> Result<Page<RecalculationJob>> {
        let mut q = recalculation_job::Entity::find();
        if let Some(s) = status {
            q = q.filter(recalculation_job::Column::Status.eq(s.as_str()));
        }
        let rows = window(
            q,
            recalculation_job::Column::CreatedAt,
            recalculation_job::Column::Id,
            "jobs",
            req,
        )?
        .all(&self.db)
        .await?;
        let items = rows
            .into_iter()
            .map(job_record)
            .collect::<Result<Vec<_>>>()?;
        Ok(finish(items, req, |j| cursor("jobs", j.created_at, &j.id)))
    }

    /// A page of import sessions, newest first.
    pub async fn import_sessions_page(&self, req: &PageRequest) -> Result<Page<ImportSession>> {
        let rows = window(
            import_session::Entity::find(),
            import_session::Column::CreatedAt,
            import_session::Column::Id,
            "import_sessions",
            req,
        )?
        .all(&self.db)
        .await?;
        let items = rows
            .into_iter()
            .map(session_record)
            .collect::<Result<Vec<_>>>()?;
        Ok(finish(items, req, |s| {
            cursor("import_sessions", s.created_at, &s.id)
        }))
    }

    /// How many jobs there are (of one status).
    pub async fn count_jobs(&self, status: Option<JobStatus>) -> Result<u64> {
        use sea_orm::PaginatorTrait;
        let mut q = recalculation_job::Entity::find();
        if let Some(s) = status {
            q = q.filter(recalculation_job::Column::Status.eq(s.as_str()));
        }
        Ok(q.count(&self.db).await?)
    }

    /// How many import sessions there are.
    pub async fn count_import_sessions(&self) -> Result<u64> {
        use sea_orm::PaginatorTrait;
        Ok(import_session::Entity::find().count(&self.db).await?)
    }
}
