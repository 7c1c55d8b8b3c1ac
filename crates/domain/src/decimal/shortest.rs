//! The shortest round-trip decimal of a double between 1 and 1e9 that needs more than six
//! places (`210.06849315068493`, a formula's quotient), worked out on the double's exact
//! binary value instead of formatting its shortest text with `ryu` and parsing it back.
//!
//! A double `n = f·2^e` reads back from every decimal strictly inside the interval halfway to
//! its neighbours (and from the interval's ends too when `f` is even: parsing rounds ties to
//! even). The shortest text is the one with the fewest places that has a decimal in that
//! interval; of those, the one nearest `n`. In units of `2^(e−2)` the interval is
//! `[4f − g, 4f + 2]` (the lower gap `g` halves at a power of two), so every bound scaled by
//! `10^s` is an integer below 2^110 and the test at `s` places is shifts and comparisons.
//! Whether some decimal lies in the interval only gets truer with more places, so the fewest
//! are found by bisection. A tie between two nearest decimals, or a nearest decimal outside
//! the interval (neither occurs in practice), is left to the text path.

use rust_decimal::Decimal;

use super::POW10_U64;

/// The decimal [`super::from_f64`] makes of `n` through its shortest text, when
/// `1 ≤ |n| < 1e9` and more than six places are needed (the caller has ruled out six or
/// fewer); `None` outside that range or in the undecided cases above.
pub(super) fn shortest_wide(n: f64) -> Option<Decimal> {
    let bits = n.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    // 1 ≤ |n| < 2^30; 1e9 is below 2^30, checked by the digit count below.
    if !(1023..1053).contains(&biased) {
        return None;
    }
    let fraction = bits & ((1 << 52) - 1);
    let f = u128::from(fraction | (1 << 52));
    // n = f·2^(biased − 1075); the unit 2^(biased − 1077) is 1 / 2^shift.
    let shift = (1077 - biased) as u32;
    let gap = if fraction == 0 { 1 } else { 2 };
    let (lo, mid, hi) = (4 * f - gap, 4 * f, 4 * f + 2);
    let inclusive = f % 2 == 0;
    let whole = (f >> (52 - (biased - 1023))) as u64;
    let digits = POW10_U64.iter().position(|p| *p > whole)? as u32;
    if digits > 9 {
        return None;
    }
    // Seventeen significant digits always read back.
    let (mut fewest, mut most) = (7u32, 17 - digits);
    let range = |s: u32| -> Option<(u128, u128)> {
        let p = u128::from(*POW10_U64.get(s as usize)?);
        let (a, b) = (lo * p, hi * p);
        let mut first = (a + (1 << shift) - 1) >> shift;
        if !inclusive && first << shift == a {
            first += 1;
        }
        let mut last = b >> shift;
        if !inclusive && last << shift == b {
            last = last.checked_sub(1)?;
        }
        (first <= last).then_some((first, last))
    };
    range(most)?;
    while fewest < most {
        let s = (fewest + most) / 2;
        if range(s).is_some() {
            most = s;
        } else {
            fewest = s + 1;
        }
    }
    let s = most;
    let (first, last) = range(s)?;
    let v = mid * u128::from(POW10_U64[s as usize]);
    let below = v >> shift;
    let rest = v - (below << shift);
    let half = 1u128 << (shift - 1);
    let m = match rest.cmp(&half) {
        std::cmp::Ordering::Less => below,
        std::cmp::Ordering::Greater => below + 1,
        std::cmp::Ordering::Equal => return None,
    };
    if m < first || m > last {
        return None;
    }
    let m = i64::try_from(m).ok()?;
    Some(Decimal::new(if n < 0.0 { -m } else { m }, s))
}

#[cfg(test)]
mod tests {
    use super::shortest_wide;
    use rust_decimal::Decimal;

    /// The text path: `ryu`'s shortest text, parsed.
    fn by_text(n: f64) -> Decimal {
        let mut buf = ryu::Buffer::new();
        buf.format_finite(n).parse().unwrap()
    }

    /// Compares where the caller would ask: values that six places do not hold.
    fn check(n: f64, decided: &mut usize) {
        if (n * 1e6).round() / 1e6 == n {
            return;
        }
        if let Some(d) = shortest_wide(n) {
            assert_eq!(d.serialize(), by_text(n).serialize(), "{n:?}");
            *decided += 1;
        }
    }

    #[test]
    fn shortest_decimal_is_the_shortest_text() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let (mut decided, mut tried) = (0, 0);
        for i in 0..400_000u64 {
            let r = next();
            // Every bit pattern with an exponent in range, quotients like a formula's, and
            // values with fewer digits (decimals of 7 to 16 places, which the bisection finds).
            let n = match i % 3 {
                0 => f64::from_bits((r & ((1 << 52) - 1)) | ((1023 + (r >> 58) % 31) << 52)),
                1 => (r % 300_000) as f64 / ((r >> 40) % 997 + 1) as f64 * 7.3,
                _ => (r % 1_000_000_000_000) as f64 / 10f64.powi(7 + (i % 10) as i32),
            };
            let n = if r >> 63 == 1 { -n } else { n };
            for m in [n, n.next_up(), n.next_down()] {
                tried += usize::from((1.0..1e9).contains(&m.abs()) && (m * 1e6).round() / 1e6 != m);
                check(m, &mut decided);
            }
        }
        // Powers of two (the lower gap halves), values at the range's ends, and near powers
        // of ten where the digit count changes.
        for k in 0..30 {
            let p = f64::from(1u32 << k);
            for m in [p, p.next_up(), p.next_down(), p / 3.0, 10f64.powi(k % 10)] {
                for m in [m, m.next_up(), m.next_down(), -m] {
                    check(m, &mut decided);
                }
            }
        }
        // Only the rare undecided cases may be left.
        assert!(decided * 1000 > tried * 999, "{decided} of {tried}");
        for n in [0.5, 1e9, 1e9 + 0.5, 1e10, f64::MAX, 1e-7, 0.0] {
            assert_eq!(shortest_wide(n), None, "{n:?}");
        }
    }
}
