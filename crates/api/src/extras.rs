//! Smaller capabilities of DOMAIN.md §9: the listing schema, import sessions, custom-field
//! value history, bulk listing updates and explicit recalculation requests.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::model::{self as m, ApiRole as DomRole, ValuationCause};

use crate::auth::require;
use crate::error::{ApiError, ApiResultExt};
use crate::imports::ImportSession;
use crate::mutation::recalc;
use crate::query::store;
use crate::recalc::RecalcScope;
use crate::types::connection::{Conn, PageArgs, from_page};
use crate::types::enums::{Condition, CustomFieldEntity, ListingStatus};
use crate::types::listing::Listing;
use crate::types::rules::CustomField;
use crate::types::scalars::id_of;

/// Core and custom fields of listings.
#[derive(SimpleObject, Debug, Clone)]
pub struct ListingSchema {
    /// Core field names (`listing.<name>` in rules).
    pub core_fields: Vec<String>,
    /// Active custom field definitions.
    pub custom_fields: Vec<CustomField>,
}

/// An archived custom value.
#[derive(SimpleObject, Debug, Clone)]
pub struct CustomFieldHistoryEntry {
    /// Field key.
    pub key: String,
    /// The value before it was removed.
    pub previous_value: Option<Json<serde_json::Value>>,
    /// Why (`field_deleted`, `option_retired:<option>`, `type_changed`).
    pub reason: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// One audited change of a custom field definition.
#[derive(SimpleObject, Debug, Clone)]
pub struct CustomFieldAuditEntry {
    /// `created`, `updated`, `option_added`, `deleted` or `hard_deleted`.
    pub action: String,
    /// Who (token name), when known.
    pub actor: Option<String>,
    /// `{before, after}` of the changed members (and `archived_values` when values were archived).
    pub payload: Json<serde_json::Value>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Which listings a recalculation covers.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecalculationScope {
    /// Every active and pending listing.
    All,
    /// The listings named in `listingIds`.
    Listings,
}

/// Fields set on many listings at once.
#[derive(InputObject, Debug, Clone, Default)]
pub struct BulkListingInput {
    /// New status.
    pub status: Option<ListingStatus>,
    /// New condition.
    pub condition: Option<Condition>,
}

/// Extra queries.
#[derive(Debug, Default)]
pub struct ExtraQuery;

#[Object]
impl ExtraQuery {
    /// Core listing fields and active custom fields.
    async fn listing_schema(&self, ctx: &Context<'_>) -> async_graphql::Result<ListingSchema> {
        let defs = store(ctx)
            .custom_fields(m::CustomFieldEntity::Listing, false)
            .await
            .api()?;
        Ok(ListingSchema {
            core_fields: domain::context::listing_field_names()
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            custom_fields: defs
                .into_iter()
                .filter(|d| d.data.is_active)
                .map(CustomField)
                .collect(),
        })
    }

    /// Import sessions, newest first, as a Relay connection.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity + 1")]
    async fn import_sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the item before the page.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (not with `first`).")] last: Option<i32>,
        #[graphql(desc = "Cursor of the item after the page.")] before: Option<String>,
    ) -> async_graphql::Result<Conn<ImportSession>> {
        let req = PageArgs::new(first, after, last, before)
            .checked(ctx, 20)
            .api()?;
        let s = store(ctx);
        let page = s.import_sessions_page(&req).await.api()?;
        let total = if ctx.look_ahead().field("totalCount").exists() {
            s.count_import_sessions().await.api()?
        } else {
            0
        };
        Ok(from_page(page, total, ImportSession::from))
    }

    /// How many records hold a value for a custom field (what deleting it would archive).
    async fn custom_field_usage(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<u64> {
        let s = store(ctx);
        let n = id_of("CustomField", &id, "id").api()?;
        let f = crate::mutation::find_field(s, n, true).await.api()?;
        s.custom_field_usage(f.data.entity, &f.data.key).await.api()
    }

    /// The audit of one custom field (creation, changes with the members that changed, option
    /// additions, deletion), newest first.
    async fn custom_field_audit(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Vec<CustomFieldAuditEntry>> {
        let n = id_of("CustomField", &id, "id").api()?;
        let rows = store(ctx).custom_field_audits(n).await.api()?;
        Ok(rows
            .into_iter()
            .map(|a| CustomFieldAuditEntry {
                action: a.action,
                actor: a.actor,
                payload: Json(a.payload),
                created_at: a.created_at,
            })
            .collect())
    }

    /// Archived custom values of one record.
    async fn custom_field_history(
        &self,
        ctx: &Context<'_>,
        entity: CustomFieldEntity,
        record_id: i64,
    ) -> async_graphql::Result<Vec<CustomFieldHistoryEntry>> {
        let rows = store(ctx)
            .attribute_history(entity.into(), record_id)
            .await
            .api()?;
        Ok(rows
            .into_iter()
            .map(|h| CustomFieldHistoryEntry {
                key: h.key,
                previous_value: h.previous_value.map(Json),
                reason: h.reason,
                created_at: h.created_at,
            })
            .collect())
    }
}

/// Extra mutations.
#[derive(Debug, Default)]
pub struct ExtraMutation;

#[Object]
impl ExtraMutation {
    /// Sets status/condition on up to 200 listings and values them at once.
    async fn bulk_update_listings(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
        input: BulkListingInput,
    ) -> async_graphql::Result<Vec<Listing>> {
        require(ctx, DomRole::Editor)?;
        if ids.len() > 200 {
            return Err(
                ApiError::invalid("ids", "too_large", "at most 200 listings per call").into(),
            );
        }
        let s = store(ctx);
        let ids: Vec<i64> = ids
            .iter()
            .map(|i| id_of("Listing", i, "ids"))
            .collect::<Result<_, _>>()
            .api()?;
        let mut listings = s.listings_by_ids(&ids).await.api()?;
        let mut components = s.listing_components(&ids).await.api()?;
        let mut disabled = s.disabled_rulesets(&ids).await.api()?;
        for id in &ids {
            let l = listings
                .remove(id)
                .ok_or_else(|| ApiError::not_found("listing", id))?;
            let mut data = l.data;
            if let Some(st) = input.status {
                data.status = st.into();
            }
            if let Some(c) = input.condition {
                data.condition = c.into();
            }
            let w = m::ListingWrite {
                data,
                components: components.remove(id).unwrap_or_default(),
                disabled_ruleset_ids: disabled.remove(id).unwrap_or_default(),
            };
            s.update_listing(*id, &w).await.api()?;
        }
        store::revalue::revalue(s, &ids, ValuationCause::ListingEdit, None)
            .await
            .api()?;
        let fresh = s.listings_by_ids(&ids).await.api()?;
        Ok(ids
            .iter()
            .filter_map(|i| fresh.get(i).cloned())
            .map(Listing)
            .collect())
    }

    /// Asks the worker to recalculate (admin); returns the job id when one was queued.
    async fn enqueue_recalculation(
        &self,
        ctx: &Context<'_>,
        scope: RecalculationScope,
        #[graphql(default)] listing_ids: Vec<ID>,
    ) -> async_graphql::Result<Option<String>> {
        require(ctx, DomRole::Admin)?;
        let scope = match scope {
            RecalculationScope::All => RecalcScope::All,
            RecalculationScope::Listings => RecalcScope::Listings(
                listing_ids
                    .iter()
                    .map(|i| id_of("Listing", i, "listingIds"))
                    .collect::<Result<_, _>>()
                    .api()?,
            ),
        };
        recalc(ctx, scope, ValuationCause::Manual).await.api()
    }
}
