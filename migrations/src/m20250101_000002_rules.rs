//! Rules: rulesets, rule groups, rules (one JSON condition tree, a JSON action list), rule
//! versions and the rule audit.

use sea_orm_migration::prelude::*;

use crate::sql::{TS, check_in, drop_tables, run};

#[derive(DeriveMigrationName)]
pub struct Migration;

const AUDIT_ACTIONS: &[&str] = &[
    "ruleset_created",
    "ruleset_updated",
    "ruleset_deleted",
    "group_created",
    "group_updated",
    "group_deleted",
    "rule_created",
    "rule_updated",
    "rule_deleted",
    "package_installed",
    "baseline_instantiated",
    "baseline_adopted",
];

fn script() -> String {
    format!(
        r#"
CREATE TABLE rulesets (
  id {{ID}},
  name VARCHAR(128) NOT NULL,
  name_key VARCHAR(128) NOT NULL,
  description TEXT,
  version VARCHAR(32) NOT NULL DEFAULT '1.0.0',
  is_active BOOLEAN NOT NULL DEFAULT TRUE,
  priority INTEGER NOT NULL DEFAULT 10 CHECK (priority >= 0),
  conditions {{JSON}},
  metadata {{JSON}} NOT NULL DEFAULT '{{}}',
  created_by VARCHAR(255),
  {TS}
);
CREATE UNIQUE INDEX ux_rulesets_name_key ON rulesets (name_key);
CREATE INDEX ix_rulesets_selection ON rulesets (is_active, priority, created_at, id);
CREATE TABLE rule_groups (
  id {{ID}},
  ruleset_id {{BIGINT}} NOT NULL REFERENCES rulesets (id) ON DELETE CASCADE,
  name VARCHAR(128) NOT NULL,
  category VARCHAR(64) NOT NULL,
  description TEXT,
  display_order INTEGER NOT NULL DEFAULT 100,
  is_active BOOLEAN NOT NULL DEFAULT TRUE,
  metadata {{JSON}} NOT NULL DEFAULT '{{}}',
  {TS}
);
CREATE UNIQUE INDEX ux_rule_groups_ruleset_name ON rule_groups (ruleset_id, name);
CREATE TABLE rules (
  id {{ID}},
  group_id {{BIGINT}} NOT NULL REFERENCES rule_groups (id) ON DELETE CASCADE,
  name VARCHAR(128) NOT NULL,
  description TEXT,
  evaluation_order INTEGER NOT NULL DEFAULT 100,
  is_active BOOLEAN NOT NULL DEFAULT TRUE,
  conditions {{JSON}},
  actions {{JSON}} NOT NULL DEFAULT '[]',
  metadata {{JSON}} NOT NULL DEFAULT '{{}}',
  version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
  created_by VARCHAR(255),
  {TS}
);
CREATE UNIQUE INDEX ux_rules_group_name ON rules (group_id, name);
CREATE INDEX ix_rules_group_order ON rules (group_id, evaluation_order);
CREATE TABLE rule_versions (
  id {{ID}},
  rule_id {{BIGINT}} NOT NULL REFERENCES rules (id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  snapshot {{JSON}} NOT NULL,
  change_summary TEXT,
  changed_by VARCHAR(255),
  created_at {{TS}} NOT NULL DEFAULT {{NOW}}
);
CREATE UNIQUE INDEX ux_rule_versions_rule_version ON rule_versions (rule_id, version);
CREATE TABLE rule_audit (
  id {{ID}},
  ruleset_id {{BIGINT}} REFERENCES rulesets (id) ON DELETE SET NULL,
  group_id {{BIGINT}} REFERENCES rule_groups (id) ON DELETE SET NULL,
  rule_id {{BIGINT}} REFERENCES rules (id) ON DELETE SET NULL,
  action VARCHAR(32) NOT NULL {action_check},
  actor VARCHAR(255),
  changes {{JSON}} NOT NULL DEFAULT '{{}}',
  impact {{JSON}},
  created_at {{TS}} NOT NULL DEFAULT {{NOW}}
);
CREATE INDEX ix_rule_audit_created ON rule_audit (created_at, id);
CREATE INDEX ix_rule_audit_ruleset ON rule_audit (ruleset_id);
CREATE INDEX ix_rule_audit_group ON rule_audit (group_id);
CREATE INDEX ix_rule_audit_rule ON rule_audit (rule_id)
"#,
        action_check = check_in("action", AUDIT_ACTIONS),
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
                "rule_audit",
                "rule_versions",
                "rules",
                "rule_groups",
                "rulesets",
            ],
        )
        .await
    }
}
