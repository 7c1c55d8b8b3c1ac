//! Rule group writes: create, change and delete (never in a read-only ruleset, never the
//! basic-valuation group).

use async_graphql::{Context, ID, InputObject, Object};
use domain::model::{self as m, ApiRole};

use super::{meta, writable_group, writable_ruleset};
use crate::auth::require;
use crate::error::{ApiError, ApiResultExt};
use crate::mutation::basic::not_basic;
use crate::mutation::{Deleted, check_len, rules_changed};
use crate::query::store;
use crate::types::rules::RuleGroup;
use crate::types::scalars::{global_id, id_of};

/// Rule group fields; on update an absent field is kept.
#[derive(InputObject, Debug, Clone, Default)]
pub struct RuleGroupInput {
    /// Ruleset (required on create).
    pub ruleset_id: Option<ID>,
    /// Name, unique per ruleset (required on create).
    pub name: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Display order.
    pub display_order: Option<i32>,
    /// Active.
    pub is_active: Option<bool>,
}

/// Rule group mutations.
#[derive(Debug, Default)]
pub struct RuleGroupMutation;

#[Object]
impl RuleGroupMutation {
    /// Creates a rule group.
    async fn create_rule_group(
        &self,
        ctx: &Context<'_>,
        input: RuleGroupInput,
    ) -> async_graphql::Result<RuleGroup> {
        require(ctx, ApiRole::Editor)?;
        let s = store(ctx);
        let rid = input.ruleset_id.as_ref().ok_or_else(|| {
            ApiError::invalid("input.rulesetId", "invalid_value", "rulesetId is required")
        })?;
        let rid = id_of("Ruleset", rid, "input.rulesetId").api()?;
        writable_ruleset(s, rid).await.api()?;
        let name = input.name.clone().unwrap_or_default();
        check_len("input.name", &name, 1, 128).api()?;
        let d = m::RuleGroupData {
            ruleset_id: rid,
            name: name.trim().to_owned(),
            category: input.category.unwrap_or_else(|| "general".into()),
            description: input.description,
            display_order: input.display_order.unwrap_or(100),
            is_active: input.is_active.unwrap_or(true),
            metadata: serde_json::json!({}),
        };
        let g = s.create_rule_group(&d, &meta(ctx, None)).await.api()?;
        Ok(RuleGroup(g))
    }

    /// Changes a rule group.
    async fn update_rule_group(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: RuleGroupInput,
    ) -> async_graphql::Result<RuleGroup> {
        require(ctx, ApiRole::Editor)?;
        let s = store(ctx);
        let n = id_of("RuleGroup", &id, "id").api()?;
        let mut found = None;
        for rs in s.rulesets(false).await.api()? {
            if let Some(g) = s
                .rule_groups(rs.id)
                .await
                .api()?
                .into_iter()
                .find(|g| g.id == n)
            {
                found = Some(g);
                break;
            }
        }
        let g = found.ok_or_else(|| ApiError::not_found("rule group", n))?;
        writable_ruleset(s, g.data.ruleset_id).await.api()?;
        not_basic(s, n).await.api()?;
        let mut d = g.data;
        if let Some(x) = input.name {
            d.name = x.trim().to_owned();
        }
        check_len("input.name", &d.name, 1, 128).api()?;
        if let Some(x) = input.category {
            d.category = x;
        }
        if input.description.is_some() {
            d.description = input.description;
        }
        if let Some(x) = input.display_order {
            d.display_order = x;
        }
        if let Some(x) = input.is_active {
            d.is_active = x;
        }
        let g = s.update_rule_group(n, &d, &meta(ctx, None)).await.api()?;
        rules_changed(ctx).await?;
        Ok(RuleGroup(g))
    }

    /// Deletes a rule group with its rules.
    async fn delete_rule_group(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Deleted> {
        require(ctx, ApiRole::Editor)?;
        let n = id_of("RuleGroup", &id, "id").api()?;
        writable_group(store(ctx), n).await.api()?;
        not_basic(store(ctx), n).await.api()?;
        store(ctx)
            .delete_rule_group(n, &meta(ctx, None))
            .await
            .api()?;
        rules_changed(ctx).await?;
        Ok(Deleted {
            deleted_id: global_id("RuleGroup", n),
        })
    }
}
