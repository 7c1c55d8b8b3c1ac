//! Exact decimal helpers: doubles into decimals by their shortest round-trip text, and the
//! half-away-from-zero rounding the spec calls "half-up".

use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

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
    // Most formula results have a short decimal form (268.98): find the fewest fractional
    // digits k whose integer M = n·10^k maps back to n exactly. Below 1e9 with k ≤ 6 the ulp is
    // smaller than 10^-k, so that M is unique and is the shortest round-trip form.
    if n.abs() < 1e9 {
        for (k, p) in POW10.iter().enumerate() {
            let m = (n * p).round();
            if m / p == n {
                return Some(Decimal::new(m as i64, k as u32));
            }
        }
    }
    // Ryu gives the shortest round-trip digits without the formatting machinery; it writes
    // an exponent only for very large or small magnitudes.
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(n);
    let exact = if text.contains('e') {
        Decimal::from_scientific(text)
    } else {
        Decimal::from_str(text)
    };
    // Magnitudes below the 28-place decimal range round to the nearest representable value.
    exact.ok().or_else(|| {
        (n.abs() < 1.0)
            .then(|| Decimal::from_str(&format!("{n:.28}")).ok())
            .flatten()
    })
}

const POW10: [f64; 7] = [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6];

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
    fn conversion_is_shortest_and_round_trips() {
        let check = |n: f64| {
            let d = from_f64(n).unwrap_or_else(|| panic!("{n}"));
            let text = d.to_string();
            assert_eq!(text.parse::<f64>().ok(), Some(n), "{n} → {text}");
            // Ties at the 17th digit may round either way; the length is what "shortest" means.
            assert!(
                text.len() <= crate::value::NumText(n).to_string().len(),
                "{n} → {text}"
            );
        };
        let mut x = 0.000_123_f64;
        for i in 0..20_000 {
            check(x * if i % 2 == 0 { 1.0 } else { -1.0 });
            x = x * 1.0013 + 0.37;
        }
        for n in [
            268.98,
            35864.0 / 1000.0 * 7.5,
            0.1 + 0.2,
            1.0 / 3.0,
            999_999_999.5,
            2.675,
            1e21,
        ] {
            check(n);
        }
        assert_eq!(from_f64(268.98), Some(Decimal::new(26898, 2)));
    }

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
