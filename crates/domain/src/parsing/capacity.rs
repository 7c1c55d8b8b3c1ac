//! Storage and RAM capacities (§7.3 "capacity"): `1 TB` → 1000 GB, `2x8GB` → 16.

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::decimal::round_half_up;

/// A storage or RAM capacity in whole GB (§7.3 "capacity").
///
/// Blank, `-`, `n/a`, `na` and `none` are `None`. A `,` between a digit and three digits is a
/// thousands separator and dropped. The first `[N x] <number> <unit>` wins, with unit `TB`/`T`
/// (×1000) or `GB`/`G` (any case) and `N` multiplying; otherwise the whole cell may be a bare
/// number of GB. The result is rounded half-up to whole GB. Anything else is `None`.
///
/// `"1 TB"` → 1000, `"2.5TB"` → 2500, `"2x8GB"` → 16, `"16 GB DDR4-3200"` → 16, `"lots"` → None.
pub fn capacity_gb(text: &str) -> Option<i64> {
    let t = text.trim();
    if is_null_token(t) {
        return None;
    }
    let b = normalize_capacity(t);
    let gb = first_capacity(&b).or_else(|| bare_number(&b))?;
    round_half_up(gb, 0).to_i64()
}

/// Blank and the "no value" spellings shared by capacity cells.
fn is_null_token(t: &str) -> bool {
    t.is_empty()
        || ["-", "n/a", "na", "none"]
            .iter()
            .any(|n| t.eq_ignore_ascii_case(n))
}

/// Lower-cases ASCII, maps `×` to `x` and drops thousands commas, as bytes for scanning.
/// Non-ASCII characters are kept (their bytes are ≥ 0x80 and never match a rule).
fn normalize_capacity(t: &str) -> Vec<u8> {
    let chars: Vec<char> = t.chars().collect();
    let mut out = String::with_capacity(t.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ',' && is_thousands_comma(&chars, i) {
            continue;
        }
        out.push(if c == '×' {
            'x'
        } else {
            c.to_ascii_lowercase()
        });
    }
    out.into_bytes()
}

/// A `,` at `i` with a digit before it and three digits after it.
pub(super) fn is_thousands_comma(chars: &[char], i: usize) -> bool {
    let digit = |j: usize| chars.get(j).is_some_and(char::is_ascii_digit);
    i > 0 && digit(i - 1) && digit(i + 1) && digit(i + 2) && digit(i + 3)
}

/// The first `[N x] <number> <unit>` in `b`, in GB (unrounded).
fn first_capacity(b: &[u8]) -> Option<Decimal> {
    (0..b.len())
        // A number starts at a digit not inside another number.
        .filter(|&i| {
            b[i].is_ascii_digit() && (i == 0 || !(b[i - 1].is_ascii_digit() || b[i - 1] == b'.'))
        })
        .find_map(|i| capacity_at(b, i))
}

/// `[N x] <number> <unit>` starting exactly at `i`.
fn capacity_at(b: &[u8], i: usize) -> Option<Decimal> {
    let (first, after_first) = scan_number(b, i)?;
    // With a multiplier: an integer N, `x`, then the quantity.
    let with_count = || {
        if first.fract() != Decimal::ZERO {
            return None;
        }
        let j = skip_spaces(b, after_first);
        if b.get(j) != Some(&b'x') {
            return None;
        }
        let j = skip_spaces(b, j + 1);
        let (qty, after_qty) = scan_number(b, j)?;
        let factor = scan_unit(b, skip_spaces(b, after_qty))?;
        first.checked_mul(qty)?.checked_mul(factor)
    };
    with_count().or_else(|| {
        let factor = scan_unit(b, skip_spaces(b, after_first))?;
        first.checked_mul(factor)
    })
}

/// `\d+(\.\d+)?` at `i`: the value and the index after it.
fn scan_number(b: &[u8], i: usize) -> Option<(Decimal, usize)> {
    let int_end = digits_end(b, i);
    if int_end == i {
        return None;
    }
    let mut end = int_end;
    if b.get(int_end) == Some(&b'.') {
        let frac_end = digits_end(b, int_end + 1);
        if frac_end > int_end + 1 {
            end = frac_end;
        }
    }
    let text = std::str::from_utf8(&b[i..end]).ok()?;
    Some((Decimal::from_str(text).ok()?, end))
}

fn digits_end(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

fn skip_spaces(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// A unit at `i` ending at a word boundary: the factor to GB.
fn scan_unit(b: &[u8], i: usize) -> Option<Decimal> {
    // Longest spelling first, so `tb` is not read as `t` followed by a letter.
    [(&b"tb"[..], 1000), (b"gb", 1), (b"t", 1000), (b"g", 1)]
        .into_iter()
        .find_map(|(unit, f)| {
            let end = i + unit.len();
            (b.get(i..end) == Some(unit) && !b.get(end).is_some_and(|&c| is_word_byte(c)))
                .then(|| Decimal::from(f))
        })
}

/// Word characters for the unit boundary; non-ASCII bytes count as letters (`1 Tü` is no unit).
fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// The whole cell as a bare non-negative number of GB.
fn bare_number(b: &[u8]) -> Option<Decimal> {
    let (n, end) = scan_number(b, 0)?;
    (end == b.len()).then_some(n)
}
