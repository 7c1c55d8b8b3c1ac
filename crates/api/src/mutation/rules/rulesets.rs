//! Ruleset writes: create, change (a read-only baseline accepts only activation changes) and
//! delete, each followed by a full recalculation.

use async_graphql::{Context, ID, InputObject, Object};
use domain::context::FieldRegistry;
use domain::model::{self as m, ApiRole, ValuationCause};
use domain::valuation::validate_ruleset_conditions;

use super::{JsonV, meta, read_only, registry, writable_ruleset};
use crate::auth::require;
use crate::error::{ApiError, ApiResultExt, Code};
use crate::mutation::{Deleted, check_len, recalc};
use crate::query::store;
use crate::recalc::RecalcScope;
use crate::types::rules::Ruleset;
use crate::types::scalars::{global_id, id_of};

/// Ruleset fields; on update an absent field is kept.
#[derive(InputObject, Debug, Clone, Default)]
pub struct RulesetInput {
    /// Name (≤ 128 characters, unique ignoring case; required on create).
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Version `X.Y.Z`.
    pub version: Option<String>,
    /// Active.
    pub is_active: Option<bool>,
    /// Priority ≥ 0 (lower first).
    pub priority: Option<i32>,
    /// Condition tree deciding when it applies (null = always).
    pub conditions: Option<JsonV>,
}

fn valid_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

fn merge_ruleset(
    d: &mut m::RulesetData,
    i: RulesetInput,
    reg: &FieldRegistry,
) -> Result<(), ApiError> {
    if let Some(n) = i.name {
        d.name = n.trim().to_owned();
    }
    check_len("input.name", &d.name, 1, 128)?;
    if i.description.is_some() {
        d.description = i.description;
    }
    if let Some(v) = i.version {
        if !valid_version(&v) {
            return Err(ApiError::invalid(
                "input.version",
                "invalid_value",
                "version must be X.Y.Z",
            ));
        }
        d.version = v;
    }
    if let Some(a) = i.is_active {
        d.is_active = a;
    }
    if let Some(p) = i.priority {
        if p < 0 {
            return Err(ApiError::invalid(
                "input.priority",
                "invalid_value",
                "priority must be ≥ 0",
            ));
        }
        d.priority = p;
    }
    if let Some(c) = i.conditions {
        d.conditions = Some(c.0).filter(|c| !c.is_null());
    }
    validate_ruleset_conditions(d.conditions.as_ref(), reg)?;
    Ok(())
}

/// Ruleset mutations.
#[derive(Debug, Default)]
pub struct RulesetMutation;

#[Object]
impl RulesetMutation {
    /// Creates a ruleset.
    async fn create_ruleset(
        &self,
        ctx: &Context<'_>,
        input: RulesetInput,
    ) -> async_graphql::Result<Ruleset> {
        let caller = require(ctx, ApiRole::Editor)?;
        let s = store(ctx);
        let mut d = m::RulesetData::new("");
        d.created_by = caller.actor();
        merge_ruleset(&mut d, input, &registry(s, false).await.api()?).api()?;
        let rs = s.create_ruleset(&d, &meta(ctx, None)).await.api()?;
        recalc(ctx, RecalcScope::All, ValuationCause::RulesetChange)
            .await
            .api()?;
        Ok(Ruleset(rs))
    }

    /// Changes a ruleset (a read-only one accepts only activation changes).
    async fn update_ruleset(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: RulesetInput,
    ) -> async_graphql::Result<Ruleset> {
        require(ctx, ApiRole::Editor)?;
        let s = store(ctx);
        let n = id_of("Ruleset", &id, "id").api()?;
        let rs = s
            .ruleset(n)
            .await
            .api()?
            .ok_or_else(|| ApiError::not_found("ruleset", n))?;
        let only_activation = input.name.is_none()
            && input.description.is_none()
            && input.version.is_none()
            && input.priority.is_none()
            && input.conditions.is_none();
        if read_only(&rs) && !only_activation {
            return Err(ApiError::new(Code::Forbidden, "this ruleset is read-only").into());
        }
        let mut d = rs.data;
        merge_ruleset(&mut d, input, &registry(s, false).await.api()?).api()?;
        let rs = s.update_ruleset(n, &d, &meta(ctx, None)).await.api()?;
        recalc(ctx, RecalcScope::All, ValuationCause::RulesetChange)
            .await
            .api()?;
        Ok(Ruleset(rs))
    }

    /// Deletes a ruleset with its groups and rules.
    async fn delete_ruleset(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Deleted> {
        require(ctx, ApiRole::Editor)?;
        let s = store(ctx);
        let n = id_of("Ruleset", &id, "id").api()?;
        writable_ruleset(s, n).await.api()?;
        s.delete_ruleset(n, &meta(ctx, None)).await.api()?;
        recalc(ctx, RecalcScope::All, ValuationCause::RulesetChange)
            .await
            .api()?;
        Ok(Deleted {
            deleted_id: global_id("Ruleset", n),
        })
    }
}
