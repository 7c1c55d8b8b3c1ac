//! One PassMark record → [`PassmarkCpu`], with the fallbacks of DOMAIN.md §7.4 and the
//! integer rules of §7.3 (`,` separators dropped, NA/n/a/null/none/blank → null, half-up).

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive as _;
use serde_json::{Map, Value as Json};

/// The values a PassMark row carries (null = absent; only non-null values overwrite).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassmarkCpu {
    pub name: String,
    pub cpu_mark_multi: Option<i32>,
    pub cpu_mark_single: Option<i32>,
    pub igpu_model: Option<String>,
    pub igpu_mark: Option<i32>,
    pub tdp_w: Option<i32>,
    pub release_year: Option<i32>,
    pub cores: Option<i32>,
    pub threads: Option<i32>,
    pub category: Option<String>,
    pub slug: Option<String>,
    pub passmark_id: Option<String>,
}

type Failure = (Option<String>, String);

fn first<'a>(rec: &'a Map<String, Json>, keys: &[&str]) -> Option<(&'a str, &'a Json)> {
    keys.iter()
        .find_map(|k| rec.get_key_value(*k).map(|(k, v)| (k.as_str(), v)))
}

fn text(rec: &Map<String, Json>, keys: &[&str]) -> Option<String> {
    let (_, v) = first(rec, keys)?;
    let s = match v {
        Json::String(s) => s.trim().to_owned(),
        Json::Number(n) => n.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// An integer ≥ 0 per §7.3; `Err` names the field.
fn int(rec: &Map<String, Json>, keys: &[&str]) -> Result<Option<i32>, String> {
    let Some((key, v)) = first(rec, keys) else {
        return Ok(None);
    };
    let raw = match v {
        Json::Number(n) => n.to_string(),
        Json::String(s) => s.trim().replace(',', ""),
        other => return Err(format!("{key}: not a number: {other}")),
    };
    if matches!(
        raw.to_lowercase().as_str(),
        "" | "na" | "n/a" | "null" | "none"
    ) {
        return Ok(None);
    }
    let d: Decimal = raw
        .parse()
        .or_else(|_| Decimal::from_scientific(&raw))
        .map_err(|_| format!("{key}: not a number: `{raw}`"))?;
    let n = d
        .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .to_i32()
        .ok_or_else(|| format!("{key}: out of range: `{raw}`"))?;
    if n < 0 {
        return Err(format!("{key}: must not be negative: `{raw}`"));
    }
    Ok(Some(n))
}

/// The first 19xx/20xx year in `date`.
fn year_in(date: &str) -> Option<i32> {
    let b = date.as_bytes();
    (0..b.len().saturating_sub(3)).find_map(|i| {
        let w = &b[i..i + 4];
        let boundary = |j: Option<&u8>| j.is_none_or(|c| !c.is_ascii_digit());
        let ok = w.iter().all(u8::is_ascii_digit)
            && (w.starts_with(b"19") || w.starts_with(b"20"))
            && boundary(i.checked_sub(1).and_then(|p| b.get(p)))
            && boundary(b.get(i + 4));
        ok.then(|| date[i..i + 4].parse().ok()).flatten()
    })
}

/// Reads one record.
pub(super) fn cpu(rec: &Map<String, Json>) -> Result<PassmarkCpu, Failure> {
    let name = text(rec, &["cpu_name", "name", "cpuname", "cpu"]);
    let fail = |m: String| (name.clone(), m);
    let Some(cpu_name) = name.clone() else {
        return Err(fail("missing cpu_name".into()));
    };
    if cpu_name.chars().count() > 255 {
        return Err(fail("cpu_name: longer than 255 characters".into()));
    }
    let cores = int(rec, &["cores"]).map_err(fail)?;
    let threads = match int(rec, &["threads", "threadcount", "numthreads"]).map_err(fail)? {
        Some(t) => Some(t),
        None => {
            let logicals = int(rec, &["logicals"]).map_err(fail)?;
            let count = int(rec, &["cpucount"]).map_err(fail)?.unwrap_or(1);
            match (cores, logicals) {
                (Some(c), Some(l)) => c.checked_mul(l).and_then(|t| t.checked_mul(count)),
                _ => None,
            }
        }
    };
    let release_year = match int(rec, &["release_year", "releaseyear"]).map_err(fail)? {
        Some(y) => Some(y),
        None => text(rec, &["date"]).as_deref().and_then(year_in),
    };
    Ok(PassmarkCpu {
        cpu_mark_multi: int(rec, &["cpu_mark_multi", "cpumark", "rating"]).map_err(fail)?,
        cpu_mark_single: int(
            rec,
            &[
                "cpu_mark_single",
                "thread",
                "singlethread",
                "singlethreadscore",
            ],
        )
        .map_err(fail)?,
        igpu_model: text(rec, &["igpu_model", "igpumodel"]),
        igpu_mark: int(rec, &["igpu_mark", "igpumark", "gpumark"]).map_err(fail)?,
        tdp_w: int(rec, &["tdp_w", "tdp", "maxtdp"]).map_err(fail)?,
        release_year,
        cores,
        threads,
        category: text(rec, &["category", "cat"]),
        slug: text(rec, &["passmark_slug", "slug", "href"]),
        passmark_id: text(rec, &["passmark_id", "id"]),
        name: cpu_name,
    })
}

/// The CPU maker of a name (§7.3 "CPU maker").
pub fn maker(name: &str) -> &'static str {
    let lower = name.trim().to_lowercase();
    let first = lower.split_whitespace().next().unwrap_or_default();
    match first {
        "intel" => return "Intel",
        "amd" => return "AMD",
        "apple" => return "Apple",
        "qualcomm" => return "Qualcomm",
        "mediatek" => return "MediaTek",
        _ => {}
    }
    let has = |w: &[&str]| lower.split_whitespace().any(|t| w.contains(&t));
    let mut chars = first.chars();
    if has(&["ryzen", "epyc", "athlon", "threadripper"]) {
        "AMD"
    } else if has(&["core", "xeon", "pentium", "celeron", "atom"]) {
        "Intel"
    } else if chars.next() == Some('m') && chars.next().is_some_and(|c| c.is_ascii_digit()) {
        "Apple"
    } else if has(&["snapdragon"]) {
        "Qualcomm"
    } else {
        "Unknown"
    }
}
