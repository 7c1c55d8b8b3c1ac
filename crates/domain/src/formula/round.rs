//! `round(x, n)`: half to even on the exact binary value of `x` (DOMAIN.md §4.10), like Python.
//!
//! The decision is made on the exact value, never on `x * 10^n` in floating point (which rounds
//! first and breaks ties that are not ties: 2.675 is really 2.67499999…). The fast path does it
//! in 128-bit integers for ordinary magnitudes; rare cases fall back to the exact decimal
//! expansion of the double.

/// Powers of ten exactly representable as doubles, up to the largest digit count allowed.
const POW10: [f64; 13] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
];

/// Rounds `x` to `n` decimal places (`n` in −12…12; negative `n` rounds to tens, hundreds, …).
pub(super) fn round_to(x: f64, n: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    if n == 0 {
        return x.round_ties_even();
    }
    let r = fast(x.abs(), n).unwrap_or_else(|| exact(x.abs(), n));
    r.copysign(x)
}

/// `x = m × 2^e` with `m` an integer below 2^53.
fn decompose(x: f64) -> (u64, i32) {
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    }
}

/// Rounds the quotient `num / den` half to even.
fn div_half_even(num: u128, den: u128) -> u128 {
    let (q, r) = (num / den, num % den);
    let twice = r * 2;
    if twice > den || (twice == den && q & 1 == 1) {
        q + 1
    } else {
        q
    }
}

/// The integer path for positive `x`; `None` when the operands outgrow 128 bits or the rounded
/// mantissa is too large to divide exactly.
fn fast(x: f64, n: i32) -> Option<f64> {
    let (m, e) = decompose(x);
    let m = u128::from(m);
    if n > 0 {
        if e >= 0 {
            return Some(x);
        }
        // x × 10^n = m × 5^n × 2^(n+e), and m × 5^12 < 2^81.
        let scaled = m * 5u128.pow(n as u32);
        let shift = -(n + e);
        if shift <= 0 {
            // x already has at most n decimals.
            return Some(x);
        }
        if shift >= 100 {
            return Some(0.0);
        }
        let q = div_half_even(scaled, 1u128 << shift);
        // Both operands are exact doubles, so the IEEE division rounds once, correctly.
        (q <= 1u128 << 53).then(|| q as f64 / POW10[n as usize])
    } else {
        let p = 10u128.pow((-n) as u32);
        let q = if e >= 0 {
            if e > 70 {
                return None;
            }
            div_half_even(m << e, p)
        } else {
            let shift = -e;
            if shift > 60 {
                // x < 2^53 × 2^-61 < 1, far below half of 10.
                return Some(0.0);
            }
            div_half_even(m, p << shift)
        };
        // An integer conversion from u128 rounds to nearest, once.
        Some((q * p) as f64)
    }
}

/// The slow path: rounds the exact decimal expansion of `x` and parses the result back.
fn exact(x: f64, n: i32) -> f64 {
    // Every double's expansion ends within 1074 fractional digits, so this text is exact.
    let text = format!("{x:.1074}");
    let (int, frac) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let digits: Vec<u8> = int.bytes().chain(frac.bytes()).map(|b| b - b'0').collect();
    let keep = int.len() as i64 + i64::from(n);
    if keep < 0 {
        return 0.0;
    }
    let keep = keep as usize;
    if keep >= digits.len() {
        return x;
    }
    let mut kept = digits[..keep].to_vec();
    let first = digits[keep];
    let rest_nonzero = digits[keep + 1..].iter().any(|d| *d != 0);
    let last_odd = kept.last().is_some_and(|d| d % 2 == 1);
    if first > 5 || (first == 5 && (rest_nonzero || last_odd)) {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, 1);
                break;
            }
            i -= 1;
            if kept[i] == 9 {
                kept[i] = 0;
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    let mantissa: String = kept.iter().map(|d| char::from(b'0' + d)).collect();
    let literal = format!(
        "{}e{}",
        if mantissa.is_empty() { "0" } else { &mantissa },
        -n
    );
    literal.parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_go_to_even_on_the_exact_value() {
        assert_eq!(round_to(0.125, 2), 0.12);
        assert_eq!(round_to(0.375, 2), 0.38);
        assert_eq!(round_to(2.675, 2), 2.67);
        assert_eq!(round_to(10.0 / 3.0, 2), 3.33);
        assert_eq!(round_to(1250.0, -2), 1200.0);
        assert_eq!(round_to(1350.0, -2), 1400.0);
        assert_eq!(round_to(-1250.0, -2), -1200.0);
        assert_eq!(round_to(-0.125, 2), -0.12);
        assert_eq!(round_to(2.5, 0), 2.0);
        assert_eq!(round_to(0.5, 0), 0.0);
        assert_eq!(round_to(1e300, 2), 1e300);
        assert_eq!(round_to(1.5e300, -12), 1.5e300);
        assert_eq!(round_to(123456.7, -12), 0.0);
        assert_eq!(round_to(5e11, -12), 0.0);
        assert_eq!(round_to(5.000001e11, -12), 1e12);
        assert_eq!(round_to(1e-300, 12), 0.0);
        assert_eq!(round_to(0.1 + 0.2, 12), 0.3);
        assert_eq!(round_to(123_456_789.123_456_79, 12), 123_456_789.123_456_79);
    }

    #[test]
    fn fast_path_agrees_with_exact_expansion() {
        // A deterministic spread of magnitudes and digit counts.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..3_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mantissa = (seed >> 11) as f64 / (1u64 << 53) as f64;
            let scale = ((seed % 40) as i32) - 20;
            let x = mantissa * 10f64.powi(scale);
            let halves = (seed % 2001) as f64 / 8.0;
            for v in [x, halves, x.round(), (x * 1000.0).round() / 1000.0] {
                for n in -12..=12 {
                    if n == 0 || v == 0.0 {
                        continue;
                    }
                    if let Some(f) = fast(v, n) {
                        assert_eq!(f.to_bits(), exact(v, n).to_bits(), "round({v:e}, {n})");
                    }
                }
            }
        }
    }
}
