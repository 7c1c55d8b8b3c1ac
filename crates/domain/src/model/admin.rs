//! Support records: custom fields, imports, settings, API tokens and recalculation jobs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::{ApiRole, CustomFieldEntity, CustomFieldType, ImportStatus, JobStatus, JobWork};
use super::{Record, Visibility};

/// A UUID in its canonical hyphenated text (import sessions, recalculation jobs).
pub type JobId = String;

/// Writable fields of a custom field definition (§6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomFieldData {
    pub entity: CustomFieldEntity,
    /// ≤ 64 chars; unique per entity, soft-deleted keys stay taken.
    pub key: String,
    pub label: String,
    pub data_type: CustomFieldType,
    pub description: Option<String>,
    pub required: bool,
    pub default_value: Option<Json>,
    pub options: Option<Json>,
    pub validation: Option<Json>,
    pub is_active: bool,
    pub is_locked: bool,
    pub visibility: Visibility,
    pub display_order: i32,
    pub created_by: Option<String>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A stored custom field definition.
pub type CustomField = Record<CustomFieldData>;

/// A custom field audit row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomFieldAudit {
    pub id: i64,
    pub field_id: Option<i64>,
    pub entity: CustomFieldEntity,
    pub key: String,
    pub action: String,
    pub actor: Option<String>,
    pub payload: Json,
    pub created_at: DateTime<Utc>,
}

/// An archived custom value (`field_deleted`, `option_retired:<option>`, `type_changed`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeHistory {
    pub id: i64,
    pub field_id: Option<i64>,
    pub entity: CustomFieldEntity,
    pub record_id: i64,
    pub key: String,
    pub previous_value: Option<Json>,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

/// An import session (§7.1); the JSON blobs belong to the import workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportSession {
    pub id: JobId,
    pub filename: String,
    pub content_type: String,
    pub byte_size: i64,
    /// SHA-256, hex.
    pub checksum: String,
    pub storage_ref: String,
    pub status: ImportStatus,
    pub sheets: Json,
    pub mappings: Json,
    pub preview: Json,
    pub conflicts: Json,
    pub attached_fields: Json,
    pub resolutions: Json,
    pub result: Option<Json>,
    pub error: Option<String>,
    pub created_by: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An import session audit row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportAudit {
    pub id: i64,
    pub session_id: JobId,
    pub event: String,
    pub message: Option<String>,
    pub payload: Json,
    pub created_at: DateTime<Utc>,
}

/// An application setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    pub key: String,
    pub value: Json,
    pub description: Option<String>,
    pub updated_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An API token; only the SHA-256 of its secret is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub token_hash: String,
    /// The first characters of the secret, to recognise it in lists.
    pub token_prefix: String,
    pub role: ApiRole,
    pub created_by_token_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A recalculation job (§8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecalculationJob {
    pub id: JobId,
    pub causes: Json,
    /// `{"all": true}` or `{"listing_ids": [...]}` etc.; owned by the worker.
    pub scope: Json,
    pub work: JobWork,
    pub status: JobStatus,
    pub batch_size: i32,
    pub total: i32,
    pub processed: i32,
    pub changed: i32,
    pub failed: i32,
    pub coalesced_into: Option<JobId>,
    pub requested_by: Option<String>,
    pub attempts: i32,
    pub not_before: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
