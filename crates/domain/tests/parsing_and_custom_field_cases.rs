//! The `parsing`, `custom_field_key` and `custom_field_value` acceptance cases of
//! `engine-cases.json`, run directly against [`domain::parsing`] and [`domain::custom_fields`],
//! plus property tests that the parsers are total (never panic) on arbitrary text.

// clippy.toml allows `expect` only inside `#[test]` functions; the fixture helpers below are test
// code too, and a missing or malformed fixture should abort the run loudly.
#![allow(clippy::expect_used)]

use std::path::PathBuf;

use domain::custom_fields::{CompiledDefinition, CustomFieldEntity, normalize_key, validate_value};
use domain::parsing::{self, Cell};
use proptest::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};

/// The repository's copy of the cases, else the shared original beside the repository.
fn cases() -> Vec<Value> {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        here.join("tests/data/engine-cases.json"),
        here.join("../../../shared/acceptance/engine-cases.json"),
    ];
    let path = candidates
        .iter()
        .find(|p| p.exists())
        .expect("engine-cases.json not found");
    let text = std::fs::read_to_string(path).expect("readable cases file");
    let json: Value = serde_json::from_str(&text).expect("valid JSON");
    json["cases"].as_array().expect("a cases list").clone()
}

fn error(kind: domain::ErrorKind) -> Value {
    json!({ "error": kind.as_str() })
}

/// `{value}` with a number compared numerically, so `1000` and `1000.0` are equal.
fn same(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| same(v, w)))
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        _ => actual == expected,
    }
}

fn run_key(input: &Value) -> Value {
    let entity = CustomFieldEntity::parse(input["entity"].as_str().unwrap_or_default())
        .expect("a known entity");
    let label = input["label"].as_str().unwrap_or_default();
    match normalize_key(entity, input["key"].as_str(), label) {
        Ok(key) => json!({ "key": key }),
        Err(e) => error(e.kind),
    }
}

fn run_value(input: &Value) -> Value {
    let def = match CompiledDefinition::from_json(&input["definition"]) {
        Ok(d) => d,
        Err(e) => return error(e.kind),
    };
    match validate_value(&def, "field", &input["value"]) {
        Ok(stored) => json!({ "value": stored }),
        Err(e) => {
            assert_eq!(e.path, "attributes.field");
            error(e.kind)
        }
    }
}

fn run_parsing(input: &Value) -> Value {
    let text_value = &input["text"];
    let cell = match text_value {
        Value::Number(n) => Cell::Number(n.as_f64().expect("finite")),
        other => Cell::Text(other.as_str().expect("text or number")),
    };
    let text = cell.text();
    let text = text.as_ref();
    let value = match input["kind"].as_str().expect("a kind") {
        "storage_capacity" | "ram_capacity" => json!(parsing::capacity_gb(text)),
        "price" => match parsing::price(cell) {
            Ok(d) => json!(d.to_f64()),
            Err(k) => return error(k),
        },
        "condition" => json!(parsing::condition(text).value),
        "ram_generation" => json!(parsing::ram_generation(text)),
        "storage_medium" => json!(parsing::storage_medium(text)),
        "port_type" => match parsing::port_type(text) {
            Ok(p) => json!(p),
            Err(k) => return error(k),
        },
        "cpu_manufacturer" => json!(parsing::cpu_manufacturer(text)),
        "url" => match parsing::url(text) {
            Ok(u) => json!(u),
            Err(k) => return error(k),
        },
        other => panic!("unknown parsing kind {other}"),
    };
    json!({ "value": value })
}

#[test]
fn parsing_and_custom_field_cases_pass() {
    let mut counts = [0usize; 3];
    let mut failures = Vec::new();
    for case in cases() {
        let (slot, actual) = match case["category"].as_str() {
            Some("custom_field_key") => (0, run_key(&case["input"])),
            Some("custom_field_value") => (1, run_value(&case["input"])),
            Some("parsing") => (2, run_parsing(&case["input"])),
            _ => continue,
        };
        counts[slot] += 1;
        if !same(&actual, &case["expected"]) {
            failures.push(format!(
                "{}: expected {}, got {actual}",
                case["id"], case["expected"]
            ));
        }
    }
    assert_eq!(counts, [8, 24, 55], "case counts per category");
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Text shaped like real cells (numbers, units, separators, currency) plus arbitrary Unicode.
fn cell_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ 0-9.,xX×$€-]{0,12}(tb|TB|gb|GB|g|t|usd|USD|ddr|lpddr5x|hbm)?[ a-zA-Z0-9.,/:_-]{0,12}",
        "(https?|ftp)://[a-z0-9.:@\\[\\]-]{0,16}[/?#]?.{0,8}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parsers_never_panic(text in cell_text(), n in any::<f64>()) {
        let _ = parsing::capacity_gb(&text);
        let _ = parsing::price(Cell::Text(&text));
        let _ = parsing::price(Cell::Number(n));
        let _ = parsing::condition(&text);
        let _ = parsing::ram_generation(&text);
        let _ = parsing::storage_medium(&text);
        let _ = parsing::port_type(&text);
        let _ = parsing::cpu_manufacturer(&text);
        let _ = parsing::url(&text);
        let _ = parsing::integer(&text);
        let _ = domain::custom_fields::normalize_key_text(&text);
    }

    #[test]
    fn prices_are_cents_and_non_negative(text in cell_text()) {
        if let Ok(d) = parsing::price(Cell::Text(&text)) {
            prop_assert!(d.scale() <= 2 && !d.is_sign_negative());
        }
    }

    #[test]
    fn keys_are_normalised_or_refused(label in any::<String>()) {
        if let Ok(key) = normalize_key(CustomFieldEntity::Listing, None, &label) {
            prop_assert!(key.len() <= 64);
            prop_assert!(key.starts_with(|c: char| c.is_ascii_lowercase()));
            let allowed = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_';
            prop_assert!(key.bytes().all(allowed));
            prop_assert!(!key.ends_with('_') && !key.contains("__"));
        }
    }

    #[test]
    fn value_validation_never_panics(text in cell_text(), ty in 0usize..7) {
        let types = ["string", "text", "number", "boolean", "enum", "multi_select", "json"];
        let mut def = json!({"data_type": types[ty]});
        if ty == 4 || ty == 5 {
            def["options"] = json!(["a", "B", "ddr4"]);
        }
        let def = CompiledDefinition::from_json(&def).expect("a valid definition");
        let _ = validate_value(&def, "k", &Value::String(text.clone()));
        let _ = validate_value(&def, "k", &json!([text]));
    }
}
