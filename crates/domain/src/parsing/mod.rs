//! Text parsers for import and derivation (DOMAIN.md §7.3).
//!
//! Each function implements one row of the §7.3 table. They are hand-written scanners rather than
//! regexes: the rules are short, the inputs are spreadsheet cells parsed by the thousand, and a
//! scanner can never fail to build. Every parser is total — any string, however odd, yields a
//! value or an [`ErrorKind`], never a panic.
//!
//! Layout: this file holds [`Cell`] and the storage-medium rule; `capacity` (storage and RAM
//! sizes), `price`, `labels` (condition, RAM generation, port type, CPU maker) and `url` (URLs
//! and integers) hold the other rows.

mod capacity;
mod labels;
mod price;
mod url;

use std::borrow::Cow;

use crate::value::NumText;

pub use capacity::capacity_gb;
pub use labels::{ParsedCondition, condition, cpu_manufacturer, port_type, ram_generation};
pub use price::price;
pub use url::{integer, url};

/// One spreadsheet or JSON cell: text, or a number (a numeric cell).
///
/// Numeric cells are read as their shortest decimal text (`450.0` → `"450"`, `0.1` → `"0.1"`),
/// so a price typed as a number and the same price typed as text parse identically.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// A text cell.
    Text(&'a str),
    /// A numeric cell.
    Number(f64),
}

impl<'a> Cell<'a> {
    /// A cell from a JSON cell value: a string is text, a number numeric, null blank text;
    /// anything else (booleans, lists, objects) is no cell.
    pub fn from_json(v: &'a serde_json::Value) -> Option<Self> {
        match v {
            serde_json::Value::String(s) => Some(Cell::Text(s)),
            serde_json::Value::Number(n) => n.as_f64().map(Cell::Number),
            serde_json::Value::Null => Some(Cell::Text("")),
            _ => None,
        }
    }

    /// The text the parsers see: the text itself, or the number's shortest decimal text.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Cell::Text(t) => Cow::Borrowed(t),
            Cell::Number(n) => Cow::Owned(NumText(*n).to_string()),
        }
    }
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(t: &'a str) -> Self {
        Cell::Text(t)
    }
}

impl From<f64> for Cell<'_> {
    fn from(n: f64) -> Self {
        Cell::Number(n)
    }
}

/// The storage medium named by free text: first hit in the order of §7.3, else `unknown`.
pub fn storage_medium(text: &str) -> &'static str {
    let t = text.to_lowercase();
    let has = |needle: &str| t.contains(needle);
    if has("nvme") {
        "nvme"
    } else if has("hybrid") || has("sshd") {
        "hybrid"
    } else if has("emmc") {
        "emmc"
    } else if has("ufs") {
        "ufs"
    } else if has("ssd") || has("sata") {
        "sata_ssd"
    } else if has("hard drive") || has("hard disk") || has("hdd") {
        "hdd"
    } else if has("flash") {
        "emmc"
    } else if has("pcie") {
        "nvme"
    } else {
        "unknown"
    }
}

#[cfg(test)]
mod tests;
