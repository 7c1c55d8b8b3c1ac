//! Import sessions and their audit trail.

use sea_orm_migration::prelude::*;

use crate::sql::{TS, check_in, drop_tables, run};

#[derive(DeriveMigrationName)]
pub struct Migration;

const STATUSES: &[&str] = &[
    "mapping_required",
    "ready",
    "committing",
    "completed",
    "failed",
    "cancelled",
    "expired",
];

fn script() -> String {
    format!(
        r#"
CREATE TABLE import_sessions (
  id {{UUID}} PRIMARY KEY,
  filename VARCHAR(255) NOT NULL,
  content_type VARCHAR(255) NOT NULL,
  byte_size {{BIGINT}} NOT NULL CHECK (byte_size >= 0),
  checksum CHAR(64) NOT NULL,
  storage_ref TEXT NOT NULL,
  status VARCHAR(32) NOT NULL DEFAULT 'mapping_required' {status_check},
  sheets {{JSON}} NOT NULL DEFAULT '[]',
  mappings {{JSON}} NOT NULL DEFAULT '{{}}',
  preview {{JSON}} NOT NULL DEFAULT '{{}}',
  conflicts {{JSON}} NOT NULL DEFAULT '{{}}',
  attached_fields {{JSON}} NOT NULL DEFAULT '[]',
  resolutions {{JSON}} NOT NULL DEFAULT '{{}}',
  result {{JSON}},
  error TEXT,
  created_by VARCHAR(255),
  expires_at {{TS}} NOT NULL,
  {TS}
);
CREATE INDEX ix_import_sessions_checksum ON import_sessions (checksum);
CREATE INDEX ix_import_sessions_status ON import_sessions (status, expires_at);
CREATE INDEX ix_import_sessions_created ON import_sessions (created_at);
CREATE TABLE import_session_audit (
  id {{ID}},
  session_id {{UUID}} NOT NULL REFERENCES import_sessions (id) ON DELETE CASCADE,
  event VARCHAR(64) NOT NULL,
  message TEXT,
  payload {{JSON}} NOT NULL DEFAULT '{{}}',
  created_at {{TS}} NOT NULL DEFAULT {{NOW}}
);
CREATE INDEX ix_import_session_audit_session ON import_session_audit (session_id, id)
"#,
        status_check = check_in("status", STATUSES),
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, &script()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["import_session_audit", "import_sessions"]).await
    }
}
