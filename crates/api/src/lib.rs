//! # api — Deal Brain's GraphQL API
//!
//! One async-graphql schema over the whole domain, served by axum. Resolvers are thin: they
//! check the caller's role, parse input, call `store`/`domain` and map records to GraphQL
//! objects (no database entity is a GraphQL type).
//!
//! Layout:
//! - [`schema`] — [`build_schema`] (data, limits, APQ, introspection switch) and [`sdl`].
//! - [`http`] — [`router`]: `POST/GET /graphql` with GraphQL-over-HTTP negotiation and status
//!   codes, GraphiQL, WebSocket upgrades (`/graphql/ws` and `/graphql`), `/health`, body limit, CORS, per-caller rate limit.
//! - [`query`], [`insights`] — the query root; [`mutation`] — the mutation root by area.
//! - [`types`] — objects wrapping `domain::model` records, enums, scalars, global ids.
//! - [`inputs`] — filters, orders and page-size checks.
//! - [`loaders`] — per-request DataLoaders, one batched query per edge.
//! - [`auth`] — tokens, roles, guards; [`error`] — the closed set of error codes;
//!   [`guard`] — refuses over-nested documents and NUL characters before execution.
//! - [`live`] — subscriptions, the event fan-out and the `graphql-transport-ws` endpoint.
//! - `response_cache` — whole answers of read-only operations, reused until a write or a bus
//!   event changes the data generation (or their time to live ends).
//! - [`recalc`] — the hook through which writes ask the worker to recalculate.
//! - [`config`] — [`ApiConfig`], filled by the app from its settings.
//! - [`transfer`] — `exportListings`/`exportCpus`/`exportGpus`, `importPassmark` and the
//!   `GET /exports/{name}` download route.
//! - [`packages`] — ruleset packages (`exportRulesetPackage`, `previewRulesetPackage`,
//!   `installRulesetPackage`); [`baseline`] — `baseline`, `baselineDiff`,
//!   `instantiateBaseline`, `adoptBaseline`.

pub mod auth;
pub mod baseline;
pub mod config;
pub mod error;
pub mod extras;
pub mod guard;
pub mod http;
pub mod imports;
pub mod inputs;
pub mod insights;
pub mod live;
pub mod loaders;
pub mod mutation;
pub mod packages;
mod preview;
pub mod query;
pub mod recalc;
mod response_cache;
pub mod schema;
pub mod transfer;
pub mod types;
pub mod web;

pub use config::ApiConfig;
pub use http::{AppState, router};
pub use live::EventHub;
pub use recalc::{NoRecalc, RecalcError, RecalcFuture, RecalcRequester, RecalcScope};
pub use schema::{DealBrainSchema, Deps, build_schema, sdl};
