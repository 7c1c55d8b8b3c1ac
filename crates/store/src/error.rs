//! [`StoreError`]: driver errors mapped into domain-meaningful variants.
//!
//! Constraint violations become `Conflict` (unique), `NotFound` (a reference to a missing row
//! on insert/update), `InUse` (a delete blocked by a RESTRICT reference) or `Validation` (CHECK,
//! NOT NULL, out of range). Anything else is `Internal`, whose Display is fixed so no driver
//! text reaches a client; the cause stays available through `source()` for logs.

use std::error::Error as StdError;
use std::fmt;

use sea_orm::{DbErr, RuntimeErr};

/// Result alias of the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What went wrong, in domain terms.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was violated (`field` names the key, e.g. `name`).
    #[error("{entity} conflict: {field} already exists")]
    Conflict { entity: &'static str, field: String },
    /// The entity (or one it references) does not exist.
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    /// The entity cannot be deleted while other rows reference it.
    #[error("{entity} {id} is in use by {by}")]
    InUse {
        entity: &'static str,
        id: String,
        by: String,
    },
    /// A value breaks a schema rule (CHECK, NOT NULL, range) or a store precondition.
    #[error("invalid {field}: {message}")]
    Validation { field: String, message: String },
    /// A storage failure; the message is fixed, the cause is the source.
    #[error("internal storage error")]
    Internal(#[source] Internal),
}

/// The hidden cause of [`StoreError::Internal`].
#[derive(Debug)]
pub struct Internal(Box<dyn StdError + Send + Sync>);

impl fmt::Display for Internal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl StdError for Internal {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(self.0.as_ref())
    }
}

impl StoreError {
    /// An internal error from any cause.
    pub fn internal(e: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        StoreError::Internal(Internal(e.into()))
    }

    pub(crate) fn not_found(entity: &'static str, id: impl ToString) -> Self {
        StoreError::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    pub(crate) fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        StoreError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The kind of constraint a database error reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Violation {
    Unique(String),
    ForeignKey,
    Check,
    NotNull,
    Range,
}

/// Classifies a driver error by SQLSTATE (PostgreSQL) or extended result code (SQLite).
pub(crate) fn violation(e: &DbErr) -> Option<Violation> {
    let (DbErr::Exec(RuntimeErr::SqlxError(se)) | DbErr::Query(RuntimeErr::SqlxError(se))) = e
    else {
        return None;
    };
    let sea_orm::sqlx::Error::Database(db) = se.as_ref() else {
        return None;
    };
    let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
    let message = db.message();
    match code.as_str() {
        // PostgreSQL names the constraint; ours are `ux_<table>_<columns>`.
        "23505" => Some(Violation::Unique(unique_field(
            db.constraint().unwrap_or_default(),
        ))),
        "23503" => Some(Violation::ForeignKey),
        "23514" => Some(Violation::Check),
        "23502" => Some(Violation::NotNull),
        "22003" | "22001" => Some(Violation::Range),
        // SQLite: UNIQUE 2067, PRIMARYKEY 1555, FOREIGNKEY 787, CHECK 275, NOTNULL 1299.
        "2067" | "1555" => Some(Violation::Unique(sqlite_unique_field(message))),
        // 1811 (CONSTRAINT_TRIGGER) is how SQLite reports an ON DELETE RESTRICT.
        "787" | "1811" if message.contains("FOREIGN KEY") => Some(Violation::ForeignKey),
        "275" => Some(Violation::Check),
        "1299" => Some(Violation::NotNull),
        _ => None,
    }
}

fn unique_field(constraint: &str) -> String {
    let known = [
        ("name_key", "name"),
        ("dims_key", "dims"),
        ("url_key", "listing_url"),
        ("one_default", "is_default"),
        ("token_hash", "token_hash"),
        ("entity_key", "key"),
        ("ruleset_name", "name"),
        ("group_name", "name"),
        ("rule_version", "version"),
        ("type_notes", "port_type"),
        ("_pkey", "id"),
    ];
    known
        .iter()
        .find(|(k, _)| constraint.contains(k))
        .map(|(_, f)| (*f).to_owned())
        .unwrap_or_else(|| "key".to_owned())
}

fn sqlite_unique_field(message: &str) -> String {
    // "UNIQUE constraint failed: rule_groups.ruleset_id, rule_groups.name": the last column
    // names the key, spelled as on PostgreSQL.
    let last = message.rsplit(['.', ' ']).next().unwrap_or_default();
    match last {
        "name_key" | "name" => "name",
        "dims_key" => "dims",
        "url_key" => "listing_url",
        "spec_notes" => "port_type",
        other => other,
    }
    .to_owned()
}

/// Maps a driver error for an operation on `entity` (with `id` when known).
///
/// A foreign-key failure on a write means a referenced row is missing (`NotFound` of
/// `reference`); on a delete it means the row is still referenced (`InUse`).
pub(crate) struct ErrCtx {
    pub entity: &'static str,
    pub id: String,
    pub delete: bool,
}

impl ErrCtx {
    pub(crate) fn write(entity: &'static str) -> Self {
        Self {
            entity,
            id: String::new(),
            delete: false,
        }
    }

    pub(crate) fn delete(entity: &'static str, id: impl ToString) -> Self {
        Self {
            entity,
            id: id.to_string(),
            delete: true,
        }
    }

    pub(crate) fn map(&self, e: DbErr) -> StoreError {
        match violation(&e) {
            Some(Violation::Unique(field)) => StoreError::Conflict {
                entity: self.entity,
                field,
            },
            Some(Violation::ForeignKey) if self.delete => StoreError::InUse {
                entity: self.entity,
                id: self.id.clone(),
                by: "listings".into(),
            },
            Some(Violation::ForeignKey) => StoreError::NotFound {
                entity: "referenced row",
                id: format!("of {}", self.entity),
            },
            Some(Violation::Check) => {
                StoreError::validation(self.entity, "a value is out of range")
            }
            Some(Violation::NotNull) => {
                StoreError::validation(self.entity, "a required value is missing")
            }
            Some(Violation::Range) => StoreError::validation(self.entity, "a value is too large"),
            None => StoreError::internal(e),
        }
    }
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        ErrCtx::write("record").map(e)
    }
}
