//! Listings with their components and disabled rulesets, scoring profiles and per-profile
//! listing scores.

use sea_orm_migration::prelude::*;

use crate::sql::{TS, check_in, drop_tables, run};

#[derive(DeriveMigrationName)]
pub struct Migration;

const CONDITIONS: &[&str] = &["new", "refurb", "used"];
const STATUSES: &[&str] = &["active", "pending", "archived"];
pub(crate) const DEAL_CLASSES: &[&str] = &[
    "great_deal",
    "good_deal",
    "light_saving",
    "neutral",
    "light_premium",
    "premium",
];
const COMPONENT_TYPES: &[&str] = &["ram", "ssd", "hdd", "os_license", "wifi", "gpu", "misc"];

/// Sort keys the API offers; each gets a `(key, id)` index for keyset paging. Decimal keys use
/// `{NUM:}` so SQLite indexes the numeric value of the text (the store queries the same
/// expression). Nullable keys stay total indexes: a page walks the NULL tail by id.
const SORT_INDEXES: &[(&str, &str)] = &[
    ("price", "{NUM:price_usd}"),
    ("adjusted", "{NUM:adjusted_price_usd}"),
    ("dpm_multi", "{NUM:dollar_per_cpu_mark_multi}"),
    ("dpm_multi_adj", "{NUM:dollar_per_cpu_mark_multi_adjusted}"),
    ("dpm_single", "{NUM:dollar_per_cpu_mark_single}"),
    (
        "dpm_single_adj",
        "{NUM:dollar_per_cpu_mark_single_adjusted}",
    ),
    ("score", "{NUM:score_composite}"),
    ("ppw", "{NUM:perf_per_watt}"),
    ("created", "created_at"),
    ("updated", "updated_at"),
    ("title", "title"),
    ("status", "status"),
];

/// Filter columns: equality / IN filters (and the CPU/GPU foreign-key checks) only ever look up
/// non-null values, so these `(col, id)` indexes are partial `WHERE col IS NOT NULL`. A non-HOT
/// row version (every valuation update is one: it changes indexed outputs) is inserted only into
/// the partial indexes whose predicate it satisfies, so a NULL column costs the write nothing.
/// The same holds for the foreign-key indexes above (ON DELETE SET NULL looks up by value).
const FILTER_INDEXES: &[(&str, &str)] = &[
    ("form_factor", "form_factor"),
    ("manufacturer", "manufacturer"),
    ("deal_class", "deal_class"),
    ("cpu", "cpu_id"),
    ("gpu", "gpu_id"),
];

fn script() -> String {
    let mut s = format!(
        r#"
CREATE TABLE listings (
  id {{ID}},
  title VARCHAR(255) NOT NULL CHECK (length(title) BETWEEN 3 AND 255),
  listing_url TEXT,
  url_key TEXT NOT NULL DEFAULT '',
  other_urls {{JSON}} NOT NULL DEFAULT '[]',
  seller VARCHAR(255),
  price_usd {{MONEY}} NOT NULL CHECK ({{NUM:price_usd}} >= 0),
  price_date {{TS}},
  condition VARCHAR(16) NOT NULL DEFAULT 'used' {condition_check},
  status VARCHAR(16) NOT NULL DEFAULT 'active' {status_check},
  manufacturer VARCHAR(64),
  series VARCHAR(128),
  model_number VARCHAR(128),
  form_factor VARCHAR(64),
  device_model VARCHAR(255),
  cpu_id {{BIGINT}} REFERENCES cpus (id) ON DELETE RESTRICT,
  gpu_id {{BIGINT}} REFERENCES gpus (id) ON DELETE RESTRICT,
  ports_profile_id {{BIGINT}} REFERENCES ports_profiles (id) ON DELETE SET NULL,
  ram_spec_id {{BIGINT}} REFERENCES ram_specs (id) ON DELETE SET NULL,
  primary_storage_profile_id {{BIGINT}} REFERENCES storage_profiles (id) ON DELETE SET NULL,
  secondary_storage_profile_id {{BIGINT}} REFERENCES storage_profiles (id) ON DELETE SET NULL,
  ram_gb INTEGER CHECK (ram_gb >= 0),
  primary_storage_gb INTEGER CHECK (primary_storage_gb >= 0),
  secondary_storage_gb INTEGER CHECK (secondary_storage_gb >= 0),
  ram_notes TEXT,
  primary_storage_type VARCHAR(64),
  secondary_storage_type VARCHAR(64),
  os_license VARCHAR(64),
  notes TEXT,
  other_components {{JSON}} NOT NULL DEFAULT '[]',
  attributes {{JSON}} NOT NULL DEFAULT '{{}}',
  ruleset_id {{BIGINT}} REFERENCES rulesets (id) ON DELETE SET NULL,
  adjusted_price_usd {{MONEY}},
  valuation_breakdown {{JSON}},
  valued_at {{TS}},
  deal_class VARCHAR(16) {deal_check},
  delta_pct {{PCT}},
  score_cpu_multi {{RATIO}},
  score_cpu_single {{RATIO}},
  score_gpu {{RATIO}},
  perf_per_watt {{RATIO}},
  score_composite {{RATIO}},
  dollar_per_cpu_mark_multi {{RATIO}},
  dollar_per_cpu_mark_multi_adjusted {{RATIO}},
  dollar_per_cpu_mark_single {{RATIO}},
  dollar_per_cpu_mark_single_adjusted {{RATIO}},
  {TS}
);
CREATE UNIQUE INDEX ux_listings_url_key ON listings (url_key) WHERE url_key <> '';
CREATE INDEX ix_listings_ports_profile ON listings (ports_profile_id) WHERE ports_profile_id IS NOT NULL;
CREATE INDEX ix_listings_ram_spec ON listings (ram_spec_id) WHERE ram_spec_id IS NOT NULL;
CREATE INDEX ix_listings_primary_storage ON listings (primary_storage_profile_id) WHERE primary_storage_profile_id IS NOT NULL;
CREATE INDEX ix_listings_secondary_storage ON listings (secondary_storage_profile_id) WHERE secondary_storage_profile_id IS NOT NULL;
CREATE INDEX ix_listings_ruleset ON listings (ruleset_id) WHERE ruleset_id IS NOT NULL;
CREATE TABLE listing_components (
  id {{ID}},
  listing_id {{BIGINT}} NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
  component_type VARCHAR(16) NOT NULL {component_check},
  name VARCHAR(255) NOT NULL,
  quantity INTEGER NOT NULL DEFAULT 1 CHECK (quantity >= 1),
  metadata {{JSON}} NOT NULL DEFAULT '{{}}',
  {TS}
);
CREATE INDEX ix_listing_components_listing ON listing_components (listing_id, id);
CREATE TABLE listing_disabled_ruleset (
  listing_id {{BIGINT}} NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
  ruleset_id {{BIGINT}} NOT NULL REFERENCES rulesets (id) ON DELETE CASCADE,
  PRIMARY KEY (listing_id, ruleset_id)
);
CREATE INDEX ix_listing_disabled_ruleset_ruleset ON listing_disabled_ruleset (ruleset_id);
CREATE TABLE scoring_profiles (
  id {{ID}},
  name VARCHAR(128) NOT NULL,
  name_key VARCHAR(128) NOT NULL,
  description TEXT,
  weights {{JSON}} NOT NULL DEFAULT '{{}}',
  is_default BOOLEAN NOT NULL DEFAULT FALSE,
  {TS}
);
CREATE UNIQUE INDEX ux_scoring_profiles_name_key ON scoring_profiles (name_key);
CREATE UNIQUE INDEX ux_scoring_profiles_one_default ON scoring_profiles (is_default) WHERE is_default;
CREATE TABLE listing_scores (
  listing_id {{BIGINT}} NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
  profile_id {{BIGINT}} NOT NULL REFERENCES scoring_profiles (id) ON DELETE CASCADE,
  score {{RATIO}},
  computed_at {{TS}} NOT NULL DEFAULT {{NOW}},
  PRIMARY KEY (listing_id, profile_id)
);
CREATE INDEX ix_listing_scores_profile_score ON listing_scores (profile_id, {{NUM:score}}, listing_id)
"#,
        condition_check = check_in("condition", CONDITIONS),
        status_check = check_in("status", STATUSES),
        deal_check = check_in("deal_class", DEAL_CLASSES),
        component_check = check_in("component_type", COMPONENT_TYPES),
    );
    for (name, expr) in SORT_INDEXES {
        s.push_str(&format!(
            ";\nCREATE INDEX ix_listings_{name} ON listings ({expr}, id)"
        ));
    }
    for (name, col) in FILTER_INDEXES {
        s.push_str(&format!(
            ";\nCREATE INDEX ix_listings_{name} ON listings ({col}, id) WHERE {col} IS NOT NULL"
        ));
    }
    s
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
                "listing_scores",
                "scoring_profiles",
                "listing_disabled_ruleset",
                "listing_components",
                "listings",
            ],
        )
        .await
    }
}
