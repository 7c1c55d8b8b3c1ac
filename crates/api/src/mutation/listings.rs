//! Listing writes: each accepted write values the listing at once and returns it.

use async_graphql::{Context, Enum, ID, InputObject, Json, MaybeUndefined, Object};
use domain::model::{self as m, ApiRole, ValuationCause};
use store::Store;

use super::custom_fields::{merged, validate_values};
use super::{Deleted, check_len};
use crate::auth::require;
use crate::error::{ApiError, ApiResultExt};
use crate::query::store;
use crate::types::enums::{Condition, ListingStatus};
use crate::types::listing::Listing;
use crate::types::scalars::{Money, global_id, id_of};

type JsonMap = Json<serde_json::Map<String, serde_json::Value>>;

/// A new listing.
#[derive(InputObject, Debug, Clone)]
pub struct CreateListingInput {
    /// Title (3–255 characters).
    pub title: String,
    /// List price (≥ 0).
    pub price: Money,
    /// Link (http/https, unique by scheme and host + path).
    pub listing_url: Option<String>,
    /// Seller.
    pub seller: Option<String>,
    /// Condition (default used).
    pub condition: Option<Condition>,
    /// Status (default active).
    pub status: Option<ListingStatus>,
    /// Device maker.
    pub manufacturer: Option<String>,
    /// Series.
    pub series: Option<String>,
    /// Model number.
    pub model_number: Option<String>,
    /// Form factor.
    pub form_factor: Option<String>,
    /// Device model.
    pub device_model: Option<String>,
    /// CPU.
    pub cpu_id: Option<ID>,
    /// GPU.
    pub gpu_id: Option<ID>,
    /// RAM spec.
    pub ram_spec_id: Option<ID>,
    /// Primary storage profile.
    pub primary_storage_profile_id: Option<ID>,
    /// Secondary storage profile.
    pub secondary_storage_profile_id: Option<ID>,
    /// Ports profile.
    pub ports_profile_id: Option<ID>,
    /// Declared RAM in GB.
    pub ram_gb: Option<i32>,
    /// Declared primary storage in GB.
    pub primary_storage_gb: Option<i32>,
    /// Declared primary storage type.
    pub primary_storage_type: Option<String>,
    /// OS license.
    pub os_license: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Custom field values `{key: value}`.
    pub custom_fields: Option<JsonMap>,
}

/// Changes to a listing: an absent field is kept, `null` clears it.
#[derive(InputObject, Debug, Clone, Default)]
pub struct UpdateListingInput {
    /// Title (3–255 characters).
    pub title: MaybeUndefined<String>,
    /// List price (≥ 0).
    pub price: MaybeUndefined<Money>,
    /// Link.
    pub listing_url: MaybeUndefined<String>,
    /// Seller.
    pub seller: MaybeUndefined<String>,
    /// Condition.
    pub condition: MaybeUndefined<Condition>,
    /// Status.
    pub status: MaybeUndefined<ListingStatus>,
    /// Device maker.
    pub manufacturer: MaybeUndefined<String>,
    /// Form factor.
    pub form_factor: MaybeUndefined<String>,
    /// CPU.
    pub cpu_id: MaybeUndefined<ID>,
    /// GPU.
    pub gpu_id: MaybeUndefined<ID>,
    /// RAM spec.
    pub ram_spec_id: MaybeUndefined<ID>,
    /// Primary storage profile.
    pub primary_storage_profile_id: MaybeUndefined<ID>,
    /// Ports profile.
    pub ports_profile_id: MaybeUndefined<ID>,
    /// Declared RAM in GB.
    pub ram_gb: MaybeUndefined<i32>,
    /// Declared primary storage in GB.
    pub primary_storage_gb: MaybeUndefined<i32>,
    /// Notes.
    pub notes: MaybeUndefined<String>,
    /// Custom values to set (`null` removes a key); other keys are kept.
    pub custom_fields: MaybeUndefined<JsonMap>,
}

/// How a listing picks its rulesets.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValuationMode {
    /// By priority and conditions, minus the disabled ones.
    Auto,
    /// Only the pinned ruleset.
    Static,
}

fn opt_id(kind: &str, id: Option<&ID>, field: &str) -> Result<Option<i64>, ApiError> {
    id.map(|i| id_of(kind, i, field)).transpose()
}

fn patch<T: Clone>(slot: &mut Option<T>, v: &MaybeUndefined<T>) {
    match v {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *slot = None,
        MaybeUndefined::Value(x) => *slot = Some(x.clone()),
    }
}

fn patch_id(
    slot: &mut Option<i64>,
    v: &MaybeUndefined<ID>,
    kind: &str,
    field: &str,
) -> Result<(), ApiError> {
    match v {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *slot = None,
        MaybeUndefined::Value(x) => *slot = Some(id_of(kind, x, field)?),
    }
    Ok(())
}

fn check(d: &m::ListingData) -> Result<(), ApiError> {
    check_len("input.title", &d.title, 3, 255)?;
    if d.price_usd.is_sign_negative() && !d.price_usd.is_zero() {
        return Err(ApiError::invalid(
            "input.price",
            "invalid_value",
            "price must be ≥ 0",
        ));
    }
    Ok(())
}

/// Values one listing now and returns it as stored.
pub(crate) async fn value_now(
    s: &Store,
    id: i64,
    cause: ValuationCause,
) -> async_graphql::Result<Listing> {
    store::revalue::revalue(s, &[id], cause, None).await.api()?;
    let l = s
        .listing(id)
        .await
        .api()?
        .ok_or_else(|| ApiError::not_found("listing", id))?;
    Ok(Listing(l))
}

pub(super) async fn current(s: &Store, id: i64) -> Result<m::ListingWrite, ApiError> {
    let l = s
        .listing(id)
        .await?
        .ok_or_else(|| ApiError::not_found("listing", id))?;
    let components = s
        .listing_components(&[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let disabled = s
        .disabled_rulesets(&[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(m::ListingWrite {
        data: l.data,
        components,
        disabled_ruleset_ids: disabled,
    })
}

/// Listing mutations.
#[derive(Debug, Default)]
pub struct ListingMutation;

#[Object]
impl ListingMutation {
    /// Creates a listing and values it at once.
    async fn create_listing(
        &self,
        ctx: &Context<'_>,
        input: CreateListingInput,
    ) -> async_graphql::Result<Listing> {
        require(ctx, ApiRole::Editor)?;
        let s = store(ctx);
        let mut d = m::ListingData::new(input.title.trim(), input.price.0);
        d.listing_url = input.listing_url;
        d.seller = input.seller;
        d.condition = input
            .condition
            .map(Into::into)
            .unwrap_or(m::Condition::Used);
        d.status = input
            .status
            .map(Into::into)
            .unwrap_or(m::ListingStatus::Active);
        d.manufacturer = input.manufacturer;
        d.series = input.series;
        d.model_number = input.model_number;
        d.form_factor = input.form_factor;
        d.device_model = input.device_model;
        d.cpu_id = opt_id("Cpu", input.cpu_id.as_ref(), "input.cpuId").api()?;
        d.gpu_id = opt_id("Gpu", input.gpu_id.as_ref(), "input.gpuId").api()?;
        d.ram_spec_id = opt_id("RamSpec", input.ram_spec_id.as_ref(), "input.ramSpecId").api()?;
        d.primary_storage_profile_id = opt_id(
            "StorageProfile",
            input.primary_storage_profile_id.as_ref(),
            "input.primaryStorageProfileId",
        )
        .api()?;
        d.secondary_storage_profile_id = opt_id(
            "StorageProfile",
            input.secondary_storage_profile_id.as_ref(),
            "input.secondaryStorageProfileId",
        )
        .api()?;
        d.ports_profile_id = opt_id(
            "PortsProfile",
            input.ports_profile_id.as_ref(),
            "input.portsProfileId",
        )
        .api()?;
        d.ram_gb = input.ram_gb;
        d.primary_storage_gb = input.primary_storage_gb;
        d.primary_storage_type = input.primary_storage_type;
        d.os_license = input.os_license;
        d.notes = input.notes;
        check(&d).api()?;
        let values = input.custom_fields.map(|j| j.0).unwrap_or_default();
        d.attributes = serde_json::Value::Object(
            validate_values(s, m::CustomFieldEntity::Listing, &values, true)
                .await
                .api()?,
        );
        let w = m::ListingWrite {
            data: d,
            components: Vec::new(),
            disabled_ruleset_ids: Vec::new(),
        };
        let created = s.create_listing(&w).await.api()?;
        value_now(s, created.id, ValuationCause::ListingCreated).await
    }

    /// Changes a listing (absent = keep, null = clear) and values it at once.
    async fn update_listing(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateListingInput,
    ) -> async_graphql::Result<Listing> {
        require(ctx, ApiRole::Editor)?;
        let s = store(ctx);
        let lid = id_of("Listing", &id, "id").api()?;
        let mut w = current(s, lid).await.api()?;
        let d = &mut w.data;
        match &input.title {
            MaybeUndefined::Value(t) => d.title = t.trim().to_owned(),
            MaybeUndefined::Null => {
                return Err(ApiError::invalid(
                    "input.title",
                    "invalid_value",
                    "title cannot be null",
                )
                .into());
            }
            MaybeUndefined::Undefined => {}
        }
        match &input.price {
            MaybeUndefined::Value(p) => d.price_usd = p.0,
            MaybeUndefined::Null => {
                return Err(ApiError::invalid(
                    "input.price",
                    "invalid_value",
                    "price cannot be null",
                )
                .into());
            }
            MaybeUndefined::Undefined => {}
        }
        if let MaybeUndefined::Value(c) = input.condition {
            d.condition = c.into();
        }
        if let MaybeUndefined::Value(c) = input.status {
            d.status = c.into();
        }
        patch(&mut d.listing_url, &input.listing_url);
        patch(&mut d.seller, &input.seller);
        patch(&mut d.manufacturer, &input.manufacturer);
        patch(&mut d.form_factor, &input.form_factor);
        patch(&mut d.ram_gb, &input.ram_gb);
        patch(&mut d.primary_storage_gb, &input.primary_storage_gb);
        patch(&mut d.notes, &input.notes);
        patch_id(&mut d.cpu_id, &input.cpu_id, "Cpu", "input.cpuId").api()?;
        patch_id(&mut d.gpu_id, &input.gpu_id, "Gpu", "input.gpuId").api()?;
        patch_id(
            &mut d.ram_spec_id,
            &input.ram_spec_id,
            "RamSpec",
            "input.ramSpecId",
        )
        .api()?;
        patch_id(
            &mut d.primary_storage_profile_id,
            &input.primary_storage_profile_id,
            "StorageProfile",
            "input.primaryStorageProfileId",
        )
        .api()?;
        patch_id(
            &mut d.ports_profile_id,
            &input.ports_profile_id,
            "PortsProfile",
            "input.portsProfileId",
        )
        .api()?;
        check(d).api()?;
        if let MaybeUndefined::Value(values) = &input.custom_fields {
            let checked = validate_values(s, m::CustomFieldEntity::Listing, &values.0, false)
                .await
                .api()?;
            d.attributes = merged(&d.attributes, &values.0, checked);
        } else if input.custom_fields.is_null() {
            d.attributes = serde_json::json!({});
        }
        s.update_listing(lid, &w).await.api()?;
        value_now(s, lid, ValuationCause::ListingEdit).await
    }

    /// Deletes a listing (components, scores and history go with it).
    async fn delete_listing(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Deleted> {
        require(ctx, ApiRole::Editor)?;
        let lid = id_of("Listing", &id, "id").api()?;
        store(ctx).delete_listing(lid).await.api()?;
        Ok(Deleted {
            deleted_id: global_id("Listing", lid),
        })
    }

    /// Chooses how a listing picks rulesets, and values it at once.
    async fn set_listing_valuation_override(
        &self,
        ctx: &Context<'_>,
        id: ID,
        mode: ValuationMode,
        ruleset_id: Option<ID>,
        #[graphql(default)] disabled_ruleset_ids: Vec<ID>,
    ) -> async_graphql::Result<Listing> {
        require(ctx, ApiRole::Editor)?;
        let s = store(ctx);
        let lid = id_of("Listing", &id, "id").api()?;
        let mut w = current(s, lid).await.api()?;
        w.data.ruleset_id = match mode {
            ValuationMode::Auto => None,
            ValuationMode::Static => {
                let rid = ruleset_id.as_ref().ok_or_else(|| {
                    ApiError::invalid("rulesetId", "invalid_value", "static mode needs a ruleset")
                })?;
                let rid = id_of("Ruleset", rid, "rulesetId").api()?;
                let rs = s
                    .ruleset(rid)
                    .await
                    .api()?
                    .ok_or_else(|| ApiError::not_found("ruleset", rid))?;
                if !rs.data.is_active {
                    return Err(ApiError::invalid(
                        "rulesetId",
                        "invalid_value",
                        "the pinned ruleset must be active",
                    )
                    .into());
                }
                Some(rid)
            }
        };
        w.disabled_ruleset_ids = disabled_ruleset_ids
            .iter()
            .map(|r| id_of("Ruleset", r, "disabledRulesetIds"))
            .collect::<Result<_, _>>()
            .api()?;
        s.update_listing(lid, &w).await.api()?;
        value_now(s, lid, ValuationCause::ListingEdit).await
    }

    /// Values a listing again now.
    async fn recalculate_listing(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Listing> {
        require(ctx, ApiRole::Editor)?;
        let lid = id_of("Listing", &id, "id").api()?;
        let s = store(ctx);
        s.listing(lid)
            .await
            .api()?
            .ok_or_else(|| ApiError::not_found("listing", lid))?;
        value_now(s, lid, ValuationCause::Manual).await
    }
}
