//! Moves a listing's rule-dependent valuation outputs into their own narrow table.
//!
//! Why: a rule change alters only the adjusted price, the breakdown, the deal class, Δ % and the
//! two adjusted $/mark values. While those lived on `listings`, every revalued listing got a new
//! row version there, and a row version that changes an indexed column is never HOT: it took an
//! entry in every one of the ~20 indexes on `listings` (measured: ~10 µs of a ~20 µs budget
//! per index entry). `listing_valuations` carries only those outputs and their four indexes,
//! so a recalculation leaves `listings` untouched.
//!
//! - Every listing has exactly one valuation row: an `AFTER INSERT` trigger adds it (a
//!   statement-level trigger with a transition table on PostgreSQL, a row trigger on SQLite),
//!   and `ON DELETE CASCADE` removes it. Writers never insert it themselves.
//! - `listing_rows` is the listing as readers know it (every column of both tables, the
//!   listing's `id` as `id`); an inner join on the 1:1 key, so the planner may drive a page
//!   from either table's `(key, id)` index.
//! - Metrics that do not depend on rules (list-price $/mark, CPU/GPU scores, perf/watt,
//!   composite score) stay on `listings`: they change with the price or the catalogue, which
//!   rewrites the listing row anyway.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20250101_000003_listings::DEAL_CLASSES;
use crate::sql::{check_in, run};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The moved columns with their types, in `listing_valuations` order.
const MOVED: &[(&str, &str)] = &[
    ("adjusted_price_usd", "{MONEY}"),
    ("valuation_breakdown", "{JSON}"),
    ("valued_at", "{TS}"),
    ("deal_class", "VARCHAR(16)"),
    ("delta_pct", "{PCT}"),
    ("dollar_per_cpu_mark_multi_adjusted", "{RATIO}"),
    ("dollar_per_cpu_mark_single_adjusted", "{RATIO}"),
];

/// The indexes that move with the columns: (old name on `listings`, new name, key, partial?).
const MOVED_INDEXES: &[(&str, &str, &str, bool)] = &[
    (
        "ix_listings_adjusted",
        "ix_listing_valuations_adjusted",
        "{NUM:adjusted_price_usd}",
        false,
    ),
    (
        "ix_listings_dpm_multi_adj",
        "ix_listing_valuations_dpm_multi_adj",
        "{NUM:dollar_per_cpu_mark_multi_adjusted}",
        false,
    ),
    (
        "ix_listings_dpm_single_adj",
        "ix_listing_valuations_dpm_single_adj",
        "{NUM:dollar_per_cpu_mark_single_adjusted}",
        false,
    ),
    (
        "ix_listings_deal_class",
        "ix_listing_valuations_deal_class",
        "deal_class",
        true,
    ),
];

/// The columns `listings` keeps, in the order readers saw them before the move.
const LISTING_COLUMNS: &[&str] = &[
    "id",
    "title",
    "listing_url",
    "url_key",
    "other_urls",
    "seller",
    "price_usd",
    "price_date",
    "condition",
    "status",
    "manufacturer",
    "series",
    "model_number",
    "form_factor",
    "device_model",
    "cpu_id",
    "gpu_id",
    "ports_profile_id",
    "ram_spec_id",
    "primary_storage_profile_id",
    "secondary_storage_profile_id",
    "ram_gb",
    "primary_storage_gb",
    "secondary_storage_gb",
    "ram_notes",
    "primary_storage_type",
    "secondary_storage_type",
    "os_license",
    "notes",
    "other_components",
    "attributes",
    "ruleset_id",
    "score_cpu_multi",
    "score_cpu_single",
    "score_gpu",
    "perf_per_watt",
    "score_composite",
    "dollar_per_cpu_mark_multi",
    "dollar_per_cpu_mark_single",
    "created_at",
    "updated_at",
];

fn column_type(col: &str, ty: &str) -> String {
    if col == "deal_class" {
        format!("{ty} {}", check_in("deal_class", DEAL_CLASSES))
    } else {
        ty.to_owned()
    }
}

fn moved_names() -> Vec<&'static str> {
    MOVED.iter().map(|(c, _)| *c).collect()
}

fn view() -> String {
    let listing: Vec<String> = LISTING_COLUMNS.iter().map(|c| format!("l.{c}")).collect();
    let valuation: Vec<String> = moved_names().iter().map(|c| format!("v.{c}")).collect();
    format!(
        "CREATE VIEW listing_rows AS SELECT {}, {} FROM listings l \
         JOIN listing_valuations v ON v.listing_id = l.id",
        listing.join(", "),
        valuation.join(", ")
    )
}

fn index_sql(table: &str, name: &str, key: &str, id: &str, partial: bool) -> String {
    let filter = if partial {
        format!(" WHERE {key} IS NOT NULL")
    } else {
        String::new()
    };
    format!("CREATE INDEX {name} ON {table} ({key}, {id}){filter}")
}

fn trigger(backend: DbBackend) -> Vec<String> {
    if backend == DbBackend::Sqlite {
        vec![
            "CREATE TRIGGER tr_listings_valuation_row AFTER INSERT ON listings \
             BEGIN INSERT INTO listing_valuations (listing_id) VALUES (NEW.id); END"
                .to_owned(),
        ]
    } else {
        vec![
            "CREATE FUNCTION listing_valuation_rows() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN INSERT INTO listing_valuations (listing_id) SELECT id FROM added; \
             RETURN NULL; END $$"
                .to_owned(),
            "CREATE TRIGGER tr_listings_valuation_row AFTER INSERT ON listings \
             REFERENCING NEW TABLE AS added FOR EACH STATEMENT \
             EXECUTE FUNCTION listing_valuation_rows()"
                .to_owned(),
        ]
    }
}

fn up_script(backend: DbBackend) -> Vec<String> {
    let cols: Vec<String> = MOVED
        .iter()
        .map(|(c, t)| format!("  {c} {}", column_type(c, t)))
        .collect();
    let names = moved_names().join(", ");
    let mut s = vec![
        format!(
            "CREATE TABLE listing_valuations (\n  listing_id {{BIGINT}} PRIMARY KEY \
             REFERENCES listings (id) ON DELETE CASCADE,\n{}\n)",
            cols.join(",\n")
        ),
        format!(
            "INSERT INTO listing_valuations (listing_id, {names}) SELECT id, {names} FROM listings"
        ),
    ];
    for (old, new, key, partial) in MOVED_INDEXES {
        s.push(format!("DROP INDEX {old}"));
        s.push(index_sql(
            "listing_valuations",
            new,
            key,
            "listing_id",
            *partial,
        ));
    }
    for c in moved_names() {
        s.push(format!("ALTER TABLE listings DROP COLUMN {c}"));
    }
    s.extend(trigger(backend));
    s.push(view());
    s
}

fn down_script(backend: DbBackend) -> Vec<String> {
    let mut s = vec![
        "DROP VIEW listing_rows".to_owned(),
        "DROP TRIGGER tr_listings_valuation_row".to_owned() + on_listings(backend),
    ];
    if backend != DbBackend::Sqlite {
        s.push("DROP FUNCTION listing_valuation_rows()".to_owned());
    }
    for (c, t) in MOVED {
        s.push(format!(
            "ALTER TABLE listings ADD COLUMN {c} {}",
            column_type(c, t)
        ));
    }
    for c in moved_names() {
        s.push(format!(
            "UPDATE listings SET {c} = (SELECT v.{c} FROM listing_valuations v \
             WHERE v.listing_id = listings.id)"
        ));
    }
    for (old, new, key, partial) in MOVED_INDEXES {
        s.push(format!("DROP INDEX {new}"));
        s.push(index_sql("listings", old, key, "id", *partial));
    }
    s.push("DROP TABLE listing_valuations".to_owned());
    s
}

/// PostgreSQL names a trigger's table when dropping it; SQLite does not accept that.
fn on_listings(backend: DbBackend) -> &'static str {
    if backend == DbBackend::Sqlite {
        ""
    } else {
        " ON listings"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(
            manager,
            &up_script(manager.get_database_backend()).join(";\n"),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(
            manager,
            &down_script(manager.get_database_backend()).join(";\n"),
        )
        .await
    }
}
