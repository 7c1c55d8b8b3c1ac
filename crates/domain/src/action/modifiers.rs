//! Modifiers (§4.6): validated on write, applied to each base value in order — condition,
//! age curve, brand, clamp.

use rust_decimal::Decimal;
use serde_json::Value as Json;

use super::decimal;
use crate::context::{Context, FieldRef, slot};
use crate::decimal::{from_f64, mul};
use crate::error::{DomainError, ErrorKind};

const CONDITIONS: [&str; 3] = ["new", "refurb", "used"];
const INERT_UNITS: [&str; 4] = ["usd", "multiplier", "percentage", "formula"];

/// Validated modifiers of one action.
#[derive(Debug, Clone, Default)]
pub struct Modifiers {
    /// Factor per condition (new, refurb, used); `None` = unchanged.
    condition: [Option<Decimal>; 3],
    /// `(rate_per_year, max)`.
    age_curve: Option<(Decimal, Decimal)>,
    /// `(trimmed lower-case brand, factor)`.
    brands: Vec<(String, Decimal)>,
    min_usd: Option<Decimal>,
    max_usd: Option<Decimal>,
}

fn bad(key: &str, message: impl Into<String>) -> DomainError {
    DomainError::new(ErrorKind::InvalidModifier, key, message)
}

fn factor(v: &Json, key: &str) -> Result<Decimal, DomainError> {
    match decimal(v) {
        Some(d) if !d.is_sign_negative() || d.is_zero() => Ok(d),
        _ => Err(bad(key, "a factor must be a number ≥ 0")),
    }
}

fn condition_index(key: &str) -> Option<usize> {
    let bare = key.strip_prefix("condition_").unwrap_or(key);
    CONDITIONS.iter().position(|c| *c == bare)
}

/// The index in [`CONDITIONS`] of a listing's condition, ignoring ASCII case. Decided by the
/// length first (`new` has 3 bytes, `used` 4, `refurb` 6), as a case-insensitive equality
/// needs equal lengths: at most one comparison instead of a search of the three.
#[inline]
fn listing_condition(c: &str) -> Option<usize> {
    let b = c.as_bytes();
    match b.len() {
        3 if same_letters(b, b"new") => Some(0),
        4 if same_letters(b, b"used") => Some(2),
        6 if same_letters(b, b"refurb") => Some(1),
        _ => None,
    }
}

/// Equality ignoring ASCII case with a word of lower-case ASCII letters: a byte equals such a
/// letter or its upper case exactly when the byte with bit 5 set equals it (the only other
/// byte that bit maps onto a lower-case letter is its upper case).
#[inline(always)]
fn same_letters(b: &[u8], lower: &[u8]) -> bool {
    b.len() == lower.len() && b.iter().zip(lower).all(|(x, l)| x | 0x20 == *l)
}

impl Modifiers {
    /// Validates a modifiers object. Known keys only; factors ≥ 0.
    pub fn compile(json: &Json) -> Result<Modifiers, DomainError> {
        let Some(obj) = json.as_object() else {
            return Err(bad("", "modifiers must be an object"));
        };
        let mut m = Modifiers::default();
        let mut top_level_condition = [None; 3];
        let mut has_multipliers_map = false;
        let mut clamp_flag = None;
        for (key, v) in obj {
            if v.is_null() {
                continue;
            }
            match key.as_str() {
                "condition_multipliers" => {
                    let Some(map) = v.as_object() else {
                        return Err(bad(key, "condition_multipliers must be an object"));
                    };
                    has_multipliers_map = true;
                    for (c, f) in map {
                        let path = format!("{key}.{c}");
                        let i = condition_index(c)
                            .ok_or_else(|| bad(&path, "keys are new, refurb and used"))?;
                        m.condition[i] = Some(factor(f, &path)?);
                    }
                }
                "condition_new" | "condition_refurb" | "condition_used" => {
                    if let Some(i) = condition_index(key) {
                        top_level_condition[i] = Some(factor(v, key)?);
                    }
                }
                "age_curve" => m.age_curve = Some(age_curve(v)?),
                "brand_multipliers" => {
                    let Some(map) = v.as_object() else {
                        return Err(bad(key, "brand_multipliers must be an object"));
                    };
                    for (brand, f) in map {
                        let f = factor(f, &format!("{key}.{brand}"))?;
                        let brand = brand.trim().to_lowercase();
                        if !m.brands.iter().any(|(b, _)| *b == brand) {
                            m.brands.push((brand, f));
                        }
                    }
                }
                "clamp" => {
                    clamp_flag = Some(
                        v.as_bool()
                            .ok_or_else(|| bad(key, "clamp must be a boolean"))?,
                    )
                }
                "min_usd" => {
                    m.min_usd =
                        Some(decimal(v).ok_or_else(|| bad(key, "min_usd must be a number"))?)
                }
                "max_usd" => {
                    m.max_usd =
                        Some(decimal(v).ok_or_else(|| bad(key, "max_usd must be a number"))?)
                }
                "unit" => {
                    if !v.as_str().is_some_and(|u| INERT_UNITS.contains(&u)) {
                        return Err(bad(
                            key,
                            "unit must be usd, multiplier, percentage or formula",
                        ));
                    }
                }
                "explanation" | "formula_notes" | "baseline_unit" => {
                    if !v.is_string() {
                        return Err(bad(key, "must be a string"));
                    }
                }
                "baseline_placeholder" => {
                    if !v.is_boolean() {
                        return Err(bad(key, "must be a boolean"));
                    }
                }
                _ => return Err(bad(key, format!("unknown modifier `{key}`"))),
            }
        }
        if !has_multipliers_map {
            m.condition = top_level_condition;
        }
        let bounds = m.min_usd.is_some() || m.max_usd.is_some();
        match clamp_flag {
            Some(true) if !bounds => return Err(bad("clamp", "clamp needs min_usd or max_usd")),
            Some(false) if bounds => {
                return Err(bad("clamp", "clamp is false but bounds are given"));
            }
            _ => {}
        }
        if let (Some(lo), Some(hi)) = (m.min_usd, m.max_usd)
            && lo > hi
        {
            return Err(bad("min_usd", "min_usd must not exceed max_usd"));
        }
        Ok(m)
    }

    /// Applies the modifiers to a base value, in the order of §4.6; `None` on decimal overflow.
    /// Reads the listing's condition, age and brand from `ctx` only when a modifier uses them.
    pub(super) fn apply(&self, mut x: Decimal, ctx: &Context) -> Option<Decimal> {
        if self.condition.iter().any(Option::is_some)
            && let Some(c) = ctx.slot(slot::LISTING_CONDITION).as_str()
            && let Some(i) = listing_condition(c)
            && let Some(f) = self.condition[i]
        {
            x = mul(x, f)?;
        }
        if let Some((rate, max)) = self.age_curve {
            let age = ctx
                .slot(slot::LISTING_AGE_YEARS)
                .as_number()
                .and_then(from_f64)
                .unwrap_or_default();
            x = mul(x, Decimal::ONE - mul(age, rate)?.min(max))?;
        }
        if !self.brands.is_empty()
            && let Some(brand) = ctx
                .slot(slot::LISTING_MANUFACTURER)
                .as_str()
                .map(|m| m.trim().to_lowercase())
            && let Some((_, f)) = self.brands.iter().find(|(b, _)| *b == brand)
        {
            x = mul(x, *f)?;
        }
        if let Some(lo) = self.min_usd {
            x = x.max(lo);
        }
        if let Some(hi) = self.max_usd {
            x = x.min(hi);
        }
        Some(x)
    }

    /// True when there is nothing to apply: every value passes through unchanged.
    pub(super) fn is_identity(&self) -> bool {
        !self.reads_listing() && self.min_usd.is_none() && self.max_usd.is_none()
    }

    /// The listing fields [`Modifiers::apply`] reads: the condition, age and brand slots of the
    /// modifiers that use them.
    pub(super) fn inputs(&self) -> impl Iterator<Item = FieldRef> {
        [
            self.condition
                .iter()
                .any(Option::is_some)
                .then_some(slot::LISTING_CONDITION),
            self.age_curve.is_some().then_some(slot::LISTING_AGE_YEARS),
            (!self.brands.is_empty()).then_some(slot::LISTING_MANUFACTURER),
        ]
        .into_iter()
        .flatten()
        .map(FieldRef::Slot)
    }

    /// True when evaluation needs the listing's condition, age or brand.
    pub(super) fn reads_listing(&self) -> bool {
        self.condition.iter().any(Option::is_some)
            || self.age_curve.is_some()
            || !self.brands.is_empty()
    }
}

fn age_curve(v: &Json) -> Result<(Decimal, Decimal), DomainError> {
    let key = "age_curve";
    let Some(obj) = v.as_object() else {
        return Err(bad(key, "age_curve must be an object {rate_per_year, max}"));
    };
    let mut rate = None;
    let mut max = Decimal::new(5, 1);
    for (k, val) in obj {
        match k.as_str() {
            "rate_per_year" => rate = Some(factor(val, &format!("{key}.rate_per_year"))?),
            "max" => {
                max = decimal(val)
                    .filter(|m| *m >= Decimal::ZERO && *m <= Decimal::ONE)
                    .ok_or_else(|| bad(&format!("{key}.max"), "max must be between 0 and 1"))?;
            }
            _ => {
                return Err(bad(
                    &format!("{key}.{k}"),
                    "age_curve takes rate_per_year and max",
                ));
            }
        }
    }
    let rate = rate.ok_or_else(|| bad(key, "age_curve needs rate_per_year ≥ 0"))?;
    Ok((rate, max))
}

#[cfg(test)]
mod tests {
    use super::{CONDITIONS, listing_condition};

    #[test]
    fn listing_condition_is_the_case_insensitive_search() {
        for c in [
            "new",
            "NEW",
            "New",
            "used",
            "USED",
            "refurb",
            "Refurb",
            "REFURB",
            "",
            "ne",
            "neww",
            "use",
            "refurbished",
            "n\u{e9}w",
            "\u{212A}",
            " new",
            "new ",
            "usEd",
            "usedx",
            "n@w",
            "n`w",
            "NeW",
            "u\u{7f}ed",
            "REFURB",
            "refur\u{42}",
            "\u{e9}ed",
        ] {
            let search = CONDITIONS.iter().position(|k| c.eq_ignore_ascii_case(k));
            assert_eq!(listing_condition(c), search, "{c:?}");
        }
        // Every byte against every letter of the words: bit 5 admits exactly the two cases.
        for word in CONDITIONS {
            for l in word.bytes() {
                for b in 0..=u8::MAX {
                    assert_eq!(super::same_letters(&[b], &[l]), b.eq_ignore_ascii_case(&l));
                }
            }
        }
    }
}
