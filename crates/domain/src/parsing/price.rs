//! Prices (§7.3 "price"): currency markers, thousands groups, half-up to cents.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::Cell;
use crate::decimal::round_half_up;
use crate::error::ErrorKind;

/// A list price in exact dollars and cents (§7.3 "price").
///
/// Trimmed; one optional currency marker — a `$`, `US$` or `USD` prefix or a `USD` suffix (any
/// case, spaces allowed between it and the number); then digits with optional `,` groups of
/// three and an optional fraction, rounded half-up to cents. Blank → [`ErrorKind::Missing`];
/// a negative amount or any other text (`€500`, `1.299,99`, `$`) → [`ErrorKind::InvalidPrice`].
pub fn price(cell: Cell<'_>) -> Result<Decimal, ErrorKind> {
    let text = cell.text();
    let t = text.trim();
    if t.is_empty() {
        return Err(ErrorKind::Missing);
    }
    let number = strip_currency(t).ok_or(ErrorKind::InvalidPrice)?;
    let plain = price_digits(number).ok_or(ErrorKind::InvalidPrice)?;
    let d = Decimal::from_str(&plain).map_err(|_| ErrorKind::InvalidPrice)?;
    Ok(round_half_up(d, 2))
}

/// The number part after removing one currency marker; `None` when nothing is left.
fn strip_currency(t: &str) -> Option<&str> {
    let prefix = ["us$", "usd", "$"]
        .iter()
        .find_map(|p| strip_prefix_ci(t, p));
    let rest = match prefix {
        Some(rest) => rest,
        None => strip_suffix_ci(t, "usd").unwrap_or(t),
    };
    let rest = rest.trim();
    (!rest.is_empty()).then_some(rest)
}

pub(super) fn strip_prefix_ci<'t>(t: &'t str, p: &str) -> Option<&'t str> {
    let head = t.get(..p.len())?;
    head.eq_ignore_ascii_case(p).then(|| &t[p.len()..])
}

fn strip_suffix_ci<'t>(t: &'t str, s: &str) -> Option<&'t str> {
    let cut = t.len().checked_sub(s.len())?;
    let tail = t.get(cut..)?;
    tail.eq_ignore_ascii_case(s).then(|| &t[..cut])
}

/// `\d+` or `\d{1,3}(,\d{3})+`, then an optional `.\d+`: the digits without commas.
fn price_digits(s: &str) -> Option<String> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit());
    let mut groups = int.split(',');
    let head = groups.next()?;
    let grouped = int.contains(',');
    if !all_digits(head) || (grouped && head.len() > 3) {
        return None;
    }
    let mut out = head.to_owned();
    for g in groups {
        if g.len() != 3 || !all_digits(g) {
            return None;
        }
        out.push_str(g);
    }
    if let Some(f) = frac {
        if !all_digits(f) {
            return None;
        }
        out.push('.');
        out.push_str(f);
    }
    Some(out)
}
