//! Relay connections: the page arguments (`first`/`after`/`last`/`before`), their checks and
//! the connection built from a store page or from a small in-memory list.
//!
//! `first` and `last` together are refused (the Relay spec discourages them and their
//! combined meaning surprises clients). Both cursors together bound the page on both sides.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, OutputType, SimpleObject};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use store::PageRequest;

use crate::config::ApiConfig;
use crate::error::ApiError;

/// Largest `first`/`last` when the schema carries no [`ApiConfig`] (its default).
pub const MAX_PAGE: i32 = 200;

/// Extra fields of every connection.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct ConnectionTotal {
    /// Items matching, over all pages.
    pub total_count: u64,
}

/// A connection page.
pub type Conn<T> = Connection<String, T, ConnectionTotal, EmptyFields>;

/// The four Relay page arguments as received.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl PageArgs {
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Self {
        Self {
            first,
            after,
            last,
            before,
        }
    }

    /// Checks the arguments against the largest page `max` and makes the store request
    /// (`default` items forward when neither `first` nor `last` is given).
    pub fn request(self, default: i32, max: i32) -> Result<PageRequest, ApiError> {
        let check = |n: i32, field: &str| {
            if (1..=max).contains(&n) {
                Ok(u64::try_from(n).unwrap_or(1))
            } else {
                Err(ApiError::invalid(
                    field,
                    "out_of_range",
                    format!("{field} must be between 1 and {max}"),
                ))
            }
        };
        for (field, c) in [("after", &self.after), ("before", &self.before)] {
            if c.as_deref().is_some_and(str::is_empty) {
                return Err(ApiError::invalid(
                    field,
                    "invalid_cursor",
                    "not a cursor of this list",
                ));
            }
        }
        let (size, backward) = match (self.first, self.last) {
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid(
                    "last",
                    "invalid_value",
                    "first and last cannot be combined; page forward with first/after or backward with last/before",
                ));
            }
            (Some(n), None) => (check(n, "first")?, false),
            (None, Some(n)) => (check(n, "last")?, true),
            (None, None) => (check(default.min(max), "first")?, false),
        };
        Ok(PageRequest {
            size,
            after: self.after,
            before: self.before,
            backward,
        })
    }

    /// [`PageArgs::request`] with the configured largest page.
    pub fn checked(self, ctx: &Context<'_>, default: i32) -> Result<PageRequest, ApiError> {
        self.request(default, max_page(ctx))
    }
}

/// The largest page: the configured `max_page` when the schema carries the config, else
/// [`MAX_PAGE`]; never more than the store serves.
pub fn max_page(ctx: &Context<'_>) -> i32 {
    ctx.data_opt::<ApiConfig>()
        .map(|c| i32::try_from(c.max_page).unwrap_or(MAX_PAGE))
        .unwrap_or(MAX_PAGE)
        .clamp(1, i32::try_from(store::page::MAX_PAGE).unwrap_or(MAX_PAGE))
}

/// Builds a connection from a store page.
pub fn from_page<T, N: OutputType>(
    page: store::Page<T>,
    total: u64,
    wrap: impl Fn(T) -> N,
) -> Conn<N> {
    let mut c = Connection::with_additional_fields(
        page.has_previous,
        page.has_next,
        ConnectionTotal { total_count: total },
    );
    c.edges.extend(
        page.items
            .into_iter()
            .zip(page.cursors)
            .map(|(item, cursor)| Edge::new(cursor, wrap(item))),
    );
    c
}

/// The cursor of an in-memory list item: the list's name, the item's id and its position
/// (used when the item is gone by the time the cursor comes back).
fn vec_cursor(list: &str, id: i64, pos: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("{list}:{id}:{pos}"))
}

/// Where a cursor points in `ids`: the item's position, or the position it had.
fn vec_position(list: &str, text: &str, field: &str, ids: &[i64]) -> Result<usize, ApiError> {
    let bad = || ApiError::invalid(field, "invalid_cursor", "not a cursor of this list");
    let raw = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let mut parts = raw.rsplitn(3, ':');
    let pos: usize = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let id: i64 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    if parts.next() != Some(list) {
        return Err(bad());
    }
    Ok(ids
        .iter()
        .position(|i| *i == id)
        .unwrap_or(pos.min(ids.len())))
}

/// A connection over a small in-memory list (tables the store returns whole), paged like a
/// store list in both directions; `id` gives each item's database id for its cursor.
pub fn from_vec<N: OutputType>(
    list: &str,
    items: Vec<N>,
    id: impl Fn(&N) -> i64,
    req: &PageRequest,
) -> Result<Conn<N>, ApiError> {
    let ids: Vec<i64> = items.iter().map(&id).collect();
    let size = usize::try_from(req.size).unwrap_or(1).max(1);
    let mut lo = match &req.after {
        Some(c) => vec_position(list, c, "after", &ids)?.saturating_add(1),
        None => 0,
    };
    let mut hi = match &req.before {
        Some(c) => vec_position(list, c, "before", &ids)?,
        None => ids.len(),
    };
    lo = lo.min(ids.len());
    hi = hi.clamp(lo, ids.len());
    if req.backward {
        lo = lo.max(hi.saturating_sub(size));
    } else {
        hi = hi.min(lo.saturating_add(size));
    }
    let mut c = Connection::with_additional_fields(
        lo > 0,
        hi < ids.len(),
        ConnectionTotal {
            total_count: ids.len() as u64,
        },
    );
    c.edges.extend(
        items
            .into_iter()
            .enumerate()
            .skip(lo)
            .take(hi - lo)
            .map(|(i, n)| Edge::new(vec_cursor(list, ids[i], i), n)),
    );
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_and_last_together_are_refused() {
        let e = PageArgs::new(Some(2), None, Some(2), None).request(20, 200);
        assert_eq!(e.err().and_then(|e| e.field).as_deref(), Some("last"));
        let e = PageArgs::new(None, None, Some(201), None).request(20, 200);
        assert_eq!(
            e.err().and_then(|e| e.kind).as_deref(),
            Some("out_of_range")
        );
        let r = PageArgs::new(None, None, Some(5), Some("c".into())).request(20, 200);
        assert!(r.is_ok_and(|r| r.backward && r.size == 5));
    }

    #[test]
    fn vec_pages_walk_both_ways() {
        let items: Vec<i32> = (10..20).collect();
        let id = |n: &i32| i64::from(*n);
        let last = from_vec("t", items.clone(), id, &PageRequest::last(3)).unwrap();
        let got: Vec<i32> = last.edges.iter().map(|e| e.node).collect();
        assert_eq!(got, vec![17, 18, 19]);
        assert!(last.has_previous_page && !last.has_next_page);
        let before = last.edges[0].cursor.clone();
        let prev = from_vec("t", items.clone(), id, &PageRequest::before(3, before)).unwrap();
        let got: Vec<i32> = prev.edges.iter().map(|e| e.node).collect();
        assert_eq!(got, vec![14, 15, 16]);
        assert!(
            from_vec(
                "u",
                items,
                id,
                &PageRequest::after(3, prev.edges[0].cursor.clone())
            )
            .is_err()
        );
    }
}
