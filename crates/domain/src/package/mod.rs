//! Ruleset packages (`.dbrs`, DOMAIN.md §7.5): the version-2 format, the conversion of the
//! original Deal Brain's version-1 packages ([`v1`]), and the install plan ([`plan`]) that
//! validates every rule and decides, per ruleset, what a merge strategy does.
//!
//! Everything here is pure: the store reads the existing rulesets and custom fields, asks
//! [`plan::plan`] what to do, and writes the result in one transaction; the API's preview
//! runs the same plan without writing, so preview and install never disagree.

pub mod export;
mod fields;
pub mod plan;
pub mod v1;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

/// The `format` of a version-2 package.
pub const FORMAT: &str = "dealbrain-ruleset";
/// The format version this code writes.
pub const FORMAT_VERSION: u32 = 2;

/// A whole package, as written by export and read by install.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Package {
    pub format: String,
    pub format_version: u32,
    pub metadata: PackageMetadata,
    #[serde(default)]
    pub custom_fields: Vec<PackageCustomField>,
    pub rulesets: Vec<PackageRuleset>,
}

/// Who made the package and what it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageMetadata {
    pub name: String,
    /// `X.Y.Z`.
    #[serde(default = "default_version")]
    pub version: String,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A custom field definition the package's rules need (created on install when missing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageCustomField {
    /// `listing`, `cpu`, `gpu` or `ports_profile`.
    #[serde(default = "default_entity")]
    pub entity: String,
    pub key: String,
    #[serde(default)]
    pub label: Option<String>,
    /// A `CustomFieldType` text (`string`, `number`, …).
    #[serde(default = "default_type")]
    pub data_type: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub default_value: Option<Json>,
    #[serde(default)]
    pub options: Option<Json>,
    #[serde(default)]
    pub validation: Option<Json>,
    #[serde(default = "yes")]
    pub is_active: bool,
    #[serde(default = "default_order")]
    pub display_order: i32,
}

/// A ruleset with its groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageRuleset {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default = "default_version")]
    pub version: String,
    #[serde(default = "default_priority")]
    pub priority: i32,
    #[serde(default = "yes")]
    pub is_active: bool,
    #[serde(default)]
    pub conditions: Option<Json>,
    #[serde(default = "empty_object")]
    pub metadata: Json,
    #[serde(default)]
    pub groups: Vec<PackageGroup>,
}

/// A rule group with its rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageGroup {
    pub name: String,
    #[serde(default = "default_category")]
    pub category: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default = "default_order")]
    pub display_order: i32,
    #[serde(default = "yes")]
    pub is_active: bool,
    #[serde(default = "empty_object")]
    pub metadata: Json,
    #[serde(default)]
    pub rules: Vec<PackageRule>,
}

/// A rule: one condition tree and its actions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageRule {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default = "default_order")]
    pub evaluation_order: i32,
    #[serde(default = "yes")]
    pub is_active: bool,
    #[serde(default)]
    pub conditions: Option<Json>,
    #[serde(default)]
    pub actions: Json,
    #[serde(default = "empty_object")]
    pub metadata: Json,
}

fn default_version() -> String {
    "1.0.0".into()
}
fn default_entity() -> String {
    "listing".into()
}
fn default_type() -> String {
    "string".into()
}
fn default_category() -> String {
    "general".into()
}
fn default_priority() -> i32 {
    10
}
fn default_order() -> i32 {
    100
}
fn yes() -> bool {
    true
}
fn empty_object() -> Json {
    Json::Object(Map::new())
}

/// One problem found in a package, with the JSON path of the offending value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageIssue {
    /// Dotted path from the package root (`rulesets[0].groups[1].rules[2].actions[0].value`).
    pub path: String,
    /// A stable kind (`invalid_value`, `unknown_format`, the domain error kinds …).
    pub kind: String,
    pub message: String,
}

impl PackageIssue {
    pub fn new(path: impl Into<String>, kind: &str, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            kind: kind.to_owned(),
            message: message.into(),
        }
    }

    /// The same issue under `prefix` (`candidate` + `entities.cpu` → `candidate.entities.cpu`).
    pub fn within(mut self, prefix: &str) -> Self {
        self.path = if self.path.is_empty() {
            prefix.to_owned()
        } else {
            format!("{prefix}.{}", self.path)
        };
        self
    }
}

/// Reads a package of either format version; version 1 is converted to version 2.
///
/// Errors name the path: `format`/`formatVersion` for an unknown format, the serde path of a
/// field with the wrong shape otherwise.
pub fn parse(json: &Json) -> Result<Package, PackageIssue> {
    let Some(obj) = json.as_object() else {
        return Err(PackageIssue::new(
            "",
            "invalid_value",
            "a package must be a JSON object",
        ));
    };
    match (obj.get("format"), obj.get("formatVersion")) {
        (Some(f), version) => {
            if f.as_str() != Some(FORMAT) {
                return Err(PackageIssue::new(
                    "format",
                    "unknown_format",
                    format!("format must be \"{FORMAT}\""),
                ));
            }
            match version.and_then(Json::as_u64) {
                Some(2) => from_v2(json),
                Some(1) => v1::convert(json),
                _ => Err(PackageIssue::new(
                    "formatVersion",
                    "unknown_format",
                    "formatVersion must be 1 or 2",
                )),
            }
        }
        // The original Deal Brain wrote `schema_version: "1.0"` and no `format`.
        (None, _) if obj.get("schema_version").and_then(Json::as_str).is_some() => {
            let sv = obj
                .get("schema_version")
                .and_then(Json::as_str)
                .unwrap_or_default();
            if sv.split('.').next() == Some("1") {
                v1::convert(json)
            } else {
                Err(PackageIssue::new(
                    "schema_version",
                    "unknown_format",
                    format!("unknown package schema_version {sv:?}"),
                ))
            }
        }
        (None, _) => Err(PackageIssue::new(
            "format",
            "unknown_format",
            format!("not a ruleset package: \"format\": \"{FORMAT}\" is missing"),
        )),
    }
}

fn from_v2(json: &Json) -> Result<Package, PackageIssue> {
    serde_json::from_value::<Package>(json.clone()).map_err(|e| shape_error(&e))
}

/// A serde error as an issue; serde names the field but not where it is, so the message
/// carries the detail and the path is the package root.
pub(crate) fn shape_error(e: &serde_json::Error) -> PackageIssue {
    PackageIssue::new("", "invalid_value", format!("malformed package: {e}"))
}

/// Whether `v` is `X.Y.Z` with decimal parts.
pub fn valid_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_formats_name_the_field() {
        let e = parse(&json!({"format": "other", "formatVersion": 2})).unwrap_err();
        assert_eq!(
            (e.path.as_str(), e.kind.as_str()),
            ("format", "unknown_format")
        );
        let e = parse(&json!({"format": FORMAT, "formatVersion": 9})).unwrap_err();
        assert_eq!(e.path, "formatVersion");
        let e = parse(&json!({"rulesets": []})).unwrap_err();
        assert_eq!(e.path, "format");
        let e = parse(&json!([1])).unwrap_err();
        assert_eq!(e.kind, "invalid_value");
    }

    #[test]
    fn v2_defaults_fill_absent_fields() {
        let p = parse(&json!({"format": FORMAT, "formatVersion": 2,
            "metadata": {"name": "p"},
            "rulesets": [{"name": "R", "groups": [{"name": "G", "rules": [
                {"name": "r", "actions": [{"type": "fixed_value", "value": 1}]}]}]}]}))
        .unwrap();
        let rs = &p.rulesets[0];
        assert_eq!(
            (rs.priority, rs.is_active, rs.version.as_str()),
            (10, true, "1.0.0")
        );
        assert_eq!(rs.groups[0].rules[0].evaluation_order, 100);
    }
}
