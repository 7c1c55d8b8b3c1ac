//! Listing records: the listing, its components, its valuation outputs and history, and
//! scoring profiles.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::{ComponentType, Condition, DealClass, JobId, ListingStatus, Record, ValuationCause};

/// Writable fields of a listing (declared facts and links; outputs are [`ListingValuation`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListingData {
    /// 3–255 chars, not unique.
    pub title: String,
    /// http/https with a host; its `url_key` is unique.
    pub listing_url: Option<String>,
    /// `[{url, label}]`.
    pub other_urls: Json,
    pub seller: Option<String>,
    /// Money ≥ 0, 2 places.
    pub price_usd: Decimal,
    pub price_date: Option<DateTime<Utc>>,
    pub condition: Condition,
    pub status: ListingStatus,
    pub manufacturer: Option<String>,
    pub series: Option<String>,
    pub model_number: Option<String>,
    pub form_factor: Option<String>,
    pub device_model: Option<String>,
    pub cpu_id: Option<i64>,
    pub gpu_id: Option<i64>,
    pub ports_profile_id: Option<i64>,
    pub ram_spec_id: Option<i64>,
    pub primary_storage_profile_id: Option<i64>,
    pub secondary_storage_profile_id: Option<i64>,
    pub ram_gb: Option<i32>,
    pub primary_storage_gb: Option<i32>,
    pub secondary_storage_gb: Option<i32>,
    pub ram_notes: Option<String>,
    pub primary_storage_type: Option<String>,
    pub secondary_storage_type: Option<String>,
    pub os_license: Option<String>,
    pub notes: Option<String>,
    pub other_components: Json,
    /// Validated custom values (§6).
    pub attributes: Json,
    /// The pinned ruleset (static mode iff set).
    pub ruleset_id: Option<i64>,
}

impl ListingData {
    /// A listing with the defaults of §2 (`used`, `active`, empty JSON).
    pub fn new(title: impl Into<String>, price_usd: Decimal) -> Self {
        Self {
            title: title.into(),
            listing_url: None,
            other_urls: Json::Array(Vec::new()),
            seller: None,
            price_usd,
            price_date: None,
            condition: Condition::Used,
            status: ListingStatus::Active,
            manufacturer: None,
            series: None,
            model_number: None,
            form_factor: None,
            device_model: None,
            cpu_id: None,
            gpu_id: None,
            ports_profile_id: None,
            ram_spec_id: None,
            primary_storage_profile_id: None,
            secondary_storage_profile_id: None,
            ram_gb: None,
            primary_storage_gb: None,
            secondary_storage_gb: None,
            ram_notes: None,
            primary_storage_type: None,
            secondary_storage_type: None,
            os_license: None,
            notes: None,
            other_components: Json::Array(Vec::new()),
            attributes: Json::Object(Default::default()),
            ruleset_id: None,
        }
    }
}

/// The valuation outputs of a listing (all null until valued).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ListingValuation {
    pub adjusted_price_usd: Option<Decimal>,
    pub valuation_breakdown: Option<Json>,
    pub valued_at: Option<DateTime<Utc>>,
    pub deal_class: Option<DealClass>,
    pub delta_pct: Option<Decimal>,
    pub score_cpu_multi: Option<Decimal>,
    pub score_cpu_single: Option<Decimal>,
    pub score_gpu: Option<Decimal>,
    pub perf_per_watt: Option<Decimal>,
    pub score_composite: Option<Decimal>,
    pub dollar_per_cpu_mark_multi: Option<Decimal>,
    pub dollar_per_cpu_mark_multi_adjusted: Option<Decimal>,
    pub dollar_per_cpu_mark_single: Option<Decimal>,
    pub dollar_per_cpu_mark_single_adjusted: Option<Decimal>,
}

/// A stored listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listing {
    pub id: i64,
    #[serde(flatten)]
    pub data: ListingData,
    #[serde(flatten)]
    pub valuation: ListingValuation,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A component line of a listing (informational, not valued).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListingComponent {
    pub component_type: ComponentType,
    pub name: String,
    /// ≥ 1.
    pub quantity: i32,
    pub metadata: Json,
}

/// A listing write: its fields, its components and its disabled rulesets (both replaced as a
/// whole).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListingWrite {
    pub data: ListingData,
    pub components: Vec<ListingComponent>,
    pub disabled_ruleset_ids: Vec<i64>,
}

/// One batch item of a valuation write (the worker's output for one listing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValuationUpdate {
    pub listing_id: i64,
    /// Must have `valued_at` set; the other outputs may be null.
    pub valuation: ListingValuation,
    /// Recorded on a history row when the price changed.
    pub cause: ValuationCause,
    pub job_id: Option<JobId>,
}

/// What a batched valuation write did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BulkOutcome {
    /// Listings whose stored outputs differed and were written.
    pub changed: usize,
    /// Their ids, in batch order (what the worker publishes events for).
    #[serde(default)]
    pub changed_ids: Vec<i64>,
    /// Listings whose outputs were already stored as given.
    pub unchanged: usize,
    /// Ids of the batch that do not exist (deleted meanwhile).
    pub missing: usize,
    /// History rows appended.
    pub history_rows: usize,
}

/// One row of a listing's valuation history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValuationHistoryEntry {
    pub id: i64,
    pub listing_id: i64,
    pub price_usd: Decimal,
    pub adjusted_price_usd: Option<Decimal>,
    pub deal_class: Option<DealClass>,
    pub cause: ValuationCause,
    pub job_id: Option<JobId>,
    pub at: DateTime<Utc>,
}

/// Writable fields of a scoring profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoringProfileData {
    pub name: String,
    pub description: Option<String>,
    /// `{metric: weight ≥ 0}` (§5.2), validated by the engine.
    pub weights: Json,
    /// At most one profile is the default; setting it clears the others.
    pub is_default: bool,
}

/// A stored scoring profile.
pub type ScoringProfile = Record<ScoringProfileData>;

/// A listing's score under one profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListingScore {
    pub listing_id: i64,
    pub profile_id: i64,
    pub score: Option<Decimal>,
    pub computed_at: DateTime<Utc>,
}
