//! Per-request DataLoaders: one batched store query per edge and key type, so a page of
//! listings with every edge costs a fixed number of statements whatever its size.

use std::collections::HashMap;

use std::time::Duration;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use domain::model::{
    Cpu, Gpu, Listing, ListingComponent, PortsProfile, RamSpec, Rule, RuleGroup, ScoringProfile,
    StorageProfile, ValuationHistoryEntry,
};
use rust_decimal::Decimal;
use store::Store;
use store::revalue::Valuer;

use crate::error::ApiError;

/// How many history rows an edge loads per listing at most.
pub const HISTORY_LIMIT: usize = 200;

/// The loader behind every key type below.
#[derive(Debug, Clone)]
pub struct StoreLoader {
    pub store: Store,
}

/// A request's loader (create one per request; it caches what it loaded for the request).
pub type Loaders = DataLoader<StoreLoader, HashMapCache>;

/// A new per-request loader. The short delay gathers keys from sibling resolvers; connection
/// resolvers also prime the caches with one batch per edge (see [`prime_listing_edges`]), so
/// the statement count never depends on how resolvers interleave.
pub fn loaders(store: Store) -> Loaders {
    DataLoader::with_cache(StoreLoader { store }, tokio::spawn, HashMapCache::default())
        .delay(Duration::from_millis(2))
}

/// Loads the to-one edges of a page of listings in one batch per edge type, but only the
/// edges the query selects (`node` is the look-ahead of a listing selection).
pub async fn prime_listing_edges(
    l: &Loaders,
    node: async_graphql::Lookahead<'_>,
    listings: &[Listing],
) -> Result<(), ApiError> {
    let pick = |f: fn(&Listing) -> Option<i64>| -> Vec<i64> {
        let mut v: Vec<i64> = listings.iter().filter_map(f).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    if node.field("cpu").exists() {
        l.load_many(pick(|x| x.data.cpu_id).into_iter().map(CpuId))
            .await?;
    }
    if node.field("gpu").exists() {
        l.load_many(pick(|x| x.data.gpu_id).into_iter().map(GpuId))
            .await?;
    }
    if node.field("ramSpec").exists() {
        l.load_many(pick(|x| x.data.ram_spec_id).into_iter().map(RamSpecId))
            .await?;
    }
    if node.field("storage").exists() || node.field("secondaryStorage").exists() {
        let mut ids = pick(|x| x.data.primary_storage_profile_id);
        ids.extend(pick(|x| x.data.secondary_storage_profile_id));
        l.load_many(ids.into_iter().map(StorageId)).await?;
    }
    if node.field("ports").exists() {
        l.load_many(pick(|x| x.data.ports_profile_id).into_iter().map(PortsId))
            .await?;
    }
    let ids = || listings.iter().map(|x| x.id);
    if node.field("components").exists() {
        l.load_many(ids().map(ComponentsOf)).await?;
    }
    if node.field("valuationHistory").exists() {
        l.load_many(ids().map(HistoryOf)).await?;
    }
    if node.field("scores").exists() {
        l.load_many(ids().map(ScoresOf)).await?;
    }
    if node.field("disabledRulesetIds").exists() {
        l.load_many(ids().map(DisabledOf)).await?;
    }
    Ok(())
}

macro_rules! keys {
    ($($key:ident),+) => {$(
        #[doc = concat!("DataLoader key: ", stringify!($key), ".")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $key(pub i64);
    )+};
}
keys!(
    CpuId,
    GpuId,
    RamSpecId,
    StorageId,
    PortsId,
    ListingId,
    ComponentsOf,
    HistoryOf,
    GroupsOf,
    RulesOf,
    DisabledOf,
    ScoresOf
);

/// DataLoader key: (scoring profile, listing) → composite score computed on the fly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScoreKey(pub i64, pub i64);

fn ids<K: Copy>(keys: &[K], f: impl Fn(K) -> i64) -> Vec<i64> {
    keys.iter().map(|k| f(*k)).collect()
}

fn rekey<K: Copy + Eq + std::hash::Hash, V>(
    keys: &[K],
    f: impl Fn(K) -> i64,
    mut map: HashMap<i64, V>,
) -> HashMap<K, V> {
    keys.iter()
        .filter_map(|k| map.remove(&f(*k)).map(|v| (*k, v)))
        .collect()
}

macro_rules! one_query {
    ($key:ident => $val:ty, |$s:ident, $ids:ident| $load:expr) => {
        impl Loader<$key> for StoreLoader {
            type Value = $val;
            type Error = ApiError;
            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, $val>, ApiError> {
                let $s = &self.store;
                let $ids = ids(keys, |k| k.0);
                let map = $load.await.map_err(ApiError::from)?;
                Ok(rekey(keys, |k| k.0, map))
            }
        }
    };
}

one_query!(CpuId => Cpu, |s, ids| s.cpus_by_ids(&ids));
one_query!(GpuId => Gpu, |s, ids| s.gpus_by_ids(&ids));
one_query!(RamSpecId => RamSpec, |s, ids| s.ram_specs_by_ids(&ids));
one_query!(StorageId => StorageProfile, |s, ids| s.storage_profiles_by_ids(&ids));
one_query!(PortsId => PortsProfile, |s, ids| s.ports_profiles_by_ids(&ids));
one_query!(ListingId => Listing, |s, ids| s.listings_by_ids(&ids));
one_query!(ComponentsOf => Vec<ListingComponent>, |s, ids| s.listing_components(&ids));
one_query!(HistoryOf => Vec<ValuationHistoryEntry>, |s, ids| s.valuation_histories(&ids, HISTORY_LIMIT));
one_query!(GroupsOf => Vec<RuleGroup>, |s, ids| s.rule_groups_of(&ids));
one_query!(DisabledOf => Vec<i64>, |s, ids| s.disabled_rulesets(&ids));

impl Loader<RulesOf> for StoreLoader {
    type Value = Vec<Rule>;
    type Error = ApiError;
    async fn load(&self, keys: &[RulesOf]) -> Result<HashMap<RulesOf, Vec<Rule>>, ApiError> {
        let rules = self.store.rules_of_groups(&ids(keys, |k| k.0)).await?;
        let mut map: HashMap<i64, Vec<Rule>> = HashMap::new();
        for r in rules {
            map.entry(r.data.group_id).or_default().push(r);
        }
        Ok(rekey(keys, |k| k.0, map))
    }
}

/// Every scoring profile (by id) with the listing's stored score under it, `None` where none
/// is stored yet: two statements per batch (the profiles table is small).
impl Loader<ScoresOf> for StoreLoader {
    type Value = Vec<(ScoringProfile, Option<Decimal>)>;
    type Error = ApiError;
    async fn load(&self, keys: &[ScoresOf]) -> Result<HashMap<ScoresOf, Self::Value>, ApiError> {
        let mut profiles = self.store.scoring_profiles().await?;
        profiles.sort_by_key(|p| p.id);
        let mut stored = self.store.scores_of_listings(&ids(keys, |k| k.0)).await?;
        Ok(keys
            .iter()
            .map(|k| {
                let mine = stored.remove(&k.0).unwrap_or_default();
                let row = profiles
                    .iter()
                    .map(|p| {
                        let score = mine
                            .iter()
                            .find(|s| s.profile_id == p.id)
                            .and_then(|s| s.score);
                        (p.clone(), score)
                    })
                    .collect();
                (*k, row)
            })
            .collect())
    }
}

impl Loader<ScoreKey> for StoreLoader {
    type Value = Option<Decimal>;
    type Error = ApiError;
    async fn load(
        &self,
        keys: &[ScoreKey],
    ) -> Result<HashMap<ScoreKey, Option<Decimal>>, ApiError> {
        let valuer = Valuer::load(&self.store).await?;
        let listing_ids: Vec<i64> = keys.iter().map(|k| k.1).collect();
        let listings: Vec<Listing> = self
            .store
            .listings_by_ids(&listing_ids)
            .await?
            .into_values()
            .collect();
        let prepared = Valuer::contexts(&self.store, &listings).await?;
        Ok(keys
            .iter()
            .map(|k| {
                let weights = valuer.profiles.iter().find(|p| p.0 == k.0).map(|p| &p.1);
                let score = weights
                    .zip(prepared.get(&k.1))
                    .and_then(|(w, p)| w.score(&p.ctx));
                (*k, score)
            })
            .collect())
    }
}
