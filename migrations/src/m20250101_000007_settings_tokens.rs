//! Application settings and API tokens (only the SHA-256 of a secret is stored).

use sea_orm_migration::prelude::*;

use crate::sql::{TS, check_in, drop_tables, run};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn script() -> String {
    format!(
        r#"
CREATE TABLE application_settings (
  key VARCHAR(128) PRIMARY KEY,
  value {{JSON}} NOT NULL,
  description TEXT,
  updated_by VARCHAR(255),
  {TS}
);
CREATE TABLE api_tokens (
  id {{ID}},
  name VARCHAR(128) NOT NULL,
  token_hash CHAR(64) NOT NULL,
  token_prefix VARCHAR(16) NOT NULL,
  role VARCHAR(16) NOT NULL {role_check},
  created_by_token_id {{BIGINT}} REFERENCES api_tokens (id) ON DELETE SET NULL,
  created_at {{TS}} NOT NULL DEFAULT {{NOW}},
  last_used_at {{TS}},
  expires_at {{TS}},
  revoked_at {{TS}}
);
CREATE UNIQUE INDEX ux_api_tokens_hash ON api_tokens (token_hash)
"#,
        role_check = check_in("role", &["viewer", "editor", "admin"]),
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, &script()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["api_tokens", "application_settings"]).await
    }
}
