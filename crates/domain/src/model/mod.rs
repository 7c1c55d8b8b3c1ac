//! Records and enumerations of the stored entities (DOMAIN.md §2–3).
//!
//! Plain data with serde, no persistence types: the store maps its rows into these and back,
//! so a schema change cannot silently change what the API or the engine sees. Most entities
//! are a [`Record`] of their writable fields (`XxxData`): create and update take the data, the
//! store adds the id and the timestamps.
//!
//! Layout: [`enums`] (§3), [`catalogue`] (CPUs, GPUs, ports, RAM and storage profiles),
//! [`listing`] (listings, components, valuation outputs and history, scoring profiles),
//! [`rules`] (rulesets, groups, rules, versions, audit), [`admin`] (custom fields, imports,
//! settings, API tokens, recalculation jobs).

pub mod admin;
pub mod catalogue;
pub mod enums;
pub mod listing;
pub mod rules;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use admin::*;
pub use catalogue::*;
pub use enums::*;
pub use listing::*;
pub use rules::*;

/// A stored entity: its id, its writable fields and its timestamps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record<T> {
    /// 64-bit identity.
    pub id: i64,
    /// The writable fields.
    #[serde(flatten)]
    pub data: T,
    /// When the row was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When the row was last written (UTC).
    pub updated_at: DateTime<Utc>,
}

/// `lower(trim(name))`: the case-insensitive unique key of named entities (§2).
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}
