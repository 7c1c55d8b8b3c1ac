//! Baselines (DOMAIN.md §7.6): a baseline document becomes a read-only system ruleset in one
//! transaction — idempotent by the document's hash, the older system baselines deactivated,
//! audited as `baseline_instantiated` or `baseline_adopted`.

use chrono::NaiveDate;
use domain::baseline::{self, document_of, is_system_baseline, ruleset_name, source_hash};
use domain::model::{ChangeMeta, RuleAuditAction, Ruleset, name_key};
use domain::package::PackageIssue;
use domain::package::plan::{Outcome, PlannedGroup, PlannedRuleset};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
use serde_json::{Value as Json, json};

use super::packages::write_ruleset;
use super::rules::{AuditRow, audit, ruleset_record, to_json};
use crate::dec::now;
use crate::entity::{listing, ruleset};
use crate::error::{ErrCtx, Result};
use crate::store::Store;

/// The baseline ruleset a write left active, and whether it was created now.
#[derive(Debug, Clone)]
pub struct BaselineWrite {
    pub ruleset: Ruleset,
    pub created: bool,
    /// System baselines deactivated by this write.
    pub deactivated: Vec<i64>,
}

fn hash_of(m: &ruleset::Model) -> Option<&str> {
    m.metadata.get("source_hash").and_then(Json::as_str)
}

impl Store {
    /// Installs a baseline document as the active system baseline (see the module notes);
    /// a document of a bad shape is refused with the issue, nothing written.
    pub async fn install_baseline(
        &self,
        doc: &Json,
        action: RuleAuditAction,
        meta: &ChangeMeta,
        today: NaiveDate,
    ) -> Result<std::result::Result<BaselineWrite, PackageIssue>> {
        let fields = match baseline::validate(doc) {
            Ok(f) => f,
            Err(issue) => return Ok(Err(issue)),
        };
        let hash = source_hash(doc);
        let txn = self.begin_write().await?;
        let all = ruleset::Entity::find().all(&txn).await?;
        let same = all
            .iter()
            .find(|m| is_system_baseline(&m.metadata) && hash_of(m) == Some(hash.as_str()));
        if let Some(m) = same {
            let ruleset = ruleset_record(m.clone());
            txn.rollback().await?;
            return Ok(Ok(BaselineWrite {
                ruleset,
                created: false,
                deactivated: Vec::new(),
            }));
        }
        let mut name = ruleset_name(doc, today);
        if all.iter().any(|m| m.name_key == name_key(&name)) {
            // Two documents of one schema version and day: the hash tells them apart.
            name = format!("{name} #{}", hash.get(..8).unwrap_or_default());
        }
        let prs = baseline::ruleset(doc, &fields, name.clone());
        let planned = PlannedRuleset {
            index: 0,
            target_name: name,
            outcome: Outcome::Create,
            existing_id: None,
            groups: prs
                .groups
                .iter()
                .map(|g| PlannedGroup {
                    existing_id: None,
                    rules: vec![None; g.rules.len()],
                })
                .collect(),
        };
        let rs = write_ruleset(&txn, &prs, &planned, meta).await?;
        let mut deactivated = Vec::new();
        for m in all {
            if !is_system_baseline(&m.metadata) || !m.is_active {
                continue;
            }
            let before = ruleset_record(m.clone());
            let mut am = m.into_active_model();
            am.is_active = Set(false);
            am.updated_at = Set(now());
            let after = am
                .update(&txn)
                .await
                .map_err(|e| ErrCtx::write("ruleset").map(e))?;
            let after = ruleset_record(after);
            deactivated.push(after.id);
            let row = AuditRow {
                ruleset_id: Some(after.id),
                group_id: None,
                rule_id: None,
                action: RuleAuditAction::RulesetUpdated,
                before: to_json(&before),
                after: to_json(&after),
                meta,
            };
            audit(&txn, row).await?;
        }
        let row = AuditRow {
            ruleset_id: Some(rs.id),
            group_id: None,
            rule_id: None,
            action,
            before: Json::Null,
            after: json!({
                "source_hash": hash,
                "fields": fields.len(),
                "deactivated": deactivated,
                "ruleset": to_json(&rs),
            }),
            meta,
        };
        audit(&txn, row).await?;
        txn.commit().await?;
        Ok(Ok(BaselineWrite {
            ruleset: rs,
            created: true,
            deactivated,
        }))
    }

    /// The active system baseline (the newest when several are active) and its document.
    pub async fn active_baseline(&self) -> Result<Option<(Ruleset, Json)>> {
        let Some(rs) = self
            .rulesets(true)
            .await?
            .into_iter()
            .filter(|r| is_system_baseline(&r.data.metadata))
            .max_by_key(|r| r.id)
        else {
            return Ok(None);
        };
        let groups = self.rule_groups(rs.id).await?;
        let gids: Vec<i64> = groups.iter().map(|g| g.id).collect();
        let rules = self.rules_of_groups(&gids).await?;
        let tree: Vec<(Json, Vec<Json>)> = groups
            .iter()
            .map(|g| {
                let metas = rules
                    .iter()
                    .filter(|r| r.data.group_id == g.id)
                    .map(|r| r.data.metadata.clone())
                    .collect();
                (g.data.metadata.clone(), metas)
            })
            .collect();
        let doc = document_of(&rs.data.metadata, &tree);
        Ok(Some((rs, doc)))
    }

    /// Stored breakdowns of active and pending listings after `after_id`, by id (the
    /// influence reports page through them).
    pub async fn valuation_breakdowns(
        &self,
        after_id: i64,
        limit: u64,
    ) -> Result<Vec<(i64, Json)>> {
        use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
        let rows: Vec<(i64, Option<Json>)> = listing::Entity::find()
            .select_only()
            .column(listing::Column::Id)
            .column(listing::Column::ValuationBreakdown)
            .filter(listing::Column::Id.gt(after_id))
            .filter(listing::Column::Status.is_in(["active", "pending"]))
            .order_by_asc(listing::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, b)| (id, b.unwrap_or(Json::Null)))
            .collect())
    }
}
