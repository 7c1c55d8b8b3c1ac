//! Rulesets, groups and rules. Every write also appends a rule audit row in the same
//! transaction; rule writes bump `version` and store a RuleVersion snapshot too.

use domain::model::{ChangeMeta, Record, Rule, RuleAudit, RuleAuditAction, RuleData, RuleGroup};
use domain::model::{RuleGroupData, RuleVersion, Ruleset, RulesetData, name_key};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use sea_orm::{QueryOrder, QuerySelect};
use serde_json::{Value as Json, json};

use super::{obj_or_empty, parse_enum};
use crate::dec::now;
use crate::entity::{rule, rule_audit, rule_group, rule_version, ruleset};
use crate::error::{ErrCtx, Result, StoreError};
use crate::store::Store;

pub(crate) fn ruleset_record(m: ruleset::Model) -> Ruleset {
    Record {
        id: m.id,
        data: RulesetData {
            name: m.name,
            description: m.description,
            version: m.version,
            is_active: m.is_active,
            priority: m.priority,
            conditions: m.conditions,
            metadata: m.metadata,
            created_by: m.created_by,
        },
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

pub(crate) fn group_record(m: rule_group::Model) -> RuleGroup {
    Record {
        id: m.id,
        data: RuleGroupData {
            ruleset_id: m.ruleset_id,
            name: m.name,
            category: m.category,
            description: m.description,
            display_order: m.display_order,
            is_active: m.is_active,
            metadata: m.metadata,
        },
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

pub(crate) fn rule_record(m: rule::Model) -> Rule {
    Rule {
        id: m.id,
        data: RuleData {
            group_id: m.group_id,
            name: m.name,
            description: m.description,
            evaluation_order: m.evaluation_order,
            is_active: m.is_active,
            conditions: m.conditions,
            actions: m.actions,
            metadata: m.metadata,
            created_by: m.created_by,
        },
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Json {
    serde_json::to_value(v).unwrap_or(Json::Null)
}

pub(crate) struct AuditRow<'a> {
    pub(crate) ruleset_id: Option<i64>,
    pub(crate) group_id: Option<i64>,
    pub(crate) rule_id: Option<i64>,
    pub(crate) action: RuleAuditAction,
    pub(crate) before: Json,
    pub(crate) after: Json,
    pub(crate) meta: &'a ChangeMeta,
}

pub(crate) async fn audit<C: ConnectionTrait>(db: &C, a: AuditRow<'_>) -> Result<()> {
    rule_audit::Entity::insert(rule_audit::ActiveModel {
        ruleset_id: Set(a.ruleset_id),
        group_id: Set(a.group_id),
        rule_id: Set(a.rule_id),
        action: Set(a.action.as_str().to_owned()),
        actor: Set(a.meta.actor.clone()),
        changes: Set(json!({"before": a.before, "after": a.after})),
        impact: Set(a.meta.impact.clone()),
        created_at: Set(now()),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(())
}

pub(crate) async fn snapshot<C: ConnectionTrait>(
    db: &C,
    r: &Rule,
    meta: &ChangeMeta,
) -> Result<()> {
    rule_version::Entity::insert(rule_version::ActiveModel {
        rule_id: Set(r.id),
        version: Set(r.version),
        snapshot: Set(to_json(r)),
        change_summary: Set(meta.summary.clone()),
        changed_by: Set(meta.actor.clone()),
        created_at: Set(now()),
        ..Default::default()
    })
    .exec(db)
    .await
    .map_err(|e| ErrCtx::write("rule_version").map(e))?;
    Ok(())
}

pub(crate) fn ruleset_active(d: &RulesetData) -> Result<ruleset::ActiveModel> {
    let name = d.name.trim();
    if name.is_empty() || name.chars().count() > 128 {
        return Err(StoreError::validation("name", "must be 1–128 characters"));
    }
    Ok(ruleset::ActiveModel {
        name: Set(name.to_owned()),
        name_key: Set(name_key(name)),
        description: Set(d.description.clone()),
        version: Set(d.version.clone()),
        is_active: Set(d.is_active),
        priority: Set(d.priority),
        conditions: Set(d.conditions.clone().filter(|c| !c.is_null())),
        metadata: Set(obj_or_empty(d.metadata.clone())),
        created_by: Set(d.created_by.clone()),
        ..Default::default()
    })
}

pub(crate) fn group_active(d: &RuleGroupData) -> rule_group::ActiveModel {
    rule_group::ActiveModel {
        ruleset_id: Set(d.ruleset_id),
        name: Set(d.name.trim().to_owned()),
        category: Set(d.category.clone()),
        description: Set(d.description.clone()),
        display_order: Set(d.display_order),
        is_active: Set(d.is_active),
        metadata: Set(obj_or_empty(d.metadata.clone())),
        ..Default::default()
    }
}

pub(crate) fn rule_active(d: &RuleData) -> Result<rule::ActiveModel> {
    let name = d.name.trim();
    if name.is_empty() || name.chars().count() > 128 {
        return Err(StoreError::validation("name", "must be 1–128 characters"));
    }
    Ok(rule::ActiveModel {
        group_id: Set(d.group_id),
        name: Set(name.to_owned()),
        description: Set(d.description.clone()),
        evaluation_order: Set(d.evaluation_order),
        is_active: Set(d.is_active),
        conditions: Set(d.conditions.clone().filter(|c| !c.is_null())),
        actions: Set(if d.actions.is_null() {
            json!([])
        } else {
            d.actions.clone()
        }),
        metadata: Set(obj_or_empty(d.metadata.clone())),
        created_by: Set(d.created_by.clone()),
        ..Default::default()
    })
}

impl Store {
    /// Creates a ruleset (audited).
    pub async fn create_ruleset(&self, d: &RulesetData, meta: &ChangeMeta) -> Result<Ruleset> {
        let mut am = ruleset_active(d)?;
        let t = now();
        am.created_at = Set(t);
        am.updated_at = Set(t);
        let txn = self.begin_write().await?;
        let m = ruleset::Entity::insert(am)
            .exec_with_returning(&txn)
            .await
            .map_err(|e| ErrCtx::write("ruleset").map(e))?;
        let r = ruleset_record(m);
        let row = AuditRow {
            ruleset_id: Some(r.id),
            group_id: None,
            rule_id: None,
            action: RuleAuditAction::RulesetCreated,
            before: Json::Null,
            after: to_json(&r),
            meta,
        };
        audit(&txn, row).await?;
        txn.commit().await?;
        Ok(r)
    }

    /// Replaces a ruleset's fields (audited).
    pub async fn update_ruleset(
        &self,
        id: i64,
        d: &RulesetData,
        meta: &ChangeMeta,
    ) -> Result<Ruleset> {
        let txn = self.begin_write().await?;
        let before = ruleset::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::not_found("ruleset", id))?;
        let mut am = ruleset_active(d)?;
        am.id = Set(id);
        am.updated_at = Set(now());
        let m = ruleset::Entity::update(am)
            .exec(&txn)
            .await
            .map_err(|e| ErrCtx::write("ruleset").map(e))?;
        let r = ruleset_record(m);
        let row = AuditRow {
            ruleset_id: Some(id),
            group_id: None,
            rule_id: None,
            action: RuleAuditAction::RulesetUpdated,
            before: to_json(&ruleset_record(before)),
            after: to_json(&r),
            meta,
        };
        audit(&txn, row).await?;
        txn.commit().await?;
        Ok(r)
    }

    /// Deletes a ruleset with its groups and rules (audited; the audit keeps the snapshot).
    pub async fn delete_ruleset(&self, id: i64, meta: &ChangeMeta) -> Result<()> {
        let txn = self.begin_write().await?;
        let before = ruleset::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::not_found("ruleset", id))?;
        let row = AuditRow {
            ruleset_id: Some(id),
            group_id: None,
            rule_id: None,
            action: RuleAuditAction::RulesetDeleted,
            before: to_json(&ruleset_record(before)),
            after: Json::Null,
            meta,
        };
        audit(&txn, row).await?;
        ruleset::Entity::delete_by_id(id)
            .exec(&txn)
            .await
            .map_err(|e| ErrCtx::delete("ruleset", id).map(e))?;
        txn.commit().await?;
        Ok(())
    }

    /// One ruleset.
    pub async fn ruleset(&self, id: i64) -> Result<Option<Ruleset>> {
        Ok(ruleset::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(ruleset_record))
    }

    /// Rulesets in evaluation order (priority, created_at, id).
    pub async fn rulesets(&self, active_only: bool) -> Result<Vec<Ruleset>> {
        let mut q = ruleset::Entity::find();
        if active_only {
            q = q.filter(ruleset::Column::IsActive.eq(true));
        }
        let rows = q
            .order_by_asc(ruleset::Column::Priority)
            .order_by_asc(ruleset::Column::CreatedAt)
            .order_by_asc(ruleset::Column::Id)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(ruleset_record).collect())
    }

    /// Creates a rule group (audited).
    pub async fn create_rule_group(
        &self,
        d: &RuleGroupData,
        meta: &ChangeMeta,
    ) -> Result<RuleGroup> {
        let mut am = group_active(d);
        let t = now();
        am.created_at = Set(t);
        am.updated_at = Set(t);
        let txn = self.begin_write().await?;
        let m = rule_group::Entity::insert(am)
            .exec_with_returning(&txn)
            .await
            .map_err(|e| ErrCtx::write("rule_group").map(e))?;
        let g = group_record(m);
        let row = AuditRow {
            ruleset_id: Some(g.data.ruleset_id),
            group_id: Some(g.id),
            rule_id: None,
            action: RuleAuditAction::GroupCreated,
            before: Json::Null,
            after: to_json(&g),
            meta,
        };
        audit(&txn, row).await?;
        txn.commit().await?;
        Ok(g)
    }

    /// Replaces a group's fields (audited).
    pub async fn update_rule_group(
        &self,
        id: i64,
        d: &RuleGroupData,
        meta: &ChangeMeta,
    ) -> Result<RuleGroup> {
        let txn = self.begin_write().await?;
        let before = rule_group::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::not_found("rule_group", id))?;
        let mut am = group_active(d);
        am.id = Set(id);
        am.updated_at = Set(now());
        let m = rule_group::Entity::update(am)
            .exec(&txn)
            .await
            .map_err(|e| ErrCtx::write("rule_group").map(e))?;
        let g = group_record(m);
        let row = AuditRow {
            ruleset_id: Some(g.data.ruleset_id),
            group_id: Some(id),
            rule_id: None,
            action: RuleAuditAction::GroupUpdated,
            before: to_json(&group_record(before)),
            after: to_json(&g),
            meta,
        };
        audit(&txn, row).await?;
        txn.commit().await?;
        Ok(g)
    }

    /// Deletes a group with its rules (audited).
    pub async fn delete_rule_group(&self, id: i64, meta: &ChangeMeta) -> Result<()> {
        let txn = self.begin_write().await?;
        let before = rule_group::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::not_found("rule_group", id))?;
        let row = AuditRow {
            ruleset_id: Some(before.ruleset_id),
            group_id: Some(id),
            rule_id: None,
            action: RuleAuditAction::GroupDeleted,
            before: to_json(&group_record(before)),
            after: Json::Null,
            meta,
        };
        audit(&txn, row).await?;
        rule_group::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Groups of a ruleset by (display_order, id).
    pub async fn rule_groups(&self, ruleset_id: i64) -> Result<Vec<RuleGroup>> {
        let rows = rule_group::Entity::find()
            .filter(rule_group::Column::RulesetId.eq(ruleset_id))
            .order_by_asc(rule_group::Column::DisplayOrder)
            .order_by_asc(rule_group::Column::Id)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(group_record).collect())
    }

    /// Creates a rule at version 1 with its snapshot and audit row (one transaction).
    pub async fn create_rule(&self, d: &RuleData, meta: &ChangeMeta) -> Result<Rule> {
        let mut am = rule_active(d)?;
        let t = now();
        am.version = Set(1);
        am.created_at = Set(t);
        am.updated_at = Set(t);
        let txn = self.begin_write().await?;
        let group = rule_group::Entity::find_by_id(d.group_id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::not_found("rule_group", d.group_id))?;
        let m = rule::Entity::insert(am)
            .exec_with_returning(&txn)
            .await
            .map_err(|e| ErrCtx::write("rule").map(e))?;
        let r = rule_record(m);
        snapshot(&txn, &r, meta).await?;
        let row = AuditRow {
            ruleset_id: Some(group.ruleset_id),
            group_id: Some(group.id),
            rule_id: Some(r.id),
            action: RuleAuditAction::RuleCreated,
            before: Json::Null,
            after: to_json(&r),
            meta,
        };
        audit(&txn, row).await?;
        txn.commit().await?;
        Ok(r)
    }

    /// Replaces a rule's fields, bumps its version, snapshots and audits (one transaction).
    pub async fn update_rule(&self, id: i64, d: &RuleData, meta: &ChangeMeta) -> Result<Rule> {
        let txn = self.begin_write().await?;
        let before = rule::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::not_found("rule", id))?;
        let group = rule_group::Entity::find_by_id(d.group_id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::not_found("rule_group", d.group_id))?;
        let mut am = rule_active(d)?;
        am.id = Set(id);
        am.version = Set(before.version + 1);
        am.updated_at = Set(now());
        let m = match rule::Entity::update(am).exec(&txn).await {
            Ok(m) => m,
            Err(DbErr::RecordNotUpdated) => return Err(StoreError::not_found("rule", id)),
            Err(e) => return Err(ErrCtx::write("rule").map(e)),
        };
        let r = rule_record(m);
        snapshot(&txn, &r, meta).await?;
        let row = AuditRow {
            ruleset_id: Some(group.ruleset_id),
            group_id: Some(group.id),
            rule_id: Some(id),
            action: RuleAuditAction::RuleUpdated,
            before: to_json(&rule_record(before)),
            after: to_json(&r),
            meta,
        };
        audit(&txn, row).await?;
        txn.commit().await?;
        Ok(r)
    }

    /// Deletes a rule (its versions cascade; the audit row keeps the last state).
    pub async fn delete_rule(&self, id: i64, meta: &ChangeMeta) -> Result<()> {
        let txn = self.begin_write().await?;
        let before = rule::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::not_found("rule", id))?;
        let ruleset_id: Option<i64> = rule_group::Entity::find_by_id(before.group_id)
            .select_only()
            .column(rule_group::Column::RulesetId)
            .into_tuple()
            .one(&txn)
            .await?;
        let row = AuditRow {
            ruleset_id,
            group_id: Some(before.group_id),
            rule_id: Some(id),
            action: RuleAuditAction::RuleDeleted,
            before: to_json(&rule_record(before)),
            after: Json::Null,
            meta,
        };
        audit(&txn, row).await?;
        rule::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    /// One rule.
    pub async fn rule(&self, id: i64) -> Result<Option<Rule>> {
        Ok(rule::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(rule_record))
    }

    /// Rules of the given groups by (evaluation_order, id).
    pub async fn rules_of_groups(&self, group_ids: &[i64]) -> Result<Vec<Rule>> {
        let rows = rule::Entity::find()
            .filter(rule::Column::GroupId.is_in(group_ids.to_vec()))
            .order_by_asc(rule::Column::EvaluationOrder)
            .order_by_asc(rule::Column::Id)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(rule_record).collect())
    }

    /// A rule's versions, oldest first.
    pub async fn rule_versions(&self, rule_id: i64) -> Result<Vec<RuleVersion>> {
        let rows = rule_version::Entity::find()
            .filter(rule_version::Column::RuleId.eq(rule_id))
            .order_by_asc(rule_version::Column::Version)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|m| RuleVersion {
                id: m.id,
                rule_id: m.rule_id,
                version: m.version,
                snapshot: m.snapshot,
                change_summary: m.change_summary,
                changed_by: m.changed_by,
                created_at: m.created_at,
            })
            .collect())
    }

    /// Audit rows, newest first, optionally for one ruleset.
    pub async fn rule_audit(&self, ruleset_id: Option<i64>, limit: u64) -> Result<Vec<RuleAudit>> {
        let mut q = rule_audit::Entity::find();
        if let Some(id) = ruleset_id {
            q = q.filter(rule_audit::Column::RulesetId.eq(id));
        }
        let rows = q
            .order_by_desc(rule_audit::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|m| {
                Ok(RuleAudit {
                    id: m.id,
                    ruleset_id: m.ruleset_id,
                    group_id: m.group_id,
                    rule_id: m.rule_id,
                    action: parse_enum(&m.action)?,
                    actor: m.actor,
                    changes: m.changes,
                    impact: m.impact,
                    created_at: m.created_at,
                })
            })
            .collect()
    }
}
