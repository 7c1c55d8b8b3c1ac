//! Keyset pages and their opaque cursors, in both directions.
//!
//! A cursor is the row's sort key and id, as JSON, hex-encoded: opaque to clients, trivially
//! checked on the way back (a cursor made for another list or sort is rejected). A forward
//! page reads rows after `after` in the list's order; a backward page reads the rows before
//! `before` in the reversed order and turns them around, so both cost one index range scan.
//! Each fetches one row more than it returns: that row only tells whether more exist.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::error::{Result, StoreError};

/// Largest page a caller may ask for.
pub const MAX_PAGE: u64 = 500;

/// Which page to load: `size` items after `after` (forward), or the last `size` items before
/// `before` (backward). Both bounds may be set: the page then lies strictly between them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Items wanted (clamped to 1..=[`MAX_PAGE`]).
    pub size: u64,
    pub after: Option<String>,
    pub before: Option<String>,
    /// Take the items nearest to `before` (or the end of the list) instead of `after`.
    pub backward: bool,
}

impl PageRequest {
    /// The first `size` items.
    pub fn first(size: u64) -> Self {
        Self {
            size,
            ..Self::default()
        }
    }

    /// `size` items after `cursor`.
    pub fn after(size: u64, cursor: impl Into<String>) -> Self {
        Self {
            size,
            after: Some(cursor.into()),
            ..Self::default()
        }
    }

    /// The last `size` items.
    pub fn last(size: u64) -> Self {
        Self {
            size,
            backward: true,
            ..Self::default()
        }
    }

    /// The `size` items just before `cursor`.
    pub fn before(size: u64, cursor: impl Into<String>) -> Self {
        Self {
            size,
            before: Some(cursor.into()),
            backward: true,
            ..Self::default()
        }
    }

    pub(crate) fn limit(&self) -> u64 {
        self.size.clamp(1, MAX_PAGE)
    }

    /// The decoded `after` and `before` cursors, checked against the list's `sort` tag.
    pub(crate) fn bounds(&self, sort: &str) -> Result<(Option<Cursor>, Option<Cursor>)> {
        let after = self
            .after
            .as_deref()
            .map(|c| Cursor::decode(c, sort, "after"))
            .transpose()?;
        let before = self
            .before
            .as_deref()
            .map(|c| Cursor::decode(c, sort, "before"))
            .transpose()?;
        Ok((after, before))
    }
}

/// A page of items in list order, each with its cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// One per item.
    pub cursors: Vec<String>,
    /// More items follow the last one.
    pub has_next: bool,
    /// More items precede the first one.
    pub has_previous: bool,
}

impl<T> Page<T> {
    /// The cursor of the last item (`after` for the next page).
    pub fn end_cursor(&self) -> Option<&str> {
        self.cursors.last().map(String::as_str)
    }

    /// The cursor of the first item (`before` for the previous page).
    pub fn start_cursor(&self) -> Option<&str> {
        self.cursors.first().map(String::as_str)
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Cursor {
    /// The list, sort key and direction, e.g. `price_usd:asc`.
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

    /// Decodes a cursor given as argument `field`; anything else than a cursor of this list
    /// and sort is a validation error naming that argument.
    pub(crate) fn decode(text: &str, sort: &str, field: &str) -> Result<Cursor> {
        let bad = || StoreError::validation(field, "not a cursor of this list");
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

/// Cuts a fetched `limit + 1` list (in fetch order: reversed for a backward request) into a
/// page in list order. The far side's flag comes from the cursor: a page that starts after a
/// cursor has the cursor's row (or its neighbours) before it.
pub(crate) fn finish<T>(
    mut items: Vec<T>,
    req: &PageRequest,
    cursor: impl Fn(&T) -> Cursor,
) -> Page<T> {
    let limit = req.limit();
    let more = items.len() as u64 > limit;
    items.truncate(limit as usize);
    if req.backward {
        items.reverse();
    }
    let cursors = items.iter().map(|i| cursor(i).encode()).collect();
    let (has_next, has_previous) = if req.backward {
        (req.before.is_some(), more)
    } else {
        (more, req.after.is_some())
    };
    Page {
        items,
        cursors,
        has_next,
        has_previous,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: &i64) -> Cursor {
        Cursor {
            s: "id:asc".into(),
            v: Json::Null,
            id: *id,
        }
    }

    #[test]
    fn backward_pages_come_back_in_list_order() {
        let p = finish(vec![9, 8, 7], &PageRequest::last(2), c);
        assert_eq!(p.items, vec![8, 9]);
        assert!(p.has_previous && !p.has_next);
        let p = finish(vec![3, 2], &PageRequest::before(2, "x"), c);
        assert_eq!(p.items, vec![2, 3]);
        assert!(!p.has_previous && p.has_next);
    }

    #[test]
    fn cursors_name_their_list_and_argument() {
        let text = c(&5).encode();
        assert_eq!(
            Cursor::decode(&text, "id:asc", "after").map(|c| c.id).ok(),
            Some(5)
        );
        let err = Cursor::decode(&text, "price_usd:asc", "before");
        assert!(matches!(err, Err(StoreError::Validation { field, .. }) if field == "before"));
        assert!(Cursor::decode("zz", "id:asc", "after").is_err());
    }
}
