//! Exact decimal helpers: doubles into decimals by their shortest round-trip text, the
//! half-away-from-zero rounding the spec calls "half-up", and the sums and products of the
//! valuation loop.
//!
//! The loop's amounts are small (prices, rates, quantities: mantissas of a few digits at a few
//! places), and for those [`add`], [`mul`] and [`round_half_up`] work on the integer mantissa
//! directly: one `i128` operation instead of rust_decimal's general limb arithmetic. Each fast
//! path gives exactly what rust_decimal gives — value, scale and sign, checked in the tests
//! below — and anything outside it (large mantissas, zero results whose sign rust_decimal
//! decides, scale overflow) goes to rust_decimal itself.

use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

/// Converts a double to the decimal of its shortest round-trip text (`0.1` → `0.1` exactly).
/// `None` for non-finite values or values outside the decimal range.
#[inline(always)]
pub fn from_f64(n: f64) -> Option<Decimal> {
    if !n.is_finite() {
        return None;
    }
    // Integral values are by far the most common (marks, GB, cores): no text needed. The
    // truncating cast and back is one instruction each way, where `fract` is a libm call on
    // the baseline x86-64 target (no SSE4.1 rounding instruction).
    if n.abs() < 9.007_199_254_740_992e15 && (n as i64) as f64 == n {
        return Some(Decimal::from(n as i64));
    }
    // Most formula results have a short decimal form (268.98): find the fewest fractional
    // digits k whose integer M = n·10^k maps back to n exactly. Below 1e9 with k ≤ 6 the ulp is
    // smaller than 10^-k, so that M is unique and is the shortest round-trip form. If some
    // k ≤ 6 has such an M, then M·10^(6−k) serves for k = 6 (same value, exact in a double
    // below 10^15), and by uniqueness it is the M of k = 6: so one test at six places decides,
    // and its trailing zeros give the fewest places.
    if n.abs() < 1e9 {
        let mut m = nearest(n * 1e6);
        if m as f64 / 1e6 == n {
            let mut k = 6;
            while k > 0 && m % 10 == 0 {
                m /= 10;
                k -= 1;
            }
            return Some(Decimal::new(m, k));
        }
    }
    from_f64_text(n)
}

/// [`from_f64`] for the values the inlined paths leave: through the shortest text. Out of line,
/// so that the common paths inline small.
#[inline(never)]
fn from_f64_text(n: f64) -> Option<Decimal> {
    // Ryu gives the shortest round-trip digits without the formatting machinery; it writes
    // an exponent only for very large or small magnitudes.
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(n);
    if let Some(d) = plain_digits(text) {
        return Some(d);
    }
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

/// The integer nearest `x` (|x| < 1e15), halves away from zero, without libm's `round`.
///
/// Only a candidate: the caller keeps it when `m / 10^k == n`, which holds only when `x` lies
/// within a few ulps of an integer, where every rounding rule gives the same answer.
#[inline]
fn nearest(x: f64) -> i64 {
    let t = x as i64;
    let rest = x - t as f64;
    if rest >= 0.5 {
        t + 1
    } else if rest <= -0.5 {
        t - 1
    } else {
        t
    }
}

/// Plain decimal text (`-12.480000000000002`, no exponent) of at most 19 digits as a decimal,
/// with the mantissa and scale `Decimal::from_str` gives it; `None` for anything else.
fn plain_digits(text: &str) -> Option<Decimal> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut m: u64 = 0;
    let mut count = 0u32;
    let mut scale = None;
    for (i, b) in digits.bytes().enumerate() {
        match b {
            b'0'..=b'9' => {
                m = m * 10 + u64::from(b - b'0');
                count += 1;
                if count > 19 {
                    return None;
                }
            }
            b'.' if scale.is_none() => scale = Some((digits.len() - i - 1) as u32),
            _ => return None,
        }
    }
    let scale = scale.unwrap_or(0);
    (count > 0 && scale <= Decimal::MAX_SCALE).then(|| from_u64(negative, m, scale))
}

/// Powers of ten that fit in a `u64` (10^0 to 10^19).
const POW10_U64: [u64; 20] = {
    let mut t = [1u64; 20];
    let mut i = 1;
    while i < t.len() {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// Sign, scale and magnitude of a decimal whose mantissa fits in 64 bits.
#[inline]
fn small(d: &Decimal) -> Option<(bool, u32, u64)> {
    // The unpacked fields are the representation itself: no signed 128-bit mantissa to build
    // and negate.
    let u = d.unpack();
    (u.hi == 0).then(|| {
        (
            u.negative,
            u.scale,
            (u64::from(u.mid) << 32) | u64::from(u.lo),
        )
    })
}

/// A decimal from sign, 64-bit magnitude and scale (≤ 28).
#[inline]
fn from_u64(negative: bool, m: u64, scale: u32) -> Decimal {
    Decimal::from_parts(m as u32, (m >> 32) as u32, 0, negative, scale)
}

/// Sign, scale and 96-bit magnitude of any decimal.
#[inline(always)]
fn wide(d: &Decimal) -> (bool, u32, u128) {
    let u = d.unpack();
    let m = (u128::from(u.hi) << 64) | (u128::from(u.mid) << 32) | u128::from(u.lo);
    (u.negative, u.scale, m)
}

/// One past the largest magnitude a decimal holds (2^96).
const MAGNITUDE_END: u128 = 1 << 96;

/// A decimal from sign, magnitude (< 2^96) and scale (≤ 28).
#[inline(always)]
fn from_u128(negative: bool, m: u128, scale: u32) -> Decimal {
    Decimal::from_parts(
        m as u32,
        (m >> 32) as u32,
        (m >> 64) as u32,
        negative,
        scale,
    )
}

/// `a × b` for magnitudes below 2^96, `None` past `u128`. Factors that fit in 64 bits (nearly
/// all) take one widening multiplication instead of the overflow-checked 128-bit product.
#[inline(always)]
fn mul_wide(a: u128, b: u128) -> Option<u128> {
    if a >> 64 == 0 && b >> 64 == 0 {
        Some(u128::from(a as u64) * u128::from(b as u64))
    } else {
        a.checked_mul(b)
    }
}

/// Powers of ten up to the largest scale (10^0 to 10^28).
const POW10_U128: [u128; 29] = {
    let mut t = [1u128; 29];
    let mut i = 1;
    while i < t.len() {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// `a + b`, exactly as rust_decimal's `+` (which panics on overflow of the decimal range).
///
/// Exact sums at the larger scale are computed on the 96-bit magnitudes here; rust_decimal
/// takes the rest (zero operands or sums, whose sign and scale it decides, and anything that
/// needs rounding). Magnitudes past 64 bits are common: a formula result with 15 places,
/// added to a price, makes the running price such a decimal from then on.
#[inline(always)]
pub fn add(a: Decimal, b: Decimal) -> Decimal {
    let (x, y) = (wide(&a), wide(&b));
    // rust_decimal returns the other operand as is when one is zero (keeping its scale).
    if x.2 == 0 {
        return b;
    }
    if y.2 == 0 {
        return a;
    }
    match add_nonzero(x, y) {
        Some(sum) => sum,
        None => a + b,
    }
}

/// `a − b`, exactly as rust_decimal's `-`: a difference is a sum with the second sign flipped,
/// so the fast path of [`add`] serves for non-zero operands and results; zeros, whose sign and
/// scale rust_decimal decides, go to it.
#[inline]
pub fn sub(a: Decimal, b: Decimal) -> Decimal {
    let (x, (nb, sb, mb)) = (wide(&a), wide(&b));
    if x.2 != 0
        && mb != 0
        && let Some(d) = add_nonzero(x, (!nb, sb, mb))
    {
        return d;
    }
    a - b
}

/// The sum of two non-zero decimals (sign, scale, magnitude) at the larger scale, or `None`
/// when an aligned magnitude or the sum reaches 2^96, or the sum is zero.
#[inline(always)]
fn add_nonzero(
    (na, sa, ma): (bool, u32, u128),
    (nb, sb, mb): (bool, u32, u128),
) -> Option<Decimal> {
    let (x, y, scale) = if sa == sb {
        (ma, mb, sa)
    } else if sa > sb {
        (ma, mul_wide(mb, *POW10_U128.get((sa - sb) as usize)?)?, sa)
    } else {
        (mul_wide(ma, *POW10_U128.get((sb - sa) as usize)?)?, mb, sb)
    };
    if x >= MAGNITUDE_END || y >= MAGNITUDE_END {
        return None;
    }
    let (m, negative) = if na == nb {
        (x + y, na)
    } else if x > y {
        (x - y, na)
    } else if y > x {
        (y - x, nb)
    } else {
        // A zero sum keeps the sign rust_decimal gives it; leave those to it.
        return None;
    };
    (m < MAGNITUDE_END).then(|| from_u128(negative, m, scale))
}

/// `a × b`, exactly as rust_decimal's `checked_mul`: exact products below 2^96 at a scale of
/// at most 28 here, the rest (rounded or out of range) by rust_decimal.
#[inline(always)]
pub fn mul(a: Decimal, b: Decimal) -> Option<Decimal> {
    let ((na, sa, ma), (nb, sb, mb)) = (wide(&a), wide(&b));
    if ma == 0 || mb == 0 {
        return Some(Decimal::ZERO);
    }
    let scale = sa + sb;
    if scale <= Decimal::MAX_SCALE
        && let Some(m) = mul_wide(ma, mb)
        && m < MAGNITUDE_END
    {
        return Some(from_u128(na != nb, m, scale));
    }
    a.checked_mul(b)
}

/// Rounds half away from zero to `dp` places.
#[inline]
pub fn round_half_up(d: Decimal, dp: u32) -> Decimal {
    let scale = d.scale();
    if scale <= dp {
        return d;
    }
    if let Some((negative, _, m)) = small(&d)
        && let Some(&p) = POW10_U64.get((scale - dp) as usize)
    {
        let (q, r) = (m / p, m % p);
        // Half away from zero: the magnitude rounds up from the midpoint on (r ≥ p − r, without
        // overflowing 2r).
        let q = if r >= p - r { q + 1 } else { q };
        return from_u64(negative, q, dp);
    }
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

    /// `from_f64` as it was written, with libm's `fract` and `round` and a search over the
    /// places: the reference for the cast-based, single-test version.
    const POW10: [f64; 7] = [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6];

    fn from_f64_reference(n: f64) -> Option<Decimal> {
        if !n.is_finite() {
            return None;
        }
        if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
            return Some(Decimal::from(n as i64));
        }
        if n.abs() < 1e9 {
            for (k, p) in POW10.iter().enumerate() {
                let m = (n * p).round();
                if m / p == n {
                    return Some(Decimal::new(m as i64, k as u32));
                }
            }
        }
        from_f64(n)
    }

    #[test]
    fn cast_rounding_matches_libm_rounding() {
        let mut values = vec![
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            0.499_999_999_999_999_94,
            -0.499_999_999_999_999_94,
            4_503_599_627_370_497.0,
            9.007_199_254_740_992e15,
            -9.007_199_254_740_991e15,
            999_999_999.999_999_5,
            -0.0,
            268.98,
            0.000_000_5,
            123_456.789_012_5,
        ];
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for i in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let scale = [1.0, 1e-3, 1e3, 1e6, 1e9, 1e12][i % 6];
            let v = (x >> 11) as f64 / (1u64 << 53) as f64 * scale;
            let places = POW10[i % 7];
            let v = if i % 3 == 0 {
                (v * places).trunc() / places
            } else {
                v
            };
            values.push(if x & 1 == 1 { -v } else { v });
            values.push(f64::from_bits(x));
        }
        for v in values {
            let (got, want) = (from_f64(v), from_f64_reference(v));
            assert_eq!(
                got.map(|d| d.serialize()),
                want.map(|d| d.serialize()),
                "{v:e}"
            );
        }
    }

    /// Decimals spread over the shapes the fast paths see and the edges they hand back: zeros
    /// of both signs, scales 0–28, mantissas up to 2^96.
    fn samples() -> Vec<Decimal> {
        let mut out = vec![
            Decimal::ZERO,
            Decimal::from_parts(0, 0, 0, true, 2),
            Decimal::from_parts(0, 0, 0, false, 5),
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(5, 3),
            Decimal::new(-5, 3),
            Decimal::new(125, 4),
            Decimal::new(-100_005, 3),
            Decimal::from_parts(u32::MAX, u32::MAX, 0, false, 0),
            Decimal::from_parts(u32::MAX, u32::MAX, 0, true, 28),
            Decimal::from_parts(1, 0, 1, false, 10),
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..560u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let bits = [8, 16, 32, 48, 64, 80, 96][(i % 7) as usize];
            let m = if bits == 64 {
                x
            } else if bits > 64 {
                x & ((1u64 << (bits - 64)) - 1)
            } else {
                x & ((1u64 << bits) - 1)
            };
            let hi = if bits > 64 { m as u32 } else { 0 };
            let scale = (x >> 59) as u32 % 29;
            let neg = x & 1 == 1;
            let (lo, mid) = if bits > 64 {
                (x.rotate_left(17) as u32, (x >> 32) as u32)
            } else {
                (m as u32, (m >> 32) as u32)
            };
            out.push(Decimal::from_parts(lo, mid, hi, neg, scale));
        }
        out
    }

    fn same(a: Decimal, b: Decimal) -> bool {
        a.serialize() == b.serialize()
    }

    #[test]
    fn fast_paths_match_rust_decimal_bit_for_bit() {
        let all = samples();
        for &a in &all {
            for dp in [0, 2, 4, 7] {
                let want = a.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
                assert!(same(round_half_up(a, dp), want), "round {a:?} {dp}");
            }
            for &b in all.iter().step_by(3) {
                let want = a.checked_mul(b);
                let got = mul(a, b);
                assert!(
                    match (got, want) {
                        (Some(g), Some(w)) => same(g, w),
                        (None, None) => true,
                        _ => false,
                    },
                    "mul {a:?} {b:?}"
                );
                if let Some(want) = a.checked_add(b) {
                    assert!(same(add(a, b), want), "add {a:?} {b:?}");
                }
                if let Some(want) = a.checked_sub(b) {
                    assert!(same(sub(a, b), want), "sub {a:?} {b:?}");
                }
            }
        }
    }

    #[test]
    fn plain_digits_parse_as_from_str_does() {
        let mut x = 0.000_123_f64;
        for i in 0..20_000 {
            let n = x * if i % 2 == 0 { 1.0 } else { -1.0 };
            let mut buf = ryu::Buffer::new();
            let text = buf.format_finite(n);
            if let Some(d) = plain_digits(text) {
                let want = Decimal::from_str(text).unwrap();
                assert_eq!(d.serialize(), want.serialize(), "{text}");
            }
            x = x * 1.0013 + 0.37;
        }
        for text in ["0.001", "-12.480000000000002", "268.0", "5", "0.1"] {
            let want = Decimal::from_str(text).unwrap();
            assert_eq!(
                plain_digits(text).map(|d| d.serialize()),
                Some(want.serialize())
            );
        }
        for bad in ["1e-7", "", "-", "1.2.3", "12345678901234567890"] {
            assert_eq!(plain_digits(bad), None, "{bad}");
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
