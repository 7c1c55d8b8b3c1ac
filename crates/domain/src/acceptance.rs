//! The engine acceptance runner: evaluates cases of the `engine-cases.json` schema (see
//! `shared/acceptance/README.md`) and compares each result with its expectation.
//!
//! Pure: callers read the file. Used by the domain crate's acceptance test and by
//! `dealbrain check-cases FILE`.

use chrono::Utc;
use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

use crate::action::Action;
use crate::condition::Condition;
use crate::context::{Context, FieldRegistry};
use crate::custom_fields::{CompiledDefinition, CustomFieldEntity, normalize_key, validate_value};
use crate::decimal::{from_f64, ratio};
use crate::error::DomainError;
use crate::formula::Formula;
use crate::metrics::{self, CpuMarks, GpuMarks, ScoringWeights, Thresholds};
use crate::parsing::{self, Cell};
use crate::valuation::{ListingOverride, Plan, RulesetSpec};

/// The verdict on one case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseReport {
    /// The case id.
    pub id: String,
    /// The case category.
    pub category: String,
    /// True when the result matched the expectation.
    pub passed: bool,
    /// What the engine produced.
    pub actual: Json,
    /// What the case expected.
    pub expected: Json,
}

/// Runs every case of a parsed cases file (`{version, cases: [...]}`).
pub fn run_file(file: &Json) -> Result<Vec<CaseReport>, String> {
    let cases = file
        .get("cases")
        .and_then(Json::as_array)
        .ok_or("the file has no `cases` list")?;
    Ok(cases.iter().map(run_case).collect())
}

/// Runs one case.
pub fn run_case(case: &Json) -> CaseReport {
    let text = |k: &str| {
        case.get(k)
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let category = text("category");
    let input = case.get("input").cloned().unwrap_or(Json::Null);
    let expected = case.get("expected").cloned().unwrap_or(Json::Null);
    let actual = match evaluate(&category, &input) {
        Ok(v) => v,
        Err(kind) => json!({ "error": kind }),
    };
    let tolerance = if category == "formula" { 1e-9 } else { 0.0 };
    let passed = json_matches(&actual, &expected, tolerance);
    CaseReport {
        id: text("id"),
        category,
        passed,
        actual,
        expected,
    }
}

fn kind(e: DomainError) -> String {
    e.kind.as_str().to_owned()
}

/// The registry of a case: core paths + keys of `context.custom` + `custom_keys`.
fn registry(input: &Json) -> FieldRegistry {
    let mut keys: Vec<String> = input
        .pointer("/context/custom")
        .and_then(Json::as_object)
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    if let Some(extra) = input.get("custom_keys").and_then(Json::as_array) {
        keys.extend(extra.iter().filter_map(Json::as_str).map(str::to_owned));
    }
    FieldRegistry::new(keys)
}

fn context(input: &Json) -> Context {
    Context::from_json(input.get("context").unwrap_or(&Json::Null))
}

fn num(d: Decimal) -> Json {
    d.to_string()
        .parse::<f64>()
        .map(crate::value::number_to_json)
        .unwrap_or(Json::Null)
}

fn opt_num(d: Option<Decimal>) -> Json {
    d.map_or(Json::Null, num)
}

fn evaluate(category: &str, input: &Json) -> Result<Json, String> {
    match category {
        "condition" | "condition_group" => {
            let tree = input.get("condition").unwrap_or(&Json::Null);
            let c = Condition::compile(tree, &registry(input)).map_err(kind)?;
            let r = c
                .eval(&context(input))
                .map_err(|e| e.kind.as_str().to_owned())?;
            Ok(json!({ "result": r }))
        }
        "action" | "modifier" => {
            let a = Action::compile(input.get("action").unwrap_or(&Json::Null), &registry(input))
                .map_err(kind)?;
            let ctx = context(input);
            let running = match input.get("running_price") {
                Some(Json::Number(n)) => n.as_f64(),
                _ => ctx
                    .slot(crate::context::slot::LISTING_PRICE_USD)
                    .as_number(),
            };
            let running = running.and_then(from_f64).unwrap_or_default();
            let v = a
                .eval(&ctx, running)
                .map_err(|e| e.kind.as_str().to_owned())?;
            Ok(json!({ "value": num(ratio(v)) }))
        }
        "formula" => {
            let src = input
                .get("formula")
                .and_then(Json::as_str)
                .unwrap_or_default();
            let f =
                Formula::compile(src, &registry(input)).map_err(|e| e.kind.as_str().to_owned())?;
            let v = f
                .eval(&context(input))
                .map_err(|e| e.kind.as_str().to_owned())?;
            Ok(json!({ "value": v }))
        }
        "valuation" => valuation(input),
        "context" => {
            let entities = input.get("entities").unwrap_or(&Json::Null);
            let ctx = Context::from_entities_json(entities);
            let keys: Vec<String> = entities
                .get("attributes")
                .and_then(Json::as_object)
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            let reg = FieldRegistry::new(keys);
            let mut values = serde_json::Map::new();
            for p in input
                .get("paths")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                let p = p.as_str().unwrap_or_default();
                let v = match reg.resolve(p) {
                    Some(f) => ctx.get(&f).to_json(),
                    None => json!({ "error": "unknown_field" }),
                };
                values.insert(p.to_owned(), v);
            }
            Ok(json!({ "values": values }))
        }
        "metrics" => {
            let dec = |k: &str| {
                input
                    .get(k)
                    .and_then(crate::action::decimal)
                    .unwrap_or_default()
            };
            let cpu: Option<CpuMarks> = input
                .get("cpu")
                .and_then(|c| serde_json::from_value(c.clone()).ok());
            let gpu: Option<GpuMarks> = input
                .get("gpu")
                .and_then(|g| serde_json::from_value(g.clone()).ok());
            let m = metrics::compute(
                dec("price_usd"),
                dec("adjusted_price_usd"),
                cpu.as_ref(),
                gpu.as_ref(),
            );
            Ok(json!({
                "score_cpu_multi": m.score_cpu_multi,
                "score_cpu_single": m.score_cpu_single,
                "score_gpu": opt_num(m.score_gpu),
                "perf_per_watt": opt_num(m.perf_per_watt),
                "dollar_per_cpu_mark_multi": opt_num(m.dollar_per_cpu_mark_multi),
                "dollar_per_cpu_mark_multi_adjusted": opt_num(m.dollar_per_cpu_mark_multi_adjusted),
                "dollar_per_cpu_mark_single": opt_num(m.dollar_per_cpu_mark_single),
                "dollar_per_cpu_mark_single_adjusted": opt_num(m.dollar_per_cpu_mark_single_adjusted),
            }))
        }
        "composite" => {
            let w = ScoringWeights::parse(
                input.get("weights").unwrap_or(&Json::Null),
                &registry(input),
            )
            .map_err(kind)?;
            Ok(json!({ "score": opt_num(w.score(&context(input))) }))
        }
        "deal_class" => {
            let dec = |k: &str| {
                input
                    .get(k)
                    .and_then(crate::action::decimal)
                    .unwrap_or_default()
            };
            let t = match input.get("thresholds") {
                Some(t @ Json::Object(_)) => {
                    let d = Thresholds::default();
                    let get =
                        |k: &str, def| t.get(k).and_then(crate::action::decimal).unwrap_or(def);
                    Thresholds {
                        good_deal: get("good_deal", d.good_deal),
                        great_deal: get("great_deal", d.great_deal),
                        premium_warning: get("premium_warning", d.premium_warning),
                    }
                }
                _ => Thresholds::default(),
            };
            let deal = metrics::classify(dec("listing_price"), dec("adjusted_price"), &t);
            Ok(json!({
                "deal_class": deal.class.as_str(),
                "delta": num(deal.delta),
                "delta_pct": num(deal.delta_pct),
            }))
        }
        "custom_field_key" => {
            let text = |k: &str| input.get(k).and_then(Json::as_str);
            let entity = text("entity")
                .and_then(CustomFieldEntity::parse)
                .ok_or("unknown entity")?;
            let key = normalize_key(entity, text("key"), text("label").unwrap_or_default())
                .map_err(kind)?;
            Ok(json!({ "key": key }))
        }
        "custom_field_value" => {
            let def = CompiledDefinition::from_json(input.get("definition").unwrap_or(&Json::Null))
                .map_err(kind)?;
            let v = validate_value(&def, "value", input.get("value").unwrap_or(&Json::Null))
                .map_err(kind)?;
            Ok(json!({ "value": v }))
        }
        "parsing" => parse_case(input),
        other => Err(format!("unknown category `{other}`")),
    }
}

fn parse_case(input: &Json) -> Result<Json, String> {
    let cell = input
        .get("text")
        .and_then(Cell::from_json)
        .ok_or("`text` must be a string or number")?;
    let text = cell.text();
    let err = |k: crate::error::ErrorKind| k.as_str().to_owned();
    let value = match input.get("kind").and_then(Json::as_str).unwrap_or_default() {
        "storage_capacity" | "ram_capacity" => json!(parsing::capacity_gb(&text)),
        "price" => num(parsing::price(cell).map_err(err)?),
        "condition" => json!(parsing::condition(&text).value),
        "ram_generation" => json!(parsing::ram_generation(&text)),
        "storage_medium" => json!(parsing::storage_medium(&text)),
        "port_type" => json!(parsing::port_type(&text).map_err(err)?),
        "cpu_manufacturer" => json!(parsing::cpu_manufacturer(&text)),
        "url" => json!(parsing::url(&text).map_err(err)?),
        other => return Err(format!("unknown parsing kind `{other}`")),
    };
    Ok(json!({ "value": value }))
}

fn valuation(input: &Json) -> Result<Json, String> {
    let rulesets: Vec<RulesetSpec> =
        serde_json::from_value(input.get("rulesets").cloned().unwrap_or(json!([])))
            .map_err(|e| format!("bad rulesets: {e}"))?;
    let over: ListingOverride =
        serde_json::from_value(input.get("listing").cloned().unwrap_or(json!({})))
            .map_err(|e| format!("bad listing: {e}"))?;
    let ctx = context(input);
    let price = ctx
        .slot(crate::context::slot::LISTING_PRICE_USD)
        .as_number()
        .and_then(from_f64)
        .unwrap_or_default();
    let plan = Plan::compile(&rulesets, &registry(input));
    let b = plan
        .evaluate(&ctx, price, &over)
        .breakdown(&plan, Utc::now());
    let mut matched = Vec::new();
    let mut adjustments = serde_json::Map::new();
    let mut action_errors = Vec::new();
    let mut rule_errors = Vec::new();
    let kind_of = |e: &str| e.split(':').next().unwrap_or_default().to_owned();
    for rule in b.rulesets.iter().flat_map(|r| &r.rules) {
        if rule.matched {
            matched.push(rule.rule_id);
            adjustments.insert(rule.rule_id.to_string(), num(rule.adjustment));
        }
        if let Some(e) = &rule.error {
            rule_errors.push(json!({ "rule_id": rule.rule_id, "kind": kind_of(e) }));
        }
        for (index, a) in rule.actions.iter().enumerate() {
            if let Some(e) = &a.error {
                action_errors
                    .push(json!({ "rule_id": rule.rule_id, "index": index, "kind": kind_of(e) }));
            }
        }
    }
    Ok(json!({
        "adjusted_price": num(b.adjusted_price),
        "total_adjustment": num(b.total_adjustment),
        "floored": b.floored,
        "rulesets": b.rulesets.iter().map(|r| json!({
            "id": r.id, "layer": r.layer.as_str(), "adjustment": num(r.adjustment)
        })).collect::<Vec<_>>(),
        "matched_rules": matched,
        "rule_adjustments": adjustments,
        "action_errors": action_errors,
        "rule_errors": rule_errors,
        "warnings": b.warnings.iter().map(|w| w.code.clone()).collect::<Vec<_>>(),
    }))
}

/// Structural comparison; numbers compare by value (relative `tolerance` when non-zero).
pub fn json_matches(actual: &Json, expected: &Json, tolerance: f64) -> bool {
    match (actual, expected) {
        (Json::Number(a), Json::Number(b)) => {
            let (a, b) = (
                a.as_f64().unwrap_or(f64::NAN),
                b.as_f64().unwrap_or(f64::NAN),
            );
            a == b || (tolerance > 0.0 && (a - b).abs() <= tolerance * a.abs().max(b.abs()))
        }
        (Json::Array(a), Json::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| json_matches(x, y, tolerance))
        }
        (Json::Object(a), Json::Object(b)) => {
            a.len() == b.len()
                && b.iter()
                    .all(|(k, v)| a.get(k).is_some_and(|x| json_matches(x, v, tolerance)))
        }
        _ => actual == expected,
    }
}
