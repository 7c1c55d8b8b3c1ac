//! The `Listing` object: facts, valuation outputs and every edge through the DataLoaders.

use async_graphql::{Context, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::model as m;
use rust_decimal::Decimal;

use super::breakdown::{ValuationBreakdown, ValuationHistoryEntry};
use super::catalogue::{Cpu, Gpu, PortsProfile, RamSpec, StorageProfile};
use super::enums::{ComponentType, Condition, DealClass, ListingStatus};
use super::rules::ScoringProfile;
use super::scalars::{Money, global_id, id_of};
use crate::error::ApiResultExt;
use crate::loaders::{
    ComponentsOf, CpuId, DisabledOf, GpuId, HistoryOf, Loaders, PortsId, RamSpecId, ScoreKey,
    ScoresOf, StorageId,
};

/// A small-form-factor PC offered for sale, with its valuation.
#[derive(Debug, Clone)]
pub struct Listing(pub m::Listing);

/// An extra component of a listing (not valued).
#[derive(SimpleObject, Debug, Clone)]
pub struct ListingComponent {
    /// Kind of component.
    pub component_type: ComponentType,
    /// Name.
    pub name: String,
    /// Quantity (≥ 1).
    pub quantity: i32,
    /// Free-form metadata.
    pub metadata: Json<serde_json::Value>,
}

/// A listing's composite score under one scoring profile.
#[derive(SimpleObject, Debug, Clone)]
pub struct ProfileScore {
    /// The profile.
    pub profile: ScoringProfile,
    /// The stored score (null when the profile weighs nothing present, or before the worker has scored the listing under a new profile).
    pub score: Option<Decimal>,
}

/// One custom field value of a record.
#[derive(SimpleObject, Debug, Clone)]
pub struct CustomFieldValue {
    /// The field key.
    pub key: String,
    /// The field label (the key when the definition is gone).
    pub label: String,
    /// The value.
    pub value: Json<serde_json::Value>,
}

fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

#[Object]
impl Listing {
    /// Global node id.
    pub async fn id(&self) -> ID {
        global_id("Listing", self.0.id)
    }
    /// Database id.
    async fn database_id(&self) -> i64 {
        self.0.id
    }
    /// Title (3–255 characters).
    async fn title(&self) -> &str {
        &self.0.data.title
    }
    /// Link to the offer.
    async fn listing_url(&self) -> Option<&str> {
        self.0.data.listing_url.as_deref()
    }
    /// Other links (`[{url, label}]`).
    async fn other_urls(&self) -> Json<serde_json::Value> {
        Json(self.0.data.other_urls.clone())
    }
    /// Seller.
    async fn seller(&self) -> Option<&str> {
        self.0.data.seller.as_deref()
    }
    /// List price.
    async fn price(&self) -> Money {
        Money(self.0.data.price_usd)
    }
    /// When the price was seen.
    async fn price_date(&self) -> Option<DateTime<Utc>> {
        self.0.data.price_date
    }
    /// Condition.
    async fn condition(&self) -> Condition {
        self.0.data.condition.into()
    }
    /// Status.
    async fn status(&self) -> ListingStatus {
        self.0.data.status.into()
    }
    /// Device maker (HP, Dell, …).
    async fn manufacturer(&self) -> Option<&str> {
        self.0.data.manufacturer.as_deref()
    }
    /// Product series.
    async fn series(&self) -> Option<&str> {
        self.0.data.series.as_deref()
    }
    /// Model number.
    async fn model_number(&self) -> Option<&str> {
        self.0.data.model_number.as_deref()
    }
    /// Form factor (SFF, USFF, mini, …).
    async fn form_factor(&self) -> Option<&str> {
        self.0.data.form_factor.as_deref()
    }
    /// Device model.
    async fn device_model(&self) -> Option<&str> {
        self.0.data.device_model.as_deref()
    }
    /// Declared RAM in GB.
    async fn ram_gb(&self) -> Option<i32> {
        self.0.data.ram_gb
    }
    /// Declared primary storage in GB.
    async fn primary_storage_gb(&self) -> Option<i32> {
        self.0.data.primary_storage_gb
    }
    /// Declared secondary storage in GB.
    async fn secondary_storage_gb(&self) -> Option<i32> {
        self.0.data.secondary_storage_gb
    }
    /// Declared primary storage type (free text).
    async fn primary_storage_type(&self) -> Option<&str> {
        self.0.data.primary_storage_type.as_deref()
    }
    /// OS license.
    async fn os_license(&self) -> Option<&str> {
        self.0.data.os_license.as_deref()
    }
    /// Notes.
    async fn notes(&self) -> Option<&str> {
        self.0.data.notes.as_deref()
    }
    /// Adjusted price: what the machine is worth with its extras priced out.
    async fn adjusted_price(&self) -> Option<Money> {
        self.0.valuation.adjusted_price_usd.map(Money)
    }
    /// List − adjusted price (positive = saving).
    async fn delta(&self) -> Option<Money> {
        self.0
            .valuation
            .adjusted_price_usd
            .map(|a| Money(self.0.data.price_usd - a))
    }
    /// Delta as a percentage of the list price (2 places).
    async fn delta_pct(&self) -> Option<Decimal> {
        self.0.valuation.delta_pct
    }
    /// Deal class from the delta percentage and the thresholds.
    async fn deal_class(&self) -> Option<DealClass> {
        self.0.valuation.deal_class.map(Into::into)
    }
    /// CPU multi-thread mark.
    async fn score_cpu_multi(&self) -> Option<Decimal> {
        self.0.valuation.score_cpu_multi
    }
    /// CPU single-thread mark.
    async fn score_cpu_single(&self) -> Option<Decimal> {
        self.0.valuation.score_cpu_single
    }
    /// GPU score.
    async fn score_gpu(&self) -> Option<Decimal> {
        self.0.valuation.score_gpu
    }
    /// Multi-thread mark per watt of TDP.
    async fn perf_per_watt(&self) -> Option<Decimal> {
        self.0.valuation.perf_per_watt
    }
    /// Composite score under the default scoring profile.
    async fn score_composite(&self) -> Option<Decimal> {
        self.0.valuation.score_composite
    }
    /// List price per multi-thread mark.
    async fn dollar_per_cpu_mark_multi(&self) -> Option<Decimal> {
        self.0.valuation.dollar_per_cpu_mark_multi
    }
    /// Adjusted price per multi-thread mark.
    async fn dollar_per_cpu_mark_multi_adjusted(&self) -> Option<Decimal> {
        self.0.valuation.dollar_per_cpu_mark_multi_adjusted
    }
    /// List price per single-thread mark.
    async fn dollar_per_cpu_mark_single(&self) -> Option<Decimal> {
        self.0.valuation.dollar_per_cpu_mark_single
    }
    /// Adjusted price per single-thread mark.
    async fn dollar_per_cpu_mark_single_adjusted(&self) -> Option<Decimal> {
        self.0.valuation.dollar_per_cpu_mark_single_adjusted
    }
    /// When the listing was last valued.
    async fn valued_at(&self) -> Option<DateTime<Utc>> {
        self.0.valuation.valued_at
    }
    /// Composite score under any scoring profile, computed now.
    async fn score(
        &self,
        ctx: &Context<'_>,
        profile_id: ID,
    ) -> async_graphql::Result<Option<Decimal>> {
        let pid = id_of("ScoringProfile", &profile_id, "profileId").api()?;
        Ok(loaders(ctx)
            .load_one(ScoreKey(pid, self.0.id))
            .await
            .api()?
            .flatten())
    }
    /// The stored composite score under every scoring profile, by profile id (kept current by the worker; `score(profileId)` computes one now).
    async fn scores(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ProfileScore>> {
        let rows = loaders(ctx).load_one(ScoresOf(self.0.id)).await.api()?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(|(p, score)| ProfileScore {
                profile: ScoringProfile(p),
                score,
            })
            .collect())
    }
    /// The stored explanation of the valuation.
    async fn valuation_breakdown(&self) -> Option<ValuationBreakdown> {
        let json = self.0.valuation.valuation_breakdown.clone()?;
        serde_json::from_value::<domain::valuation::Breakdown>(json)
            .ok()
            .map(Into::into)
    }
    /// Valuation changes, newest first.
    async fn valuation_history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, validator(minimum = 1, maximum = 200))] first: i32,
    ) -> async_graphql::Result<Vec<ValuationHistoryEntry>> {
        let rows = loaders(ctx).load_one(HistoryOf(self.0.id)).await.api()?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .take(usize::try_from(first).unwrap_or(0))
            .map(Into::into)
            .collect())
    }
    /// The CPU.
    async fn cpu(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Cpu>> {
        let Some(id) = self.0.data.cpu_id else {
            return Ok(None);
        };
        Ok(loaders(ctx).load_one(CpuId(id)).await.api()?.map(Cpu))
    }
    /// The discrete GPU.
    async fn gpu(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Gpu>> {
        let Some(id) = self.0.data.gpu_id else {
            return Ok(None);
        };
        Ok(loaders(ctx).load_one(GpuId(id)).await.api()?.map(Gpu))
    }
    /// The RAM spec.
    async fn ram_spec(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<RamSpec>> {
        let Some(id) = self.0.data.ram_spec_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)
            .load_one(RamSpecId(id))
            .await
            .api()?
            .map(RamSpec))
    }
    /// The primary storage profile.
    async fn storage(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StorageProfile>> {
        let Some(id) = self.0.data.primary_storage_profile_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)
            .load_one(StorageId(id))
            .await
            .api()?
            .map(StorageProfile))
    }
    /// The secondary storage profile.
    async fn secondary_storage(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<StorageProfile>> {
        let Some(id) = self.0.data.secondary_storage_profile_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)
            .load_one(StorageId(id))
            .await
            .api()?
            .map(StorageProfile))
    }
    /// The ports profile.
    async fn ports(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<PortsProfile>> {
        let Some(id) = self.0.data.ports_profile_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)
            .load_one(PortsId(id))
            .await
            .api()?
            .map(PortsProfile))
    }
    /// Extra components.
    async fn components(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ListingComponent>> {
        let rows = loaders(ctx).load_one(ComponentsOf(self.0.id)).await.api()?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(|c| ListingComponent {
                component_type: c.component_type.into(),
                name: c.name,
                quantity: c.quantity,
                metadata: Json(c.metadata),
            })
            .collect())
    }
    /// The pinned ruleset's database id (static mode), if any.
    async fn pinned_ruleset_id(&self) -> Option<i64> {
        self.0.data.ruleset_id
    }
    /// Rulesets excluded from this listing's automatic selection.
    async fn disabled_ruleset_ids(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<i64>> {
        Ok(loaders(ctx)
            .load_one(DisabledOf(self.0.id))
            .await
            .api()?
            .unwrap_or_default())
    }
    /// Custom field values as one JSON object.
    async fn custom_fields(&self) -> Json<serde_json::Value> {
        Json(self.0.data.attributes.clone())
    }
    /// Custom field values as a list.
    async fn custom_field_values(&self) -> Vec<CustomFieldValue> {
        self.0
            .data
            .attributes
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| CustomFieldValue {
                        key: k.clone(),
                        label: k.clone(),
                        value: Json(v.clone()),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    /// When created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When last written.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
