//! Exact decimal helpers: doubles into decimals by their shortest round-trip text, and the
//! half-away-from-zero rounding the spec calls "half-up".

use std::fmt::Write as _;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::value::NumText;

/// Converts a double to the decimal of its shortest round-trip text (`0.1` → `0.1` exactly).
/// `None` for non-finite values or values outside the decimal range.
pub fn from_f64(n: f64) -> Option<Decimal> {
    if !n.is_finite() {
        return None;
    }
    // Integral values are by far the most common (marks, GB, cores): no text needed.
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        return Some(Decimal::from(n as i64));
    }
    let mut buf = String::with_capacity(32);
    let _ = write!(buf, "{}", NumText(n));
    Decimal::from_str(&buf)
        .or_else(|_| Decimal::from_scientific(&format!("{n:e}")))
        .ok()
}

/// Rounds half away from zero to `dp` places.
pub fn round_half_up(d: Decimal, dp: u32) -> Decimal {
    d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// Money: 2 places, half-up.
pub fn money(d: Decimal) -> Decimal {
    round_half_up(d, 2)
}

/// Ratios and reported amounts: 4 places, half-up.
pub fn ratio(d: Decimal) -> Decimal {
    round_half_up(d, 4)
}

/// A decimal as a double (for metrics and JSON output).
pub fn to_f64(d: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    d.to_f64().unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortest_text_and_half_up() {
        assert_eq!(from_f64(0.1), Some(Decimal::new(1, 1)));
        assert_eq!(from_f64(1e-30).map(|d| d.is_zero()), Some(true));
        assert_eq!(from_f64(f64::NAN), None);
        let d = Decimal::new(100_005, 3); // 100.005
        assert_eq!(money(d), Decimal::new(10001, 2));
        assert_eq!(money(-d), Decimal::new(-10001, 2));
    }
}
