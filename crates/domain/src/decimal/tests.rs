//! Bit-for-bit checks of the fast decimal paths against rust_decimal and of the double
//! conversion against its reference.

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

#[test]
fn running_sums_match_add_bit_for_bit() {
    let mut all = samples();
    // A negative zero, which `from_parts` cannot make.
    let mut negative_zero = Decimal::from_parts(0, 0, 0, false, 3);
    negative_zero.set_sign_negative(true);
    all.push(negative_zero);
    for &a in &all {
        assert!(same(Running::new(a).get(), a), "round trip {a:?}");
        assert_eq!(
            Running::new(a).is_negative(),
            a.is_sign_negative() && !a.is_zero(),
            "{a:?}"
        );
        for &b in all.iter().step_by(3) {
            if a.checked_add(b).is_some() {
                let mut r = Running::new(a);
                r.add(b);
                assert!(same(r.get(), add(a, b)), "add {a:?} {b:?}");
            }
        }
    }
    // Chains, as the rule loop runs them: each sum feeds the next.
    for start in 0..40 {
        let mut want = all[start];
        let mut r = Running::new(want);
        for &b in all.iter().skip(start * 7 % 50).step_by(11).take(30) {
            if want.checked_add(b).is_none() {
                break;
            }
            want = add(want, b);
            r.add(b);
            assert!(same(r.get(), want), "chain from {start}: {b:?}");
        }
    }
}

#[test]
fn whole_quantities_multiply_as_decimals_do() {
    let quantities = [
        0i64,
        1,
        -1,
        2,
        16,
        -3,
        1_000_000,
        (1 << 53) - 1,
        -(1 << 53) + 1,
        u32::MAX as i64,
        i64::from(u32::MAX) + 7,
    ];
    for &b in &samples() {
        for q in quantities {
            let want = mul(Decimal::from(q), b);
            let got = mul_whole(q, b);
            assert!(
                match (got, want) {
                    (Some(g), Some(w)) => same(g, w),
                    (None, None) => true,
                    _ => false,
                },
                "{q} × {b:?}"
            );
        }
    }
    for n in [
        0.0,
        -0.0,
        1.0,
        -7.0,
        0.5,
        9.007_199_254_740_991e15,
        9.007_199_254_740_992e15,
        f64::NAN,
    ] {
        assert_eq!(
            whole(n).map(Decimal::from),
            from_f64(n).filter(|d| d.scale() == 0 && whole(n).is_some()),
            "{n}"
        );
    }
}
