//! Listings: create/update/delete with components and disabled rulesets, loads by id.

use std::collections::HashMap;

use domain::model::{Listing, ListingComponent, ListingData, ListingValuation, ListingWrite};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use sea_orm::{QueryOrder, QuerySelect};

use super::{obj_or_empty, parse_enum};
use crate::dec::{Dec, now};
use crate::entity::{listing, listing_base, listing_component, listing_disabled_ruleset};
use crate::error::{ErrCtx, Result, StoreError};
use crate::store::Store;

/// The unique `url_key` of a listing URL (imports de-duplicate by it); see [`url_key`].
pub fn listing_url_key(url: &str) -> Result<String> {
    url_key(Some(url))
}

/// `url_key`: scheme and host lower-cased, trailing `/` dropped; `''` without a URL.
pub(crate) fn url_key(url: Option<&str>) -> Result<String> {
    let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(String::new());
    };
    let bad = || StoreError::validation("listing_url", "must be an http(s) URL with a host");
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(bad());
    }
    let split = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, path) = rest.split_at(split);
    if host.is_empty() {
        return Err(bad());
    }
    let key = format!("{scheme}://{}{path}", host.to_ascii_lowercase());
    Ok(key.trim_end_matches('/').to_owned())
}

pub(crate) fn listing_record(m: listing::Model) -> Result<Listing> {
    let d = |v: Option<Dec>| v.map(|x| x.0);
    Ok(Listing {
        id: m.id,
        data: ListingData {
            title: m.title,
            listing_url: m.listing_url,
            other_urls: m.other_urls,
            seller: m.seller,
            price_usd: m.price_usd.0,
            price_date: m.price_date,
            condition: parse_enum(&m.condition)?,
            status: parse_enum(&m.status)?,
            manufacturer: m.manufacturer,
            series: m.series,
            model_number: m.model_number,
            form_factor: m.form_factor,
            device_model: m.device_model,
            cpu_id: m.cpu_id,
            gpu_id: m.gpu_id,
            ports_profile_id: m.ports_profile_id,
            ram_spec_id: m.ram_spec_id,
            primary_storage_profile_id: m.primary_storage_profile_id,
            secondary_storage_profile_id: m.secondary_storage_profile_id,
            ram_gb: m.ram_gb,
            primary_storage_gb: m.primary_storage_gb,
            secondary_storage_gb: m.secondary_storage_gb,
            ram_notes: m.ram_notes,
            primary_storage_type: m.primary_storage_type,
            secondary_storage_type: m.secondary_storage_type,
            os_license: m.os_license,
            notes: m.notes,
            other_components: m.other_components,
            attributes: m.attributes,
            ruleset_id: m.ruleset_id,
        },
        valuation: ListingValuation {
            adjusted_price_usd: d(m.adjusted_price_usd),
            valuation_breakdown: m.valuation_breakdown,
            valued_at: m.valued_at,
            deal_class: m.deal_class.as_deref().map(parse_enum).transpose()?,
            delta_pct: d(m.delta_pct),
            score_cpu_multi: d(m.score_cpu_multi),
            score_cpu_single: d(m.score_cpu_single),
            score_gpu: d(m.score_gpu),
            perf_per_watt: d(m.perf_per_watt),
            score_composite: d(m.score_composite),
            dollar_per_cpu_mark_multi: d(m.dollar_per_cpu_mark_multi),
            dollar_per_cpu_mark_multi_adjusted: d(m.dollar_per_cpu_mark_multi_adjusted),
            dollar_per_cpu_mark_single: d(m.dollar_per_cpu_mark_single),
            dollar_per_cpu_mark_single_adjusted: d(m.dollar_per_cpu_mark_single_adjusted),
        },
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub(crate) fn listing_active(d: &ListingData) -> Result<listing_base::ActiveModel> {
    let title = d.title.trim();
    let n = title.chars().count();
    if !(3..=255).contains(&n) {
        return Err(StoreError::validation("title", "must be 3–255 characters"));
    }
    if d.price_usd.is_sign_negative() {
        return Err(StoreError::validation("price_usd", "must be ≥ 0"));
    }
    let arr = |v: &serde_json::Value| {
        if v.is_null() {
            serde_json::json!([])
        } else {
            v.clone()
        }
    };
    Ok(listing_base::ActiveModel {
        title: Set(title.to_owned()),
        listing_url: Set(d.listing_url.clone().filter(|u| !u.trim().is_empty())),
        url_key: Set(url_key(d.listing_url.as_deref())?),
        other_urls: Set(arr(&d.other_urls)),
        seller: Set(d.seller.clone()),
        price_usd: Set(Dec::money(d.price_usd)),
        price_date: Set(d.price_date),
        condition: Set(d.condition.as_str().to_owned()),
        status: Set(d.status.as_str().to_owned()),
        manufacturer: Set(d.manufacturer.clone()),
        series: Set(d.series.clone()),
        model_number: Set(d.model_number.clone()),
        form_factor: Set(d.form_factor.clone()),
        device_model: Set(d.device_model.clone()),
        cpu_id: Set(d.cpu_id),
        gpu_id: Set(d.gpu_id),
        ports_profile_id: Set(d.ports_profile_id),
        ram_spec_id: Set(d.ram_spec_id),
        primary_storage_profile_id: Set(d.primary_storage_profile_id),
        secondary_storage_profile_id: Set(d.secondary_storage_profile_id),
        ram_gb: Set(d.ram_gb),
        primary_storage_gb: Set(d.primary_storage_gb),
        secondary_storage_gb: Set(d.secondary_storage_gb),
        ram_notes: Set(d.ram_notes.clone()),
        primary_storage_type: Set(d.primary_storage_type.clone()),
        secondary_storage_type: Set(d.secondary_storage_type.clone()),
        os_license: Set(d.os_license.clone()),
        notes: Set(d.notes.clone()),
        other_components: Set(arr(&d.other_components)),
        attributes: Set(obj_or_empty(d.attributes.clone())),
        ruleset_id: Set(d.ruleset_id),
        ..Default::default()
    })
}

/// The listing as readers see it (with its valuation outputs), inside the write's transaction.
async fn read_row<C: ConnectionTrait>(db: &C, id: i64) -> Result<listing::Model> {
    listing::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| StoreError::not_found("listing", id))
}

async fn replace_children<C: ConnectionTrait>(db: &C, id: i64, w: &ListingWrite) -> Result<()> {
    listing_component::Entity::delete_many()
        .filter(listing_component::Column::ListingId.eq(id))
        .exec(db)
        .await?;
    listing_disabled_ruleset::Entity::delete_many()
        .filter(listing_disabled_ruleset::Column::ListingId.eq(id))
        .exec(db)
        .await?;
    let t = now();
    if !w.components.is_empty() {
        let rows = w.components.iter().map(|c| listing_component::ActiveModel {
            listing_id: Set(id),
            component_type: Set(c.component_type.as_str().to_owned()),
            name: Set(c.name.clone()),
            quantity: Set(c.quantity),
            metadata: Set(obj_or_empty(c.metadata.clone())),
            created_at: Set(t),
            updated_at: Set(t),
            ..Default::default()
        });
        listing_component::Entity::insert_many(rows)
            .exec(db)
            .await
            .map_err(|e| ErrCtx::write("listing_component").map(e))?;
    }
    let mut disabled = w.disabled_ruleset_ids.clone();
    disabled.sort_unstable();
    disabled.dedup();
    if !disabled.is_empty() {
        let rows = disabled
            .iter()
            .map(|r| listing_disabled_ruleset::ActiveModel {
                listing_id: Set(id),
                ruleset_id: Set(*r),
            });
        listing_disabled_ruleset::Entity::insert_many(rows)
            .exec(db)
            .await
            .map_err(|e| ErrCtx::write("listing").map(e))?;
    }
    Ok(())
}

impl Store {
    /// Creates a listing with its components and disabled rulesets (one transaction).
    /// A taken URL → `Conflict`; a missing CPU/GPU/profile/ruleset → `NotFound`.
    pub async fn create_listing(&self, w: &ListingWrite) -> Result<Listing> {
        let mut am = listing_active(&w.data)?;
        let t = now();
        am.created_at = Set(t);
        am.updated_at = Set(t);
        let txn = self.begin_write().await?;
        let m = listing_base::Entity::insert(am)
            .exec_with_returning(&txn)
            .await
            .map_err(|e| ErrCtx::write("listing").map(e))?;
        replace_children(&txn, m.id, w).await?;
        let row = read_row(&txn, m.id).await?;
        txn.commit().await?;
        listing_record(row)
    }

    /// Replaces a listing's fields, components and disabled rulesets; valuation outputs are
    /// kept (the caller re-values).
    pub async fn update_listing(&self, id: i64, w: &ListingWrite) -> Result<Listing> {
        let mut am = listing_active(&w.data)?;
        am.id = Set(id);
        am.updated_at = Set(now());
        let txn = self.begin_write().await?;
        match listing_base::Entity::update(am).exec(&txn).await {
            Ok(_) => {}
            Err(DbErr::RecordNotUpdated) => return Err(StoreError::not_found("listing", id)),
            Err(e) => return Err(ErrCtx::write("listing").map(e)),
        }
        replace_children(&txn, id, w).await?;
        let row = read_row(&txn, id).await?;
        txn.commit().await?;
        listing_record(row)
    }

    /// Deletes a listing (components, scores, history cascade).
    pub async fn delete_listing(&self, id: i64) -> Result<()> {
        let res = listing_base::Entity::delete_by_id(id)
            .exec(&self.db)
            .await
            .map_err(|e| ErrCtx::delete("listing", id).map(e))?;
        if res.rows_affected == 0 {
            return Err(StoreError::not_found("listing", id));
        }
        Ok(())
    }

    /// One listing.
    pub async fn listing(&self, id: i64) -> Result<Option<Listing>> {
        listing::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(listing_record)
            .transpose()
    }

    /// Listings by id, for DataLoaders and workers.
    pub async fn listings_by_ids(&self, ids: &[i64]) -> Result<HashMap<i64, Listing>> {
        self.listings_of(listing::Entity::find(), ids).await
    }

    /// Listings by id for revaluing: every column but the stored breakdown, which revaluing
    /// never reads (the valuation write compares it in SQL) and which is most of a row's
    /// bytes and parse time.
    pub async fn listings_for_valuation(&self, ids: &[i64]) -> Result<HashMap<i64, Listing>> {
        let columns = <listing::Column as sea_orm::Iterable>::iter()
            .filter(|c| !matches!(c, listing::Column::ValuationBreakdown));
        let select = listing::Entity::find()
            .select_only()
            .columns(columns)
            .column_as(Expr::cust("NULL"), "valuation_breakdown");
        self.listings_of(select, ids).await
    }

    /// The listings `ids` as read by `select`, by id.
    async fn listings_of(
        &self,
        select: sea_orm::Select<listing::Entity>,
        ids: &[i64],
    ) -> Result<HashMap<i64, Listing>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = select
            .filter(listing::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|m| listing_record(m).map(|l| (l.id, l)))
            .collect()
    }

    /// Components of each listing (to-many DataLoader).
    pub async fn listing_components(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<ListingComponent>>> {
        let rows = listing_component::Entity::find()
            .filter(listing_component::Column::ListingId.is_in(ids.to_vec()))
            .order_by_asc(listing_component::Column::Id)
            .all(&self.db)
            .await?;
        let mut out: HashMap<i64, Vec<ListingComponent>> = HashMap::new();
        for r in rows {
            out.entry(r.listing_id).or_default().push(ListingComponent {
                component_type: parse_enum(&r.component_type)?,
                name: r.name,
                quantity: r.quantity,
                metadata: r.metadata,
            });
        }
        Ok(out)
    }

    /// Disabled ruleset ids of each listing.
    pub async fn disabled_rulesets(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<i64>>> {
        let rows = listing_disabled_ruleset::Entity::find()
            .filter(listing_disabled_ruleset::Column::ListingId.is_in(ids.to_vec()))
            .order_by_asc(listing_disabled_ruleset::Column::RulesetId)
            .all(&self.db)
            .await?;
        let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
        for r in rows {
            out.entry(r.listing_id).or_default().push(r.ruleset_id);
        }
        Ok(out)
    }

    /// Number of listings.
    pub async fn count_listings(&self) -> Result<u64> {
        use sea_orm::PaginatorTrait;
        Ok(listing_base::Entity::find().count(&self.db).await?)
    }

    /// Ids of listings with `status` in active/pending, after `after_id`, for job batches.
    pub async fn active_listing_ids(&self, after_id: i64, limit: u64) -> Result<Vec<i64>> {
        use sea_orm::QuerySelect;
        Ok(listing_base::Entity::find()
            .select_only()
            .column(listing_base::Column::Id)
            .filter(listing_base::Column::Id.gt(after_id))
            .filter(listing_base::Column::Status.is_in(["active", "pending"]))
            .order_by_asc(listing_base::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(&self.db)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::url_key;

    #[test]
    fn url_keys() {
        assert_eq!(
            url_key(Some("HTTPS://Example.COM/Item/1/")).ok(),
            Some("https://example.com/Item/1".into())
        );
        assert_eq!(url_key(None).ok(), Some(String::new()));
        assert!(url_key(Some("ftp://x")).is_err());
        assert!(url_key(Some("https:///x")).is_err());
    }
}
