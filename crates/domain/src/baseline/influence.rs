//! How much each valuation layer (baseline / basic / advanced, §4.2) and each rule moves
//! prices, aggregated over stored breakdowns (§4.9) — the `valuationLayerInfluence` and
//! `topRules` reports. Fed one breakdown at a time so the caller can page through listings.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::Value as Json;

/// One layer's totals.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LayerTotals {
    /// Listings whose valuation evaluated a ruleset of this layer.
    pub listings: u64,
    /// Of those, listings the layer moved (a non-zero sum).
    pub adjusted_listings: u64,
    /// Σ of the layer's adjustments.
    pub total_adjustment: Decimal,
    /// Σ of |the layer's adjustment per listing|.
    pub total_abs_adjustment: Decimal,
}

/// One rule's totals.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RuleTotals {
    pub rule_id: i64,
    pub rule_name: String,
    pub group_name: String,
    pub ruleset_id: i64,
    pub ruleset_name: String,
    pub layer: String,
    /// Listings it matched.
    pub matched: u64,
    /// Σ of its adjustments.
    pub total_adjustment: Decimal,
    /// Σ of |its adjustment|.
    pub total_abs_adjustment: Decimal,
}

/// The running aggregation.
#[derive(Debug, Clone, Default)]
pub struct Influence {
    /// Listings seen with a breakdown.
    pub listings: u64,
    pub layers: BTreeMap<String, LayerTotals>,
    pub rules: BTreeMap<i64, RuleTotals>,
}

fn dec(v: Option<&Json>) -> Decimal {
    match v {
        Some(Json::String(s)) => s.trim().parse().unwrap_or_default(),
        Some(Json::Number(n)) => n.to_string().parse().unwrap_or_default(),
        _ => Decimal::ZERO,
    }
}

fn text(v: &Json, k: &str) -> String {
    v.get(k)
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_owned()
}

impl Influence {
    /// Adds one listing's stored breakdown (null or malformed ones count for nothing).
    pub fn add(&mut self, breakdown: &Json) {
        let Some(sets) = breakdown.get("rulesets").and_then(Json::as_array) else {
            return;
        };
        self.listings += 1;
        let mut per_layer: BTreeMap<String, Decimal> = BTreeMap::new();
        for rs in sets {
            let layer = text(rs, "layer");
            *per_layer.entry(layer.clone()).or_default() += dec(rs.get("adjustment"));
            let rules = rs
                .get("rules")
                .and_then(Json::as_array)
                .into_iter()
                .flatten();
            for r in rules.filter(|r| r.get("matched").and_then(Json::as_bool) == Some(true)) {
                let Some(id) = r.get("ruleId").and_then(Json::as_i64) else {
                    continue;
                };
                let a = dec(r.get("adjustment"));
                let t = self.rules.entry(id).or_insert_with(|| RuleTotals {
                    rule_id: id,
                    rule_name: text(r, "ruleName"),
                    group_name: text(r, "groupName"),
                    ruleset_id: rs.get("id").and_then(Json::as_i64).unwrap_or_default(),
                    ruleset_name: text(rs, "name"),
                    layer: layer.clone(),
                    ..RuleTotals::default()
                });
                t.matched += 1;
                t.total_adjustment += a;
                t.total_abs_adjustment += a.abs();
            }
        }
        for (layer, sum) in per_layer {
            let t = self.layers.entry(layer).or_default();
            t.listings += 1;
            if !sum.is_zero() {
                t.adjusted_listings += 1;
            }
            t.total_adjustment += sum;
            t.total_abs_adjustment += sum.abs();
        }
    }

    /// The `n` rules that moved prices most (Σ|adjustment| descending, then rule id).
    pub fn top_rules(&self, n: usize) -> Vec<RuleTotals> {
        let mut v: Vec<RuleTotals> = self.rules.values().cloned().collect();
        v.sort_by(|a, b| {
            b.total_abs_adjustment
                .cmp(&a.total_abs_adjustment)
                .then(a.rule_id.cmp(&b.rule_id))
        });
        v.truncate(n);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn layers_and_rules_add_up() {
        let b = |base: &str, adv: &str| {
            json!({"rulesets": [
                {"id": 1, "name": "System", "layer": "baseline", "adjustment": "0.0000",
                 "rules": [{"ruleId": 10, "ruleName": "p", "groupName": "cpu", "matched": true, "adjustment": base}]},
                {"id": 2, "name": "Mine", "layer": "advanced", "adjustment": adv,
                 "rules": [{"ruleId": 20, "ruleName": "ram", "groupName": "g", "matched": true, "adjustment": adv},
                           {"ruleId": 21, "ruleName": "off", "groupName": "g", "matched": false, "adjustment": "0"}]}]})
        };
        let mut i = Influence::default();
        i.add(&b("0", "-15.5000"));
        i.add(&b("0", "4"));
        i.add(&Json::Null);
        assert_eq!(i.listings, 2);
        let adv = &i.layers["advanced"];
        assert_eq!((adv.listings, adv.adjusted_listings), (2, 2));
        assert_eq!(adv.total_adjustment, Decimal::new(-115, 1));
        assert_eq!(adv.total_abs_adjustment, Decimal::new(195, 1));
        assert_eq!(i.layers["baseline"].adjusted_listings, 0);
        let top = i.top_rules(5);
        assert_eq!(top.len(), 2, "unmatched rules are not counted");
        assert_eq!((top[0].rule_id, top[0].matched), (20, 2));
        assert_eq!(top[1].total_abs_adjustment, Decimal::ZERO);
        assert_eq!(i.top_rules(1).len(), 1);
    }
}
