//! The mutation root, merged from one object per area. Every mutation checks the caller's
//! role first, validates its input (errors name the field), then calls the store.

mod admin;
mod basic;
mod catalogue;
mod custom_field_change;
mod custom_fields;
mod listing_ports;
mod listings;
mod rules;
mod scoring;

use std::sync::Arc;

use async_graphql::{Context, ID, MergedObject, SimpleObject};

use crate::recalc::{RecalcRequester, RecalcScope};
pub use admin::AdminMutation;
pub use catalogue::CatalogueMutation;
pub use custom_fields::CustomFieldMutation;
pub(crate) use custom_fields::find_field;
pub use listings::ListingMutation;
pub use rules::RuleMutation;
pub use scoring::ScoringMutation;

/// All mutations.
#[derive(MergedObject, Default, Debug)]
pub struct Mutation(
    ListingMutation,
    CatalogueMutation,
    RuleMutation,
    ScoringMutation,
    AdminMutation,
    crate::extras::ExtraMutation,
    crate::types::jobs::JobMutation,
    CustomFieldMutation,
    listing_ports::ListingPortsMutation,
    basic::BasicMutation,
    crate::transfer::TransferMutation,
    crate::packages::PackageMutation,
    crate::baseline::BaselineMutation,
    crate::imports::ImportMutation,
    crate::imports::entities::ImportEntitiesMutation,
);

/// The result of a delete.
#[derive(SimpleObject, Debug, Clone)]
pub struct Deleted {
    /// Global id of the deleted object.
    pub deleted_id: ID,
}

/// A rule, group or ruleset changed: every listing may now value differently.
pub(crate) async fn rules_changed(ctx: &Context<'_>) -> async_graphql::Result<()> {
    use crate::error::ApiResultExt as _;
    recalc(
        ctx,
        RecalcScope::All,
        domain::model::ValuationCause::RuleChange,
    )
    .await
    .api()?;
    Ok(())
}

/// Asks the worker to recalculate; the job id. A queue that is down fails the mutation with
/// a clear message (its own write is committed; the job row stays queued and is enqueued
/// again by the next request, when a worker starts, or when the workers' queue recovers).
pub(crate) async fn recalc(
    ctx: &Context<'_>,
    scope: RecalcScope,
    cause: domain::model::ValuationCause,
) -> Result<Option<String>, crate::error::ApiError> {
    let Ok(r) = ctx.data::<Arc<dyn RecalcRequester>>() else {
        return Ok(None);
    };
    r.request(scope, cause).await.map_err(|e| {
        tracing::error!(error = %e, "recalculation request failed");
        crate::error::ApiError::new(
            crate::error::Code::Internal,
            "the change was saved but its recalculation could not be queued; retry the change",
        )
    })
}

/// Checks a name's length (1–`max` characters after trimming).
pub(crate) fn check_len(
    field: &str,
    text: &str,
    min: usize,
    max: usize,
) -> Result<(), crate::error::ApiError> {
    let n = text.trim().chars().count();
    if n < min || n > max {
        return Err(crate::error::ApiError::invalid(
            field,
            "invalid_value",
            format!("must be {min}–{max} characters"),
        ));
    }
    Ok(())
}
