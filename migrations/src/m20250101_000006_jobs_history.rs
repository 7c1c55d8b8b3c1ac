//! Recalculation jobs and the listing valuation history (which points at the job that wrote
//! each row).

use sea_orm_migration::prelude::*;

use crate::sql::{check_in, drop_tables, run};

#[derive(DeriveMigrationName)]
pub struct Migration;

const JOB_STATUSES: &[&str] = &[
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
    "coalesced",
];
const CAUSES: &[&str] = &[
    "listing_created",
    "listing_edit",
    "rule_change",
    "ruleset_change",
    "cpu_change",
    "gpu_change",
    "catalog_change",
    "custom_field_change",
    "import",
    "baseline",
    "package_install",
    "manual",
];
const DEAL_CLASSES: &[&str] = &[
    "great_deal",
    "good_deal",
    "light_saving",
    "neutral",
    "light_premium",
    "premium",
];

fn script() -> String {
    format!(
        r#"
CREATE TABLE recalculation_jobs (
  id {{UUID}} PRIMARY KEY,
  causes {{JSON}} NOT NULL DEFAULT '[]',
  scope {{JSON}} NOT NULL DEFAULT '{{}}',
  work VARCHAR(16) NOT NULL DEFAULT 'full' CHECK (work IN ('full', 'scores', 'deal_class')),
  status VARCHAR(16) NOT NULL DEFAULT 'queued' {status_check},
  batch_size INTEGER NOT NULL DEFAULT 100 CHECK (batch_size >= 1),
  total INTEGER NOT NULL DEFAULT 0,
  processed INTEGER NOT NULL DEFAULT 0,
  changed INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  coalesced_into {{UUID}} REFERENCES recalculation_jobs (id) ON DELETE SET NULL,
  requested_by VARCHAR(255),
  attempts INTEGER NOT NULL DEFAULT 0,
  not_before {{TS}},
  started_at {{TS}},
  finished_at {{TS}},
  error TEXT,
  created_at {{TS}} NOT NULL DEFAULT {{NOW}},
  updated_at {{TS}} NOT NULL DEFAULT {{NOW}}
);
CREATE INDEX ix_recalculation_jobs_status ON recalculation_jobs (status, not_before);
CREATE INDEX ix_recalculation_jobs_created ON recalculation_jobs (created_at);
CREATE TABLE listing_valuation_history (
  id {{ID}},
  listing_id {{BIGINT}} NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
  price_usd {{MONEY}} NOT NULL,
  adjusted_price_usd {{MONEY}},
  deal_class VARCHAR(16) {deal_check},
  cause VARCHAR(32) NOT NULL {cause_check},
  job_id {{UUID}} REFERENCES recalculation_jobs (id) ON DELETE SET NULL,
  at {{TS}} NOT NULL DEFAULT {{NOW}}
);
CREATE INDEX ix_listing_valuation_history_listing_at ON listing_valuation_history (listing_id, at DESC, id DESC);
CREATE INDEX ix_listing_valuation_history_job ON listing_valuation_history (job_id)
"#,
        status_check = check_in("status", JOB_STATUSES),
        deal_check = check_in("deal_class", DEAL_CLASSES),
        cause_check = check_in("cause", CAUSES),
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
            &["listing_valuation_history", "recalculation_jobs"],
        )
        .await
    }
}
