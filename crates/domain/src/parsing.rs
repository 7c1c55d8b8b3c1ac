//! Text parsers for import and derivation (DOMAIN.md §7.3).
//!
//! Each function implements one row of the §7.3 table. They are hand-written scanners rather than
//! regexes: the rules are short, the inputs are spreadsheet cells parsed by the thousand, and a
//! scanner can never fail to build. Every parser is total — any string, however odd, yields a
//! value or an [`ErrorKind`], never a panic.

use std::borrow::Cow;
use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::context::port_types;
use crate::decimal::round_half_up;
use crate::error::ErrorKind;
use crate::value::{NumText, parse_numeric_str};

/// One spreadsheet or JSON cell: text, or a number (a numeric cell).
///
/// Numeric cells are read as their shortest decimal text (`450.0` → `"450"`, `0.1` → `"0.1"`),
/// so a price typed as a number and the same price typed as text parse identically.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// A text cell.
    Text(&'a str),
    /// A numeric cell.
    Number(f64),
}

impl<'a> Cell<'a> {
    /// A cell from a JSON cell value: a string is text, a number numeric, null blank text;
    /// anything else (booleans, lists, objects) is no cell.
    pub fn from_json(v: &'a serde_json::Value) -> Option<Self> {
        match v {
            serde_json::Value::String(s) => Some(Cell::Text(s)),
            serde_json::Value::Number(n) => n.as_f64().map(Cell::Number),
            serde_json::Value::Null => Some(Cell::Text("")),
            _ => None,
        }
    }

    /// The text the parsers see: the text itself, or the number's shortest decimal text.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Cell::Text(t) => Cow::Borrowed(t),
            Cell::Number(n) => Cow::Owned(NumText(*n).to_string()),
        }
    }
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(t: &'a str) -> Self {
        Cell::Text(t)
    }
}

impl From<f64> for Cell<'_> {
    fn from(n: f64) -> Self {
        Cell::Number(n)
    }
}

/// The storage medium named by free text: first hit in the order of §7.3, else `unknown`.
pub fn storage_medium(text: &str) -> &'static str {
    let t = text.to_lowercase();
    let has = |needle: &str| t.contains(needle);
    if has("nvme") {
        "nvme"
    } else if has("hybrid") || has("sshd") {
        "hybrid"
    } else if has("emmc") {
        "emmc"
    } else if has("ufs") {
        "ufs"
    } else if has("ssd") || has("sata") {
        "sata_ssd"
    } else if has("hard drive") || has("hard disk") || has("hdd") {
        "hdd"
    } else if has("flash") {
        "emmc"
    } else if has("pcie") {
        "nvme"
    } else {
        "unknown"
    }
}

// ---------------------------------------------------------------------------------------------
// Capacity

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
fn is_thousands_comma(chars: &[char], i: usize) -> bool {
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

// ---------------------------------------------------------------------------------------------
// Price

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

fn strip_prefix_ci<'t>(t: &'t str, p: &str) -> Option<&'t str> {
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

// ---------------------------------------------------------------------------------------------
// Condition, RAM generation, port type, CPU maker

/// A listing condition read from text: the `Condition` value of §3 and whether the text was
/// unrecognised (which the importer reports as a row warning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedCondition {
    /// `new`, `refurb` or `used`.
    pub value: &'static str,
    /// True when the text was not blank and matched no spelling (the value is then `used`).
    pub unknown: bool,
}

/// The listing condition of §7.3: lower case, whitespace runs collapsed, looked up in the table;
/// blank → `used`; anything else → `used` flagged as unknown.
pub fn condition(text: &str) -> ParsedCondition {
    let t = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let value = match t.as_str() {
        "" => {
            return ParsedCondition {
                value: "used",
                unknown: false,
            };
        }
        "new" | "brand new" | "sealed" | "new in box" | "nib" => "new",
        "refurb"
        | "refurbished"
        | "renewed"
        | "certified refurbished"
        | "manufacturer refurbished"
        | "seller refurbished"
        | "recertified" => "refurb",
        "used" | "pre-owned" | "preowned" | "second hand" | "open box" => "used",
        _ => {
            return ParsedCondition {
                value: "used",
                unknown: true,
            };
        }
    };
    ParsedCondition {
        value,
        unknown: false,
    }
}

/// The RAM generation of §7.3: lower case, spaces, `-` and `_` dropped, then the leftmost of
/// `lpddr5x lpddr4x lpddr5 lpddr4 ddr3 ddr4 ddr5 hbm2 hbm3`; else `unknown` (a bare `ddr` is not
/// guessed).
pub fn ram_generation(text: &str) -> &'static str {
    let t: Vec<u8> = text
        .bytes()
        .filter(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'-' | b'_'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    // At each position the longest name wins, so `lpddr5x` is not read as `lpddr5`.
    const NAMES: [&str; 9] = [
        "lpddr5x", "lpddr4x", "lpddr5", "lpddr4", "ddr3", "ddr4", "ddr5", "hbm2", "hbm3",
    ];
    (0..t.len())
        .find_map(|i| NAMES.into_iter().find(|n| t[i..].starts_with(n.as_bytes())))
        .unwrap_or("unknown")
}

/// The port type of §7.3: lower case, non-alphanumeric runs → `_` (outer ones dropped), then the
/// alias table or a `PortType` value itself; else [`ErrorKind::InvalidPortType`].
pub fn port_type(text: &str) -> Result<&'static str, ErrorKind> {
    let mut t = String::with_capacity(text.len());
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            t.push(c);
        } else if !t.is_empty() && !t.ends_with('_') {
            t.push('_');
        }
    }
    let t = t.trim_end_matches('_');
    let alias = match t {
        "usb" | "usba" | "usb_type_a" => Some("usb_a"),
        "usbc" | "usb_type_c" => Some("usb_c"),
        "tb" | "tb3" | "tb4" | "thunderbolt_3" | "thunderbolt_4" => Some("thunderbolt"),
        "dp" | "mini_displayport" => Some("displayport"),
        "rj45" | "ethernet" | "gbe" | "1gbe" => Some("rj45_1g"),
        "2_5gbe" | "2_5g" => Some("rj45_2_5g"),
        "10gbe" | "10g" => Some("rj45_10g"),
        "3_5mm" | "headphone" => Some("audio"),
        "sd" | "sd_card" | "microsd" => Some("sdxc"),
        "m2" | "m_2" => Some("m2_slot"),
        "sata" => Some("sata_bay"),
        _ => None,
    };
    alias
        .or_else(|| port_types().iter().copied().find(|p| *p == t))
        .ok_or(ErrorKind::InvalidPortType)
}

/// The CPU manufacturer inferred from a CPU name (§7.3): `Intel`, `AMD`, `Apple`, `Qualcomm`,
/// `MediaTek` or `Unknown`.
///
/// A maker as the first word decides; a leading `M<digit>` is Apple. Otherwise any word names
/// the family; brand families (Ryzen…, Snapdragon) are checked before Intel's generic `core`
/// so that `Snapdragon X Elite 12 core` stays Qualcomm.
pub fn cpu_manufacturer(name: &str) -> &'static str {
    // Words split at anything but letters, digits and `-`: `Intel(R)` gives `intel`, while
    // `12-core` stays one word and never reads as Intel's `core`.
    let words: Vec<String> = name
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .map(|w| w.trim_matches('-').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect();
    let Some(first) = words.first() else {
        return "Unknown";
    };
    match first.as_str() {
        "intel" => return "Intel",
        "amd" => return "AMD",
        "apple" => return "Apple",
        "qualcomm" => return "Qualcomm",
        "mediatek" => return "MediaTek",
        _ => {}
    }
    let b = first.as_bytes();
    if b.len() >= 2 && b[0] == b'm' && b[1].is_ascii_digit() {
        return "Apple";
    }
    let any = |set: &[&str]| words.iter().any(|w| set.contains(&w.as_str()));
    if any(&["ryzen", "epyc", "athlon", "threadripper"]) {
        "AMD"
    } else if any(&["snapdragon"]) {
        "Qualcomm"
    } else if any(&["core", "xeon", "pentium", "celeron", "atom"]) {
        "Intel"
    } else {
        "Unknown"
    }
}

// ---------------------------------------------------------------------------------------------
// URL and integers

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

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn capacities() {
        let cases: &[(&str, Option<i64>)] = &[
            ("1 TB", Some(1000)),
            ("2.5TB", Some(2500)),
            ("512GB", Some(512)),
            ("256", Some(256)),
            ("2 x 512GB", Some(1024)),
            ("2x8GB", Some(16)),
            ("2×8 GB", Some(16)),
            ("1,024 GB", Some(1024)),
            ("512 GB NVMe SSD", Some(512)),
            ("16 GB DDR4-3200", Some(16)),
            ("DDR4-3200 16GB", Some(16)),
            ("1T", Some(1000)),
            ("8g", Some(8)),
            ("1.5 GB", Some(2)),
            ("0.5", Some(1)),
            ("", None),
            ("  N/A ", None),
            ("na", None),
            ("None", None),
            ("-", None),
            ("lots", None),
            ("2 Gen", None),
            ("16 DDR4", None),
            ("-5", None),
            ("99999999999999999999999999999999 TB", None),
        ];
        for (text, want) in cases {
            assert_eq!(capacity_gb(text), *want, "{text:?}");
        }
    }

    #[test]
    fn prices() {
        let ok: &[(Cell<'_>, &str)] = &[
            (Cell::Text("$1,299.99"), "1299.99"),
            (Cell::Text("1299"), "1299"),
            (Cell::Text("89 USD"), "89"),
            (Cell::Text("89usd"), "89"),
            (Cell::Text("USD 89"), "89"),
            (Cell::Text("US$ 1,000"), "1000"),
            (Cell::Text("$ 5"), "5"),
            (Cell::Text("12.345"), "12.35"),
            (Cell::Text("0.005"), "0.01"),
            (Cell::Number(450.0), "450"),
            (Cell::Number(12.345), "12.35"),
        ];
        for (cell, want) in ok {
            assert_eq!(price(*cell), Ok(dec(want)), "{cell:?}");
        }
        assert_eq!(price(Cell::Text("  ")), Err(ErrorKind::Missing));
        for bad in [
            "-5", "$-5", "€500", "1.299,99", "$", "12,34", "1234,567", "1,2345", "5$", "$5 USD",
            "1e3", ".5", "5.",
        ] {
            assert_eq!(
                price(Cell::Text(bad)),
                Err(ErrorKind::InvalidPrice),
                "{bad:?}"
            );
        }
        assert_eq!(price(Cell::Number(-1.0)), Err(ErrorKind::InvalidPrice));
        assert_eq!(price(Cell::Number(1e300)), Err(ErrorKind::InvalidPrice));
    }

    #[test]
    fn conditions() {
        let c = |t| condition(t);
        assert_eq!(
            c("Refurbished"),
            ParsedCondition {
                value: "refurb",
                unknown: false
            }
        );
        assert_eq!(
            c(""),
            ParsedCondition {
                value: "used",
                unknown: false
            }
        );
        assert_eq!(
            c("  Brand   New "),
            ParsedCondition {
                value: "new",
                unknown: false
            }
        );
        assert_eq!(c("Pre-Owned").value, "used");
        assert_eq!(c("NIB").value, "new");
        assert_eq!(c("Seller refurbished").value, "refurb");
        assert_eq!(
            c("mint"),
            ParsedCondition {
                value: "used",
                unknown: true
            }
        );
    }

    #[test]
    fn ram_generations() {
        for (text, want) in [
            ("DDR4", "ddr4"),
            ("DDR4/3200", "ddr4"),
            ("ddr", "unknown"),
            ("LPDDR5X", "lpddr5x"),
            ("lpddr5 6400", "lpddr5"),
            ("LP-DDR 4X", "lpddr4x"),
            ("SO-DIMM", "unknown"),
            ("HBM3", "hbm3"),
            ("16GB DDR5-5600", "ddr5"),
            ("", "unknown"),
        ] {
            assert_eq!(ram_generation(text), want, "{text:?}");
        }
    }

    #[test]
    fn port_types_and_aliases() {
        for (text, want) in [
            ("USB-A", "usb_a"),
            ("USB Type-C", "usb_c"),
            ("usb", "usb_a"),
            ("2.5GbE", "rj45_2_5g"),
            ("DP", "displayport"),
            ("Mini DisplayPort", "displayport"),
            ("SD card", "sdxc"),
            ("Thunderbolt 4", "thunderbolt"),
            ("3.5mm", "audio"),
            ("M.2", "m2_slot"),
            ("HDMI", "hdmi"),
            ("pcie_x16", "pcie_x16"),
            (" 10GbE ", "rj45_10g"),
        ] {
            assert_eq!(port_type(text), Ok(want), "{text:?}");
        }
        for bad in ["VGA", "", "serial"] {
            assert_eq!(port_type(bad), Err(ErrorKind::InvalidPortType), "{bad:?}");
        }
    }

    #[test]
    fn cpu_makers() {
        for (name, want) in [
            ("Ryzen 5 5600G", "AMD"),
            ("AMD Ryzen 7 7840HS", "AMD"),
            ("Apple M2", "Apple"),
            ("M1 Max 10-core", "Apple"),
            ("Snapdragon X Elite", "Qualcomm"),
            ("Snapdragon X Elite 12 core", "Qualcomm"),
            ("Core i7-8700", "Intel"),
            ("Intel(R) Core(TM) i5", "Intel"),
            ("Celeron N5105", "Intel"),
            ("MediaTek Kompanio 1380", "MediaTek"),
            ("Loongson 3A6000", "Unknown"),
            ("", "Unknown"),
        ] {
            assert_eq!(cpu_manufacturer(name), want, "{name:?}");
        }
    }

    #[test]
    fn urls() {
        assert_eq!(
            url(" https://ebay.com/itm/1 "),
            Ok(Some("https://ebay.com/itm/1".into()))
        );
        assert_eq!(
            url("HTTP://Example.com:8080?q=1"),
            Ok(Some("HTTP://Example.com:8080?q=1".into()))
        );
        assert_eq!(url("http://[::1]/x"), Ok(Some("http://[::1]/x".into())));
        assert_eq!(url(""), Ok(None));
        for bad in [
            "ftp://x.com",
            "https://",
            "https:///path",
            "example.com",
            "http://a b.com",
            "http://x.com:port",
            "http://[zz]/",
        ] {
            assert_eq!(url(bad), Err(ErrorKind::InvalidUrl), "{bad:?}");
        }
    }

    #[test]
    fn integers() {
        for (text, want) in [
            ("1,024", Some(1024)),
            ("12", Some(12)),
            ("2.5", Some(3)),
            ("-2.5", Some(-3)),
            ("+7", Some(7)),
            ("1e3", Some(1000)),
            ("NA", None),
            ("n/a", None),
            ("null", None),
            ("None", None),
            ("", None),
            ("eight", None),
            ("1e300", None),
        ] {
            assert_eq!(integer(text), want, "{text:?}");
        }
    }
}
