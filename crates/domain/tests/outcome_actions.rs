//! A matched one-action rule whose action did not fail keeps no action record of its own
//! (its contribution is the rule's adjustment); [`Outcome::actions_of`] gives it back. Here
//! every matched rule of the benchmark workload lists exactly its stored actions, with and
//! without the memo, and a one-action rule's action contributes its adjustment bit for bit.

#[path = "../benches/workload.rs"]
#[allow(dead_code)]
mod workload;

use std::collections::HashMap;

use chrono::{TimeZone, Utc};
use domain::context::{Context, FieldRegistry};
use domain::valuation::{Evaluator, ListingOverride, Outcome, Plan};

fn check(plan: &Plan, out: &Outcome, stored: &HashMap<i64, usize>) -> usize {
    let mut implied = 0;
    for rs in &out.rulesets {
        for r in &out.rules[rs.rules.clone()] {
            let actions = out.actions_of(plan, rs, r);
            if !r.matched {
                assert!(actions.is_empty());
                continue;
            }
            if r.actions.is_empty() {
                implied += 1;
            }
            if let [a] = &*actions
                && a.error.is_none()
            {
                assert_eq!(a.contribution.serialize(), r.adjustment.serialize());
            }
        }
    }
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single();
    let breakdown = out.breakdown(plan, at.unwrap_or_default());
    for rule in breakdown.rulesets.iter().flat_map(|rs| &rs.rules) {
        let expected = if rule.matched {
            stored[&rule.rule_id]
        } else {
            0
        };
        assert_eq!(rule.actions.len(), expected, "rule {}", rule.rule_id);
    }
    implied
}

#[test]
fn matched_rules_list_their_stored_actions() {
    let w = workload::load();
    let spec = workload::ruleset(&w);
    let stored: HashMap<i64, usize> = spec
        .groups
        .iter()
        .flat_map(|g| &g.rules)
        .map(|r| (r.id, r.actions.as_array().map_or(0, Vec::len)))
        .collect();
    let registry = FieldRegistry::new(workload::custom_keys());
    let plan = Plan::compile(&[spec], &registry);
    let mut evaluator = Evaluator::new(&plan);
    let (mut plain, mut memo) = (Outcome::default(), Outcome::default());
    let mut implied = 0;
    for l in workload::generate(&w, 1_000) {
        let mut ctx = Context::new();
        l.fill(&mut ctx);
        plan.evaluate_into(&ctx, l.price, &ListingOverride::default(), &mut plain);
        evaluator.evaluate_into(&ctx, l.price, &ListingOverride::default(), &mut memo);
        implied += check(&plan, &plain, &stored);
        assert_eq!(check(&plan, &memo, &stored), check(&plan, &plain, &stored));
    }
    assert!(implied > 10_000, "{implied}");
}
