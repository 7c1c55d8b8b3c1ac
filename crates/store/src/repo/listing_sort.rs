//! Listing sort keys: the SQL each one orders by and the cursor value of a row.
//!
//! A key is one SQL expression (`part`) ordered with `id` as the tiebreak, or, for the deal
//! board's rank, two expressions. The keys with a `(key, id)` index (see the listings
//! migration) use the indexed expression; the others (Δ, Δ %, deal class, CPU, GPU, RAM,
//! storage, form factor, board rank) sort the filtered set: indexing them would add a btree
//! entry to every valuation write (store README, "Why 50,000/s is out of reach"), and they are
//! board columns, not the hot ranking path.

use domain::model::{DealClass, Listing};
use rust_decimal::Decimal;
use sea_orm::QueryResult;
use serde_json::{Value as Json, json};

use crate::dec::Dec;
use crate::error::Result;

/// What listings can be sorted by (`id` breaks ties).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListingSortKey {
    #[default]
    Id,
    Price,
    AdjustedPrice,
    DollarPerMarkMulti,
    DollarPerMarkMultiAdjusted,
    DollarPerMarkSingle,
    DollarPerMarkSingleAdjusted,
    ScoreComposite,
    PerfPerWatt,
    CreatedAt,
    UpdatedAt,
    Title,
    /// List − adjusted price, as `Listing.delta` (NULL without an adjusted price).
    Delta,
    /// The stored delta percentage.
    DeltaPct,
    /// Deal class by rank: great deal first, premium last (not alphabetical).
    DealClass,
    /// The linked CPU's name, ignoring case (`cpus.name_key`).
    Cpu,
    /// The linked GPU's name, ignoring case (`gpus.name_key`).
    Gpu,
    /// Total RAM in GB.
    RamGb,
    /// Primary storage in GB.
    StorageGb,
    /// Form factor text.
    FormFactor,
    /// The deal board's order (DOMAIN.md §5.4) of a scoring profile (`None` or the default
    /// profile: the stored composite score): score descending, then adjusted $/multi-mark
    /// ascending, missing values last in both, then id. Descending is that order reversed.
    BoardRank(Option<i64>),
}

/// How a cursor value is bound back into SQL.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Kind {
    Decimal,
    Int,
    Time,
    Text,
}

/// One ordered expression of a sort.
#[derive(Debug)]
pub(super) struct Part {
    /// The expression compared and ordered by (already in SQLite's `REAL` form there).
    pub expr: String,
    pub kind: Kind,
}

/// Larger than any stored ratio or score (NUMERIC(18,4)): stands in for a missing board value
/// so the two-part board order needs no NULL segments (see [`ListingSortKey::parts`]).
const MISSING: &str = "1000000000000000000";

/// The SQL rank of a deal class: 1 = great deal … 6 = premium.
const CLASS_RANK: &str = "CASE deal_class WHEN 'great_deal' THEN 1 WHEN 'good_deal' THEN 2 \
    WHEN 'light_saving' THEN 3 WHEN 'neutral' THEN 4 WHEN 'light_premium' THEN 5 \
    WHEN 'premium' THEN 6 END";

fn class_rank(c: DealClass) -> i64 {
    match c {
        DealClass::GreatDeal => 1,
        DealClass::GoodDeal => 2,
        DealClass::LightSaving => 3,
        DealClass::Neutral => 4,
        DealClass::LightPremium => 5,
        DealClass::Premium => 6,
    }
}

fn num(sqlite: bool, col: &str) -> String {
    if sqlite {
        format!("CAST({col} AS REAL)")
    } else {
        col.to_owned()
    }
}

impl ListingSortKey {
    /// The stable name used in cursors.
    pub(super) fn name(self) -> String {
        use ListingSortKey::*;
        match self {
            Id => "id".into(),
            Price => "price_usd".into(),
            AdjustedPrice => "adjusted_price_usd".into(),
            DollarPerMarkMulti => "dollar_per_cpu_mark_multi".into(),
            DollarPerMarkMultiAdjusted => "dollar_per_cpu_mark_multi_adjusted".into(),
            DollarPerMarkSingle => "dollar_per_cpu_mark_single".into(),
            DollarPerMarkSingleAdjusted => "dollar_per_cpu_mark_single_adjusted".into(),
            ScoreComposite => "score_composite".into(),
            PerfPerWatt => "perf_per_watt".into(),
            CreatedAt => "created_at".into(),
            UpdatedAt => "updated_at".into(),
            Title => "title".into(),
            Delta => "delta".into(),
            DeltaPct => "delta_pct".into(),
            DealClass => "deal_class".into(),
            Cpu => "cpu".into(),
            Gpu => "gpu".into(),
            RamGb => "ram_gb".into(),
            StorageGb => "primary_storage_gb".into(),
            FormFactor => "form_factor".into(),
            BoardRank(None) => "board".into(),
            BoardRank(Some(p)) => format!("board{p}"),
        }
    }

    /// The ordered expressions (none for `Id`) and whether the single part may be NULL
    /// (nullable keys are walked as a non-null segment, then a NULL segment by id).
    ///
    /// The board rank has two parts, both nullable, and NULLs last in each: segmenting by
    /// NULL pattern would put a high score with no $/mark after every row that has one, so
    /// missing values become [`MISSING`] instead and the score is negated, which keeps the
    /// row-value comparison one-directional.
    pub(super) fn parts(self, sqlite: bool) -> (Vec<Part>, bool) {
        use ListingSortKey::*;
        let dec = |col: &str| Part {
            expr: num(sqlite, col),
            kind: Kind::Decimal,
        };
        let part = |expr: &str, kind| Part {
            expr: expr.to_owned(),
            kind,
        };
        match self {
            Id => (vec![], false),
            Price => (vec![dec("price_usd")], false),
            AdjustedPrice => (vec![dec("adjusted_price_usd")], true),
            DollarPerMarkMulti => (vec![dec("dollar_per_cpu_mark_multi")], true),
            DollarPerMarkMultiAdjusted => (vec![dec("dollar_per_cpu_mark_multi_adjusted")], true),
            DollarPerMarkSingle => (vec![dec("dollar_per_cpu_mark_single")], true),
            DollarPerMarkSingleAdjusted => (vec![dec("dollar_per_cpu_mark_single_adjusted")], true),
            ScoreComposite => (vec![dec("score_composite")], true),
            PerfPerWatt => (vec![dec("perf_per_watt")], true),
            CreatedAt => (vec![part("created_at", Kind::Time)], false),
            UpdatedAt => (vec![part("updated_at", Kind::Time)], false),
            Title => (vec![part("title", Kind::Text)], false),
            Delta => {
                // Money has 2 places, so the difference does too; ROUND makes SQLite's REAL
                // difference the same double as the cursor's decimal text.
                let expr = if sqlite {
                    "ROUND(CAST(price_usd AS REAL) - CAST(adjusted_price_usd AS REAL), 2)".into()
                } else {
                    "(price_usd - adjusted_price_usd)".into()
                };
                (
                    vec![Part {
                        expr,
                        kind: Kind::Decimal,
                    }],
                    true,
                )
            }
            DeltaPct => (vec![dec("delta_pct")], true),
            DealClass => (vec![part(&format!("({CLASS_RANK})"), Kind::Int)], true),
            Cpu | Gpu => (
                vec![part(&self.joined().unwrap_or_default(), Kind::Text)],
                true,
            ),
            RamGb => (vec![part("ram_gb", Kind::Int)], true),
            StorageGb => (vec![part("primary_storage_gb", Kind::Int)], true),
            FormFactor => (vec![part("form_factor", Kind::Text)], true),
            BoardRank(profile) => {
                let score = match profile {
                    Some(_) => num(sqlite, &self.joined().unwrap_or_default()),
                    None => num(sqlite, "score_composite"),
                };
                let per_mark = num(sqlite, "dollar_per_cpu_mark_multi_adjusted");
                (
                    vec![
                        part(&format!("COALESCE(-{score}, {MISSING})"), Kind::Decimal),
                        part(&format!("COALESCE({per_mark}, {MISSING})"), Kind::Decimal),
                    ],
                    false,
                )
            }
        }
    }

    /// A value the listing row does not hold, selected beside it as `sort_k0` so its cursor
    /// can be made: the CPU/GPU name or another profile's score.
    pub(super) fn joined(self) -> Option<String> {
        match self {
            Self::Cpu => {
                Some("(SELECT c.name_key FROM cpus c WHERE c.id = listings.cpu_id)".into())
            }
            Self::Gpu => {
                Some("(SELECT g.name_key FROM gpus g WHERE g.id = listings.gpu_id)".into())
            }
            // The profile id is ours (an i64), not client text, so it is written inline.
            Self::BoardRank(Some(p)) => Some(format!(
                "(SELECT s.score FROM listing_scores s WHERE s.listing_id = listings.id \
                 AND s.profile_id = {p})"
            )),
            _ => None,
        }
    }

    /// The cursor value of a row: the part's value (NULL for a NULL key), an array for the
    /// two-part board rank. `row` is the query row holding `sort_k0` (see [`Self::joined`]).
    pub(super) fn value(self, l: &Listing, row: &QueryResult) -> Result<Json> {
        use ListingSortKey::*;
        let d = |v: Option<Decimal>| v.map(|d| json!(d.to_string())).unwrap_or(Json::Null);
        let v = &l.valuation;
        Ok(match self {
            Id => Json::Null,
            Price => json!(l.data.price_usd.to_string()),
            AdjustedPrice => d(v.adjusted_price_usd),
            DollarPerMarkMulti => d(v.dollar_per_cpu_mark_multi),
            DollarPerMarkMultiAdjusted => d(v.dollar_per_cpu_mark_multi_adjusted),
            DollarPerMarkSingle => d(v.dollar_per_cpu_mark_single),
            DollarPerMarkSingleAdjusted => d(v.dollar_per_cpu_mark_single_adjusted),
            ScoreComposite => d(v.score_composite),
            PerfPerWatt => d(v.perf_per_watt),
            CreatedAt => json!(l.created_at.to_rfc3339()),
            UpdatedAt => json!(l.updated_at.to_rfc3339()),
            Title => json!(l.data.title),
            Delta => d(v.adjusted_price_usd.map(|a| l.data.price_usd - a)),
            DeltaPct => d(v.delta_pct),
            DealClass => v
                .deal_class
                .map(|c| json!(class_rank(c)))
                .unwrap_or_default(),
            Cpu | Gpu => json!(row.try_get::<Option<String>>("", "sort_k0")?),
            RamGb => json!(l.data.ram_gb),
            StorageGb => json!(l.data.primary_storage_gb),
            FormFactor => json!(l.data.form_factor),
            BoardRank(profile) => {
                let score = match profile {
                    Some(_) => row.try_get::<Option<Dec>>("", "sort_k0")?.map(|d| d.0),
                    None => v.score_composite,
                };
                let or_missing =
                    |x: Option<Decimal>| x.map_or(MISSING.to_owned(), |d| d.to_string());
                json!([
                    or_missing(score.map(|s| -s)),
                    or_missing(v.dollar_per_cpu_mark_multi_adjusted)
                ])
            }
        })
    }
}

/// A sort: key and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ListingSort {
    pub key: ListingSortKey,
    pub descending: bool,
}

impl ListingSort {
    pub fn asc(key: ListingSortKey) -> Self {
        Self {
            key,
            descending: false,
        }
    }

    pub fn desc(key: ListingSortKey) -> Self {
        Self {
            key,
            descending: true,
        }
    }

    pub(super) fn tag(&self) -> String {
        let dir = if self.descending { "desc" } else { "asc" };
        format!("{}:{dir}", self.key.name())
    }
}
