//! Keyset pages and their opaque cursors.
//!
//! A cursor is the last row's sort key and id, as JSON, hex-encoded: opaque to clients,
//! trivially checked on the way back (a cursor made for another sort is rejected).

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::error::{Result, StoreError};

/// Largest page a caller may ask for.
pub const MAX_PAGE: u64 = 500;

/// Which page to load: up to `first` items after `after`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    pub first: u64,
    pub after: Option<String>,
}

impl PageRequest {
    /// The first `first` items.
    pub fn first(first: u64) -> Self {
        Self { first, after: None }
    }

    /// `first` items after `cursor`.
    pub fn after(first: u64, cursor: impl Into<String>) -> Self {
        Self {
            first,
            after: Some(cursor.into()),
        }
    }

    pub(crate) fn limit(&self) -> u64 {
        self.first.clamp(1, MAX_PAGE)
    }
}

/// A page of items, each with its cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// One per item.
    pub cursors: Vec<String>,
    pub has_next: bool,
}

impl<T> Page<T> {
    /// The cursor of the last item (`after` for the next page).
    pub fn end_cursor(&self) -> Option<&str> {
        self.cursors.last().map(String::as_str)
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Cursor {
    /// The sort key name and direction, e.g. `price_usd:asc`.
    pub s: String,
    /// The sort value of the row (null when the row's key is null).
    pub v: Json,
    pub id: i64,
}

impl Cursor {
    pub(crate) fn encode(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        json.bytes().map(|b| format!("{b:02x}")).collect()
    }

    pub(crate) fn decode(text: &str, sort: &str) -> Result<Cursor> {
        let bad = || StoreError::validation("after", "not a cursor of this list");
        if !text.len().is_multiple_of(2) || text.len() > 4096 {
            return Err(bad());
        }
        let bytes: Option<Vec<u8>> = (0..text.len())
            .step_by(2)
            .map(|i| {
                text.get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .collect();
        let cursor: Cursor = serde_json::from_slice(&bytes.ok_or_else(bad)?).map_err(|_| bad())?;
        if cursor.s != sort {
            return Err(bad());
        }
        Ok(cursor)
    }
}

/// Cuts a fetched `limit + 1` list into a page.
pub(crate) fn finish<T>(mut items: Vec<T>, limit: u64, cursor: impl Fn(&T) -> Cursor) -> Page<T> {
    let has_next = items.len() as u64 > limit;
    items.truncate(limit as usize);
    let cursors = items.iter().map(|i| cursor(i).encode()).collect();
    Page {
        items,
        cursors,
        has_next,
    }
}
