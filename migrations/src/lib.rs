//! # migration — Deal Brain's database schema history
//!
//! A sea-orm-migration crate that creates every table of DOMAIN.md §2 on PostgreSQL 15+ and on
//! SQLite from the same migrations. It depends on nothing of ours: the history is frozen, so
//! enum value lists are spelled out here rather than imported from `domain`.
//!
//! Layout:
//! - [`sql`] — the DDL dialect shim: one SQL text per table with `{TYPE}` tokens that
//!   become PostgreSQL types (`NUMERIC(12,2)`, `TIMESTAMPTZ`, `JSONB`, `UUID`) or SQLite ones
//!   (decimal TEXT, RFC 3339 TEXT, JSON TEXT, BLOB). Money never becomes REAL.
//! - one file per migration (sea-orm names a migration after its file), one per aggregate
//!   group, in dependency order: catalogue, rules, listings, custom fields, imports, jobs and
//!   history, settings and tokens, then the listing valuation split (outputs that a rule
//!   change rewrites moved to a narrow `listing_valuations` table, read through the
//!   `listing_rows` view), and LZ4 for the breakdown's compression on PostgreSQL.

pub use sea_orm_migration::MigrationStatus;
pub use sea_orm_migration::prelude::*;

mod m20250101_000001_catalogue;
mod m20250101_000002_rules;
mod m20250101_000003_listings;
mod m20250101_000004_custom_fields;
mod m20250101_000005_imports;
mod m20250101_000006_jobs_history;
mod m20250101_000007_settings_tokens;
mod m20250101_000008_listing_valuations;
mod m20250101_000009_breakdown_lz4;
pub mod sql;

/// Every migration in order.
#[derive(Debug)]
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20250101_000001_catalogue::Migration),
            Box::new(m20250101_000002_rules::Migration),
            Box::new(m20250101_000003_listings::Migration),
            Box::new(m20250101_000004_custom_fields::Migration),
            Box::new(m20250101_000005_imports::Migration),
            Box::new(m20250101_000006_jobs_history::Migration),
            Box::new(m20250101_000007_settings_tokens::Migration),
            Box::new(m20250101_000008_listing_valuations::Migration),
            Box::new(m20250101_000009_breakdown_lz4::Migration),
        ]
    }
}
