//! Derived metrics and scoring (DOMAIN.md §5): $/mark, perf per watt, GPU score, composite
//! score per scoring profile, and the deal class.
//!
//! A mark, TDP or RAM size that is null or ≤ 0 is absent, and absent inputs give null outputs
//! (never a 0 that would rank as the best deal).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::context::{Context, FieldRegistry, Root, slot_of};
use crate::decimal::{from_f64, ratio, round_half_up};
use crate::error::{DomainError, ErrorKind};
use crate::value::Value;

mod deal;

/// The CPU facts metrics read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuMarks {
    /// Manufacturer (the Apple rule of the GPU score).
    pub manufacturer: Option<String>,
    /// PassMark multi-thread mark.
    pub cpu_mark_multi: Option<i64>,
    /// PassMark single-thread mark.
    pub cpu_mark_single: Option<i64>,
    /// TDP in watts.
    pub tdp_w: Option<i64>,
}

/// The GPU facts metrics read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuMarks {
    /// PassMark G3D mark.
    pub gpu_mark: Option<i64>,
    /// Apple Metal score.
    pub metal_score: Option<i64>,
}

/// The per-listing metrics of §5.1.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metrics {
    /// The CPU's multi-thread mark.
    pub score_cpu_multi: Option<i64>,
    /// The CPU's single-thread mark.
    pub score_cpu_single: Option<i64>,
    /// GPU score (Apple rule), 4 places.
    pub score_gpu: Option<Decimal>,
    /// Multi mark ÷ TDP, 4 places.
    pub perf_per_watt: Option<Decimal>,
    /// List price ÷ multi mark.
    pub dollar_per_cpu_mark_multi: Option<Decimal>,
    /// Adjusted price ÷ multi mark.
    pub dollar_per_cpu_mark_multi_adjusted: Option<Decimal>,
    /// List price ÷ single mark.
    pub dollar_per_cpu_mark_single: Option<Decimal>,
    /// Adjusted price ÷ single mark.
    pub dollar_per_cpu_mark_single_adjusted: Option<Decimal>,
}

fn positive(v: Option<i64>) -> Option<i64> {
    v.filter(|n| *n > 0)
}

/// GPU score: Apple CPUs blend Metal and G3D (0.8·m + 0.2·g); others use the G3D mark.
pub fn gpu_score(cpu_manufacturer: Option<&str>, gpu: &GpuMarks) -> Option<Decimal> {
    let apple = cpu_manufacturer.is_some_and(|m| m.trim().eq_ignore_ascii_case("apple"));
    if apple {
        let m = gpu.metal_score.unwrap_or(0);
        let g = gpu.gpu_mark.unwrap_or(m);
        if m == 0 && g == 0 {
            return None;
        }
        Some(ratio(
            Decimal::new(8, 1) * Decimal::from(m) + Decimal::new(2, 1) * Decimal::from(g),
        ))
    } else {
        positive(gpu.gpu_mark).map(Decimal::from)
    }
}

/// Computes every metric of §5.1 together, so none is ever stale.
pub fn compute(
    price: Decimal,
    adjusted: Decimal,
    cpu: Option<&CpuMarks>,
    gpu: Option<&GpuMarks>,
) -> Metrics {
    let multi = cpu.and_then(|c| positive(c.cpu_mark_multi));
    let single = cpu.and_then(|c| positive(c.cpu_mark_single));
    let tdp = cpu.and_then(|c| positive(c.tdp_w));
    let per = |amount: Decimal, mark: Option<i64>| mark.map(|m| ratio(amount / Decimal::from(m)));
    Metrics {
        score_cpu_multi: multi,
        score_cpu_single: single,
        score_gpu: gpu.and_then(|g| gpu_score(cpu.and_then(|c| c.manufacturer.as_deref()), g)),
        perf_per_watt: multi
            .zip(tdp)
            .map(|(m, t)| ratio(Decimal::from(m) / Decimal::from(t))),
        dollar_per_cpu_mark_multi: per(price, multi),
        dollar_per_cpu_mark_multi_adjusted: per(adjusted, multi),
        dollar_per_cpu_mark_single: per(price, single),
        dollar_per_cpu_mark_single_adjusted: per(adjusted, single),
    }
}

/// The fixed composite-score metric keys (§5.2).
pub const WEIGHT_KEYS: &[&str] = &[
    "cpu_mark_multi",
    "cpu_mark_single",
    "gpu_score",
    "perf_per_watt",
    "ram_capacity",
];

/// Validated scoring-profile weights.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScoringWeights {
    weights: BTreeMap<String, Decimal>,
}

impl ScoringWeights {
    /// Validates weights: keys from [`WEIGHT_KEYS`] or `custom.<key>` of a registered (numeric)
    /// custom field, values numbers ≥ 0; anything else is `invalid_weights`.
    pub fn parse(json: &Json, numeric_custom: &FieldRegistry) -> Result<Self, DomainError> {
        let bad = |path: &str, m: String| DomainError::new(ErrorKind::InvalidWeights, path, m);
        let Some(obj) = json.as_object() else {
            return Err(bad(
                "weights",
                "weights must be an object of metric → number".into(),
            ));
        };
        let mut weights = BTreeMap::new();
        for (key, v) in obj {
            let known = WEIGHT_KEYS.contains(&key.as_str())
                || key
                    .strip_prefix("custom.")
                    .is_some_and(|k| numeric_custom.has_custom(k));
            if !known {
                return Err(bad(
                    &format!("weights.{key}"),
                    format!("unknown metric `{key}`"),
                ));
            }
            let w = crate::action::decimal(v)
                .filter(|w| !w.is_sign_negative() || w.is_zero())
                .ok_or_else(|| {
                    bad(
                        &format!("weights.{key}"),
                        "a weight must be a number ≥ 0".into(),
                    )
                })?;
            weights.insert(key.clone(), w);
        }
        Ok(Self { weights })
    }

    /// The weights by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Decimal)> {
        self.weights.iter().map(|(k, w)| (k.as_str(), *w))
    }

    /// Composite score on a context: Σ(v·w) ÷ Σw over the present metrics, 4 places; null
    /// when none is present or Σw = 0. Missing metrics drop out together with their weight.
    pub fn score(&self, ctx: &Context) -> Option<Decimal> {
        let mut num = Decimal::ZERO;
        let mut den = Decimal::ZERO;
        for (key, w) in self.iter() {
            if let Some(v) = metric_value(key, ctx) {
                num += v * w;
                den += w;
            }
        }
        (!den.is_zero()).then(|| ratio(num / den))
    }
}

fn positive_slot(ctx: &Context, root: Root, name: &str) -> Option<Decimal> {
    let v = ctx.slot(slot_of(root, name)?).as_number()?;
    if v > 0.0 { from_f64(v) } else { None }
}

fn int_slot(ctx: &Context, root: Root, name: &str) -> Option<i64> {
    let v = ctx.slot(slot_of(root, name)?).as_number()?;
    (v > 0.0).then(|| v.round() as i64)
}

/// A composite metric's value on a context, `None` when absent.
fn metric_value(key: &str, ctx: &Context) -> Option<Decimal> {
    match key {
        "cpu_mark_multi" => positive_slot(ctx, Root::Cpu, "cpu_mark_multi"),
        "cpu_mark_single" => positive_slot(ctx, Root::Cpu, "cpu_mark_single"),
        "ram_capacity" => positive_slot(ctx, Root::Listing, "ram_gb"),
        "perf_per_watt" => {
            let m = positive_slot(ctx, Root::Cpu, "cpu_mark_multi")?;
            let t = positive_slot(ctx, Root::Cpu, "tdp_w")?;
            Some(ratio(m / t))
        }
        "gpu_score" => {
            if !ctx.is_present(Root::Gpu) {
                return None;
            }
            let gpu = GpuMarks {
                gpu_mark: int_slot(ctx, Root::Gpu, "gpu_mark"),
                metal_score: int_slot(ctx, Root::Gpu, "metal_score"),
            };
            let maker = slot_of(Root::Cpu, "manufacturer").and_then(|s| ctx.slot(s).as_str());
            gpu_score(maker, &gpu)
        }
        _ => match ctx.custom().get(key.strip_prefix("custom.")?) {
            Some(Value::Num(n)) => from_f64(*n),
            _ => None,
        },
    }
}

/// Deal classes, best to worst (§3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealClass {
    /// ≥ great_deal % below list.
    GreatDeal,
    /// ≥ good_deal % below list.
    GoodDeal,
    /// Below list.
    LightSaving,
    /// At list.
    Neutral,
    /// Above list.
    LightPremium,
    /// ≥ premium_warning % above list.
    Premium,
}

impl DealClass {
    /// Every class, best first.
    pub const ALL: [DealClass; 6] = [
        DealClass::GreatDeal,
        DealClass::GoodDeal,
        DealClass::LightSaving,
        DealClass::Neutral,
        DealClass::LightPremium,
        DealClass::Premium,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DealClass::GreatDeal => "great_deal",
            DealClass::GoodDeal => "good_deal",
            DealClass::LightSaving => "light_saving",
            DealClass::Neutral => "neutral",
            DealClass::LightPremium => "light_premium",
            DealClass::Premium => "premium",
        }
    }

    /// Parses a snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
    }

    /// True when `self` is at least as good as `other`.
    pub fn at_least(self, other: DealClass) -> bool {
        self <= other
    }
}

/// The `valuation_thresholds` setting, in percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Good deal at ≥ this % below list (default 15).
    pub good_deal: Decimal,
    /// Great deal at ≥ this % below list (default 25).
    pub great_deal: Decimal,
    /// Premium at ≥ this % above list (default 10).
    pub premium_warning: Decimal,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            good_deal: Decimal::from(15),
            great_deal: Decimal::from(25),
            premium_warning: Decimal::from(10),
        }
    }
}

/// A listing's deal: class, delta and delta % (2 places).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deal {
    /// The class.
    pub class: DealClass,
    /// List − adjusted.
    pub delta: Decimal,
    /// delta ÷ list × 100, 2 places (0 when the list price is 0).
    pub delta_pct: Decimal,
}

/// Classifies a listing by the unrounded delta % (§5.3).
pub fn classify(price: Decimal, adjusted: Decimal, t: &Thresholds) -> Deal {
    let delta = price - adjusted;
    deal::classify_exact(price, delta, t).unwrap_or_else(|| classify_by_division(price, delta, t))
}

/// [`classify`] by decimal division: the definition, taken whenever the exact fast path of
/// `deal` does not apply.
fn classify_by_division(price: Decimal, delta: Decimal, t: &Thresholds) -> Deal {
    let pct = if price.is_zero() {
        Decimal::ZERO
    } else {
        delta / price * Decimal::ONE_HUNDRED
    };
    let class = if pct >= t.great_deal {
        DealClass::GreatDeal
    } else if pct >= t.good_deal {
        DealClass::GoodDeal
    } else if pct > Decimal::ZERO {
        DealClass::LightSaving
    } else if pct <= -t.premium_warning {
        DealClass::Premium
    } else if pct < Decimal::ZERO {
        DealClass::LightPremium
    } else {
        DealClass::Neutral
    };
    Deal {
        class,
        delta,
        delta_pct: round_half_up(pct, 2),
    }
}
