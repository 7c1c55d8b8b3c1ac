//! SeaORM entities, one module per table. Crate-private: repositories map them to
//! `domain::model` records, so no entity leaks past the store.
//!
//! Decimal columns use [`Dec`](crate::dec::Dec) (PostgreSQL NUMERIC, SQLite canonical text);
//! enum columns are plain `String`s checked by the schema and parsed by the mappers.

pub(crate) mod admin;
pub(crate) mod catalogue;
pub(crate) mod custom_fields;
pub(crate) mod listings;
pub(crate) mod rules;

pub(crate) use admin::recalculation_job;
pub(crate) use admin::{api_token, application_setting, import_session, import_session_audit};
pub(crate) use catalogue::{cpu, gpu, port, ports_profile, ram_spec, storage_profile};
pub(crate) use custom_fields::{attribute_history, custom_field, custom_field_audit};
pub(crate) use listings::listing_score;
pub(crate) use listings::{listing, listing_base, listing_component, listing_disabled_ruleset};
pub(crate) use listings::{scoring_profile, valuation_history};
pub(crate) use rules::{rule, rule_audit, rule_group, rule_version, ruleset};
