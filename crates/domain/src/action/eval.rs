//! Evaluation of one compiled action: the base value, then the modifiers, then the range check.

use std::fmt;

use rust_decimal::Decimal;

use super::{Action, ActionKind};
use crate::context::{Context, FieldRef, Reads};
use crate::decimal::{Running, from_f64, mul, mul_whole, whole};
use crate::error::ErrorKind;
use crate::value::Value;

/// An action that failed at evaluation; it contributes 0 and the rest still count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionError {
    /// The kind (`missing_value`, `not_numeric`, `out_of_range` or a formula kind).
    pub kind: ErrorKind,
    /// A message for people.
    pub message: String,
}

impl fmt::Display for ActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

fn fail(kind: ErrorKind, message: impl Into<String>) -> ActionError {
    ActionError {
        kind,
        message: message.into(),
    }
}

/// A quantity or score as a decimal, `None` when null. Inlined for the common case, a number
/// with a decimal form; other kinds and failures go out of line, so the call and the large
/// error-carrying return stay off the path taken for nearly every per-unit action.
#[inline(always)]
fn quantity(v: &Value, what: &'static str) -> Result<Option<Decimal>, ActionError> {
    if let Value::Num(n) = v
        && let Some(d) = from_f64(*n)
    {
        return Ok(Some(d));
    }
    quantity_other(v, what)
}

/// [`quantity`] for everything but a number with a decimal form.
#[inline(never)]
fn quantity_other(v: &Value, what: &'static str) -> Result<Option<Decimal>, ActionError> {
    if v.is_null() {
        return Ok(None);
    }
    let n = v.as_number().ok_or_else(|| {
        fail(
            ErrorKind::NotNumeric,
            format!("{what} is a {}, not a number", v.kind_name()),
        )
    })?;
    from_f64(n)
        .map(Some)
        .ok_or_else(|| fail(ErrorKind::OutOfRange, format!("{what} is out of range")))
}

impl Action {
    /// The action's contribution on `ctx`, where `running_price` is the running price at the
    /// start of the rule (what a multiplier sees).
    pub fn eval(&self, ctx: &Context, running_price: Decimal) -> Result<Decimal, ActionError> {
        self.eval_at(ctx, Running::new(running_price))
    }

    /// [`Action::eval`] with the running price as the valuation loop keeps it: only a
    /// multiplier packs it into a decimal.
    #[inline]
    pub(crate) fn eval_at(
        &self,
        ctx: &Context,
        running_price: Running,
    ) -> Result<Decimal, ActionError> {
        if let Some(c) = self.constant {
            return Ok(c);
        }
        let base = match &self.kind {
            ActionKind::Fixed(v) => *v,
            ActionKind::PerUnit { field, rate } => match ctx.value(field) {
                Value::Num(n) if let Some(q) = whole(*n) => mul_whole(q, *rate),
                v => mul(quantity(v, "the quantity")?.unwrap_or_default(), *rate),
            }
            .ok_or_else(overflow)?,
            ActionKind::Benchmark {
                field,
                rate_per_point,
            } => match ctx.value(field) {
                Value::Num(n) if let Some(q) = whole(*n) => mul_whole(q, *rate_per_point),
                v => {
                    let score = quantity(v, "the benchmark score")?.ok_or_else(|| {
                        fail(ErrorKind::MissingValue, "the benchmark score is missing")
                    })?;
                    mul(score, *rate_per_point)
                }
            }
            .ok_or_else(overflow)?,
            ActionKind::Multiplier(factor) => {
                mul(running_price.get(), *factor).ok_or_else(overflow)?
            }
            ActionKind::Formula(formula) => {
                let r = formula.eval(ctx).map_err(|e| fail(e.kind, e.message))?;
                from_f64(r).ok_or_else(|| {
                    fail(ErrorKind::OutOfRange, "the formula result is out of range")
                })?
            }
        };
        let x = if self.unmodified {
            base
        } else {
            self.modifiers.apply(base, ctx).ok_or_else(overflow)?
        };
        if exceeds_max(x) {
            return Err(fail(
                ErrorKind::OutOfRange,
                format!("the contribution {x} exceeds 1e12 in size"),
            ));
        }
        Ok(x)
    }
}

impl Action {
    /// The parts of a context (and the running price) the contribution depends on; a
    /// constant depends on nothing.
    pub(crate) fn reads(&self) -> Reads {
        if self.constant.is_some() {
            return Reads::NOTHING;
        }
        let base = match &self.kind {
            ActionKind::Fixed(_) => Reads::NOTHING,
            ActionKind::PerUnit { field, .. } | ActionKind::Benchmark { field, .. } => {
                Reads::field(field)
            }
            ActionKind::Multiplier(_) => Reads::PRICE,
            ActionKind::Formula(f) => f.reads(),
        };
        if self.unmodified || !self.modifiers.reads_listing() {
            base
        } else {
            base.with(Reads::LISTING)
        }
    }

    /// The fields a contribution worth remembering is computed from, when they are plain
    /// fields: a formula's, or a modified action's quantity and the listing fields its
    /// modifiers read. The contribution is then a function of their values alone (what
    /// [`Action::reads`] says at the granularity of fields). `None` for a constant, a
    /// multiplier (it reads the running price), an unmodified per-unit or benchmark action
    /// (one product: cheaper than a lookup) and a formula reading a whole root.
    pub(crate) fn inputs(&self) -> Option<Vec<FieldRef>> {
        if self.constant.is_some() {
            return None;
        }
        let mut fields = match &self.kind {
            ActionKind::Formula(f) => f.inputs()?,
            _ if self.unmodified => return None,
            ActionKind::Fixed(_) => Vec::new(),
            ActionKind::PerUnit { field, .. } | ActionKind::Benchmark { field, .. } => {
                vec![field.clone()]
            }
            ActionKind::Multiplier(_) => return None,
        };
        if !self.unmodified {
            for f in self.modifiers.inputs() {
                if !fields.contains(&f) {
                    fields.push(f);
                }
            }
        }
        Some(fields)
    }

    /// The contribution when it is the same on every listing: a placeholder's 0, or a fixed
    /// value whose modifiers read nothing of the listing (at most a clamp) and that stays in
    /// range. Everything else is evaluated per listing.
    pub(super) fn constant_contribution(&self) -> Option<Decimal> {
        if self.placeholder {
            return Some(Decimal::ZERO);
        }
        match self.kind {
            ActionKind::Fixed(v) if !self.modifiers.reads_listing() => {
                let empty = Context::new();
                self.modifiers.apply(v, &empty).filter(|x| !exceeds_max(*x))
            }
            _ => None,
        }
    }
}

fn overflow() -> ActionError {
    fail(
        ErrorKind::OutOfRange,
        "the contribution is outside the decimal range",
    )
}

/// |x| > 1e12, the largest |contribution| an action may make (checked after all modifiers):
/// |mantissa| > 10^(12 + scale). Past scale 16 that bound is above 2^96, which
/// no mantissa reaches.
fn exceeds_max(x: Decimal) -> bool {
    const TRILLION: u128 = 1_000_000_000_000;
    let m = x.mantissa().unsigned_abs();
    m > TRILLION && x.scale() <= 16 && m > TRILLION * 10u128.pow(x.scale())
}

#[cfg(test)]
mod tests {
    use super::exceeds_max;

    /// 1e12, the bound as a decimal: the reference for `exceeds_max`.
    const MAX_CONTRIBUTION: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

    #[test]
    fn decimal_overflow_is_out_of_range_not_a_panic() {
        use crate::action::Action;
        use crate::context::{Context, FieldRegistry};
        use crate::error::ErrorKind;
        let ctx = Context::from_json(&serde_json::json!({"listing": {}, "custom": {"huge": 1e25}}));
        let registry = FieldRegistry::new(["huge"]);
        for action in [
            serde_json::json!({"type": "per_unit", "metric": "custom.huge", "value": 1e9}),
            serde_json::json!({"type": "benchmark_based", "metric": "custom.huge", "value": 1e9,
                               "unit_type": "per_point", "modifiers": {"condition_used": 1e9}}),
        ] {
            let a = Action::compile(&action, &registry).unwrap();
            let err = a.eval(&ctx, Decimal::ZERO).unwrap_err();
            assert_eq!(err.kind, ErrorKind::OutOfRange);
        }
    }

    use rust_decimal::Decimal;

    #[test]
    fn bound_on_the_mantissa_is_the_decimal_comparison() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let scale = (i % 29) as u32;
            let hi = if i % 3 == 0 { (x >> 40) as u32 } else { 0 };
            let d = Decimal::from_parts(x as u32, (x >> 32) as u32, hi, i % 2 == 0, scale);
            assert_eq!(exceeds_max(d), d.abs() > MAX_CONTRIBUTION, "{d:?}");
            // The bound itself and its neighbours at every scale.
            if scale <= 16 {
                let at = 1_000_000_000_000u128 * 10u128.pow(scale);
                for m in [at - 1, at, at + 1] {
                    let d = Decimal::from_i128_with_scale(m as i128, scale);
                    assert_eq!(exceeds_max(d), d.abs() > MAX_CONTRIBUTION, "{d:?}");
                }
            }
        }
    }

    #[test]
    fn max_contribution_is_one_trillion() {
        assert_eq!(MAX_CONTRIBUTION, Decimal::from(1_000_000_000_000i64));
        assert!(!exceeds_max(Decimal::from(1_000_000_000_000i64)));
        assert!(exceeds_max(Decimal::new(10_000_000_000_001, 1)));
        assert!(exceeds_max(Decimal::from(-1_000_000_000_001i64)));
        assert!(!exceeds_max(Decimal::new(99_999_999_999_999, 2)));
    }
}
