//! `setBasicAdjustments` (DOMAIN.md §7.6): the "basic mode" of a ruleset, a handful of plain
//! rates kept as ordinary rules in one managed group, `Basic · Adjustments`. Each rate is one
//! rule, active iff its value is not 0; storage rates are given per 100 GB and stored per GB.

use async_graphql::{Context, ID, InputObject, Object};
use domain::model::{self as m, ApiRole, ChangeMeta};
use domain::valuation::validate_rule;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

use super::rules::registry;
use super::rules_changed;
use crate::auth::{Caller, require};
use crate::error::{ApiError, ApiResultExt, Code};
use crate::query::store;
use crate::types::rules::RuleGroup;
use crate::types::scalars::id_of;

/// The managed group's name.
pub const BASIC_GROUP: &str = "Basic · Adjustments";

/// Largest absolute amount or rate accepted.
const LIMIT: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// Fixed amounts per listing condition.
#[derive(InputObject, Debug, Clone, Default)]
pub struct ConditionAdjustments {
    /// Added to new listings.
    #[graphql(default)]
    pub new: Decimal,
    /// Added to refurbished listings.
    #[graphql(default)]
    pub refurb: Decimal,
    /// Added to used listings.
    #[graphql(default)]
    pub used: Decimal,
}

/// The basic rates; a value not given is 0 (its rule inactive).
#[derive(InputObject, Debug, Clone, Default)]
pub struct BasicAdjustmentsInput {
    /// A fixed amount added to every listing.
    #[graphql(default)]
    pub base: Decimal,
    /// Dollars per GB of RAM.
    #[graphql(default)]
    pub ram_per_gb: Decimal,
    /// Dollars per 100 GB of primary storage.
    #[graphql(default)]
    pub storage_per_100_gb: Decimal,
    /// Dollars per 100 GB of secondary storage.
    #[graphql(default)]
    pub secondary_storage_per_100_gb: Decimal,
    /// Fixed amounts by condition.
    #[graphql(default)]
    pub condition: ConditionAdjustments,
}

/// One managed rule: name, condition tree, action, and the value deciding whether it runs.
struct Managed {
    name: &'static str,
    conditions: Option<Value>,
    action: Value,
    value: Decimal,
}

fn number(d: Decimal) -> Value {
    serde_json::from_str(&d.normalize().to_string()).unwrap_or(Value::Null)
}

fn fixed(name: &'static str, conditions: Option<Value>, v: Decimal) -> Managed {
    Managed {
        name,
        conditions,
        action: json!({"type": "fixed_value", "value": number(v)}),
        value: v,
    }
}

fn per_unit(name: &'static str, metric: &str, v: Decimal) -> Managed {
    Managed {
        name,
        conditions: None,
        action: json!({"type": "per_unit", "metric": metric, "value": number(v)}),
        value: v,
    }
}

fn when_condition(c: &str) -> Option<Value> {
    Some(json!({"field": "listing.condition", "operator": "equals", "value": c}))
}

fn managed(i: &BasicAdjustmentsInput) -> Result<Vec<Managed>, ApiError> {
    let c = &i.condition;
    for (field, v) in [
        ("input.base", i.base),
        ("input.ramPerGb", i.ram_per_gb),
        ("input.storagePer100Gb", i.storage_per_100_gb),
        (
            "input.secondaryStoragePer100Gb",
            i.secondary_storage_per_100_gb,
        ),
        ("input.condition.new", c.new),
        ("input.condition.refurb", c.refurb),
        ("input.condition.used", c.used),
    ] {
        if v.abs() > LIMIT {
            return Err(ApiError::invalid(
                field,
                "out_of_range",
                "must be between -1000000 and 1000000",
            ));
        }
    }
    let per_gb = |v: Decimal| {
        (v / Decimal::ONE_HUNDRED).round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero)
    };
    Ok(vec![
        fixed("Base adjustment", None, i.base),
        per_unit("RAM per GB", "per_gb", i.ram_per_gb),
        per_unit(
            "Primary storage per GB",
            "per_primary_storage_gb",
            per_gb(i.storage_per_100_gb),
        ),
        per_unit(
            "Secondary storage per GB",
            "per_secondary_storage_gb",
            per_gb(i.secondary_storage_per_100_gb),
        ),
        fixed("Condition: new", when_condition("new"), c.new),
        fixed("Condition: refurb", when_condition("refurb"), c.refurb),
        fixed("Condition: used", when_condition("used"), c.used),
    ])
}

/// Refuses a generic rule or group write to the managed group: its rules are a function of
/// the basic rates, and an edit by hand would be silently undone by the next
/// `setBasicAdjustments`.
pub(super) async fn not_basic(s: &store::Store, group_id: i64) -> Result<(), ApiError> {
    let managed = s.rule_group(group_id).await?.is_some_and(|g| {
        g.data
            .metadata
            .get("basic_managed")
            .and_then(Value::as_bool)
            == Some(true)
    });
    if managed {
        return Err(ApiError::new(
            Code::Forbidden,
            "this group is managed by setBasicAdjustments",
        ));
    }
    Ok(())
}

/// Basic-mode mutations.
#[derive(Debug, Default)]
pub struct BasicMutation;

#[Object]
impl BasicMutation {
    /// Sets a ruleset's basic adjustments (editor): creates or updates the rules of its `Basic · Adjustments` group (a new version only for a rule that changes) and asks the worker to recalculate when anything changed. Returns the group.
    async fn set_basic_adjustments(
        &self,
        ctx: &Context<'_>,
        ruleset_id: ID,
        input: BasicAdjustmentsInput,
    ) -> async_graphql::Result<RuleGroup> {
        let caller = require(ctx, ApiRole::Editor)?;
        let s = store(ctx);
        let rid = id_of("Ruleset", &ruleset_id, "rulesetId").api()?;
        let rs = s
            .ruleset(rid)
            .await
            .api()?
            .ok_or_else(|| ApiError::not_found("ruleset", rid))?;
        if rs.data.metadata.get("read_only").and_then(Value::as_bool) == Some(true) {
            return Err(ApiError::new(Code::Forbidden, "this ruleset is read-only").into());
        }
        let wanted = managed(&input).api()?;
        let reg = registry(s, false).await.api()?;
        for r in &wanted {
            validate_rule(r.conditions.as_ref(), &json!([r.action]), &reg)
                .map_err(|e| ApiError::from(e.within("input")))
                .api()?;
        }
        let meta = ChangeMeta {
            actor: ctx.data::<Caller>().ok().and_then(Caller::actor),
            summary: Some("basic adjustments".into()),
            impact: None,
        };
        let group = match s
            .rule_groups(rid)
            .await
            .api()?
            .into_iter()
            .find(|g| g.data.name == BASIC_GROUP)
        {
            Some(g) => g,
            None => {
                let d = m::RuleGroupData {
                    ruleset_id: rid,
                    name: BASIC_GROUP.into(),
                    category: "basic".into(),
                    description: Some("managed by setBasicAdjustments".into()),
                    display_order: 10,
                    is_active: true,
                    metadata: json!({"basic_managed": true}),
                };
                s.create_rule_group(&d, &meta).await.api()?
            }
        };
        let existing = s.rules_of_groups(&[group.id]).await.api()?;
        let mut changed = false;
        for (order, r) in wanted.into_iter().enumerate() {
            let mut d = m::RuleData {
                group_id: group.id,
                name: r.name.into(),
                description: None,
                evaluation_order: 10 + i32::try_from(order).unwrap_or(0),
                is_active: !r.value.is_zero(),
                conditions: r.conditions,
                actions: json!([r.action]),
                metadata: json!({"basic_managed": true}),
                created_by: caller.actor(),
            };
            match existing.iter().find(|e| e.data.name == r.name) {
                Some(e) => {
                    let same = e.data.is_active == d.is_active
                        && e.data.conditions == d.conditions
                        && e.data.actions == d.actions;
                    if !same {
                        d.created_by = e.data.created_by.clone();
                        s.update_rule(e.id, &d, &meta).await.api()?;
                        changed = true;
                    }
                }
                None => {
                    s.create_rule(&d, &meta).await.api()?;
                    changed = true;
                }
            }
        }
        if changed {
            rules_changed(ctx).await?;
        }
        Ok(RuleGroup(group))
    }
}
