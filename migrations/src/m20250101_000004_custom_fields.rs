//! Custom fields: definitions, their audit, and the archive of removed values.

use sea_orm_migration::prelude::*;

use crate::sql::{TS, check_in, drop_tables, run};

#[derive(DeriveMigrationName)]
pub struct Migration;

const ENTITIES: &[&str] = &["listing", "cpu", "gpu", "ports_profile"];
const TYPES: &[&str] = &[
    "string",
    "text",
    "number",
    "boolean",
    "enum",
    "multi_select",
    "json",
];

fn script() -> String {
    format!(
        r#"
CREATE TABLE custom_field_definitions (
  id {{ID}},
  entity VARCHAR(32) NOT NULL {entity_check},
  key VARCHAR(64) NOT NULL,
  label VARCHAR(128) NOT NULL,
  data_type VARCHAR(16) NOT NULL DEFAULT 'string' {type_check},
  description TEXT,
  required BOOLEAN NOT NULL DEFAULT FALSE,
  default_value {{JSON}},
  options {{JSON}},
  validation {{JSON}},
  is_active BOOLEAN NOT NULL DEFAULT TRUE,
  is_locked BOOLEAN NOT NULL DEFAULT FALSE,
  visibility VARCHAR(16) NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'internal')),
  display_order INTEGER NOT NULL DEFAULT 100,
  created_by VARCHAR(255),
  deleted_at {{TS}},
  {TS}
);
CREATE UNIQUE INDEX ux_custom_field_definitions_entity_key ON custom_field_definitions (entity, key);
CREATE TABLE custom_field_audit (
  id {{ID}},
  field_id {{BIGINT}} REFERENCES custom_field_definitions (id) ON DELETE SET NULL,
  entity VARCHAR(32) NOT NULL,
  key VARCHAR(64) NOT NULL,
  action VARCHAR(32) NOT NULL,
  actor VARCHAR(255),
  payload {{JSON}} NOT NULL DEFAULT '{{}}',
  created_at {{TS}} NOT NULL DEFAULT {{NOW}}
);
CREATE INDEX ix_custom_field_audit_field ON custom_field_audit (field_id, id);
CREATE TABLE custom_field_attribute_history (
  id {{ID}},
  field_id {{BIGINT}} REFERENCES custom_field_definitions (id) ON DELETE SET NULL,
  entity VARCHAR(32) NOT NULL,
  record_id {{BIGINT}} NOT NULL,
  key VARCHAR(64) NOT NULL,
  previous_value {{JSON}},
  reason VARCHAR(255) NOT NULL,
  created_at {{TS}} NOT NULL DEFAULT {{NOW}}
);
CREATE INDEX ix_custom_field_history_record ON custom_field_attribute_history (entity, record_id, id);
CREATE INDEX ix_custom_field_history_field ON custom_field_attribute_history (field_id)
"#,
        entity_check = check_in("entity", ENTITIES),
        type_check = check_in("data_type", TYPES),
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, &script()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            &[
                "custom_field_attribute_history",
                "custom_field_audit",
                "custom_field_definitions",
            ],
        )
        .await
    }
}
