//! Batched reads the GraphQL API's DataLoaders need beyond the core repositories (one
//! statement per batch of keys), and a statement-count hook for N+1 tests.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use domain::model::{RuleGroup, RuleGroupData, ValuationCause, ValuationHistoryEntry};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::parse_enum;
use crate::entity::{rule_group, valuation_history};
use crate::error::Result;
use crate::store::Store;

/// Counts the statements a store runs (shared by its clones made after the call).
#[derive(Debug, Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// Statements run so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Back to zero.
    pub fn reset(&self) {
        self.0.store(0, Ordering::Relaxed);
    }
}

impl Store {
    /// Installs a statement counter on this store's pool (tests prove queries are batched).
    pub fn count_statements(&mut self) -> StatementCounter {
        let counter = StatementCounter::default();
        let inner = counter.0.clone();
        self.db.set_metric_callback(move |_| {
            inner.fetch_add(1, Ordering::Relaxed);
        });
        counter
    }

    /// The newest `limit` history rows of each listing, newest first (one statement).
    pub async fn valuation_histories(
        &self,
        listing_ids: &[i64],
        limit: usize,
    ) -> Result<HashMap<i64, Vec<ValuationHistoryEntry>>> {
        let mut out: HashMap<i64, Vec<ValuationHistoryEntry>> = HashMap::new();
        if listing_ids.is_empty() {
            return Ok(out);
        }
        let rows = valuation_history::Entity::find()
            .filter(valuation_history::Column::ListingId.is_in(listing_ids.to_vec()))
            .order_by_desc(valuation_history::Column::At)
            .order_by_desc(valuation_history::Column::Id)
            .all(&self.db)
            .await?;
        for m in rows {
            let list = out.entry(m.listing_id).or_default();
            if list.len() >= limit {
                continue;
            }
            list.push(ValuationHistoryEntry {
                id: m.id,
                listing_id: m.listing_id,
                price_usd: m.price_usd.0,
                adjusted_price_usd: m.adjusted_price_usd.map(|d| d.0),
                deal_class: m.deal_class.as_deref().map(parse_enum).transpose()?,
                cause: parse_enum::<ValuationCause>(&m.cause)?,
                job_id: m.job_id.map(|u| u.to_string()),
                at: m.at,
            });
        }
        Ok(out)
    }

    /// Groups of many rulesets by (display_order, id) (one statement).
    pub async fn rule_groups_of(
        &self,
        ruleset_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<RuleGroup>>> {
        let mut out: HashMap<i64, Vec<RuleGroup>> = HashMap::new();
        if ruleset_ids.is_empty() {
            return Ok(out);
        }
        let rows = rule_group::Entity::find()
            .filter(rule_group::Column::RulesetId.is_in(ruleset_ids.to_vec()))
            .order_by_asc(rule_group::Column::DisplayOrder)
            .order_by_asc(rule_group::Column::Id)
            .all(&self.db)
            .await?;
        for m in rows {
            out.entry(m.ruleset_id).or_default().push(RuleGroup {
                id: m.id,
                data: RuleGroupData {
                    ruleset_id: m.ruleset_id,
                    name: m.name,
                    category: m.category,
                    description: m.description,
                    display_order: m.display_order,
                    is_active: m.is_active,
                    metadata: super::obj_or_empty(m.metadata),
                },
                created_at: m.created_at,
                updated_at: m.updated_at,
            });
        }
        Ok(out)
    }

    /// One rule group by id.
    pub async fn rule_group(&self, id: i64) -> Result<Option<RuleGroup>> {
        Ok(rule_group::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(super::rules::group_record))
    }
}
