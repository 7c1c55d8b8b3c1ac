//! Runs the `formula` cases of the shared acceptance file (and the formula parts of the `action`
//! cases that use one) through [`Formula`]. The full acceptance runner lives elsewhere; this one
//! pins the formula language on its own.

use domain::formula::Formula;
use domain::{Context, FieldRegistry};
use serde_json::Value as Json;

const CASES: &str = "/work/shared/acceptance/engine-cases.json";

fn registry(ctx: &Json) -> FieldRegistry {
    let keys = ctx
        .get("custom")
        .and_then(Json::as_object)
        .map(|o| o.keys().cloned().collect::<Vec<_>>());
    FieldRegistry::new(keys.unwrap_or_default())
}

fn run(source: &str, ctx: &Json) -> Result<f64, String> {
    let f = Formula::compile(source, &registry(ctx)).map_err(|e| e.kind.as_str().to_owned())?;
    f.eval(&Context::from_json(ctx))
        .map_err(|e| e.kind.as_str().to_owned())
}

#[test]
fn acceptance_formula_cases() {
    let Ok(text) = std::fs::read_to_string(CASES) else {
        eprintln!("{CASES} not found; skipping");
        return;
    };
    let file: Json = serde_json::from_str(&text).unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for case in file["cases"].as_array().unwrap() {
        if case["category"] != "formula" {
            continue;
        }
        count += 1;
        let id = case["id"].as_str().unwrap();
        let input = &case["input"];
        let got = run(input["formula"].as_str().unwrap(), &input["context"]);
        let expected = &case["expected"];
        let ok = match (
            &got,
            expected.get("value").and_then(Json::as_f64),
            expected.get("error"),
        ) {
            (Ok(v), Some(want), _) => {
                (v - want).abs() <= 1e-9 * want.abs().max(1e-300) || v == &want
            }
            (Err(kind), None, Some(want)) => want == kind.as_str(),
            _ => false,
        };
        if !ok {
            failures.push(format!("{id}: got {got:?}, expected {expected}"));
        }
    }
    assert_eq!(count, 87);
    assert!(
        failures.is_empty(),
        "{} of {count} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn acceptance_formula_actions_compile_and_fail_as_expected() {
    let Ok(text) = std::fs::read_to_string(CASES) else {
        return;
    };
    let file: Json = serde_json::from_str(&text).unwrap();
    for case in file["cases"].as_array().unwrap() {
        let action = &case["input"]["action"];
        if case["category"] != "action" || action["type"] != "formula" {
            continue;
        }
        let got = run(
            action["formula"].as_str().unwrap(),
            &case["input"]["context"],
        );
        match case["expected"]["error"].as_str() {
            // the action layer turns a too-large result into out_of_range
            Some("out_of_range") => assert!(got.is_ok_and(|v| v.abs() > 1e12), "{}", case["id"]),
            Some(kind) => assert_eq!(got, Err(kind.to_owned()), "{}", case["id"]),
            None => assert!(got.is_ok(), "{}", case["id"]),
        }
    }
}
