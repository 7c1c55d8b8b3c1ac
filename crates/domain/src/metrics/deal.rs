//! The deal percentage of §5.3 (`delta ÷ list × 100`) as an exact fraction, so classifying a
//! listing needs no decimal division in the common case.
//!
//! rust_decimal divides to 28 significant digits. With the bounds below (price mantissa under
//! 2^40 at ≤ 6 places, thresholds at ≤ 4 places) the exact percentage is either a short
//! decimal — which the division then gives exactly — or at least 10^-16 away from every
//! threshold and every rounding midpoint, far beyond the division's error. So comparing and
//! rounding the exact fraction decides exactly as the division does. The one thing the
//! fraction cannot tell is the *scale* rust_decimal gives a percentage with at most two places
//! (`20` or `20.0`), so those go back to the division.

use std::cmp::Ordering;

use rust_decimal::Decimal;

use super::{Deal, DealClass, Thresholds};

/// Largest scale of prices and deltas taken here.
const MAX_SCALE: u32 = 6;
/// Largest scale of thresholds taken here.
const MAX_THRESHOLD_SCALE: u32 = 4;

/// `num ÷ den` = the percentage, exactly; `den` > 0.
struct Pct {
    num: i128,
    den: i128,
}

/// Powers of ten up to the largest scale taken (10^0 to 10^6).
const POW10: [i128; 7] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];

/// 10^n for n ≤ 6 (callers check the scales first, so `None` does not happen).
fn pow10(n: u32) -> Option<i128> {
    POW10.get(n as usize).copied()
}

impl Pct {
    fn new(delta: Decimal, price: Decimal) -> Option<Pct> {
        let (sd, sp) = (delta.scale(), price.scale());
        // `price ≤ 0` without the decimal comparison: negative or zero (of either sign).
        if sd > MAX_SCALE || sp > MAX_SCALE || price.is_sign_negative() || price.is_zero() {
            return None;
        }
        let s = sd.max(sp);
        let den = price.mantissa() * pow10(s - sp)?;
        let d = delta.mantissa() * pow10(s - sd)?;
        if den >= 1 << 40 || d.unsigned_abs() >= 1 << 60 {
            return None;
        }
        Some(Pct { num: 100 * d, den })
    }

    /// How the percentage compares with `t`.
    fn cmp(&self, t: Decimal) -> Option<Ordering> {
        let st = t.scale();
        let tm = t.mantissa();
        if st > MAX_THRESHOLD_SCALE || tm.unsigned_abs() >= 1 << 40 {
            return None;
        }
        Some((self.num * pow10(st)?).cmp(&(tm * self.den)))
    }

    /// The percentage half-up to 2 places, or `None` when it has at most two places.
    fn round2(&self) -> Option<Decimal> {
        let n = self.num * 100;
        // Nearly always both fit in 64 bits: one machine division instead of two 128-bit
        // library calls.
        let (q, r) = match (i64::try_from(n), i64::try_from(self.den)) {
            (Ok(n), Ok(den)) => (i128::from(n / den), i128::from(n % den)),
            _ => (n / self.den, n % self.den),
        };
        if r == 0 {
            return None;
        }
        let (q, r) = (q.unsigned_abs(), r.unsigned_abs());
        let den = self.den.unsigned_abs();
        let m = if r >= den - r { q + 1 } else { q };
        Some(Decimal::from_parts(
            m as u32,
            (m >> 32) as u32,
            (m >> 64) as u32,
            n < 0,
            2,
        ))
    }
}

/// [`super::classify`] without a division, or `None` outside the exact fast path.
pub(super) fn classify_exact(price: Decimal, delta: Decimal, t: &Thresholds) -> Option<Deal> {
    let pct = Pct::new(delta, price)?;
    let delta_pct = pct.round2()?;
    let class = if pct.cmp(t.great_deal)?.is_ge() {
        DealClass::GreatDeal
    } else if pct.cmp(t.good_deal)?.is_ge() {
        DealClass::GoodDeal
    } else if pct.num > 0 {
        DealClass::LightSaving
    } else if pct.cmp(-t.premium_warning)?.is_le() {
        DealClass::Premium
    } else if pct.num < 0 {
        DealClass::LightPremium
    } else {
        DealClass::Neutral
    };
    Some(Deal {
        class,
        delta,
        delta_pct,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::classify_by_division;

    #[test]
    fn exact_path_decides_as_the_division_does() {
        let thresholds = [
            Thresholds::default(),
            Thresholds {
                good_deal: Decimal::new(125, 1),
                great_deal: Decimal::new(3333, 2),
                premium_warning: Decimal::new(75, 1),
            },
        ];
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut taken = 0;
        for i in 0..50_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let price = Decimal::new((x % 500_000) as i64, (i % 3) as u32);
            let factor = 1 + (x >> 20) % 2000;
            let adjusted =
                Decimal::new((x % 500_000 * factor / 1000) as i64, ((x >> 40) % 5) as u32);
            // Exact ties with the thresholds: 15 % and 25 % below, 10 % above.
            let ties = [
                price * Decimal::new(85, 2),
                price * Decimal::new(75, 2),
                price * Decimal::new(110, 2),
                adjusted,
            ];
            for adjusted in ties {
                for t in &thresholds {
                    let delta = price - adjusted;
                    if let Some(fast) = classify_exact(price, delta, t) {
                        taken += 1;
                        let slow = classify_by_division(price, delta, t);
                        assert_eq!(fast.class, slow.class, "{price} {adjusted}");
                        assert_eq!(
                            fast.delta_pct.serialize(),
                            slow.delta_pct.serialize(),
                            "{price} {adjusted}: {} vs {}",
                            fast.delta_pct,
                            slow.delta_pct
                        );
                    }
                }
            }
        }
        // The ties fall back to the division (their percentages have two places at most).
        assert!(taken > 75_000, "the fast path ran {taken} times");
    }
}
