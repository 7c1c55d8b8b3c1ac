//! The query root: lookups, Relay connections and the dry-run evaluators.

use async_graphql::{Context, ID, Interface, MergedObject, Object};
use store::{ListingFilter, Store};

use crate::error::{ApiError, ApiResultExt};
use crate::inputs::{ListingFilterInput, ListingOrder};
use crate::types::catalogue::{Cpu, Gpu, PortsProfile, RamSpec, StorageProfile};
use crate::types::enums::CustomFieldEntity;
use crate::types::listing::Listing;
use crate::types::rules::{CustomField, Rule, RuleGroup, Ruleset, ScoringProfile, Setting};
use crate::types::scalars::{decode_id, id_of};

/// Anything with a global id.
#[derive(Interface, Debug)]
#[graphql(field(name = "id", ty = "ID", desc = "Global node id."))]
#[allow(clippy::large_enum_variant)]
pub enum Node {
    Listing(Listing),
    Cpu(Cpu),
    Gpu(Gpu),
    RamSpec(RamSpec),
    StorageProfile(StorageProfile),
    PortsProfile(PortsProfile),
    Ruleset(Ruleset),
    RuleGroup(RuleGroup),
    Rule(Rule),
    ScoringProfile(ScoringProfile),
}

pub use crate::types::connection::{Conn, ConnectionTotal, PageArgs, from_page, from_vec};

pub(crate) fn store<'a>(ctx: &Context<'a>) -> &'a Store {
    ctx.data_unchecked::<Store>()
}

/// Counts listings matching a filter with one COUNT.
pub(crate) async fn count_listings(s: &Store, f: &ListingFilter) -> Result<u64, ApiError> {
    Ok(s.count_matching_listings(f).await?)
}

/// Queries: the core ones and the job queries.
#[derive(MergedObject, Debug, Default)]
pub struct Query(
    CoreQuery,
    crate::types::jobs::JobQuery,
    crate::packages::PackageQuery,
    crate::baseline::BaselineQuery,
);

/// Lookups and connections.
#[derive(Debug, Default)]
pub struct CoreQuery;

#[Object]
impl CoreQuery {
    /// `ok` when the API answers.
    async fn health(&self) -> &'static str {
        "ok"
    }

    /// Any object by its global id.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let Some((kind, n)) = decode_id(&id) else {
            return Err(ApiError::invalid("id", "invalid_id", "not a global id").into());
        };
        let s = store(ctx);
        Ok(match kind.as_str() {
            "Listing" => s.listing(n).await.api()?.map(|x| Node::Listing(Listing(x))),
            "Cpu" => s.cpu(n).await.api()?.map(|x| Node::Cpu(Cpu(x))),
            "Gpu" => s.gpu(n).await.api()?.map(|x| Node::Gpu(Gpu(x))),
            "RamSpec" => s
                .ram_specs_by_ids(&[n])
                .await
                .api()?
                .remove(&n)
                .map(|x| Node::RamSpec(RamSpec(x))),
            "StorageProfile" => s
                .storage_profiles_by_ids(&[n])
                .await
                .api()?
                .remove(&n)
                .map(|x| Node::StorageProfile(StorageProfile(x))),
            "PortsProfile" => s
                .ports_profile(n)
                .await
                .api()?
                .map(|x| Node::PortsProfile(PortsProfile(x))),
            "Ruleset" => s.ruleset(n).await.api()?.map(|x| Node::Ruleset(Ruleset(x))),
            "Rule" => s.rule(n).await.api()?.map(|x| Node::Rule(Rule(x))),
            "ScoringProfile" => s
                .scoring_profile(n)
                .await
                .api()?
                .map(|x| Node::ScoringProfile(ScoringProfile(x))),
            _ => None,
        })
    }

    /// One listing.
    async fn listing(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Listing>> {
        let n = id_of("Listing", &id, "id").api()?;
        Ok(store(ctx).listing(n).await.api()?.map(Listing))
    }

    /// Listings, filtered and ordered, as a Relay connection (forward with `first`/`after`, backward with `last`/`before`).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity + 1")]
    async fn listings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start, 1–200 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the item before the page.")] after: Option<String>,
        #[graphql(desc = "Page size from the end, 1–200 (not with `first`).")] last: Option<i32>,
        #[graphql(desc = "Cursor of the item after the page.")] before: Option<String>,
        #[graphql(desc = "Which listings.")] filter: Option<ListingFilterInput>,
        #[graphql(desc = "Order (default: id ascending).")] order_by: Option<ListingOrder>,
    ) -> async_graphql::Result<Conn<Listing>> {
        let req = PageArgs::new(first, after, last, before)
            .checked(ctx, 20)
            .api()?;
        let f = filter.unwrap_or_default().to_store().api()?;
        let sort = order_by
            .map(ListingOrder::to_store)
            .transpose()?
            .unwrap_or_default();
        let s = store(ctx);
        let page = s.list_listings(&f, sort, &req).await.api()?;
        let node = ctx.look_ahead().field("edges").field("node");
        let l = ctx.data_unchecked::<crate::loaders::Loaders>();
        crate::loaders::prime_listing_edges(l, node, &page.items)
            .await
            .api()?;
        let total = if ctx.look_ahead().field("totalCount").exists() {
            count_listings(s, &f).await.api()?
        } else {
            0
        };
        Ok(from_page(page, total, Listing))
    }

    /// CPUs by id.
    #[graphql(complexity = "first.or(last).unwrap_or(50).max(1) as usize * child_complexity + 1")]
    async fn cpus(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (default 50).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the item before the page.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (not with `first`).")] last: Option<i32>,
        #[graphql(desc = "Cursor of the item after the page.")] before: Option<String>,
    ) -> async_graphql::Result<Conn<Cpu>> {
        let req = PageArgs::new(first, after, last, before)
            .checked(ctx, 50)
            .api()?;
        let page = store(ctx).cpus(&req).await.api()?;
        Ok(from_page(page, 0, Cpu))
    }

    /// One CPU.
    async fn cpu(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Cpu>> {
        Ok(store(ctx)
            .cpu(id_of("Cpu", &id, "id").api()?)
            .await
            .api()?
            .map(Cpu))
    }

    /// GPUs by id.
    #[graphql(complexity = "first.or(last).unwrap_or(50).max(1) as usize * child_complexity + 1")]
    async fn gpus(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (default 50).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the item before the page.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (not with `first`).")] last: Option<i32>,
        #[graphql(desc = "Cursor of the item after the page.")] before: Option<String>,
    ) -> async_graphql::Result<Conn<Gpu>> {
        let req = PageArgs::new(first, after, last, before)
            .checked(ctx, 50)
            .api()?;
        let page = store(ctx).gpus(&req).await.api()?;
        Ok(from_page(page, 0, Gpu))
    }

    /// One GPU.
    async fn gpu(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Gpu>> {
        Ok(store(ctx)
            .gpu(id_of("Gpu", &id, "id").api()?)
            .await
            .api()?
            .map(Gpu))
    }

    /// RAM specs by id.
    #[graphql(complexity = "first.or(last).unwrap_or(50).max(1) as usize * child_complexity + 1")]
    async fn ram_specs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (default 50).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the item before the page.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (not with `first`).")] last: Option<i32>,
        #[graphql(desc = "Cursor of the item after the page.")] before: Option<String>,
    ) -> async_graphql::Result<Conn<RamSpec>> {
        let req = PageArgs::new(first, after, last, before)
            .checked(ctx, 50)
            .api()?;
        let page = store(ctx).ram_specs(&req).await.api()?;
        Ok(from_page(page, 0, RamSpec))
    }

    /// Storage profiles by id.
    #[graphql(complexity = "first.or(last).unwrap_or(50).max(1) as usize * child_complexity + 1")]
    async fn storage_profiles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (default 50).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the item before the page.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (not with `first`).")] last: Option<i32>,
        #[graphql(desc = "Cursor of the item after the page.")] before: Option<String>,
    ) -> async_graphql::Result<Conn<StorageProfile>> {
        let req = PageArgs::new(first, after, last, before)
            .checked(ctx, 50)
            .api()?;
        let page = store(ctx).storage_profiles(&req).await.api()?;
        Ok(from_page(page, 0, StorageProfile))
    }

    /// Ports profiles by id.
    #[graphql(complexity = "first.or(last).unwrap_or(50).max(1) as usize * child_complexity + 1")]
    async fn ports_profiles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (default 50).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the item before the page.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (not with `first`).")] last: Option<i32>,
        #[graphql(desc = "Cursor of the item after the page.")] before: Option<String>,
    ) -> async_graphql::Result<Conn<PortsProfile>> {
        let req = PageArgs::new(first, after, last, before)
            .checked(ctx, 50)
            .api()?;
        let page = store(ctx).ports_profiles(&req).await.api()?;
        Ok(from_page(page, 0, PortsProfile))
    }

    /// Scoring profiles.
    #[graphql(complexity = "first.or(last).unwrap_or(50).max(1) as usize * child_complexity + 1")]
    async fn scoring_profiles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (default 50).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the item before the page.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (not with `first`).")] last: Option<i32>,
        #[graphql(desc = "Cursor of the item after the page.")] before: Option<String>,
    ) -> async_graphql::Result<Conn<ScoringProfile>> {
        let req = PageArgs::new(first, after, last, before)
            .checked(ctx, 50)
            .api()?;
        let all = store(ctx).scoring_profiles().await.api()?;
        let items = all.into_iter().map(ScoringProfile).collect();
        from_vec("scoring_profiles", items, |p| p.0.id, &req).api()
    }

    /// Rulesets in evaluation order, with groups → rules.
    #[graphql(complexity = "first.or(last).unwrap_or(50).max(1) as usize * child_complexity + 1")]
    async fn rulesets(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] active_only: bool,
        #[graphql(desc = "Page size from the start (default 50).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the item before the page.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (not with `first`).")] last: Option<i32>,
        #[graphql(desc = "Cursor of the item after the page.")] before: Option<String>,
    ) -> async_graphql::Result<Conn<Ruleset>> {
        let req = PageArgs::new(first, after, last, before)
            .checked(ctx, 50)
            .api()?;
        let all = store(ctx).rulesets(active_only).await.api()?;
        let items = all.into_iter().map(Ruleset).collect();
        from_vec("rulesets", items, |r| r.0.id, &req).api()
    }

    /// One ruleset.
    async fn ruleset(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Ruleset>> {
        Ok(store(ctx)
            .ruleset(id_of("Ruleset", &id, "id").api()?)
            .await
            .api()?
            .map(Ruleset))
    }

    /// One rule group (with its rules).
    async fn rule_group(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<RuleGroup>> {
        Ok(store(ctx)
            .rule_group(id_of("RuleGroup", &id, "id").api()?)
            .await
            .api()?
            .map(RuleGroup))
    }

    /// One rule.
    async fn rule(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Rule>> {
        Ok(store(ctx)
            .rule(id_of("Rule", &id, "id").api()?)
            .await
            .api()?
            .map(Rule))
    }

    /// Custom field definitions of an entity.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "first.or(last).unwrap_or(50).max(1) as usize * child_complexity + 1")]
    async fn custom_fields(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "CustomFieldEntity::Listing")] entity: CustomFieldEntity,
        #[graphql(default)] include_inactive: bool,
        #[graphql(default)] include_deleted: bool,
        #[graphql(desc = "Page size from the start (default 50).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the item before the page.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (not with `first`).")] last: Option<i32>,
        #[graphql(desc = "Cursor of the item after the page.")] before: Option<String>,
    ) -> async_graphql::Result<Conn<CustomField>> {
        let req = PageArgs::new(first, after, last, before)
            .checked(ctx, 50)
            .api()?;
        let all = store(ctx)
            .custom_fields(entity.into(), include_deleted)
            .await
            .api()?;
        let items = all
            .into_iter()
            .filter(|f| include_inactive || f.data.is_active)
            .map(CustomField)
            .collect();
        from_vec("custom_fields", items, |f| f.0.id, &req).api()
    }

    /// One application setting.
    async fn setting(
        &self,
        ctx: &Context<'_>,
        key: String,
    ) -> async_graphql::Result<Option<Setting>> {
        Ok(store(ctx).setting(&key).await.api()?.map(Into::into))
    }
}
