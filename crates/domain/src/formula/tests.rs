//! End-to-end tests of the formula language: compile + evaluate on a sample context.

use super::*;

pub(super) fn ctx_json() -> serde_json::Value {
    serde_json::json!({
        "listing": {"title": "HP EliteDesk", "price_usd": 1000, "condition": "refurb",
                    "manufacturer": "HP", "ram_gb": 16, "primary_storage_gb": 512, "age_years": 2},
        "cpu": {"name": "i5", "cores": 6, "threads": 12, "igpu_mark": 1500,
                "cpu_mark_multi": 12000, "cpu_mark_single": 2600, "release_year": 2020},
        "gpu": null,
        "ram_spec": {"ddr_generation": "ddr4", "speed_mhz": 2666, "total_capacity_gb": 16},
        "storage": {"primary": {"medium": "nvme", "capacity_gb": 512}, "secondary": null},
        "ports": {"usb_a": 4, "usb_c": 1, "displayport": 2, "thunderbolt": 0},
        "custom": {"warranty_months": 12, "has_wifi": true, "tags": ["office", "quiet"],
                   "zero": 0, "ram_text": "16", "note_x": null, "label": "Abc"}
    })
}

pub(super) fn registry() -> FieldRegistry {
    FieldRegistry::new([
        "warranty_months",
        "has_wifi",
        "tags",
        "zero",
        "ram_text",
        "note_x",
        "label",
    ])
}

pub(super) fn run(src: &str) -> Result<f64, FormulaError> {
    let f = Formula::compile(src, &registry())?;
    f.eval(&Context::from_json(&ctx_json()))
}

pub(super) fn val(src: &str) -> f64 {
    match run(src) {
        Ok(v) => v,
        Err(e) => panic!("{src}: {e}"),
    }
}

pub(super) fn kind(src: &str) -> ErrorKind {
    match run(src) {
        Ok(v) => panic!("{src}: expected an error, got {v}"),
        Err(e) => e.kind,
    }
}

#[test]
fn precedence_and_associativity() {
    let cases: &[(&str, f64)] = &[
        ("2 + 3 * 4", 14.0),
        ("(2 + 3) * 4", 20.0),
        ("-2 ** 2", -4.0),
        ("2 ** 3 ** 2", 512.0),
        ("2 ** -1", 0.5),
        ("-2 ** -2", -0.25),
        ("10 - 2 - 3", 5.0),
        ("100 / 10 / 5", 2.0),
        ("not 1 == 2", 1.0),
        ("not 0 and 0", 0.0),
        ("not (0 and 0)", 1.0),
        ("1 + 2 > 2 and 3 or 4", 3.0),
        ("1 if 0 else 2 if 0 else 3", 3.0),
        ("(1 if 1 else 2) + 10", 11.0),
        ("1 + 1 if 0 else 5", 5.0),
        ("--1", 1.0),
        ("- - +1", 1.0),
        ("7 // 2 * 2", 6.0),
        ("-7 // 2", -4.0),
        ("2 * 3 % 4", 2.0),
        ("1 < 2 == True", 0.0),
        ("[1, 2, 3][1] * 2", 4.0),
        ("-[1, 2][0]", -1.0),
        ("3 < 2 < 1", 0.0),
        ("1 < 2 < 3 < 4", 1.0),
        ("1 < 3 > 2", 1.0),
        ("1e3 + .5 * 4", 1002.0),
    ];
    for (src, expected) in cases {
        assert_eq!(val(src), *expected, "{src}");
    }
}

#[test]
fn fields_aliases_and_subscripts() {
    let cases: &[(&str, f64)] = &[
        ("ram_gb * 2.5", 40.0),
        ("listing.ram_gb + listing['ram_gb']", 32.0),
        ("cpu_cpu_mark_multi / 1000 * 5", 60.0),
        ("cpu.cores * 10", 60.0),
        ("cpu['cores'] + cpu['threads']", 18.0),
        ("storage_primary_capacity_gb / 2", 256.0),
        ("primary['capacity_gb']", 512.0),
        ("primary.capacity_gb", 512.0),
        ("storage['primary']['capacity_gb'] / 4", 128.0),
        ("storage.primary['capacity_gb']", 512.0),
        ("storage['secondary'] == None", 1.0),
        ("storage['nope'] == None", 1.0),
        ("secondary == None", 1.0),
        ("cpu['nonexistent'] == None", 1.0),
        ("custom_warranty_months * 2", 24.0),
        (
            "custom.warranty_months + warranty_months + listing.warranty_months",
            36.0,
        ),
        (
            "custom['warranty_months'] + custom['nope'] * 0 if False else 12",
            12.0,
        ),
        ("custom.tags[0] == 'office'", 1.0),
        ("custom.tags[-1] == 'quiet'", 1.0),
        ("has_wifi + 1", 2.0),
        ("ports.usb_a * 2.5 + ports_displayport", 12.0),
        ("ram_spec_total_capacity_gb", 16.0),
        ("gpu == None", 1.0),
        ("gpu.gpu_mark == null", 1.0),
        (
            "cpu.igpu_mark if gpu.gpu_mark == null else gpu.gpu_mark",
            1500.0,
        ),
        ("int(ram_text) + float(custom.ram_text)", 32.0),
        ("condition == 'refurb'", 1.0),
        ("condition == 'REFURB'", 0.0),
        ("label + 'x' == 'Abcx'", 1.0),
        ("len_ok if False else 1", f64::NAN),
    ];
    for (src, expected) in cases {
        if expected.is_nan() {
            assert_eq!(kind(src), ErrorKind::UnknownIdentifier);
            continue;
        }
        assert_eq!(val(src), *expected, "{src}");
    }
    assert_eq!(kind("gpu['gpu_mark']"), ErrorKind::Type);
    assert_eq!(kind("gpu.gpu_mark + 1"), ErrorKind::Type);
    assert_eq!(kind("cpu['nonexistent']"), ErrorKind::NonNumericResult);
    assert_eq!(kind("cpu"), ErrorKind::NonNumericResult);
    assert_eq!(kind("custom.tags[2]"), ErrorKind::Index);
    assert_eq!(kind("custom.tags['a']"), ErrorKind::Type);
    assert_eq!(kind("cpu[0]"), ErrorKind::Type);
    assert_eq!(kind("label * 2"), ErrorKind::Type);
    assert_eq!(kind("label < 1"), ErrorKind::Type);
}

#[test]
fn logic_and_laziness() {
    let cases: &[(&str, f64)] = &[
        ("0 or 5", 5.0),
        ("3 and 0", 0.0),
        ("3 and 4", 4.0),
        ("'' or 7", 7.0),
        ("[] or {0}", f64::NAN),
        ("true or 1 / 0", 1.0),
        ("false and 1 / 0", 0.0),
        ("1 if ram_gb > 0 else 1 / 0", 1.0),
        ("1 / 0 if ram_gb < 0 else 2", 2.0),
        ("not ram_gb", 0.0),
        ("not None", 1.0),
        ("not []", 1.0),
        ("not custom.tags", 0.0),
        ("not ''", 1.0),
        ("zero or note_x or 9", 9.0),
        ("2 < 1 < 'a'", 0.0),
        ("(0 or 1) + 1", 2.0),
        ("(1 and 0) + 1", 1.0),
        ("-(0 or 3)", -3.0),
        ("(0 or 2) ** 2", 4.0),
        ("[0 or 1, 2 and 3][1]", 3.0),
        ("1 if (2 if 0 else 0) else 4", 4.0),
        ("(5 if 1 else 6) * (7 if 0 else 8)", 40.0),
        ("True == 1", 1.0),
        ("None == None", 1.0),
        ("None != 0", 1.0),
        ("'1' == 1", 0.0),
        ("[1, 2] == [1, 2]", 1.0),
    ];
    for (src, expected) in cases {
        if expected.is_nan() {
            assert_eq!(kind(src), ErrorKind::Syntax, "{src}");
            continue;
        }
        assert_eq!(val(src), *expected, "{src}");
    }
    assert_eq!(kind("1 < 'a' < 3"), ErrorKind::Type);
    assert_eq!(kind("1 < 2 < 'a'"), ErrorKind::Type);
    assert_eq!(kind("None < 1"), ErrorKind::Type);
}

#[test]
fn functions_through_the_language() {
    let cases: &[(&str, f64)] = &[
        ("max(ram_gb * 2.5, 50)", 50.0),
        ("min(ram_gb, 8)", 8.0),
        ("min(4, 2, 8)", 2.0),
        ("max([3, 9, 4])", 9.0),
        ("max(True, 0)", 1.0),
        ("round(10 / 3, 2)", 3.33),
        ("round(2.5)", 2.0),
        ("round(0.125, 2)", 0.12),
        ("round(1250, -2)", 1200.0),
        ("sqrt(ram_gb)", 4.0),
        ("abs(-4)", 4.0),
        ("pow(2, 10)", 1024.0),
        ("floor(-1.5) + ceil(1.2)", 0.0),
        ("sum([1, 2, 3])", 6.0),
        ("sum([])", 0.0),
        ("int('12')", 12.0),
        ("int(-7.9)", -7.0),
        ("float('2.5') * 2", 5.0),
        ("clamp(ram_gb, 0, 10)", 10.0),
        ("max(40, min(300, cpu_cpu_mark_multi / 1000 * 7.5))", 90.0),
    ];
    for (src, expected) in cases {
        assert_eq!(val(src), *expected, "{src}");
    }
    for (src, k) in [
        ("clamp(5, 10, 0)", ErrorKind::Domain),
        ("max([])", ErrorKind::Domain),
        ("sqrt(-1)", ErrorKind::Domain),
        ("round(1, 13)", ErrorKind::Domain),
        ("int('abc')", ErrorKind::Type),
        ("sum(1)", ErrorKind::Type),
        ("abs('1')", ErrorKind::Type),
        ("round(1, 2, 3)", ErrorKind::Arity),
        ("sqrt()", ErrorKind::Arity),
        ("min()", ErrorKind::Arity),
        ("pow(1)", ErrorKind::Arity),
        ("clamp(1, 2)", ErrorKind::Arity),
        ("__import__('os')", ErrorKind::UnknownFunction),
        ("os.system(1)", ErrorKind::UnknownFunction),
        ("Max(1, 2)", ErrorKind::UnknownFunction),
        ("ram_gb(1)", ErrorKind::UnknownFunction),
    ] {
        assert_eq!(kind(src), k, "{src}");
    }
}

#[test]
fn evaluation_errors() {
    for (src, k) in [
        ("1 / 0", ErrorKind::DivisionByZero),
        ("5 % 0", ErrorKind::DivisionByZero),
        ("5 // zero", ErrorKind::DivisionByZero),
        ("0 ** -1", ErrorKind::DivisionByZero),
        ("2 ** 1001", ErrorKind::ExponentLimit),
        ("9 ** 9 ** 9", ErrorKind::ExponentLimit),
        ("(-8) ** 0.5", ErrorKind::Domain),
        ("10.0 ** 400", ErrorKind::NonFinite),
        ("1e308 * 10", ErrorKind::NonFinite),
        ("1e308 + 1e308 - 1e308", ErrorKind::NonFinite),
        ("'abc'", ErrorKind::NonNumericResult),
        ("None", ErrorKind::NonNumericResult),
        ("[1]", ErrorKind::NonNumericResult),
        ("[1, 2, 3][3]", ErrorKind::Index),
        ("'abc'[0]", ErrorKind::Type),
        ("'a' - 'b'", ErrorKind::Type),
        ("-'a'", ErrorKind::Type),
        ("[1] + [2]", ErrorKind::Type),
    ] {
        assert_eq!(kind(src), k, "{src}");
    }
    assert_eq!(val("True"), 1.0);
    assert_eq!(val("1 < 2"), 1.0);
}

#[test]
fn constants_fold_without_changing_meaning() {
    let f = Formula::compile("-2 ** 2 + max(1, 3) * round(2.5)", &registry()).unwrap();
    assert_eq!(f.program.code.len(), 1);
    assert_eq!(val("-2 ** 2 + max(1, 3) * round(2.5)"), 2.0);
    // errors in constant code stay evaluation errors
    let f = Formula::compile("1 / 0", &registry()).unwrap();
    assert_eq!(
        f.eval(&Context::new()).unwrap_err().kind,
        ErrorKind::DivisionByZero
    );
    // root subscripts by constant keys read slots directly
    let f = Formula::compile("storage['primary']['capacity_gb']", &registry()).unwrap();
    assert_eq!(f.program.code.len(), 1);
    assert_eq!(f.source(), "storage['primary']['capacity_gb']");
    // a jump landing between two constants blocks folding across it
    assert_eq!(val("(zero or 1) + 2"), 3.0);
    assert_eq!(val("(0 or 1) + 2"), 3.0);
    assert_eq!(val("(ram_gb and 1) - 2"), -1.0);
}

#[test]
fn formula_is_send_sync_and_cheap_to_clone() {
    fn assert_traits<T: Send + Sync + Clone + std::fmt::Debug>() {}
    assert_traits::<Formula>();
    assert_traits::<FormulaError>();
}
