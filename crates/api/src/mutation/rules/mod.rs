//! Rule writes: rulesets, groups and rules (validated by the engine before anything is
//! written; versions and audit rows by the store), and scoring profiles. Each write asks the
//! worker to recalculate; it returns at once.

use async_graphql::{Context, ID, InputObject, Json, Object};
use domain::context::FieldRegistry;
use domain::model::{self as m, ApiRole, ChangeMeta, CustomFieldType, ValuationCause};
use domain::valuation::{validate_rule, validate_ruleset_conditions};
use store::Store;

use super::basic::not_basic;
use super::{Deleted, check_len, recalc};
use crate::auth::require;
use crate::error::{ApiError, ApiResultExt, Code};
use crate::query::store;
use crate::recalc::RecalcScope;
use crate::types::rules::{Rule, RuleGroup, Ruleset};
use crate::types::scalars::{global_id, id_of};

type JsonV = Json<serde_json::Value>;

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

pub(super) async fn registry(s: &Store, numeric_only: bool) -> Result<FieldRegistry, ApiError> {
    let defs = s
        .custom_fields(m::CustomFieldEntity::Listing, false)
        .await?;
    Ok(FieldRegistry::new(
        defs.into_iter()
            .filter(|d| {
                d.data.is_active && (!numeric_only || d.data.data_type == CustomFieldType::Number)
            })
            .map(|d| d.data.key),
    ))
}

fn meta(ctx: &Context<'_>, summary: Option<String>) -> ChangeMeta {
    let actor = ctx
        .data::<crate::auth::Caller>()
        .ok()
        .and_then(|c| c.actor());
    ChangeMeta {
        actor,
        summary,
        impact: None,
    }
}

fn read_only(rs: &m::Ruleset) -> bool {
    rs.data
        .metadata
        .get("read_only")
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

async fn writable_ruleset(s: &Store, id: i64) -> Result<m::Ruleset, ApiError> {
    let rs = s
        .ruleset(id)
        .await?
        .ok_or_else(|| ApiError::not_found("ruleset", id))?;
    if read_only(&rs) {
        return Err(ApiError::new(Code::Forbidden, "this ruleset is read-only"));
    }
    Ok(rs)
}

/// Refuses writes to a group of a read-only ruleset (system baselines): `FORBIDDEN`.
async fn writable_group(s: &Store, group_id: i64) -> Result<(), ApiError> {
    if let Some(g) = s.rule_group(group_id).await? {
        writable_ruleset(s, g.data.ruleset_id).await?;
    }
    Ok(())
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

/// Ruleset, group and rule mutations.
#[derive(Debug, Default)]
pub struct RuleMutation;

#[Object]
impl RuleMutation {
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
        recalc(ctx, RecalcScope::All, ValuationCause::RuleChange)
            .await
            .api()?;
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
        recalc(ctx, RecalcScope::All, ValuationCause::RuleChange)
            .await
            .api()?;
        Ok(Deleted {
            deleted_id: global_id("RuleGroup", n),
        })
    }

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
        recalc(ctx, RecalcScope::All, ValuationCause::RuleChange)
            .await
            .api()?;
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
        recalc(ctx, RecalcScope::All, ValuationCause::RuleChange)
            .await
            .api()?;
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
        recalc(ctx, RecalcScope::All, ValuationCause::RuleChange)
            .await
            .api()?;
        Ok(Deleted {
            deleted_id: global_id("Rule", n),
        })
    }
}
