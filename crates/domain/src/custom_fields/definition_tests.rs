//! Unit tests of `definition`.

use serde_json::json;

use super::*;

fn err(j: Value) -> (ErrorKind, String) {
    let e = FieldDefinition::from_json(&j).unwrap_err();
    (e.kind, e.path)
}

#[test]
fn reads_a_full_definition() {
    let d = FieldDefinition::from_json(&json!({
        "data_type": "enum", "options": [" DDR4 ", "DDR5"], "required": true,
        "default_value": "ddr4", "validation": {"allowed_values": ["DDR4"]}, "label": "x"
    }))
    .unwrap();
    assert_eq!(d.options, Some(vec!["DDR4".into(), "DDR5".into()]));
    assert_eq!(d.default_value, Some(json!("DDR4")));
    assert!(d.required);
    let d = FieldDefinition::from_json(&json!({})).unwrap();
    assert_eq!(d, FieldDefinition::new(CustomFieldType::String));
    let d = FieldDefinition::from_json(
        &json!({"data_type": "number", "options": [], "validation": {"min": null}}),
    )
    .unwrap();
    assert_eq!((d.options, d.validation), (None, None));
}

#[test]
fn refuses_bad_definitions() {
    let cases = [
        (json!({"data_type": "uuid"}), "data_type"),
        (json!({"data_type": 3}), "data_type"),
        (json!([]), ""),
        (json!({"data_type": "enum"}), "options"),
        (json!({"data_type": "enum", "options": []}), "options"),
        (
            json!({"data_type": "multi_select", "options": ["a", " A "]}),
            "options[1]",
        ),
        (
            json!({"data_type": "enum", "options": ["a", "  "]}),
            "options[1]",
        ),
        (
            json!({"data_type": "enum", "options": ["a", 1]}),
            "options[1]",
        ),
        (json!({"data_type": "string", "options": ["a"]}), "options"),
        (
            json!({"data_type": "number", "validation": {"pattern": "a"}}),
            "validation.pattern",
        ),
        (
            json!({"data_type": "string", "validation": {"min": 1}}),
            "validation.min",
        ),
        (
            json!({"data_type": "boolean", "validation": {"max_length": 1}}),
            "validation.max_length",
        ),
        (
            json!({"data_type": "number", "validation": {"min": 5, "max": 1}}),
            "validation.min",
        ),
        (
            json!({"data_type": "text", "validation": {"min_length": 5, "max_length": 1}}),
            "validation.min_length",
        ),
        (
            json!({"data_type": "text", "validation": {"min_length": -1}}),
            "validation.min_length",
        ),
        (
            json!({"data_type": "text", "validation": {"min_length": 1.5}}),
            "validation.min_length",
        ),
        (
            json!({"data_type": "string", "validation": {"pattern": "("}}),
            "validation.pattern",
        ),
        (
            json!({"data_type": "string", "validation": {"pattern": "(a{1000}){1000}"}}),
            "validation.pattern",
        ),
        (
            json!({"data_type": "string", "validation": {"flavour": 1}}),
            "validation.flavour",
        ),
        (
            json!({"data_type": "string", "validation": {"allowed_values": [[1]]}}),
            "validation.allowed_values[0]",
        ),
        (
            json!({"data_type": "string", "validation": {"allowed_values": []}}),
            "validation.allowed_values",
        ),
        (
            json!({"data_type": "string", "validation": 5}),
            "validation",
        ),
        (
            json!({"data_type": "string", "required": "yes"}),
            "required",
        ),
        (
            json!({"data_type": "number", "default_value": "abc"}),
            "default_value",
        ),
        (
            json!({"data_type": "enum", "options": ["a"], "default_value": "b"}),
            "default_value",
        ),
    ];
    for (j, path) in cases {
        assert_eq!(
            err(j.clone()),
            (ErrorKind::InvalidDefinition, path.to_owned()),
            "{j}"
        );
    }
}

#[test]
fn json_round_trip() {
    let j = json!({
        "data_type": "multi_select", "options": ["a", "B"], "required": true,
        "default_value": ["a"], "validation": {"allowed_values": ["a", "B"]}
    });
    let d = FieldDefinition::from_json(&j).unwrap();
    assert_eq!(d.to_json(), j);
    assert_eq!(FieldDefinition::from_json(&d.to_json()).unwrap(), d);
}

#[test]
fn compiled_keeps_the_pattern() {
    let c = CompiledDefinition::from_json(
        &json!({"data_type": "text", "validation": {"pattern": "^a", "min_length": 3.0}}),
    )
    .unwrap();
    assert!(c.pattern.as_ref().is_some_and(|r| r.is_match("abc")));
    assert_eq!(
        c.definition()
            .validation
            .as_ref()
            .and_then(|v| v.min_length),
        Some(3)
    );
    assert_eq!(
        c.definition().validation.as_ref().map(Validation::to_json),
        Some(json!({"pattern": "^a", "min_length": 3}))
    );
}
