//! Rule writes: rulesets ([`rulesets`]), rule groups ([`groups`]) and rules ([`rule`]),
//! validated by the engine before anything is written (versions and audit rows come from the
//! store). Each write asks the worker to recalculate; it returns at once. The checks every
//! area shares — the field registry, change metadata, the read-only baseline guard — live here.

mod groups;
mod rule;
mod rulesets;

use async_graphql::{Context, Json, MergedObject};
use domain::context::FieldRegistry;
use domain::model::{self as m, ChangeMeta, CustomFieldType};
use store::Store;

use crate::error::{ApiError, Code};

type JsonV = Json<serde_json::Value>;

/// Ruleset, group and rule mutations.
#[derive(MergedObject, Debug, Default)]
pub struct RuleMutation(
    rulesets::RulesetMutation,
    groups::RuleGroupMutation,
    rule::RuleItemMutation,
);

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
