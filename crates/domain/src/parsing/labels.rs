//! Enumerated labels from free text (§7.3): condition, RAM generation, port type, CPU maker.

use crate::context::port_types;
use crate::error::ErrorKind;

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
