//! Exact decimal helpers: doubles into decimals by their shortest round-trip text, the
//! half-away-from-zero rounding the spec calls "half-up", and the sums and products of the
//! valuation loop.
//!
//! [`add`], [`sub`] and [`mul`] work on the 96-bit magnitude directly (`u128` arithmetic, a
//! single widening multiplication when the factors fit in 64 bits), [`round_half_up`] on
//! magnitudes of 64 bits, instead of rust_decimal's general limb arithmetic. Each fast path
//! gives exactly what rust_decimal gives — value, scale and sign, checked bit for bit in
//! `tests` — and anything outside it (zero results whose sign rust_decimal decides, results
//! that need rounding, scale overflow) goes to rust_decimal itself. `running` keeps the running
//! price of a valuation unpacked between the sums that change it.

use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

/// Converts a double to the decimal of its shortest round-trip text (`0.1` → `0.1` exactly).
/// `None` for non-finite values or values outside the decimal range.
#[inline(always)]
pub fn from_f64(n: f64) -> Option<Decimal> {
    if !n.is_finite() {
        return None;
    }
    if let Some(i) = whole(n) {
        return Some(Decimal::from(i));
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
            // Short forms like 268.98 carry three or more trailing zeros here: strip three at
            // once before the digit-by-digit loop (a non-integral value has at most five).
            if m % 1000 == 0 {
                m /= 1000;
                k -= 3;
            }
            while k > 0 && m % 10 == 0 {
                m /= 10;
                k -= 1;
            }
            return Some(Decimal::new(m, k));
        }
    }
    from_f64_text(n)
}

/// The integer a double holds when it is integral and below 2^53 in size: what [`from_f64`]
/// makes a scale-0 decimal of. Integral values are by far the most common (marks, GB,
/// cores): no text needed. The truncating cast and back is one instruction each way, where
/// `fract` is a libm call on the baseline x86-64 target (no SSE4.1 rounding instruction).
#[inline(always)]
pub(crate) fn whole(n: f64) -> Option<i64> {
    (n.abs() < 9.007_199_254_740_992e15 && (n as i64) as f64 == n).then_some(n as i64)
}

/// `mul(Decimal::from(q), b)`, without building the decimal of `q` and unpacking it again:
/// a per-unit quantity (cores, GB) times its rate.
#[inline(always)]
pub(crate) fn mul_whole(q: i64, b: Decimal) -> Option<Decimal> {
    let (nb, sb, mb) = wide(&b);
    let ma = u128::from(q.unsigned_abs());
    if ma == 0 || mb == 0 {
        return Some(Decimal::ZERO);
    }
    if let Some(m) = mul_wide(ma, mb)
        && m < MAGNITUDE_END
    {
        return Some(from_u128((q < 0) != nb, m, sb));
    }
    Decimal::from(q).checked_mul(b)
}

/// [`from_f64`] for the values the inlined paths leave: through the shortest text. Out of line,
/// so that the common paths inline small.
#[inline(never)]
fn from_f64_text(n: f64) -> Option<Decimal> {
    if let Some(d) = shortest::shortest_wide(n) {
        return Some(d);
    }
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
        Some((negative, scale, m)) => from_u128(negative, m, scale),
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
        && let Some((negative, scale, m)) = add_nonzero(x, (!nb, sb, mb))
    {
        return from_u128(negative, m, scale);
    }
    a - b
}

/// The sum of two non-zero decimals (sign, scale, magnitude) at the larger scale, unpacked
/// the same way, or `None` when an aligned magnitude or the sum reaches 2^96, or the sum is
/// zero.
#[inline(always)]
fn add_nonzero(
    (na, sa, ma): (bool, u32, u128),
    (nb, sb, mb): (bool, u32, u128),
) -> Option<(bool, u32, u128)> {
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
    (m < MAGNITUDE_END).then_some((negative, scale, m))
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
    // A running price that took a formula result with many places has a magnitude past 64
    // bits: the same rounding on the 96-bit magnitude (one 128-bit division; the remainder by
    // multiplication), where rust_decimal's general rounding costs several times as much. The
    // quotient is at most 2^96 / 10, so rounding it up stays in range.
    let (negative, _, m) = wide(&d);
    if let Some(&p) = POW10_U128.get((scale - dp) as usize) {
        let q = m / p;
        let r = m - q * p;
        let q = if r >= p - r { q + 1 } else { q };
        return from_u128(negative, q, dp);
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

mod running;
mod shortest;

pub(crate) use running::Running;

#[cfg(test)]
mod tests;
