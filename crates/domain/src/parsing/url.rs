//! URLs and integer cells (§7.3 "URL", "integers").

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::capacity::is_thousands_comma;
use super::price::strip_prefix_ci;
use crate::decimal::round_half_up;
use crate::error::ErrorKind;
use crate::value::parse_numeric_str;

/// A listing URL (§7.3): trimmed; blank → `None`; otherwise it must be `http://` or `https://`
/// (any case) followed by a host, with no whitespace inside, else [`ErrorKind::InvalidUrl`].
/// The trimmed text is returned unchanged.
pub fn url(text: &str) -> Result<Option<String>, ErrorKind> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let rest = strip_prefix_ci(t, "https://")
        .or_else(|| strip_prefix_ci(t, "http://"))
        .ok_or(ErrorKind::InvalidUrl)?;
    if t.chars().any(char::is_whitespace) || !valid_authority(rest) {
        return Err(ErrorKind::InvalidUrl);
    }
    Ok(Some(t.to_owned()))
}

/// `[userinfo@]host[:port]` up to the first `/`, `?` or `#`, with a non-empty host made of
/// letters, digits, `-` and `.` (or a bracketed IPv6 literal) and a numeric port.
fn valid_authority(rest: &str) -> bool {
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        match v6.split_once(']') {
            Some((addr, after))
                if !addr.is_empty()
                    && addr
                        .chars()
                        .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') =>
            {
                (addr, after.strip_prefix(':'))
            }
            _ => return false,
        }
    } else {
        match host_port.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    let host_ok = !host.is_empty()
        && !host.starts_with('.')
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.' || c == ':');
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|c| c.is_ascii_digit()));
    host_ok && port_ok
}

/// An integer cell (§7.3 "integers"): thousands `,` dropped; blank, `NA`, `n/a`, `null` and
/// `none` (any case) are `None`; a number (sign, fraction and exponent allowed) is rounded
/// half-up; anything else is `None`.
pub fn integer(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.is_empty()
        || ["na", "n/a", "null", "none"]
            .iter()
            .any(|n| t.eq_ignore_ascii_case(n))
    {
        return None;
    }
    let chars: Vec<char> = t.chars().collect();
    let plain: String = chars
        .iter()
        .enumerate()
        .filter(|&(i, &c)| !(c == ',' && is_thousands_comma(&chars, i)))
        .map(|(_, &c)| c)
        .collect();
    // The grammar check comes first; the decimal parse keeps `2.5` exact for half-up rounding,
    // and exponent forms (which `Decimal::from_str` rejects) go through the double.
    let n = parse_numeric_str(&plain)?;
    let d = Decimal::from_str(plain.trim_start_matches('+'))
        .ok()
        .or_else(|| crate::decimal::from_f64(n))?;
    round_half_up(d, 0).to_i64()
}
