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
    let mut buf = StackText::default();
    if write!(buf, "{}", NumText(n)).is_ok()
        && let Ok(d) = Decimal::from_str(buf.as_str())
    {
        return Some(d);
    }
    // Very large or tiny magnitudes: scientific parsing rounds to the decimal range.
    Decimal::from_scientific(&format!("{n:e}")).ok()
}

const POW10: [f64; 7] = [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6];

/// A fixed stack buffer for number text: no heap allocation on the valuation hot path.
struct StackText {
    buf: [u8; 64],
    len: usize,
}

impl Default for StackText {
    fn default() -> Self {
        Self {
            buf: [0; 64],
            len: 0,
        }
    }
}

impl StackText {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
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
    fn fast_path_agrees_with_shortest_text() {
        let mut x = 0.000_123_f64;
        for i in 0..20_000 {
            let n = x * if i % 2 == 0 { 1.0 } else { -1.0 };
            let text = crate::value::NumText(n).to_string();
            assert_eq!(from_f64(n), Decimal::from_str(&text).ok(), "{n}");
            x = x * 1.0013 + 0.37;
        }
        for n in [
            268.98,
            35864.0 / 1000.0 * 7.5,
            0.1 + 0.2,
            1.0 / 3.0,
            999_999_999.5,
            2.675,
        ] {
            assert_eq!(
                from_f64(n),
                Decimal::from_str(&crate::value::NumText(n).to_string()).ok(),
                "{n}"
            );
        }
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
