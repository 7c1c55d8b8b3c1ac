//! Rulesets → groups → rules (trees and actions as JSON), scoring profiles, custom fields,
//! settings and API tokens.

use async_graphql::{Context, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::model as m;

use super::enums::{ApiRole, CustomFieldEntity, CustomFieldType};
use super::scalars::global_id;
use crate::error::ApiResultExt;
use crate::loaders::{GroupsOf, Loaders, RulesOf};

type JsonV = Json<serde_json::Value>;

/// A stack of rule groups that adjusts listing prices.
#[derive(Debug, Clone)]
pub struct Ruleset(pub m::Ruleset);

#[Object]
impl Ruleset {
    /// Global node id.
    pub async fn id(&self) -> ID {
        global_id("Ruleset", self.0.id)
    }
    /// Database id.
    async fn database_id(&self) -> i64 {
        self.0.id
    }
    /// Name, unique ignoring case.
    async fn name(&self) -> &str {
        &self.0.data.name
    }
    /// Description.
    async fn description(&self) -> Option<&str> {
        self.0.data.description.as_deref()
    }
    /// Semantic version `X.Y.Z`.
    async fn version(&self) -> &str {
        &self.0.data.version
    }
    /// Whether it is evaluated.
    async fn is_active(&self) -> bool {
        self.0.data.is_active
    }
    /// Priority: lower runs first.
    async fn priority(&self) -> i32 {
        self.0.data.priority
    }
    /// The condition tree deciding when the ruleset applies (null = always).
    async fn conditions(&self) -> Option<JsonV> {
        self.0.data.conditions.clone().map(Json)
    }
    /// Metadata (`system_baseline`, `read_only`, …).
    async fn metadata(&self) -> JsonV {
        Json(self.0.data.metadata.clone())
    }
    /// Its rule groups by display order.
    async fn groups(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RuleGroup>> {
        let groups = ctx
            .data_unchecked::<Loaders>()
            .load_one(GroupsOf(self.0.id))
            .await
            .api()?;
        Ok(groups
            .unwrap_or_default()
            .into_iter()
            .map(RuleGroup)
            .collect())
    }
    /// When created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When last written.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A named group of rules inside a ruleset.
#[derive(Debug, Clone)]
pub struct RuleGroup(pub m::RuleGroup);

#[Object]
impl RuleGroup {
    /// Global node id.
    pub async fn id(&self) -> ID {
        global_id("RuleGroup", self.0.id)
    }
    /// Database id.
    async fn database_id(&self) -> i64 {
        self.0.id
    }
    /// The ruleset's database id.
    async fn ruleset_id(&self) -> i64 {
        self.0.data.ruleset_id
    }
    /// Name, unique per ruleset.
    async fn name(&self) -> &str {
        &self.0.data.name
    }
    /// Category.
    async fn category(&self) -> &str {
        &self.0.data.category
    }
    /// Description.
    async fn description(&self) -> Option<&str> {
        self.0.data.description.as_deref()
    }
    /// Display order (also a tiebreak of rule order).
    async fn display_order(&self) -> i32 {
        self.0.data.display_order
    }
    /// Whether its rules run.
    async fn is_active(&self) -> bool {
        self.0.data.is_active
    }
    /// Metadata.
    async fn metadata(&self) -> JsonV {
        Json(self.0.data.metadata.clone())
    }
    /// Its rules by evaluation order.
    async fn rules(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Rule>> {
        let rules = ctx
            .data_unchecked::<Loaders>()
            .load_one(RulesOf(self.0.id))
            .await
            .api()?;
        Ok(rules.unwrap_or_default().into_iter().map(Rule).collect())
    }
}

/// A rule: a condition tree and 1–20 actions.
#[derive(Debug, Clone)]
pub struct Rule(pub m::Rule);

#[Object]
impl Rule {
    /// Global node id.
    pub async fn id(&self) -> ID {
        global_id("Rule", self.0.id)
    }
    /// Database id.
    async fn database_id(&self) -> i64 {
        self.0.id
    }
    /// The group's database id.
    async fn group_id(&self) -> i64 {
        self.0.data.group_id
    }
    /// Name, unique per group.
    async fn name(&self) -> &str {
        &self.0.data.name
    }
    /// Description.
    async fn description(&self) -> Option<&str> {
        self.0.data.description.as_deref()
    }
    /// Evaluation order (ascending).
    async fn evaluation_order(&self) -> i32 {
        self.0.data.evaluation_order
    }
    /// Whether it runs.
    async fn is_active(&self) -> bool {
        self.0.data.is_active
    }
    /// The condition tree (§4.4; null = always).
    async fn conditions(&self) -> Option<JsonV> {
        self.0.data.conditions.clone().map(Json)
    }
    /// The actions (§4.5).
    async fn actions(&self) -> JsonV {
        Json(self.0.data.actions.clone())
    }
    /// Metadata.
    async fn metadata(&self) -> JsonV {
        Json(self.0.data.metadata.clone())
    }
    /// Version, +1 per update.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When last written.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A snapshot of a rule at one version.
#[derive(SimpleObject, Debug, Clone)]
pub struct RuleVersion {
    /// The version.
    pub version: i32,
    /// The rule as it was.
    pub snapshot: JsonV,
    /// Why it changed.
    pub change_summary: Option<String>,
    /// Who changed it.
    pub changed_by: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// One audited rule write.
#[derive(SimpleObject, Debug, Clone)]
pub struct RuleAuditEntry {
    /// Ruleset concerned.
    pub ruleset_id: Option<i64>,
    /// Group concerned.
    pub group_id: Option<i64>,
    /// Rule concerned.
    pub rule_id: Option<i64>,
    /// What happened (`rule_created`, …).
    pub action: String,
    /// Who.
    pub actor: Option<String>,
    /// `{before, after}`.
    pub changes: JsonV,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Weights of a composite score.
#[derive(Debug, Clone)]
pub struct ScoringProfile(pub m::ScoringProfile);

#[Object]
impl ScoringProfile {
    /// Global node id.
    pub async fn id(&self) -> ID {
        global_id("ScoringProfile", self.0.id)
    }
    /// Database id.
    async fn database_id(&self) -> i64 {
        self.0.id
    }
    /// Name, unique ignoring case.
    async fn name(&self) -> &str {
        &self.0.data.name
    }
    /// Description.
    async fn description(&self) -> Option<&str> {
        self.0.data.description.as_deref()
    }
    /// Metric → weight (§5.2).
    async fn weights(&self) -> JsonV {
        Json(self.0.data.weights.clone())
    }
    /// Whether queries without a profile use it.
    async fn is_default(&self) -> bool {
        self.0.data.is_default
    }
}

/// A user-defined field of listings, CPUs, GPUs or ports profiles.
#[derive(Debug, Clone)]
pub struct CustomField(pub m::CustomField);

#[Object]
impl CustomField {
    /// Global node id.
    pub async fn id(&self) -> ID {
        global_id("CustomField", self.0.id)
    }
    /// Database id.
    async fn database_id(&self) -> i64 {
        self.0.id
    }
    /// The entity it belongs to.
    async fn entity(&self) -> CustomFieldEntity {
        self.0.data.entity.into()
    }
    /// Key (`attributes.<key>`, `custom.<key>` in rules).
    async fn key(&self) -> &str {
        &self.0.data.key
    }
    /// Label.
    async fn label(&self) -> &str {
        &self.0.data.label
    }
    /// Data type.
    async fn data_type(&self) -> CustomFieldType {
        self.0.data.data_type.into()
    }
    /// Description.
    async fn description(&self) -> Option<&str> {
        self.0.data.description.as_deref()
    }
    /// Whether a value is required.
    async fn required(&self) -> bool {
        self.0.data.required
    }
    /// Default value.
    async fn default_value(&self) -> Option<JsonV> {
        self.0.data.default_value.clone().map(Json)
    }
    /// Options of enum/multi_select fields.
    async fn options(&self) -> Option<JsonV> {
        self.0.data.options.clone().map(Json)
    }
    /// Validation rules.
    async fn validation(&self) -> Option<JsonV> {
        self.0.data.validation.clone().map(Json)
    }
    /// Whether it is active.
    async fn is_active(&self) -> bool {
        self.0.data.is_active
    }
    /// Whether it is locked.
    async fn is_locked(&self) -> bool {
        self.0.data.is_locked
    }
    /// Display order.
    async fn display_order(&self) -> i32 {
        self.0.data.display_order
    }
    /// When soft-deleted.
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.data.deleted_at
    }
}

/// An application setting.
#[derive(SimpleObject, Debug, Clone)]
pub struct Setting {
    /// Key.
    pub key: String,
    /// Value.
    pub value: JsonV,
    /// Description.
    pub description: Option<String>,
    /// Who last wrote it.
    pub updated_by: Option<String>,
    /// When last written.
    pub updated_at: DateTime<Utc>,
}

impl From<m::Setting> for Setting {
    fn from(s: m::Setting) -> Self {
        Self {
            key: s.key,
            value: Json(s.value),
            description: s.description,
            updated_by: s.updated_by,
            updated_at: s.updated_at,
        }
    }
}

/// An API token (the secret is never shown again).
#[derive(SimpleObject, Debug, Clone)]
pub struct ApiToken {
    /// Database id.
    pub database_id: i64,
    /// Name.
    pub name: String,
    /// First characters of the secret, to recognise it.
    pub token_prefix: String,
    /// Role.
    pub role: ApiRole,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// When revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<m::ApiToken> for ApiToken {
    fn from(t: m::ApiToken) -> Self {
        Self {
            database_id: t.id,
            name: t.name,
            token_prefix: t.token_prefix,
            role: t.role.into(),
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}
