//! Unit tests of `value`.

use serde_json::json;

use super::*;

fn def(j: Value) -> CompiledDefinition {
    CompiledDefinition::from_json(&j).unwrap()
}

fn check(d: &Value, v: Value) -> Result<Option<Value>, ErrorKind> {
    validate_value(&def(d.clone()), "k", &v).map_err(|e| e.kind)
}

#[test]
fn kinds_and_stored_forms() {
    let s = json!({"data_type": "string"});
    assert_eq!(check(&s, json!("  abc ")), Ok(Some(json!("abc"))));
    assert_eq!(check(&s, json!(" ")), Ok(None));
    assert_eq!(check(&s, json!(null)), Ok(None));
    assert_eq!(check(&s, json!(5)), Err(ErrorKind::TypeMismatch));
    let t = json!({"data_type": "text"});
    assert_eq!(check(&t, json!("  ")), Ok(Some(json!("  "))));
    let n = json!({"data_type": "number"});
    assert_eq!(check(&n, json!("12")), Ok(Some(json!(12))));
    assert_eq!(check(&n, json!(" 2.5 ")), Ok(Some(json!(2.5))));
    assert_eq!(check(&n, json!(12.0)), Ok(Some(json!(12))));
    assert_eq!(check(&n, json!(true)), Err(ErrorKind::TypeMismatch));
    assert_eq!(check(&n, json!("12 GB")), Err(ErrorKind::TypeMismatch));
    let b = json!({"data_type": "boolean"});
    for (v, want) in [
        (json!("Yes"), true),
        (json!("off"), false),
        (json!(1), true),
        (json!(0.0), false),
        (json!(" N "), false),
    ] {
        assert_eq!(check(&b, v), Ok(Some(json!(want))));
    }
    assert_eq!(check(&b, json!(2)), Err(ErrorKind::TypeMismatch));
    assert_eq!(check(&b, json!([])), Err(ErrorKind::TypeMismatch));
    let e = json!({"data_type": "enum", "options": ["DDR4", "DDR5"]});
    assert_eq!(check(&e, json!(" ddr5 ")), Ok(Some(json!("DDR5"))));
    assert_eq!(check(&e, json!(5)), Err(ErrorKind::TypeMismatch));
    let j = json!({"data_type": "json"});
    assert_eq!(check(&j, json!({"a": [1]})), Ok(Some(json!({"a": [1]}))));
    assert_eq!(
        check(&j, json!("x".repeat(JSON_MAX_BYTES))),
        Err(ErrorKind::TooLong)
    );
}

#[test]
fn multi_select_forms() {
    let m = json!({
        "data_type": "multi_select", "options": ["wifi", "bluetooth", "vPro"], "required": true
    });
    assert_eq!(
        check(&m, json!("WiFi; vpro , ,wifi")),
        Ok(Some(json!(["wifi", "vPro"])))
    );
    assert_eq!(
        check(&m, json!(["wifi", "WIFI", "bluetooth"])),
        Ok(Some(json!(["wifi", "bluetooth"])))
    );
    assert_eq!(check(&m, json!([" ", ""])), Err(ErrorKind::Required));
    assert_eq!(check(&m, json!(" ;, ")), Err(ErrorKind::Required));
    assert_eq!(check(&m, json!(["wifi", 1])), Err(ErrorKind::TypeMismatch));
    assert_eq!(
        check(&m, json!(["wifi", "nfc"])),
        Err(ErrorKind::NotInOptions)
    );
    let allowed = json!({
        "data_type": "multi_select", "options": ["a", "b"],
        "validation": {"allowed_values": ["a"]}
    });
    assert_eq!(check(&allowed, json!("a")), Ok(Some(json!(["a"]))));
    assert_eq!(check(&allowed, json!("a,b")), Err(ErrorKind::NotAllowed));
}

#[test]
fn rule_order_first_failure_wins() {
    // "C" is both not allowed and too short: allowed_values is checked first.
    let d = json!({
        "data_type": "string",
        "validation": {"allowed_values": ["AB"], "min_length": 2, "pattern": "^A"}
    });
    assert_eq!(check(&d, json!("C")), Err(ErrorKind::NotAllowed));
    let d = json!({"data_type": "string", "validation": {"min_length": 2, "pattern": "^A"}});
    assert_eq!(check(&d, json!("C")), Err(ErrorKind::TooShort));
    assert_eq!(check(&d, json!("CA")), Err(ErrorKind::PatternMismatch));
    assert_eq!(check(&d, json!("xAx")), Err(ErrorKind::PatternMismatch));
    let d = json!({"data_type": "string", "validation": {"pattern": "A"}});
    assert_eq!(check(&d, json!("xAx")), Ok(Some(json!("xAx"))));
    let d = json!({"data_type": "string", "validation": {"max_length": 3}});
    assert_eq!(check(&d, json!("äöü")), Ok(Some(json!("äöü"))));
    let d = json!({"data_type": "number", "validation": {"allowed_values": [1, 2.5], "min": 2}});
    assert_eq!(check(&d, json!("1.0")), Err(ErrorKind::BelowMin));
    assert_eq!(check(&d, json!(2.5)), Ok(Some(json!(2.5))));
    assert_eq!(check(&d, json!(3)), Err(ErrorKind::NotAllowed));
    let d = json!({"data_type": "number", "validation": {"min": 0, "max": 100}});
    assert_eq!(check(&d, json!(100)), Ok(Some(json!(100))));
    assert_eq!(check(&d, json!(0)), Ok(Some(json!(0))));
    assert_eq!(check(&d, json!(100.01)), Err(ErrorKind::AboveMax));
    let d = json!({"data_type": "boolean", "validation": {"allowed_values": [true]}});
    assert_eq!(check(&d, json!("yes")), Ok(Some(json!(true))));
    assert_eq!(check(&d, json!("no")), Err(ErrorKind::NotAllowed));
}

#[test]
fn attributes_map() {
    let mut defs = BTreeMap::new();
    defs.insert(
        "warranty".to_owned(),
        def(json!({"data_type": "number", "required": true, "default_value": "12"})),
    );
    defs.insert("color".to_owned(), def(json!({"data_type": "string"})));
    defs.insert(
        "sku".to_owned(),
        def(json!({"data_type": "string", "required": true})),
    );
    let map = |v: Value| v.as_object().cloned().unwrap();

    let out =
        validate_attributes(&defs, &map(json!({"color": " red ", "sku": "A1"})), true).unwrap();
    assert_eq!(
        Value::Object(out),
        json!({"color": "red", "sku": "A1", "warranty": 12})
    );
    let out = validate_attributes(
        &defs,
        &map(json!({"warranty": null, "sku": "A1", "color": ""})),
        true,
    )
    .unwrap();
    assert_eq!(Value::Object(out), json!({"sku": "A1", "warranty": 12}));

    let e = validate_attributes(&defs, &map(json!({"color": "red"})), true).unwrap_err();
    assert_eq!(
        (e.kind, e.path.as_str()),
        (ErrorKind::Required, "attributes.sku")
    );
    let e = validate_attributes(&defs, &map(json!({"warranty": null})), false).unwrap_err();
    assert_eq!(
        (e.kind, e.path.as_str()),
        (ErrorKind::Required, "attributes.warranty")
    );
    let e = validate_attributes(&defs, &map(json!({"nope": 1})), false).unwrap_err();
    assert_eq!(
        (e.kind, e.path.as_str()),
        (ErrorKind::UnknownField, "attributes.nope")
    );
    let e = validate_attributes(&defs, &map(json!({"warranty": "x"})), false).unwrap_err();
    assert_eq!(
        (e.kind, e.path.as_str()),
        (ErrorKind::TypeMismatch, "attributes.warranty")
    );

    let out = validate_attributes(&defs, &map(json!({"color": null})), false).unwrap();
    assert!(out.is_empty());
}
