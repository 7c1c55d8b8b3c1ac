//! Custom fields (DOMAIN.md §6): keys, definitions and value validation.
//!
//! - [`key`] — the entity and type enumerations' companions: key normalisation and the reserved
//!   core names per entity ([`normalize_key`]).
//! - [`definition`] — a field's type, options and validation rules, checked once when written
//!   ([`FieldDefinition::from_json`]) and compiled so the pattern regex is built once
//!   ([`CompiledDefinition`]).
//! - [`reconcile`] — what a changed definition (type, retired options) does to stored values
//!   ([`reconcile_value`]).
//! - [`value`] — turning an input value into its stored form or a typed error
//!   ([`validate_value`], [`validate_attributes`]).
//!
//! Everything here is pure: the store passes in definitions and values and persists what comes
//! back. Errors are [`crate::DomainError`]s whose path is `attributes.<key>` for values and the
//! offending definition member (`options[1]`, `validation.min`) for definitions.

pub mod definition;
pub mod key;
pub mod reconcile;
pub mod value;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use definition::{CompiledDefinition, FieldDefinition, Validation};
pub use key::{MAX_KEY_LEN, is_reserved_key, normalize_key, normalize_key_text, reserved_keys};
pub use reconcile::{Reconciled, affects_values, reconcile_value, retired_options};
pub use value::{JSON_MAX_BYTES, validate_attributes, validate_value};

/// The kind of record a custom field belongs to (`CustomFieldEntity` of §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomFieldEntity {
    /// `listing`
    Listing,
    /// `cpu`
    Cpu,
    /// `gpu`
    Gpu,
    /// `ports_profile`
    PortsProfile,
}

impl CustomFieldEntity {
    /// Every entity, in the order of §3.
    pub const ALL: [CustomFieldEntity; 4] =
        [Self::Listing, Self::Cpu, Self::Gpu, Self::PortsProfile];

    /// The snake_case name of §3.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Listing => "listing",
            Self::Cpu => "cpu",
            Self::Gpu => "gpu",
            Self::PortsProfile => "ports_profile",
        }
    }

    /// Parses the snake_case name (exact spelling).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

impl fmt::Display for CustomFieldEntity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The data type of a custom field (`CustomFieldType` of §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomFieldType {
    /// `string`: a trimmed single-line string.
    String,
    /// `text`: a string kept as typed.
    Text,
    /// `number`: a JSON number.
    Number,
    /// `boolean`: `true` or `false`.
    Boolean,
    /// `enum`: one of the options.
    Enum,
    /// `multi_select`: a list of distinct options.
    MultiSelect,
    /// `json`: any JSON document up to [`JSON_MAX_BYTES`].
    Json,
}

impl CustomFieldType {
    /// Every type, in the order of §3.
    pub const ALL: [CustomFieldType; 7] = [
        Self::String,
        Self::Text,
        Self::Number,
        Self::Boolean,
        Self::Enum,
        Self::MultiSelect,
        Self::Json,
    ];

    /// The snake_case name of §3.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Text => "text",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Enum => "enum",
            Self::MultiSelect => "multi_select",
            Self::Json => "json",
        }
    }

    /// Parses the snake_case name (exact spelling).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// Whether the type takes options (`enum`, `multi_select`).
    pub fn has_options(self) -> bool {
        matches!(self, Self::Enum | Self::MultiSelect)
    }

    /// Whether the type holds one string (`string`, `text`): length and pattern rules apply.
    pub fn is_textual(self) -> bool {
        matches!(self, Self::String | Self::Text)
    }
}

impl fmt::Display for CustomFieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for e in CustomFieldEntity::ALL {
            assert_eq!(CustomFieldEntity::parse(e.as_str()), Some(e));
        }
        for t in CustomFieldType::ALL {
            assert_eq!(CustomFieldType::parse(t.as_str()), Some(t));
        }
        assert_eq!(CustomFieldType::parse("uuid"), None);
        assert_eq!(CustomFieldEntity::parse("Listing"), None);
        assert_eq!(
            serde_json::to_value(CustomFieldType::MultiSelect).unwrap(),
            serde_json::json!("multi_select")
        );
    }
}
