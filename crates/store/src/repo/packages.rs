//! Ruleset packages (DOMAIN.md §7.5): the trees export reads, the state a plan is made
//! against, and the install — plan and writes in ONE transaction, so a package that fails
//! anywhere (validation, a name taken meanwhile, a database error) leaves nothing behind.
//! Rules get versions and snapshots as the ordinary rule writes do; each installed ruleset
//! gets one `package_installed` audit row.

use domain::model::{
    ChangeMeta, CustomField, Rule, RuleAuditAction, RuleData, RuleGroupData, Ruleset, RulesetData,
};
use domain::package::export::RulesetTree;
use domain::package::plan::{
    Existing, ExistingField, ExistingGroup, ExistingRuleset, MergeStrategy, Outcome, Plan,
    PlannedRuleset, plan,
};
use domain::package::{Package, PackageRuleset};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sea_orm::{DatabaseTransaction, QueryOrder};
use serde_json::{Value as Json, json};

use super::custom_fields::{field_active, field_record};
use super::rules::{AuditRow, audit, group_active, group_record, rule_active, rule_record};
use super::rules::{ruleset_active, ruleset_record, snapshot, to_json};
use crate::dec::now;
use crate::entity::{custom_field, rule, rule_group, ruleset};
use crate::error::{ErrCtx, Result, StoreError};
use crate::store::Store;

/// What an install wrote.
#[derive(Debug, Clone)]
pub struct Installed {
    /// The plan that was executed.
    pub plan: Plan,
    /// Per planned ruleset, the ruleset as it is now (the untouched one for `skip`).
    pub rulesets: Vec<Ruleset>,
    /// Custom field definitions created.
    pub fields: Vec<CustomField>,
}

/// An install that was refused: the plan with its issues (nothing written).
#[derive(Debug, Clone)]
pub struct Refused(pub Box<Plan>);

pub(crate) fn is_read_only(metadata: &Json) -> bool {
    metadata.get("read_only").and_then(Json::as_bool) == Some(true)
}

/// The rulesets, groups, rules and custom fields a plan compares against.
pub(crate) async fn existing<C: ConnectionTrait>(db: &C) -> Result<Existing> {
    let sets = ruleset::Entity::find().all(db).await?;
    let groups = rule_group::Entity::find().all(db).await?;
    let rules = rule::Entity::find()
        .order_by_asc(rule::Column::Id)
        .all(db)
        .await?;
    let rulesets = sets
        .into_iter()
        .map(|s| ExistingRuleset {
            id: s.id,
            read_only: is_read_only(&s.metadata),
            name: s.name,
            groups: groups
                .iter()
                .filter(|g| g.ruleset_id == s.id)
                .map(|g| ExistingGroup {
                    id: g.id,
                    name: g.name.clone(),
                    rules: rules
                        .iter()
                        .filter(|r| r.group_id == g.id)
                        .map(|r| (r.id, r.name.clone()))
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let fields = custom_field::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| {
            Ok(ExistingField {
                entity: super::parse_enum(&m.entity)?,
                key: m.key,
                is_active: m.is_active,
                deleted: m.deleted_at.is_some(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Existing { rulesets, fields })
}

async fn insert_rule(txn: &DatabaseTransaction, d: &RuleData, meta: &ChangeMeta) -> Result<Rule> {
    let mut am = rule_active(d)?;
    let t = now();
    am.version = Set(1);
    am.created_at = Set(t);
    am.updated_at = Set(t);
    let m = rule::Entity::insert(am)
        .exec_with_returning(txn)
        .await
        .map_err(|e| ErrCtx::write("rule").map(e))?;
    let r = rule_record(m);
    snapshot(txn, &r, meta).await?;
    Ok(r)
}

async fn update_rule(
    txn: &DatabaseTransaction,
    id: i64,
    d: &RuleData,
    meta: &ChangeMeta,
) -> Result<Rule> {
    let before = rule::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| StoreError::not_found("rule", id))?;
    let mut am = rule_active(d)?;
    am.id = Set(id);
    am.version = Set(before.version + 1);
    am.created_at = Set(before.created_at);
    am.updated_at = Set(now());
    let m = rule::Entity::update(am)
        .exec(txn)
        .await
        .map_err(|e| ErrCtx::write("rule").map(e))?;
    let r = rule_record(m);
    snapshot(txn, &r, meta).await?;
    Ok(r)
}

/// Writes one planned ruleset (not `skip`); its id.
pub(crate) async fn write_ruleset(
    txn: &DatabaseTransaction,
    prs: &PackageRuleset,
    planned: &PlannedRuleset,
    meta: &ChangeMeta,
) -> Result<Ruleset> {
    let mut data = RulesetData {
        name: planned.target_name.clone(),
        description: prs.description.clone(),
        version: prs.version.clone(),
        is_active: prs.is_active,
        priority: prs.priority,
        conditions: prs.conditions.clone().filter(|c| !c.is_null()),
        metadata: prs.metadata.clone(),
        created_by: meta.actor.clone(),
    };
    let t = now();
    let rs = match (planned.outcome, planned.existing_id) {
        (Outcome::Replace | Outcome::Merge, Some(id)) => {
            let before = ruleset::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(|| StoreError::not_found("ruleset", id))?;
            data.created_by = before.created_by.clone();
            let mut am = ruleset_active(&data)?;
            am.id = Set(id);
            am.created_at = Set(before.created_at);
            am.updated_at = Set(t);
            let m = ruleset::Entity::update(am)
                .exec(txn)
                .await
                .map_err(|e| ErrCtx::write("ruleset").map(e))?;
            if planned.outcome == Outcome::Replace {
                // Groups cascade to their rules and rules to their versions.
                rule_group::Entity::delete_many()
                    .filter(rule_group::Column::RulesetId.eq(id))
                    .exec(txn)
                    .await?;
            }
            ruleset_record(m)
        }
        _ => {
            let mut am = ruleset_active(&data)?;
            am.created_at = Set(t);
            am.updated_at = Set(t);
            let m = ruleset::Entity::insert(am)
                .exec_with_returning(txn)
                .await
                .map_err(|e| ErrCtx::write("ruleset").map(e))?;
            ruleset_record(m)
        }
    };
    for (g, pg) in prs.groups.iter().zip(&planned.groups) {
        let gd = RuleGroupData {
            ruleset_id: rs.id,
            name: g.name.trim().to_owned(),
            category: g.category.clone(),
            description: g.description.clone(),
            display_order: g.display_order,
            is_active: g.is_active,
            metadata: g.metadata.clone(),
        };
        let mut am = group_active(&gd);
        am.updated_at = Set(t);
        let gm = match pg.existing_id {
            Some(id) => {
                am.id = Set(id);
                am.created_at = Set(t);
                let before = rule_group::Entity::find_by_id(id).one(txn).await?;
                if let Some(b) = before {
                    am.created_at = Set(b.created_at);
                }
                rule_group::Entity::update(am).exec(txn).await
            }
            None => {
                am.created_at = Set(t);
                rule_group::Entity::insert(am)
                    .exec_with_returning(txn)
                    .await
            }
        }
        .map_err(|e| ErrCtx::write("rule_group").map(e))?;
        let group = group_record(gm);
        for (r, existing) in g.rules.iter().zip(&pg.rules) {
            let rd = RuleData {
                group_id: group.id,
                name: r.name.trim().to_owned(),
                description: r.description.clone(),
                evaluation_order: r.evaluation_order,
                is_active: r.is_active,
                conditions: r.conditions.clone().filter(|c| !c.is_null()),
                actions: r.actions.clone(),
                metadata: r.metadata.clone(),
                created_by: meta.actor.clone(),
            };
            match existing {
                Some(id) => update_rule(txn, *id, &rd, meta).await?,
                None => insert_rule(txn, &rd, meta).await?,
            };
        }
    }
    Ok(rs)
}

/// A package ruleset without the keys that make a system baseline: read-only system rulesets
/// come only from the admin's baseline operations, never from a package (an exported baseline
/// installs as an ordinary, editable ruleset).
fn user_ruleset(prs: &PackageRuleset) -> PackageRuleset {
    let mut out = prs.clone();
    if let Json::Object(m) = &mut out.metadata {
        for k in ["system_baseline", "read_only", "source_hash"] {
            m.remove(k);
        }
    }
    out
}

impl Store {
    /// Rulesets with their groups and rules, in the order of `ids` (export).
    pub async fn ruleset_trees(&self, ids: &[i64]) -> Result<Vec<RulesetTree>> {
        let mut out = Vec::new();
        for id in ids {
            let rs = self
                .ruleset(*id)
                .await?
                .ok_or_else(|| StoreError::not_found("ruleset", id))?;
            let groups = self.rule_groups(*id).await?;
            let gids: Vec<i64> = groups.iter().map(|g| g.id).collect();
            let rules = self.rules_of_groups(&gids).await?;
            let tree = groups
                .into_iter()
                .map(|g| {
                    let mine = rules
                        .iter()
                        .filter(|r| r.data.group_id == g.id)
                        .map(|r| r.data.clone())
                        .collect();
                    (g.data, mine)
                })
                .collect();
            out.push((rs.data, tree));
        }
        Ok(out)
    }

    /// What installing `pkg` would do (nothing is written).
    pub async fn preview_package(&self, pkg: &Package, strategy: MergeStrategy) -> Result<Plan> {
        Ok(plan(pkg, strategy, &existing(&self.db).await?))
    }

    /// Installs a package in one transaction: the plan is made inside it and refused (nothing
    /// written) when it has issues; else custom fields, rulesets, groups, rules, versions and
    /// one audit row per written ruleset.
    pub async fn install_package(
        &self,
        pkg: &Package,
        strategy: MergeStrategy,
        meta: &ChangeMeta,
    ) -> Result<std::result::Result<Installed, Refused>> {
        let txn = self.begin_write().await?;
        let plan = plan(pkg, strategy, &existing(&txn).await?);
        if !plan.issues.is_empty() {
            txn.rollback().await?;
            return Ok(Err(Refused(Box::new(plan))));
        }
        let mut fields = Vec::new();
        for d in &plan.new_fields {
            let mut am = field_active(d);
            am.created_by = Set(meta.actor.clone());
            am.created_at = Set(now());
            am.updated_at = Set(now());
            let m = custom_field::Entity::insert(am)
                .exec_with_returning(&txn)
                .await
                .map_err(|e| ErrCtx::write("custom_field").map(e))?;
            fields.push(field_record(m)?);
        }
        let mut rulesets = Vec::new();
        for p in &plan.rulesets {
            let prs = &pkg.rulesets[p.index];
            let before = match p.existing_id {
                Some(id) => ruleset::Entity::find_by_id(id).one(&txn).await?,
                None => None,
            };
            if p.outcome == Outcome::Skip {
                let b = before.ok_or_else(|| StoreError::not_found("ruleset", p.index))?;
                rulesets.push(ruleset_record(b));
                continue;
            }
            let rs = write_ruleset(&txn, &user_ruleset(prs), p, meta).await?;
            let (created, updated) = p.rule_counts();
            let row = AuditRow {
                ruleset_id: Some(rs.id),
                group_id: None,
                rule_id: None,
                action: RuleAuditAction::PackageInstalled,
                before: before
                    .map(|b| to_json(&ruleset_record(b)))
                    .unwrap_or(Json::Null),
                after: json!({
                    "package": pkg.metadata,
                    "strategy": strategy.as_str(),
                    "outcome": format!("{:?}", p.outcome).to_lowercase(),
                    "rulesCreated": created,
                    "rulesUpdated": updated,
                    "ruleset": to_json(&rs),
                }),
                meta,
            };
            audit(&txn, row).await?;
            rulesets.push(rs);
        }
        txn.commit().await?;
        Ok(Ok(Installed {
            plan,
            rulesets,
            fields,
        }))
    }
}
