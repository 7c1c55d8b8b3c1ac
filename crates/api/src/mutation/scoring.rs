//! Scoring profile writes (weights validated by the engine, §5.2); scores of other listings
//! are the worker's job.

use async_graphql::{Context, ID, InputObject, Json, Object};
use domain::metrics::ScoringWeights;
use domain::model::{self as m, ApiRole, ValuationCause};

use super::rules::registry;
use super::{Deleted, check_len, recalc};
use crate::auth::require;
use crate::error::ApiResultExt;
use crate::query::store;
use crate::recalc::RecalcScope;
use crate::types::rules::ScoringProfile;
use crate::types::scalars::{global_id, id_of};

type JsonV = Json<serde_json::Value>;

/// Scoring profile fields.
#[derive(InputObject, Debug, Clone)]
pub struct ScoringProfileInput {
    /// Name (unique ignoring case).
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// `{metric: weight ≥ 0}`.
    pub weights: JsonV,
    /// Make it the default.
    #[graphql(default)]
    pub is_default: bool,
}

/// Scoring profile mutations.
#[derive(Debug, Default)]
pub struct ScoringMutation;

#[Object]
impl ScoringMutation {
    /// Creates a scoring profile (weights validated, §5.2).
    async fn create_scoring_profile(
        &self,
        ctx: &Context<'_>,
        input: ScoringProfileInput,
    ) -> async_graphql::Result<ScoringProfile> {
        require(ctx, ApiRole::Editor)?;
        let s = store(ctx);
        check_len("input.name", &input.name, 1, 128).api()?;
        ScoringWeights::parse(&input.weights.0, &registry(s, true).await.api()?).api()?;
        let d = m::ScoringProfileData {
            name: input.name.trim().to_owned(),
            description: input.description,
            weights: input.weights.0,
            is_default: input.is_default,
        };
        let p = s.create_scoring_profile(&d).await.api()?;
        rescored(ctx, p).await
    }

    /// Replaces a scoring profile.
    async fn update_scoring_profile(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ScoringProfileInput,
    ) -> async_graphql::Result<ScoringProfile> {
        require(ctx, ApiRole::Editor)?;
        let s = store(ctx);
        let n = id_of("ScoringProfile", &id, "id").api()?;
        check_len("input.name", &input.name, 1, 128).api()?;
        ScoringWeights::parse(&input.weights.0, &registry(s, true).await.api()?).api()?;
        let d = m::ScoringProfileData {
            name: input.name.trim().to_owned(),
            description: input.description,
            weights: input.weights.0,
            is_default: input.is_default,
        };
        let p = s.update_scoring_profile(n, &d).await.api()?;
        rescored(ctx, p).await
    }

    /// Makes a profile the default (clearing the others).
    async fn set_default_scoring_profile(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ScoringProfile> {
        require(ctx, ApiRole::Editor)?;
        let n = id_of("ScoringProfile", &id, "id").api()?;
        let p = store(ctx).set_default_scoring_profile(n).await.api()?;
        rescored(ctx, p).await
    }

    /// Deletes a scoring profile.
    async fn delete_scoring_profile(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Deleted> {
        require(ctx, ApiRole::Editor)?;
        let n = id_of("ScoringProfile", &id, "id").api()?;
        store(ctx).delete_scoring_profile(n).await.api()?;
        Ok(Deleted {
            deleted_id: global_id("ScoringProfile", n),
        })
    }
}

/// After a profile write every listing's scores change (§8): queue that, then answer `p`.
async fn rescored(
    ctx: &Context<'_>,
    p: m::ScoringProfile,
) -> async_graphql::Result<ScoringProfile> {
    recalc(ctx, RecalcScope::All, ValuationCause::Manual)
        .await
        .api()?;
    Ok(ScoringProfile(p))
}
