//! # store — Deal Brain's persistence
//!
//! SeaORM over PostgreSQL (deployments) or SQLite (the embedded default), chosen by one
//! `DATABASE_URL`. The public API speaks `domain::model` records and a few query types; the
//! SeaORM entities stay private, so a migration cannot silently change what callers see.
//!
//! Layout:
//! - [`store`] — [`Store`]: connection pool (SQLite WAL + foreign keys + busy timeout;
//!   PostgreSQL sized pool + statement timeout) and migrations.
//! - [`error`] — [`StoreError`]: `Conflict`, `NotFound`, `InUse`, `Validation`, `Internal`.
//! - [`page`] — keyset pages with opaque cursors.
//! - `entity` — one SeaORM entity per table (crate-private); `dec` — decimal columns as
//!   NUMERIC / canonical text, raw-SQL builder.
//! - `repo` — `impl Store` blocks per aggregate: catalogue (CPUs, GPUs), profiles (ports,
//!   RAM, storage), listings, listing queries (filters, sorts, keyset), valuations (batched
//!   writes, history), scoring, rules (versions, audit), custom fields, admin (settings,
//!   tokens, imports, jobs), packages (the one-transaction install of a ruleset package, the
//!   trees export reads), packages_baseline (baselines as read-only system rulesets) and
//!   imports (the catalogue an import checks against and the one-transaction commit of a
//!   planned workbook import).
//! - [`seed`] — sample data written for this project and a deterministic listing generator.

mod dec;
mod entity;
pub mod error;
pub mod page;
mod repo;
pub mod revalue;
pub mod seed;
pub mod store;

pub use error::{Result, StoreError};
pub use page::{Page, PageRequest};
pub use repo::admin::token_hash;
pub use repo::api_batch::StatementCounter;
pub use repo::imports::{ImportCatalogue, ImportOutcome, ImportPlan, PlannedListing, Upsert};
pub use repo::jobs_targets::{
    RecalcCause, RecalcRequestOutcome, RecalcTarget, RecalcTargets, recalc_causes,
};
pub use repo::listing_query::{ListingFilter, ListingSort, ListingSortKey};
pub use repo::listings::listing_url_key;
pub use repo::packages::{Installed, Refused};
pub use repo::packages_baseline::BaselineWrite;
pub use store::{
    Backend, DEFAULT_ACQUIRE_TIMEOUT, DEFAULT_DATABASE_URL, DEFAULT_POOL_SIZE, MigrationState,
    PoolStats, Store,
};
