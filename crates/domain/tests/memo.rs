//! The per-row memo ([`Evaluator`]) gives exactly what [`Plan::evaluate_into`] gives: every
//! price, adjustment and contribution bit for bit (mantissa, scale, sign), every record, range,
//! error and warning — on the benchmark workload and on rules built to fail on some rows.

#[path = "../benches/workload.rs"]
#[allow(dead_code)]
mod workload;

use chrono::{TimeZone, Utc};
use domain::context::{Context, FieldRegistry, Root, Row};
use domain::valuation::{
    Evaluator, GroupSpec, ListingOverride, Outcome, Plan, RuleSpec, RulesetSpec,
};
use domain::value::Value;
use rust_decimal::Decimal;
use serde_json::json;

/// Everything an outcome holds, decimals by their 16-byte representation.
fn fingerprint(o: &Outcome) -> Vec<String> {
    let bits = |d: Decimal| d.serialize();
    let mut v = vec![format!(
        "{:?} {:?} {} {:?}",
        bits(o.list_price),
        bits(o.adjusted_price),
        o.floored,
        o.mode
    )];
    v.extend(o.rulesets.iter().map(|r| {
        format!(
            "ruleset {} {:?} {:?}",
            r.plan_index,
            bits(r.adjustment),
            r.rules
        )
    }));
    v.extend(o.rules.iter().map(|r| {
        format!(
            "rule {} {} {:?} {:?} {:?}",
            r.rule_index,
            r.matched,
            bits(r.adjustment),
            r.error.map(|e| o.error(e)),
            r.actions
        )
    }));
    v.extend(o.actions.iter().map(|a| {
        format!(
            "action {:?} {:?}",
            bits(a.contribution),
            a.error.map(|e| o.error(e))
        )
    }));
    v.extend(o.warnings.iter().map(|w| format!("{w:?}")));
    v.push(format!("{:?}", o.errors));
    v
}

/// Values every context both ways (the memo kept across all of them) and compares; returns
/// how many rules matched and how many actions and rule conditions failed, over all listings.
fn agree(plan: &Plan, listings: &[(Context, Decimal, ListingOverride)]) -> [usize; 3] {
    let mut evaluator = Evaluator::new(plan);
    let (mut plain, mut memo) = (Outcome::default(), Outcome::default());
    let mut seen = [0; 3];
    for (n, (ctx, price, over)) in listings.iter().enumerate() {
        plan.evaluate_into(ctx, *price, over, &mut plain);
        evaluator.evaluate_into(ctx, *price, over, &mut memo);
        assert_eq!(fingerprint(&plain), fingerprint(&memo), "listing {n}");
        seen[0] += plain.rules.iter().filter(|r| r.matched).count();
        seen[1] += plain.actions.iter().filter(|a| a.error.is_some()).count();
        seen[2] += plain.rules.iter().filter(|r| r.error.is_some()).count();
    }
    seen
}

#[test]
fn memo_agrees_with_the_plan_on_the_workload() {
    let w = workload::load();
    let registry = FieldRegistry::new(workload::custom_keys());
    let plan = Plan::compile(&[workload::ruleset(&w)], &registry);
    let listings: Vec<_> = workload::generate(&w, 4_000)
        .iter()
        .map(|l| {
            let mut ctx = Context::new();
            l.fill(&mut ctx);
            (ctx, l.price, ListingOverride::default())
        })
        .collect();
    let [matched, _, _] = agree(&plan, &listings);
    assert!(matched > 40_000, "{matched}");
}

fn rule(id: i64, conditions: serde_json::Value, actions: serde_json::Value) -> RuleSpec {
    RuleSpec {
        id,
        name: format!("rule {id}"),
        evaluation_order: id as i32,
        is_active: true,
        conditions: Some(conditions),
        actions,
    }
}

fn cpu(name: &str, cores: f64, mark: Option<f64>, year: f64) -> Row {
    Context::row(
        Root::Cpu,
        [
            ("name", Value::str(name)),
            ("cores", Value::Num(cores)),
            ("threads", Value::Num(cores * 2.0)),
            ("cpu_mark_multi", mark.map_or(Value::Null, Value::Num)),
            ("release_year", Value::Num(year)),
        ],
    )
}

#[test]
fn memo_agrees_where_rules_fail_on_some_rows() {
    let leaf = |field: &str, operator: &str, value: serde_json::Value| json!({"field": field, "operator": operator, "value": value});
    let rules = vec![
        // A formula that fails on a row with no cores (division by zero) and one that gives
        // a 17-digit result elsewhere.
        rule(
            1,
            leaf("cpu.cores", "gte", json!(0)),
            json!([{"type": "formula", "formula": "100 / cpu_cores"}]),
        ),
        rule(
            2,
            leaf("cpu.cpu_mark_multi", "is_not_null", json!(null)),
            json!([{"type": "formula", "formula": "cpu_cpu_mark_multi / 7.3"}]),
        ),
        // A benchmark action that fails when the score is missing.
        rule(
            3,
            leaf("cpu.release_year", "gte", json!(2000)),
            json!([{"type": "benchmark_based", "metric": "cpu.cpu_mark_multi", "value": 1.5,
                     "unit_type": "per_100_points"}]),
        ),
        // The verdict is the row's, the contribution the listing's (condition modifiers).
        rule(
            4,
            leaf("cpu.cores", "greater_than", json!(4)),
            json!([{"type": "per_unit", "metric": "per_thread", "value": 2.5,
                     "modifiers": {"condition_multipliers": {"condition_used": 0.5}}}]),
        ),
        // Two actions: the verdict is recorded, the actions run.
        rule(
            5,
            leaf("cpu.name", "contains", json!("ryzen")),
            json!([{"type": "fixed_value", "value": 10}, {"type": "multiplier", "value": 95}]),
        ),
        // A text test on a number and a regex: failures or verdicts per row.
        rule(
            6,
            leaf("cpu.name", "regex", json!("^Core i[57]")),
            json!([{"type": "fixed_value", "value": -3.25}]),
        ),
        rule(
            7,
            json!({"logic": "or", "conditions": [
                 leaf("cpu.release_year", "less_than", json!(2019)),
                 leaf("cpu", "is_null", json!(null))]}),
            json!([{"type": "fixed_value", "value": -25}]),
        ),
        // Fails (`not_numeric`) on every row but the one named "0": failures are not recorded.
        rule(
            9,
            leaf("cpu.name", "gte", json!(0)),
            json!([{"type": "fixed_value", "value": 1}]),
        ),
        // Not memoised: reads the listing.
        rule(
            8,
            leaf("ram_gb", "greater_than", json!(8)),
            json!([{"type": "per_unit", "metric": "per_gb", "value": 1.5}]),
        ),
    ];
    let plan = one_group_plan("memo", rules);
    let rows: Vec<Option<Row>> = vec![
        Some(cpu("AMD Ryzen 7 7840HS", 8.0, Some(28_763.0), 2023.0)),
        Some(cpu("Intel Core i5-8500T", 6.0, Some(9_701.0), 2018.0)),
        Some(cpu("0", 0.0, None, 2021.0)),
        Some(cpu("Intel Core i7-1165G7", 4.0, Some(10_513.0), 2020.0)),
        None,
    ];
    let conditions = ["new", "used", "refurb", "USED"];
    let listings: Vec<_> = (0..400usize)
        .map(|i| {
            let mut ctx = Context::new();
            ctx.set_row(Root::Cpu, rows[i * 7 % rows.len()].clone());
            ctx.set_field(Root::Listing, "condition", Value::str(conditions[i % 4]));
            ctx.set_field(Root::Listing, "ram_gb", Value::Num((i % 5) as f64 * 8.0));
            if i % 13 == 0 {
                // A listing that changes a field of its shared row gets a row of its own.
                ctx.set_field(Root::Cpu, "cores", Value::Num(12.0));
            }
            let price = Decimal::new(20_000 + (i as i64) * 997 % 150_000, 2);
            (ctx, price, ListingOverride::default())
        })
        .collect();
    assert!(listings.iter().any(|(c, _, _)| !c.is_present(Root::Cpu)));
    let [matched, action_errors, rule_errors] = agree(&plan, &listings);
    // Rule 9 fails on the three named rows without a row of their own (about 3/5 of 400).
    assert!(
        matched > 400 && action_errors > 40 && rule_errors > 150,
        "{matched} {action_errors} {rule_errors}"
    );
}

/// Actions remembered by their input values: texts equal at different addresses, 0 and −0,
/// booleans, nulls, lists (never remembered), a formula failing on some values, and a formula
/// on the price whose values never repeat (its table gives up after the trial).
#[test]
fn input_memo_agrees_on_repeating_and_unusual_values() {
    let leaf = |field: &str, operator: &str, value: serde_json::Value| json!({"field": field, "operator": operator, "value": value});
    let always = leaf("id", "is_not_null", json!(null));
    let rules = vec![
        rule(
            1,
            always.clone(),
            json!([{"type": "formula",
                     "formula": "min(60, ram_gb * 1.25) if ram_type == 'ddr5' else 100 / ram_gb"}]),
        ),
        rule(
            2,
            always.clone(),
            json!([{"type": "per_unit", "metric": "per_gb", "value": 2.5,
                     "modifiers": {"condition_multipliers": {"condition_refurb": 0.8,
                                                             "condition_used": 0.6}}}]),
        ),
        rule(
            3,
            always.clone(),
            json!([{"type": "formula", "formula": "price_usd / 3 + ram_gb"}]),
        ),
        rule(
            4,
            always.clone(),
            json!([{"type": "fixed_value", "value": 7.5,
                     "modifiers": {"age_curve": {"rate_per_year": 0.1, "max": 0.5},
                                   "brand_multipliers": {"dell": 1.2}}}]),
        ),
        rule(
            5,
            always,
            json!([{"type": "formula", "formula": "1 / ram_gb if notes else -ram_gb"}]),
        ),
    ];
    let plan = one_group_plan("inputs", rules);
    let ram = [
        Value::Num(8.0),
        Value::Num(0.0),
        Value::Num(-0.0),
        Value::Null,
        Value::Bool(true),
        Value::str("16"),
        Value::List(std::sync::Arc::new(vec![Value::Num(1.0)])),
        Value::Num(32.5),
    ];
    let types = ["ddr5", "DDR5", "ddr4", "", "ddr5x"];
    let conditions = ["new", "used", "refurb", "USED", "used "];
    let brands = ["Dell", "dell", " DELL ", "hp"];
    let listings: Vec<_> = (0..3_000usize)
        .map(|i| {
            let mut ctx = Context::new();
            // Every text a new allocation: equal texts at different addresses.
            ctx.set_field(Root::Listing, "id", Value::Num(i as f64));
            ctx.set_field(Root::Listing, "ram_gb", ram[i * 7 % ram.len()].clone());
            ctx.set_field(
                Root::Listing,
                "ram_type",
                Value::str(types[i % types.len()]),
            );
            ctx.set_field(
                Root::Listing,
                "condition",
                Value::str(conditions[i * 3 % conditions.len()]),
            );
            ctx.set_field(
                Root::Listing,
                "manufacturer",
                Value::str(brands[i % brands.len()]),
            );
            ctx.set_field(Root::Listing, "age_years", Value::Num((i % 9) as f64));
            ctx.set_field(Root::Listing, "notes", Value::Bool(i % 3 == 0));
            let price = Decimal::new(20_000 + (i as i64) * 997 % 150_000, 2);
            ctx.set_field(
                Root::Listing,
                "price_usd",
                Value::Num(price.try_into().unwrap()),
            );
            (ctx, price, ListingOverride::default())
        })
        .collect();
    let [matched, action_errors, _] = agree(&plan, &listings);
    assert!(
        matched == 5 * 3_000 && action_errors > 300,
        "{matched} {action_errors}"
    );
}

/// A plan of one active ruleset named `name` with one group holding `rules`.
fn one_group_plan(name: &str, rules: Vec<RuleSpec>) -> Plan {
    let spec = RulesetSpec {
        id: 1,
        name: name.into(),
        priority: 10,
        created_at: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
        is_active: true,
        metadata: json!({}),
        conditions: None,
        groups: vec![GroupSpec {
            id: 1,
            name: "g".into(),
            display_order: 100,
            is_active: true,
            rules,
        }],
    };
    Plan::compile(&[spec], &FieldRegistry::default())
}
