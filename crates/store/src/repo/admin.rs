//! Settings, API tokens, import sessions and recalculation jobs.

use chrono::{DateTime, Utc};
use domain::model::{
    ApiRole, ApiToken, ImportAudit, ImportSession, JobStatus, RecalculationJob, Setting,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::parse_enum;
use crate::dec::now;
use crate::entity::recalculation_job;
use crate::entity::{api_token, application_setting, import_session, import_session_audit};
use crate::error::{ErrCtx, Result, StoreError};
use crate::store::Store;

/// SHA-256 of a token secret, lower-case hex: the only form a token is stored in.
pub fn token_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) fn uuid(s: &str, field: &str) -> Result<Uuid> {
    s.parse::<Uuid>()
        .map_err(|_| StoreError::validation(field, "not a UUID"))
}

fn token_record(m: api_token::Model) -> Result<ApiToken> {
    Ok(ApiToken {
        id: m.id,
        name: m.name,
        token_hash: m.token_hash,
        token_prefix: m.token_prefix,
        role: parse_enum(&m.role)?,
        created_by_token_id: m.created_by_token_id,
        created_at: m.created_at,
        last_used_at: m.last_used_at,
        expires_at: m.expires_at,
        revoked_at: m.revoked_at,
    })
}

pub(crate) fn session_record(m: import_session::Model) -> Result<ImportSession> {
    Ok(ImportSession {
        id: m.id.to_string(),
        filename: m.filename,
        content_type: m.content_type,
        byte_size: m.byte_size,
        checksum: m.checksum,
        storage_ref: m.storage_ref,
        status: parse_enum(&m.status)?,
        sheets: m.sheets,
        mappings: m.mappings,
        preview: m.preview,
        conflicts: m.conflicts,
        attached_fields: m.attached_fields,
        resolutions: m.resolutions,
        result: m.result,
        error: m.error,
        created_by: m.created_by,
        expires_at: m.expires_at,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub(crate) fn job_record(m: recalculation_job::Model) -> Result<RecalculationJob> {
    Ok(RecalculationJob {
        id: m.id.to_string(),
        causes: m.causes,
        scope: m.scope,
        work: parse_enum(&m.work)?,
        status: parse_enum(&m.status)?,
        batch_size: m.batch_size,
        total: m.total,
        processed: m.processed,
        changed: m.changed,
        failed: m.failed,
        coalesced_into: m.coalesced_into.map(|u| u.to_string()),
        requested_by: m.requested_by,
        attempts: m.attempts,
        not_before: m.not_before,
        started_at: m.started_at,
        finished_at: m.finished_at,
        error: m.error,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

impl Store {
    /// One setting.
    pub async fn setting(&self, key: &str) -> Result<Option<Setting>> {
        let m = application_setting::Entity::find_by_id(key.to_owned())
            .one(&self.db)
            .await?;
        Ok(m.map(|m| Setting {
            key: m.key,
            value: m.value,
            description: m.description,
            updated_by: m.updated_by,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }))
    }

    /// Creates or replaces a setting.
    pub async fn set_setting(
        &self,
        key: &str,
        value: Json,
        description: Option<&str>,
        by: Option<&str>,
    ) -> Result<Setting> {
        let t = now();
        application_setting::Entity::insert(application_setting::ActiveModel {
            key: Set(key.to_owned()),
            value: Set(value),
            description: Set(description.map(str::to_owned)),
            updated_by: Set(by.map(str::to_owned)),
            created_at: Set(t),
            updated_at: Set(t),
        })
        .on_conflict(
            OnConflict::column(application_setting::Column::Key)
                .update_columns([
                    application_setting::Column::Value,
                    application_setting::Column::Description,
                    application_setting::Column::UpdatedBy,
                    application_setting::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(&self.db)
        .await
        .map_err(|e| ErrCtx::write("setting").map(e))?;
        self.setting(key)
            .await?
            .ok_or_else(|| StoreError::not_found("setting", key))
    }

    /// Stores a token by the SHA-256 of `secret` (the secret itself is never stored).
    pub async fn create_api_token(
        &self,
        name: &str,
        secret: &str,
        role: ApiRole,
        created_by_token_id: Option<i64>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<ApiToken> {
        let m = api_token::Entity::insert(api_token::ActiveModel {
            name: Set(name.to_owned()),
            token_hash: Set(token_hash(secret)),
            token_prefix: Set(secret.chars().take(8).collect()),
            role: Set(role.as_str().to_owned()),
            created_by_token_id: Set(created_by_token_id),
            created_at: Set(now()),
            expires_at: Set(expires_at),
            ..Default::default()
        })
        .exec_with_returning(&self.db)
        .await
        .map_err(|e| ErrCtx::write("api_token").map(e))?;
        token_record(m)
    }

    /// The token whose secret is `secret` (any state: the caller checks expiry/revocation).
    pub async fn api_token_by_secret(&self, secret: &str) -> Result<Option<ApiToken>> {
        let m = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(token_hash(secret)))
            .one(&self.db)
            .await?;
        m.map(token_record).transpose()
    }

    /// Every token by id.
    pub async fn api_tokens(&self) -> Result<Vec<ApiToken>> {
        let rows = api_token::Entity::find()
            .order_by_asc(api_token::Column::Id)
            .all(&self.db)
            .await?;
        rows.into_iter().map(token_record).collect()
    }

    /// Marks a token revoked (idempotent).
    pub async fn revoke_api_token(&self, id: i64) -> Result<ApiToken> {
        let am = api_token::ActiveModel {
            id: Set(id),
            revoked_at: Set(Some(now())),
            ..Default::default()
        };
        match api_token::Entity::update(am).exec(&self.db).await {
            Ok(m) => token_record(m),
            Err(DbErr::RecordNotUpdated) => Err(StoreError::not_found("api_token", id)),
            Err(e) => Err(ErrCtx::write("api_token").map(e)),
        }
    }

    /// Records a use of a token.
    pub async fn touch_api_token(&self, id: i64) -> Result<()> {
        let am = api_token::ActiveModel {
            id: Set(id),
            last_used_at: Set(Some(now())),
            ..Default::default()
        };
        api_token::Entity::update(am)
            .exec(&self.db)
            .await
            .map(|_| ())
            .map_err(|e| ErrCtx::write("api_token").map(e))
    }

    /// Creates or replaces an import session (by id).
    pub async fn save_import_session(&self, s: &ImportSession) -> Result<ImportSession> {
        save_session_on(&self.db, s).await
    }

    /// Sessions that uploaded a file with this checksum, newest first.
    pub async fn import_sessions_with_checksum(
        &self,
        checksum: &str,
    ) -> Result<Vec<ImportSession>> {
        let rows = import_session::Entity::find()
            .filter(import_session::Column::Checksum.eq(checksum))
            .order_by_desc(import_session::Column::CreatedAt)
            .all(&self.db)
            .await?;
        rows.into_iter().map(session_record).collect()
    }

    /// One import session.
    pub async fn import_session(&self, id: &str) -> Result<Option<ImportSession>> {
        let m = import_session::Entity::find_by_id(uuid(id, "id")?)
            .one(&self.db)
            .await?;
        m.map(session_record).transpose()
    }

    /// Import sessions, newest first.
    pub async fn import_sessions(&self) -> Result<Vec<ImportSession>> {
        let rows = import_session::Entity::find()
            .order_by_desc(import_session::Column::CreatedAt)
            .all(&self.db)
            .await?;
        rows.into_iter().map(session_record).collect()
    }

    /// Appends an import audit row.
    pub async fn add_import_audit(
        &self,
        session_id: &str,
        event: &str,
        message: Option<&str>,
        payload: Json,
    ) -> Result<ImportAudit> {
        let m = import_session_audit::Entity::insert(import_session_audit::ActiveModel {
            session_id: Set(uuid(session_id, "session_id")?),
            event: Set(event.to_owned()),
            message: Set(message.map(str::to_owned)),
            payload: Set(payload),
            created_at: Set(now()),
            ..Default::default()
        })
        .exec_with_returning(&self.db)
        .await
        .map_err(|e| ErrCtx::write("import_session_audit").map(e))?;
        Ok(ImportAudit {
            id: m.id,
            session_id: m.session_id.to_string(),
            event: m.event,
            message: m.message,
            payload: m.payload,
            created_at: m.created_at,
        })
    }

    /// Creates or replaces a recalculation job (by id).
    pub async fn save_job(&self, j: &RecalculationJob) -> Result<RecalculationJob> {
        let id = uuid(&j.id, "id")?;
        let am = recalculation_job::ActiveModel {
            id: Set(id),
            causes: Set(j.causes.clone()),
            scope: Set(j.scope.clone()),
            work: Set(j.work.as_str().to_owned()),
            status: Set(j.status.as_str().to_owned()),
            batch_size: Set(j.batch_size),
            total: Set(j.total),
            processed: Set(j.processed),
            changed: Set(j.changed),
            failed: Set(j.failed),
            coalesced_into: Set(j
                .coalesced_into
                .as_deref()
                .map(|s| uuid(s, "coalesced_into"))
                .transpose()?),
            requested_by: Set(j.requested_by.clone()),
            attempts: Set(j.attempts),
            not_before: Set(j.not_before),
            started_at: Set(j.started_at),
            finished_at: Set(j.finished_at),
            error: Set(j.error.clone()),
            created_at: Set(j.created_at),
            updated_at: Set(now()),
        };
        let exists = recalculation_job::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .is_some();
        let m = if exists {
            recalculation_job::Entity::update(am).exec(&self.db).await
        } else {
            recalculation_job::Entity::insert(am)
                .exec_with_returning(&self.db)
                .await
        }
        .map_err(|e| ErrCtx::write("recalculation_job").map(e))?;
        job_record(m)
    }

    /// One job.
    pub async fn job(&self, id: &str) -> Result<Option<RecalculationJob>> {
        let m = recalculation_job::Entity::find_by_id(uuid(id, "id")?)
            .one(&self.db)
            .await?;
        m.map(job_record).transpose()
    }

    /// Jobs, newest first, optionally of one status.
    pub async fn jobs(&self, status: Option<JobStatus>) -> Result<Vec<RecalculationJob>> {
        let mut q = recalculation_job::Entity::find();
        if let Some(s) = status {
            q = q.filter(recalculation_job::Column::Status.eq(s.as_str()));
        }
        let rows = q
            .order_by_desc(recalculation_job::Column::CreatedAt)
            .all(&self.db)
            .await?;
        rows.into_iter().map(job_record).collect()
    }

    /// Moves a job from `from` to `to` if it is still in `from` (compare-and-set claim).
    pub async fn transition_job(&self, id: &str, from: JobStatus, to: JobStatus) -> Result<bool> {
        let at = now();
        let finished = matches!(
            to,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled
        )
        .then_some(at);
        let res = recalculation_job::Entity::update_many()
            .col_expr(recalculation_job::Column::Status, to.as_str().into())
            .col_expr(recalculation_job::Column::FinishedAt, finished.into())
            .col_expr(recalculation_job::Column::UpdatedAt, at.into())
            .filter(recalculation_job::Column::Id.eq(uuid(id, "id")?))
            .filter(recalculation_job::Column::Status.eq(from.as_str()))
            .exec(&self.db)
            .await?;
        Ok(res.rows_affected == 1)
    }
}

/// [`Store::save_import_session`] on a connection or inside a transaction.
pub(crate) async fn save_session_on<C: sea_orm::ConnectionTrait>(
    db: &C,
    s: &ImportSession,
) -> Result<ImportSession> {
    let am = import_session::ActiveModel {
        id: Set(uuid(&s.id, "id")?),
        filename: Set(s.filename.clone()),
        content_type: Set(s.content_type.clone()),
        byte_size: Set(s.byte_size),
        checksum: Set(s.checksum.clone()),
        storage_ref: Set(s.storage_ref.clone()),
        status: Set(s.status.as_str().to_owned()),
        sheets: Set(s.sheets.clone()),
        mappings: Set(s.mappings.clone()),
        preview: Set(s.preview.clone()),
        conflicts: Set(s.conflicts.clone()),
        attached_fields: Set(s.attached_fields.clone()),
        resolutions: Set(s.resolutions.clone()),
        result: Set(s.result.clone()),
        error: Set(s.error.clone()),
        created_by: Set(s.created_by.clone()),
        expires_at: Set(s.expires_at),
        created_at: Set(s.created_at),
        updated_at: Set(now()),
    };
    let exists = import_session::Entity::find_by_id(uuid(&s.id, "id")?)
        .one(db)
        .await?
        .is_some();
    let m = if exists {
        import_session::Entity::update(am).exec(db).await
    } else {
        import_session::Entity::insert(am)
            .exec_with_returning(db)
            .await
    }
    .map_err(|e| ErrCtx::write("import_session").map(e))?;
    session_record(m)
}
