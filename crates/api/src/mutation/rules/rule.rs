//! Rule writes: create and change (a new version) after the engine validated the condition
//! tree and actions, and delete.

use async_graphql::{Context, ID, InputObject, Object};
use domain::model::{self as m, ApiRole};
use domain::valuation::validate_rule;

use super::{JsonV, meta, registry, writable_group};
use crate::auth::require;
use crate::error::{ApiError, ApiResultExt};
use crate::mutation::basic::not_basic;
use crate::mutation::{Deleted, check_len, rules_changed};
use crate::query::store;
use crate::types::rules::Rule;
use crate::types::scalars::{global_id, id_of};

/// Rule fields; on update an absent field is kept.
#[derive(InputObject, Debug, Clone, Default)]
pub struct RuleInput {
    /// Group (required on create).
    pub group_id: Option<ID>,
    /// Name ≤ 128, unique per group (required on create).
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Evaluation order.
    pub evaluation_order: Option<i32>,
    /// Active.
    pub is_active: Option<bool>,
    /// Condition tree (§4.4).
    pub conditions: Option<JsonV>,
    /// 1–20 actions (§4.5; required on create).
    pub actions: Option<JsonV>,
    /// Why (recorded on the version).
    pub change_summary: Option<String>,
}

/// Rule mutations.
#[derive(Debug, Default)]
pub struct RuleItemMutation;

#[Object]
impl RuleItemMutation {
    /// Creates a rule after validating its tree and actions (errors name the node).
    async fn create_rule(
        &self,
        ctx: &Context<'_>,
        input: RuleInput,
    ) -> async_graphql::Result<Rule> {
        let caller = require(ctx, ApiRole::Editor)?;
        let s = store(ctx);
        let gid = input.group_id.as_ref().ok_or_else(|| {
            ApiError::invalid("input.groupId", "invalid_value", "groupId is required")
        })?;
        let gid = id_of("RuleGroup", gid, "input.groupId").api()?;
        writable_group(s, gid).await.api()?;
        not_basic(s, gid).await.api()?;
        let name = input.name.clone().unwrap_or_default();
        check_len("input.name", &name, 1, 128).api()?;
        let actions =
            input.actions.clone().map(|a| a.0).ok_or_else(|| {
                ApiError::invalid("actions", "invalid_value", "actions are required")
            })?;
        let conditions = input
            .conditions
            .clone()
            .map(|c| c.0)
            .filter(|c| !c.is_null());
        validate_rule(
            conditions.as_ref(),
            &actions,
            &registry(s, false).await.api()?,
        )
        .api()?;
        let d = m::RuleData {
            group_id: gid,
            name: name.trim().to_owned(),
            description: input.description,
            evaluation_order: input.evaluation_order.unwrap_or(100),
            is_active: input.is_active.unwrap_or(true),
            conditions,
            actions,
            metadata: serde_json::json!({}),
            created_by: caller.actor(),
        };
        let r = s
            .create_rule(&d, &meta(ctx, input.change_summary))
            .await
            .api()?;
        rules_changed(ctx).await?;
        Ok(Rule(r))
    }

    /// Changes a rule (a new version) after validating it.
    async fn update_rule(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: RuleInput,
    ) -> async_graphql::Result<Rule> {
        require(ctx, ApiRole::Editor)?;
        let s = store(ctx);
        let n = id_of("Rule", &id, "id").api()?;
        let mut d = s
            .rule(n)
            .await
            .api()?
            .ok_or_else(|| ApiError::not_found("rule", n))?
            .data;
        writable_group(s, d.group_id).await.api()?;
        not_basic(s, d.group_id).await.api()?;
        if let Some(x) = input.name {
            d.name = x.trim().to_owned();
        }
        check_len("input.name", &d.name, 1, 128).api()?;
        if input.description.is_some() {
            d.description = input.description;
        }
        if let Some(x) = input.evaluation_order {
            d.evaluation_order = x;
        }
        if let Some(x) = input.is_active {
            d.is_active = x;
        }
        if let Some(c) = input.conditions {
            d.conditions = Some(c.0).filter(|c| !c.is_null());
        }
        if let Some(a) = input.actions {
            d.actions = a.0;
        }
        validate_rule(
            d.conditions.as_ref(),
            &d.actions,
            &registry(s, false).await.api()?,
        )
        .api()?;
        let r = s
            .update_rule(n, &d, &meta(ctx, input.change_summary))
            .await
            .api()?;
        rules_changed(ctx).await?;
        Ok(Rule(r))
    }

    /// Deletes a rule.
    async fn delete_rule(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Deleted> {
        require(ctx, ApiRole::Editor)?;
        let n = id_of("Rule", &id, "id").api()?;
        if let Some(r) = store(ctx).rule(n).await.api()? {
            writable_group(store(ctx), r.data.group_id).await.api()?;
            not_basic(store(ctx), r.data.group_id).await.api()?;
        }
        store(ctx).delete_rule(n, &meta(ctx, None)).await.api()?;
        rules_changed(ctx).await?;
        Ok(Deleted {
            deleted_id: global_id("Rule", n),
        })
    }
}
