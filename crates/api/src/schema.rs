//! [`build_schema`]: the schema with its data, limits and extensions; SDL export.

use std::sync::Arc;

use async_graphql::extensions::apollo_persisted_queries::{
    ApolloPersistedQueries, LruCacheStorage,
};
use async_graphql::{MergedObject, SDLExportOptions, Schema};
use store::Store;

use crate::config::ApiConfig;
use crate::insights::InsightQuery;
use crate::live::{EventHub, Subscription};
use crate::mutation::Mutation;
use crate::query::{Node, Query};
use crate::recalc::{NoRecalc, RecalcRequester};

/// All queries.
#[derive(MergedObject, Default, Debug)]
pub struct QueryRoot(
    Query,
    InsightQuery,
    crate::extras::ExtraQuery,
    crate::imports::ImportQuery,
);

/// The Deal Brain schema.
pub type DealBrainSchema = Schema<QueryRoot, Mutation, Subscription>;

/// What the schema needs from the outside.
#[derive(Debug, Clone)]
pub struct Deps {
    pub store: Store,
    pub config: ApiConfig,
    pub recalc: Arc<dyn RecalcRequester>,
    /// The event fan-out subscriptions read.
    pub hub: EventHub,
}

impl Deps {
    /// Deps with the default config, no worker and no event bus.
    pub fn new(store: Store) -> Self {
        let config = ApiConfig::default();
        Self {
            store,
            hub: EventHub::detached(config.event_buffer),
            config,
            recalc: Arc::new(NoRecalc),
        }
    }
}

/// Builds the schema: store, recalc hook and event hub as data, depth/complexity limits, APQ,
/// introspection switch.
pub fn build_schema(deps: &Deps) -> DealBrainSchema {
    let cfg = &deps.config;
    let mut b = Schema::build(QueryRoot::default(), Mutation::default(), Subscription)
        .data(deps.store.clone())
        .data(deps.recalc.clone())
        .data(deps.hub.clone())
        .data(deps.config.clone())
        .register_output_type::<Node>()
        .limit_depth(cfg.max_depth)
        .limit_complexity(cfg.max_complexity)
        .limit_recursive_depth(64)
        .limit_directives(16);
    if !cfg.introspection {
        b = b.disable_introspection();
    }
    if cfg.apq {
        b = b.extension(ApolloPersistedQueries::new(LruCacheStorage::new(1024)));
    }
    b = b.extension(crate::guard::InputGuard);
    // A span and the graphql_operations_* metrics per operation (crates/telemetry).
    b = b.extension(telemetry::GraphqlMetrics);
    b.finish()
}

/// The schema as sorted SDL (what `dealbrain schema` writes to `schema/schema.graphql`).
pub fn sdl() -> String {
    let schema = Schema::build(QueryRoot::default(), Mutation::default(), Subscription)
        .register_output_type::<Node>()
        .finish();
    schema.sdl_with_options(
        SDLExportOptions::new()
            .sorted_fields()
            .sorted_arguments()
            .sorted_enum_items(),
    )
}
