//! Input types shared by queries and mutations, and their conversion to store/domain types.

use async_graphql::{Enum, ID, InputObject, Json};
use store::{ListingFilter, ListingSort, ListingSortKey};

use crate::error::ApiError;
use crate::types::enums::{Condition, DealClass, ListingStatus};
use crate::types::scalars::{Money, id_of};

/// Which listings to return; every set field must hold, lists mean "any of".
#[derive(InputObject, Debug, Clone, Default)]
pub struct ListingFilterInput {
    /// Lowest list price.
    pub price_min: Option<Money>,
    /// Highest list price.
    pub price_max: Option<Money>,
    /// Lowest adjusted price.
    pub adjusted_price_min: Option<Money>,
    /// Highest adjusted price.
    pub adjusted_price_max: Option<Money>,
    /// Conditions.
    pub conditions: Option<Vec<Condition>>,
    /// Statuses.
    pub statuses: Option<Vec<ListingStatus>>,
    /// CPU ids.
    pub cpu_ids: Option<Vec<ID>>,
    /// GPU ids.
    pub gpu_ids: Option<Vec<ID>>,
    /// CPU maker (ignoring case; at most 256 characters).
    pub cpu_manufacturer: Option<String>,
    /// Form factor (ignoring case; at most 256 characters).
    pub form_factor: Option<String>,
    /// Device maker (ignoring case; at most 256 characters).
    pub manufacturer: Option<String>,
    /// Least RAM in GB.
    pub min_ram_gb: Option<i32>,
    /// Deal classes.
    pub deal_classes: Option<Vec<DealClass>>,
    /// Text searched in title and device model, literally (`%`, `_` and `\` are not
    /// wildcards; at most 256 characters).
    pub search: Option<String>,
    /// Custom field equality: `{key: value}`.
    pub custom_fields: Option<Json<serde_json::Map<String, serde_json::Value>>>,
}

/// Longest text a listing filter matches on: longer than any title or maker, so a longer
/// one could only cost a scan.
pub const MAX_FILTER_TEXT: usize = 256;

fn filter_text(v: &Option<String>, field: &str) -> Result<Option<String>, ApiError> {
    match v {
        Some(t) if t.chars().count() > MAX_FILTER_TEXT => Err(ApiError::invalid(
            format!("filter.{field}"),
            "too_long",
            format!("at most {MAX_FILTER_TEXT} characters"),
        )),
        _ => Ok(v.clone()),
    }
}

impl ListingFilterInput {
    /// The store filter.
    pub fn to_store(&self) -> Result<ListingFilter, ApiError> {
        let ids = |v: &Option<Vec<ID>>, kind: &str, field: &str| -> Result<Vec<i64>, ApiError> {
            v.iter().flatten().map(|i| id_of(kind, i, field)).collect()
        };
        Ok(ListingFilter {
            price_min: self.price_min.map(|m| m.0),
            price_max: self.price_max.map(|m| m.0),
            adjusted_min: self.adjusted_price_min.map(|m| m.0),
            adjusted_max: self.adjusted_price_max.map(|m| m.0),
            conditions: self
                .conditions
                .iter()
                .flatten()
                .map(|c| (*c).into())
                .collect(),
            statuses: self
                .statuses
                .iter()
                .flatten()
                .map(|c| (*c).into())
                .collect(),
            cpu_ids: ids(&self.cpu_ids, "Cpu", "filter.cpuIds")?,
            gpu_ids: ids(&self.gpu_ids, "Gpu", "filter.gpuIds")?,
            cpu_manufacturer: filter_text(&self.cpu_manufacturer, "cpuManufacturer")?,
            form_factor: filter_text(&self.form_factor, "formFactor")?,
            manufacturer: filter_text(&self.manufacturer, "manufacturer")?,
            min_ram_gb: self.min_ram_gb,
            deal_classes: self
                .deal_classes
                .iter()
                .flatten()
                .map(|c| (*c).into())
                .collect(),
            search: filter_text(&self.search, "search")?,
            custom: self
                .custom_fields
                .iter()
                .flat_map(|m| m.0.iter().map(|(k, v)| (k.clone(), v.clone())))
                .collect(),
        })
    }
}

/// What listings can be ordered by (ties broken by id).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingOrderField {
    /// Database id.
    Id,
    /// List price.
    Price,
    /// Adjusted price.
    AdjustedPrice,
    /// List price per multi-thread mark.
    DollarPerCpuMarkMulti,
    /// Adjusted price per multi-thread mark.
    DollarPerCpuMarkMultiAdjusted,
    /// List price per single-thread mark.
    DollarPerCpuMarkSingle,
    /// Adjusted price per single-thread mark.
    DollarPerCpuMarkSingleAdjusted,
    /// Composite score (default profile).
    ScoreComposite,
    /// Multi-thread mark per watt.
    PerfPerWatt,
    /// Creation time.
    CreatedAt,
    /// Last write time.
    UpdatedAt,
    /// Title.
    Title,
    /// List − adjusted price (`Listing.delta`); listings without an adjusted price last.
    Delta,
    /// Delta as a percentage of the list price (`Listing.deltaPct`); unvalued listings last.
    DeltaPct,
    /// Deal class by rank, not alphabetically: ascending is great deal, good deal, light
    /// saving, neutral, light premium, premium; unclassified listings last.
    DealClass,
    /// The CPU's name, ignoring case; listings without a CPU last.
    Cpu,
    /// The GPU's name, ignoring case; listings without a GPU last.
    Gpu,
    /// Total RAM in GB; listings without a RAM size last.
    Ram,
    /// Primary storage in GB; listings without a primary storage size last.
    Storage,
    /// Form factor text; listings without one last.
    FormFactor,
    /// The deal board's rank for `ListingOrder.profileId` (the default profile when absent):
    /// ascending is the `dealBoard` order (composite score descending, then adjusted $ per
    /// multi-thread mark ascending, missing values last in both, then id), so cursor pages
    /// continue a board past its 100 rows; descending is the exact reverse.
    BoardRank,
}

/// Sort direction.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderDirection {
    /// Ascending.
    #[default]
    Asc,
    /// Descending.
    Desc,
}

/// A listing order.
#[derive(InputObject, Debug, Clone)]
pub struct ListingOrder {
    /// The key.
    pub field: ListingOrderField,
    /// The direction (ascending by default).
    #[graphql(default)]
    pub direction: OrderDirection,
    /// The scoring profile of `BOARD_RANK` (default: the default profile); refused with any
    /// other field.
    pub profile_id: Option<ID>,
}

impl ListingOrder {
    /// The store sort; `profileId` is checked here, whether the profile exists by the store.
    pub fn to_store(self) -> Result<ListingSort, ApiError> {
        use ListingOrderField as F;
        let key = match self.field {
            F::Id => ListingSortKey::Id,
            F::Price => ListingSortKey::Price,
            F::AdjustedPrice => ListingSortKey::AdjustedPrice,
            F::DollarPerCpuMarkMulti => ListingSortKey::DollarPerMarkMulti,
            F::DollarPerCpuMarkMultiAdjusted => ListingSortKey::DollarPerMarkMultiAdjusted,
            F::DollarPerCpuMarkSingle => ListingSortKey::DollarPerMarkSingle,
            F::DollarPerCpuMarkSingleAdjusted => ListingSortKey::DollarPerMarkSingleAdjusted,
            F::ScoreComposite => ListingSortKey::ScoreComposite,
            F::PerfPerWatt => ListingSortKey::PerfPerWatt,
            F::CreatedAt => ListingSortKey::CreatedAt,
            F::UpdatedAt => ListingSortKey::UpdatedAt,
            F::Title => ListingSortKey::Title,
            F::Delta => ListingSortKey::Delta,
            F::DeltaPct => ListingSortKey::DeltaPct,
            F::DealClass => ListingSortKey::DealClass,
            F::Cpu => ListingSortKey::Cpu,
            F::Gpu => ListingSortKey::Gpu,
            F::Ram => ListingSortKey::RamGb,
            F::Storage => ListingSortKey::StorageGb,
            F::FormFactor => ListingSortKey::FormFactor,
            F::BoardRank => ListingSortKey::BoardRank(
                self.profile_id
                    .as_ref()
                    .map(|id| id_of("ScoringProfile", id, "profileId"))
                    .transpose()?,
            ),
        };
        if self.profile_id.is_some() && self.field != F::BoardRank {
            return Err(ApiError::invalid(
                "profileId",
                "profile_without_rank",
                "profileId applies to BOARD_RANK only",
            ));
        }
        Ok(ListingSort {
            key,
            descending: self.direction == OrderDirection::Desc,
        })
    }
}
