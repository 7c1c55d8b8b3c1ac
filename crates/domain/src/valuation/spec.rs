//! The stored shape of rulesets, groups and rules that the engine consumes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A ruleset with its groups and rules, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RulesetSpec {
    /// Identity.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Lower runs first; ≤ 5 is the baseline layer, ≤ 10 basic, else advanced.
    pub priority: i32,
    /// Tiebreak after priority.
    pub created_at: DateTime<Utc>,
    /// Inactive rulesets are skipped in auto mode; a pinned inactive one falls back to auto.
    pub is_active: bool,
    /// `system_baseline`, `read_only`, … (`system_baseline` makes the layer `baseline`).
    #[serde(default)]
    pub metadata: serde_json::Value,
    /// The ruleset's condition tree (null = always applies).
    #[serde(default)]
    pub conditions: Option<serde_json::Value>,
    /// Groups with their rules.
    #[serde(default)]
    pub groups: Vec<GroupSpec>,
}

/// A rule group, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupSpec {
    /// Identity.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Tiebreak after the rule's evaluation order.
    pub display_order: i32,
    /// Rules of inactive groups do not run.
    pub is_active: bool,
    /// Rules of the group.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
}

/// A rule, as stored: one condition tree and a list of actions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleSpec {
    /// Identity (last tiebreak).
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Global order within the ruleset.
    pub evaluation_order: i32,
    /// Inactive rules do not run.
    pub is_active: bool,
    /// The condition tree (null = always).
    #[serde(default)]
    pub conditions: Option<serde_json::Value>,
    /// The actions (a JSON list).
    #[serde(default)]
    pub actions: serde_json::Value,
}

/// A listing's override of ruleset selection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingOverride {
    /// The pinned ruleset (static mode when set and active).
    #[serde(default)]
    pub ruleset_id: Option<i64>,
    /// Rulesets skipped in auto mode.
    #[serde(default)]
    pub disabled_ruleset_ids: Vec<i64>,
}
