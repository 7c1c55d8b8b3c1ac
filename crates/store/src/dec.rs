//! Decimals and raw SQL helpers shared by the repositories.
//!
//! [`Dec`] is how decimal columns are read and written: PostgreSQL keeps them as NUMERIC,
//! SQLite as canonical decimal text (sea-query binds a `Decimal` as its text there). SeaORM's
//! own `Decimal` getter reads SQLite through `f64`, which would lose digits, so `Dec` reads text
//! first and falls back to NUMERIC.

use chrono::{DateTime, SubsecRound, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbBackend, QueryResult, Statement, TryGetError, TryGetable, Value};

/// A decimal column value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Dec(pub Decimal);

impl Dec {
    /// Money: 2 places, so SQLite text is canonical (`19.90`) like PostgreSQL's.
    pub(crate) fn money(d: Decimal) -> Dec {
        Dec(scaled(d, 2))
    }

    /// Ratios and scores: 4 places.
    pub(crate) fn ratio(d: Decimal) -> Dec {
        Dec(scaled(d, 4))
    }
}

fn scaled(mut d: Decimal, dp: u32) -> Decimal {
    d = d.round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    d.rescale(dp);
    d
}

impl From<Dec> for Value {
    fn from(d: Dec) -> Value {
        Value::Decimal(Some(d.0))
    }
}

impl TryGetable for Dec {
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        // SQLite: the stored text. PostgreSQL refuses NUMERIC as text and we fall back.
        match <Option<String> as TryGetable>::try_get_by(res, idx) {
            Ok(Some(text)) => text.trim().parse::<Decimal>().map(Dec).map_err(|e| {
                TryGetError::DbErr(sea_orm::DbErr::Type(format!("bad decimal text: {e}")))
            }),
            Ok(None) => Err(TryGetError::Null(format!("{idx:?}"))),
            Err(TryGetError::Null(c)) => Err(TryGetError::Null(c)),
            Err(_) => <Decimal as TryGetable>::try_get_by(res, idx).map(Dec),
        }
    }
}

impl ValueType for Dec {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        <Decimal as ValueType>::try_from(v).map(Dec)
    }

    fn type_name() -> String {
        "Dec".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::Decimal
    }

    fn column_type() -> ColumnType {
        ColumnType::Decimal(None)
    }
}

impl Nullable for Dec {
    fn null() -> Value {
        Value::Decimal(None)
    }
}

/// Money as a bindable value.
pub(crate) fn money(d: Option<Decimal>) -> Value {
    match d {
        Some(d) => Dec::money(d).into(),
        None => Value::Decimal(None),
    }
}

/// A ratio as a bindable value.
pub(crate) fn ratio(d: Option<Decimal>) -> Value {
    match d {
        Some(d) => Dec::ratio(d).into(),
        None => Value::Decimal(None),
    }
}

/// The current time at microsecond precision (what PostgreSQL keeps), so values round-trip.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A raw statement under construction: SQL text plus values, with the placeholder syntax of
/// the backend (`$n` or `?`).
#[derive(Debug)]
pub(crate) struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub(crate) fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            text: String::with_capacity(256),
            values: Vec::new(),
        }
    }

    /// Appends SQL text.
    pub(crate) fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends a placeholder bound to `v`.
    pub(crate) fn bind(&mut self, v: impl Into<Value>) -> &mut Self {
        self.values.push(v.into());
        if self.backend == DbBackend::Sqlite {
            self.text.push('?');
        } else {
            self.text.push('$');
            self.text.push_str(&self.values.len().to_string());
        }
        self
    }

    pub(crate) fn is_sqlite(&self) -> bool {
        self.backend == DbBackend::Sqlite
    }

    pub(crate) fn build(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}
