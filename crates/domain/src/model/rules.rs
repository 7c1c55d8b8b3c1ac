//! Rule records: rulesets, groups, rules, rule versions and the rule audit.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::{Record, RuleAuditAction};

/// Writable fields of a ruleset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulesetData {
    /// ≤ 128 chars, unique ignoring case.
    pub name: String,
    pub description: Option<String>,
    /// `X.Y.Z`.
    pub version: String,
    pub is_active: bool,
    /// ≥ 0; lower runs first.
    pub priority: i32,
    /// A condition tree; null = always applies.
    pub conditions: Option<Json>,
    pub metadata: Json,
    pub created_by: Option<String>,
}

impl RulesetData {
    /// A ruleset with the defaults of §2.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: None,
            version: "1.0.0".into(),
            is_active: true,
            priority: 10,
            conditions: None,
            metadata: Json::Object(Default::default()),
            created_by: None,
        }
    }
}

/// A stored ruleset.
pub type Ruleset = Record<RulesetData>;

/// Writable fields of a rule group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleGroupData {
    pub ruleset_id: i64,
    /// Unique per ruleset.
    pub name: String,
    pub category: String,
    pub description: Option<String>,
    pub display_order: i32,
    pub is_active: bool,
    pub metadata: Json,
}

/// A stored rule group.
pub type RuleGroup = Record<RuleGroupData>;

/// Writable fields of a rule. `conditions` (one tree) and `actions` (a list) are stored as
/// given; validating them is the engine's job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleData {
    pub group_id: i64,
    /// Unique per group.
    pub name: String,
    pub description: Option<String>,
    pub evaluation_order: i32,
    pub is_active: bool,
    pub conditions: Option<Json>,
    pub actions: Json,
    pub metadata: Json,
    pub created_by: Option<String>,
}

/// A stored rule with its version (1 on create, +1 per update).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub id: i64,
    #[serde(flatten)]
    pub data: RuleData,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A snapshot of a rule at one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleVersion {
    pub id: i64,
    pub rule_id: i64,
    pub version: i32,
    /// The [`Rule`] as JSON.
    pub snapshot: Json,
    pub change_summary: Option<String>,
    pub changed_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Who made a rule write and why (recorded on the version and the audit row).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChangeMeta {
    pub actor: Option<String>,
    pub summary: Option<String>,
    /// `{jobId, listingCount}` when known.
    pub impact: Option<Json>,
}

/// A rule audit row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleAudit {
    pub id: i64,
    pub ruleset_id: Option<i64>,
    pub group_id: Option<i64>,
    pub rule_id: Option<i64>,
    pub action: RuleAuditAction,
    pub actor: Option<String>,
    /// `{before, after}`.
    pub changes: Json,
    pub impact: Option<Json>,
    pub created_at: DateTime<Utc>,
}
