//! Actions and modifiers (DOMAIN.md §4.5–4.6): write-time validation into a compiled
//! [`Action`], and exact-decimal evaluation.
//!
//! Layout: this file holds the compiled types and the action-level validation; `modifiers`
//! validates and applies modifiers; `eval` computes a contribution.

mod eval;
mod modifiers;

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value as Json;

use crate::context::{FieldRef, FieldRegistry};
use crate::error::{DomainError, ErrorKind};
use crate::formula::Formula;

pub use eval::ActionError;
pub use modifiers::Modifiers;

/// The action types of §3, as accepted on input (case-insensitive).
pub const ACTION_TYPES: &[&str] = &[
    "fixed_value",
    "additive",
    "per_unit",
    "benchmark_based",
    "multiplier",
    "formula",
];

/// Metric aliases of `per_unit` and the paths they read (§4.5).
pub const METRIC_ALIASES: &[(&str, &str)] = &[
    ("per_gb", "listing.ram_gb"),
    ("per_tb", "listing.primary_storage_gb"),
    ("per_ram_spec_gb", "ram_spec.total_capacity_gb"),
    ("per_ram_speed", "ram_spec.speed_mhz"),
    ("per_primary_storage_gb", "storage.primary.capacity_gb"),
    ("per_secondary_storage_gb", "storage.secondary.capacity_gb"),
    ("per_core", "cpu.cores"),
    ("per_thread", "cpu.threads"),
];

/// Benchmark units and their divisors.
pub const BENCHMARK_UNITS: &[(&str, i64)] = &[
    ("per_point", 1),
    ("per_10_points", 10),
    ("per_100_points", 100),
    ("per_1000_points", 1000),
];

/// The largest |value| an action may carry.
pub const MAX_ACTION_VALUE: f64 = 1e9;

/// A validated, compiled action.
#[derive(Debug, Clone)]
pub struct Action {
    kind: ActionKind,
    modifiers: Modifiers,
    /// `baseline_placeholder`: the action adds exactly 0.
    placeholder: bool,
    type_name: &'static str,
    metric: Option<String>,
    value: Option<Decimal>,
    /// The contribution when it does not depend on the listing (see `eval`).
    constant: Option<Decimal>,
    /// True when the modifiers change nothing (worked out once: checking costs more than a
    /// per-unit product).
    unmodified: bool,
}

#[derive(Debug, Clone)]
enum ActionKind {
    Fixed(Decimal),
    /// `rate` already divided by 1000 for `per_tb` (exact: a power of ten only moves the
    /// decimal point), so evaluation is one multiplication.
    PerUnit {
        field: FieldRef,
        rate: Decimal,
    },
    /// `rate_per_point` = value ÷ unit divisor, exact for the same reason.
    Benchmark {
        field: FieldRef,
        rate_per_point: Decimal,
    },
    /// `value ÷ 100 − 1`, applied to the running price at the start of the rule.
    Multiplier(Decimal),
    Formula(Box<Formula>),
}

impl Action {
    /// The action's type name (`fixed_value`, …), for breakdowns.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// The metric as written, for breakdowns.
    pub fn metric(&self) -> Option<&str> {
        self.metric.as_deref()
    }

    /// The value as written, for breakdowns.
    pub fn value(&self) -> Option<Decimal> {
        self.value
    }

    /// The contribution when it is the same on every listing (what [`Action::eval`] returns
    /// then), so callers can skip the evaluation.
    #[inline]
    pub fn constant(&self) -> Option<Decimal> {
        self.constant
    }

    /// Validates one action (`{type, value, metric, unit_type, formula, modifiers}`) and
    /// compiles it. Error paths are relative to the action (`value`, `modifiers.clamp`).
    pub fn compile(json: &Json, registry: &FieldRegistry) -> Result<Action, DomainError> {
        let Some(obj) = json.as_object() else {
            return Err(DomainError::new(
                ErrorKind::InvalidValue,
                "",
                "an action must be an object",
            ));
        };
        let type_name = obj
            .get("type")
            .and_then(Json::as_str)
            .map(str::to_ascii_lowercase)
            .and_then(|t| ACTION_TYPES.iter().find(|k| **k == t).copied())
            .ok_or_else(|| {
                DomainError::new(
                    ErrorKind::UnknownActionType,
                    "type",
                    format!(
                        "unknown action type; expected one of {}",
                        ACTION_TYPES.join(", ")
                    ),
                )
            })?;
        let placeholder = obj
            .get("modifiers")
            .and_then(|m| m.get("baseline_placeholder"))
            .and_then(Json::as_bool)
            .unwrap_or(false);
        let value = match (type_name, placeholder) {
            ("formula", _) => None,
            (_, true) => obj.get("value").and_then(decimal),
            _ => Some(required_value(obj.get("value"), type_name)?),
        };
        let metric = obj.get("metric").and_then(Json::as_str).map(str::to_owned);
        let rate = value.unwrap_or_default();
        let kind = match type_name {
            "fixed_value" | "additive" => ActionKind::Fixed(rate),
            "per_unit" => {
                let (field, per_tb) = per_unit_metric(obj.get("metric"), registry)?;
                let rate = if per_tb {
                    rate / Decimal::ONE_THOUSAND
                } else {
                    rate
                };
                ActionKind::PerUnit { field, rate }
            }
            "benchmark_based" => {
                let field = benchmark_metric(obj.get("metric"), registry)?;
                let divisor = benchmark_divisor(obj.get("unit_type"))?;
                ActionKind::Benchmark {
                    field,
                    rate_per_point: rate / divisor,
                }
            }
            "multiplier" => ActionKind::Multiplier(rate / Decimal::ONE_HUNDRED - Decimal::ONE),
            _ => {
                let source = obj
                    .get("formula")
                    .and_then(Json::as_str)
                    .unwrap_or_default();
                let formula = Formula::compile(source, registry).map_err(|e| {
                    let mut err = DomainError::from(e);
                    err.path = "formula".into();
                    err
                })?;
                ActionKind::Formula(Box::new(formula))
            }
        };
        let modifiers = match obj.get("modifiers") {
            None | Some(Json::Null) => Modifiers::default(),
            Some(m) => Modifiers::compile(m).map_err(|e| e.within("modifiers"))?,
        };
        let unmodified = modifiers.is_identity();
        let mut action = Action {
            kind,
            modifiers,
            placeholder,
            type_name,
            metric,
            value,
            constant: None,
            unmodified,
        };
        action.constant = action.constant_contribution();
        Ok(action)
    }
}

/// An exact decimal from a JSON number, via its shortest round-trip text.
pub(crate) fn decimal(v: &Json) -> Option<Decimal> {
    match v {
        Json::Number(n) => match n.as_i64() {
            Some(i) => Some(Decimal::from(i)),
            None => Decimal::from_str(&n.to_string())
                .ok()
                .or_else(|| n.as_f64().and_then(crate::decimal::from_f64)),
        },
        _ => None,
    }
}

fn required_value(v: Option<&Json>, type_name: &str) -> Result<Decimal, DomainError> {
    let bad = |m: &str| DomainError::new(ErrorKind::InvalidValue, "value", m);
    let n = v
        .and_then(Json::as_f64)
        .ok_or_else(|| bad("`value` must be a number"))?;
    if n.abs() > MAX_ACTION_VALUE {
        return Err(bad("|value| must be at most 1e9"));
    }
    if type_name == "multiplier" && n <= 0.0 {
        return Err(bad(
            "a multiplier is a percentage factor > 0 (115 means ×1.15)",
        ));
    }
    v.and_then(decimal)
        .ok_or_else(|| bad("`value` must be a number"))
}

fn per_unit_metric(
    metric: Option<&Json>,
    registry: &FieldRegistry,
) -> Result<(FieldRef, bool), DomainError> {
    let name = metric_name(metric)?;
    let (path, per_tb) = match METRIC_ALIASES.iter().find(|(alias, _)| *alias == name) {
        Some((alias, path)) => (*path, *alias == "per_tb"),
        None => (name, false),
    };
    Ok((resolve_metric(path, registry)?, per_tb))
}

fn benchmark_metric(
    metric: Option<&Json>,
    registry: &FieldRegistry,
) -> Result<FieldRef, DomainError> {
    resolve_metric(metric_name(metric)?, registry)
}

fn metric_name(metric: Option<&Json>) -> Result<&str, DomainError> {
    metric
        .and_then(Json::as_str)
        .filter(|m| !m.trim().is_empty())
        .ok_or_else(|| {
            DomainError::new(
                ErrorKind::MissingMetric,
                "metric",
                "this action needs a `metric`",
            )
        })
}

fn resolve_metric(path: &str, registry: &FieldRegistry) -> Result<FieldRef, DomainError> {
    match registry.resolve(path) {
        Some(f) if !f.is_root() => Ok(f),
        _ => Err(DomainError::new(
            ErrorKind::UnknownMetric,
            "metric",
            format!("unknown metric `{path}`: use an alias (per_gb, per_core, …) or a field path"),
        )),
    }
}

fn benchmark_divisor(unit: Option<&Json>) -> Result<Decimal, DomainError> {
    let unit = match unit {
        None | Some(Json::Null) => "per_1000_points",
        Some(Json::String(s)) => s.as_str(),
        Some(_) => "",
    };
    BENCHMARK_UNITS
        .iter()
        .find(|(u, _)| u.eq_ignore_ascii_case(unit))
        .map(|(_, d)| Decimal::from(*d))
        .ok_or_else(|| {
            DomainError::new(
                ErrorKind::InvalidUnitType,
                "unit_type",
                "unit_type must be per_point, per_10_points, per_100_points or per_1000_points",
            )
        })
}
