//! Listing lists: filters, any sort key (see `listing_sort`), keyset (cursor) pagination.
//!
//! Every sort is `(key, id)` in one direction; for the indexed keys this matches the
//! `(key, id)` indexes of the migration, so a page is an index range scan whatever its depth.
//! Listings are read through the `listing_rows` view (aliased `listings`), which joins each
//! listing with its `listing_valuations` row.
//! Nullable keys (valuation outputs, optional components) put NULLs last: a page first walks the non-null range with a row-value bound
//! `(key, id) > (v, id0)`, then, when that runs out, the NULL rows by id. On SQLite decimal
//! text is compared and ordered through `CAST(key AS REAL)`, the expression the indexes use.

use chrono::{DateTime, Utc};
use domain::model::{Condition, DealClass, Listing, ListingStatus};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde_json::Value as Json;

use super::listing_sort::{Kind, Part};
pub use super::listing_sort::{ListingSort, ListingSortKey};
use super::listings::listing_record;
use crate::dec::Sql;
use crate::entity::listing;
use crate::error::{Result, StoreError};
use crate::page::{Cursor, Page, PageRequest};
use crate::store::Store;

/// Listing filters; every set field must hold (AND), lists mean "any of".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListingFilter {
    pub price_min: Option<Decimal>,
    pub price_max: Option<Decimal>,
    pub adjusted_min: Option<Decimal>,
    pub adjusted_max: Option<Decimal>,
    pub conditions: Vec<Condition>,
    pub statuses: Vec<ListingStatus>,
    pub cpu_ids: Vec<i64>,
    pub gpu_ids: Vec<i64>,
    /// The linked CPU's manufacturer (exact, case-insensitive).
    pub cpu_manufacturer: Option<String>,
    /// Exact.
    pub form_factor: Option<String>,
    /// Exact.
    pub manufacturer: Option<String>,
    pub min_ram_gb: Option<i32>,
    pub deal_classes: Vec<DealClass>,
    /// Substring of title or device model, ignoring case; `%`, `_` and `\` match literally.
    pub search: Option<String>,
    /// Custom values equal to the given JSON (`attributes.<key> == value`).
    pub custom: Vec<(String, Json)>,
}

/// Escapes LIKE metacharacters with `\`.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

pub(super) fn num_expr(q: &Sql, col: &str) -> String {
    if q.is_sqlite() {
        format!("CAST({col} AS REAL)")
    } else {
        col.to_owned()
    }
}

fn bind_dec(q: &mut Sql, d: Decimal) {
    if q.is_sqlite() {
        q.bind(Value::Double(Some(d.to_f64().unwrap_or(0.0))));
    } else {
        q.bind(Value::Decimal(Some(d)));
    }
}

fn in_list<T: Into<Value> + Clone>(q: &mut Sql, col: &str, values: &[T]) {
    if values.is_empty() {
        return;
    }
    q.push(" AND ").push(col).push(" IN (");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(v.clone());
    }
    q.push(")");
}

pub(super) fn push_filters(q: &mut Sql, f: &ListingFilter) -> Result<()> {
    for (col, op, v) in [
        ("price_usd", ">=", f.price_min),
        ("price_usd", "<=", f.price_max),
        ("adjusted_price_usd", ">=", f.adjusted_min),
        ("adjusted_price_usd", "<=", f.adjusted_max),
    ] {
        if let Some(v) = v {
            let e = num_expr(q, col);
            q.push(&format!(" AND {e} {op} "));
            bind_dec(q, v);
        }
    }
    let strs = |v: Vec<&'static str>| v.into_iter().map(str::to_owned).collect::<Vec<String>>();
    in_list(
        q,
        "condition",
        &strs(f.conditions.iter().map(|c| c.as_str()).collect()),
    );
    in_list(
        q,
        "status",
        &strs(f.statuses.iter().map(|c| c.as_str()).collect()),
    );
    in_list(
        q,
        "deal_class",
        &strs(f.deal_classes.iter().map(|c| c.as_str()).collect()),
    );
    in_list(q, "cpu_id", &f.cpu_ids);
    in_list(q, "gpu_id", &f.gpu_ids);
    if let Some(m) = &f.cpu_manufacturer {
        q.push(" AND cpu_id IN (SELECT id FROM cpus WHERE lower(manufacturer) = ")
            .bind(m.trim().to_lowercase())
            .push(")");
    }
    if let Some(v) = &f.form_factor {
        q.push(" AND form_factor = ").bind(v.clone());
    }
    if let Some(v) = &f.manufacturer {
        q.push(" AND manufacturer = ").bind(v.clone());
    }
    if let Some(v) = f.min_ram_gb {
        q.push(" AND ram_gb >= ").bind(v);
    }
    if let Some(s) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        // SQLite's LIKE ignores ASCII case already; PostgreSQL needs ILIKE.
        let like = if q.is_sqlite() { "LIKE" } else { "ILIKE" };
        let pat = like_pattern(s);
        q.push(&format!(" AND (title {like} ")).bind(pat.clone());
        q.push(&format!(" ESCAPE '\\' OR device_model {like} "))
            .bind(pat)
            .push(" ESCAPE '\\')");
    }
    for (key, value) in &f.custom {
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(StoreError::validation("custom", "not a custom field key"));
        }
        if q.is_sqlite() {
            // `->` yields the minified JSON text of the member; `json(?)` minifies ours.
            q.push(" AND attributes -> ")
                .bind(format!("$.{key}"))
                .push(" = json(");
            q.bind(value.to_string()).push(")");
        } else {
            q.push(" AND attributes -> ")
                .bind(key.clone())
                .push(" = ")
                .bind(value.clone());
        }
    }
    Ok(())
}

fn bind_key(q: &mut Sql, kind: Kind, v: &Json, field: &str) -> Result<()> {
    let bad = || StoreError::validation(field, "not a cursor of this list");
    if kind == Kind::Int {
        q.bind(v.as_i64().ok_or_else(bad)?);
        return Ok(());
    }
    let s = v.as_str().ok_or_else(bad)?;
    match kind {
        Kind::Decimal => bind_dec(q, s.parse::<Decimal>().map_err(|_| bad())?),
        Kind::Time => {
            let t: DateTime<Utc> = DateTime::parse_from_rfc3339(s)
                .map_err(|_| bad())?
                .with_timezone(&Utc);
            q.bind(t);
        }
        Kind::Text | Kind::Int => {
            q.bind(s.to_owned());
        }
    }
    Ok(())
}

impl Store {
    /// How many listings match `filter` (one COUNT with the same conditions as
    /// [`Store::list_listings`]).
    pub async fn count_matching_listings(&self, filter: &ListingFilter) -> Result<u64> {
        let mut q = Sql::new(self.backend);
        q.push("SELECT COUNT(*) AS n FROM listing_rows listings WHERE 1 = 1");
        push_filters(&mut q, filter)?;
        let row = self
            .db
            .query_one_raw(q.build())
            .await?
            .ok_or_else(|| StoreError::internal("COUNT returned no row"))?;
        let n: i64 = row.try_get("", "n")?;
        u64::try_from(n).map_err(|_| StoreError::internal("negative count"))
    }

    /// A page of listings matching `filter` in `sort` order (ties by id, NULL keys last),
    /// forward or backward (see [`PageRequest`]).
    pub async fn list_listings(
        &self,
        filter: &ListingFilter,
        mut sort: ListingSort,
        req: &PageRequest,
    ) -> Result<Page<Listing>> {
        if let ListingSortKey::BoardRank(Some(p)) = sort.key {
            // The default profile's scores are the listing's own column, as on the board.
            let profile = self
                .scoring_profile(p)
                .await?
                .ok_or_else(|| StoreError::validation("profileId", "no such scoring profile"))?;
            if profile.data.is_default {
                sort.key = ListingSortKey::BoardRank(None);
            }
        }
        let limit = req.limit();
        let tag = sort.tag();
        let (after, before) = req.bounds(&tag)?;
        let (_, nullable) = sort.key.parts(self.backend == sea_orm::DbBackend::Sqlite);
        let segment = |c: &Cursor| usize::from(nullable && c.v.is_null());
        // The list is the non-null segment, then (for nullable keys) the NULL segment; a
        // backward page walks them in reverse.
        let order: &[usize] = match (nullable, req.backward) {
            (false, _) => &[0],
            (true, false) => &[0, 1],
            (true, true) => &[1, 0],
        };
        let mut rows = Vec::new();
        for &seg in order {
            let want = limit + 1 - rows.len() as u64;
            if want == 0 {
                break;
            }
            if after.as_ref().is_some_and(|c| segment(c) > seg)
                || before.as_ref().is_some_and(|c| segment(c) < seg)
            {
                continue;
            }
            let q = segment_query(
                self.backend,
                filter,
                sort,
                Segment {
                    nulls: seg == 1,
                    after: after.as_ref().filter(|c| segment(c) == seg),
                    before: before.as_ref().filter(|c| segment(c) == seg),
                    backward: req.backward,
                    limit: want,
                },
            )?;
            rows.extend(self.db.query_all_raw(q.build()).await?);
        }
        let items = rows
            .iter()
            .map(|r| {
                let l = listing::Model::from_query_result(r, "")
                    .map_err(StoreError::from)
                    .and_then(listing_record)?;
                let v = sort.key.value(&l, r)?;
                Ok((l, v))
            })
            .collect::<Result<Vec<_>>>()?;
        let page = crate::page::finish(items, req, |(l, v)| Cursor {
            s: tag.clone(),
            v: v.clone(),
            id: l.id,
        });
        Ok(Page {
            items: page.items.into_iter().map(|(l, _)| l).collect(),
            cursors: page.cursors,
            has_next: page.has_next,
            has_previous: page.has_previous,
        })
    }
}

/// One contiguous part of a listing order: the rows with a non-null key, or the NULL rows
/// (ordered by id alone), between optional cursors of that part.
struct Segment<'a> {
    nulls: bool,
    after: Option<&'a Cursor>,
    before: Option<&'a Cursor>,
    backward: bool,
    limit: u64,
}

fn segment_query(
    backend: sea_orm::DbBackend,
    filter: &ListingFilter,
    sort: ListingSort,
    seg: Segment<'_>,
) -> Result<Sql> {
    let (parts, nullable) = sort.key.parts(backend == sea_orm::DbBackend::Sqlite);
    let mut q = Sql::new(backend);
    q.push("SELECT listings.*");
    if let Some(joined) = sort.key.joined() {
        q.push(&format!(", {joined} AS sort_k0"));
    }
    q.push(" FROM listing_rows listings WHERE 1 = 1");
    push_filters(&mut q, filter)?;
    let keyed: &[Part] = if seg.nulls { &[] } else { &parts };
    if nullable {
        let is = if seg.nulls { "IS NULL" } else { "IS NOT NULL" };
        for p in &parts {
            q.push(&format!(" AND {} {is}", p.expr));
        }
    }
    // `>` means "later in the list" for an ascending sort, `<` for a descending one.
    let (later, earlier) = if sort.descending {
        ("<", ">")
    } else {
        (">", "<")
    };
    let row: String = keyed
        .iter()
        .map(|p| format!("{}, ", p.expr))
        .chain(["id".to_owned()])
        .collect();
    for (c, op, field) in [(seg.after, later, "after"), (seg.before, earlier, "before")] {
        let Some(c) = c else { continue };
        q.push(&format!(" AND ({row}) {op} ("));
        // One part: the value itself; more: an array with one value per part.
        let values: Vec<&Json> = match keyed.len() {
            0 => vec![],
            1 => vec![&c.v],
            n => {
                let a = c.v.as_array().filter(|a| a.len() == n);
                a.ok_or_else(|| StoreError::validation(field, "not a cursor of this list"))?
                    .iter()
                    .collect()
            }
        };
        for (p, v) in keyed.iter().zip(&values) {
            bind_key(&mut q, p.kind, v, field)?;
            q.push(", ");
        }
        q.bind(c.id).push(")");
        // The same bound on the leading key alone, implied by the row bound: a row comparison
        // is an index condition only when all its columns belong to one index, and the
        // `listing_rows` view's `id` is `listings.id` while the valuation keys' indexes are
        // `(key, listing_id)` on `listing_valuations`. This one always is.
        if let (Some(p), Some(v)) = (keyed.first(), values.first()) {
            q.push(&format!(" AND {} {op}= ", p.expr));
            bind_key(&mut q, p.kind, v, field)?;
        }
    }
    let dir = if sort.descending != seg.backward {
        "DESC"
    } else {
        "ASC"
    };
    let order: Vec<String> = keyed
        .iter()
        .map(|p| format!("{} {dir}", p.expr))
        .chain([format!("id {dir}")])
        .collect();
    q.push(&format!(" ORDER BY {}", order.join(", ")));
    q.push(&format!(" LIMIT {}", seg.limit));
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_metacharacters_are_escaped() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
