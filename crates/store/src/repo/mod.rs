//! Repositories, one module per aggregate, as `impl Store` blocks. Each maps entities to
//! `domain::model` records at its boundary.

pub(crate) mod admin;
pub(crate) mod admin_pages;
pub(crate) mod api_batch;
pub(crate) mod board;
pub(crate) mod catalogue;
pub(crate) mod custom_field_reconcile;
pub(crate) mod custom_field_usage;
pub(crate) mod custom_fields;
pub(crate) mod import_specs;
pub(crate) mod imports;
pub(crate) mod jobs_rows;
pub(crate) mod jobs_targets;
pub(crate) mod listing_query;
pub(crate) mod listing_sort;
pub(crate) mod listings;
pub(crate) mod packages;
pub(crate) mod packages_baseline;
pub(crate) mod profiles;
pub(crate) mod rules;
pub(crate) mod scoring;
pub(crate) mod valuations;

use std::str::FromStr;

use crate::error::{Result, StoreError};

/// Parses a stored enum text; a bad value means the schema and the code disagree.
pub(crate) fn parse_enum<T: FromStr>(text: &str) -> Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    text.parse::<T>().map_err(StoreError::internal)
}

/// An empty JSON object (the default of `attributes`/`metadata`).
pub(crate) fn obj_or_empty(v: serde_json::Value) -> serde_json::Value {
    if v.is_null() {
        serde_json::Value::Object(Default::default())
    } else {
        v
    }
}
