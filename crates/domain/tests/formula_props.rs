//! Property tests of the formula language: compiling never panics, evaluating a compiled formula
//! never panics, and constant folding agrees with run-time evaluation.

use domain::formula::{Formula, MAX_FORMULA_LEN};
use domain::{Context, ErrorKind, FieldRegistry};
use proptest::prelude::*;

fn registry() -> FieldRegistry {
    FieldRegistry::new([
        "warranty_months",
        "tags",
        "label",
        "x",
        "y",
        "nothing",
        "nested",
    ])
}

fn context() -> Context {
    Context::from_json(&serde_json::json!({
        "listing": {"price_usd": 1000, "condition": "refurb", "ram_gb": 16, "age_years": 0,
                    "title": "Mini PC"},
        "cpu": {"cores": 6, "cpu_mark_multi": 12000, "release_year": 2020, "name": "i5"},
        "gpu": null,
        "ram_spec": {"total_capacity_gb": 16, "ddr_generation": "ddr4"},
        "storage": {"primary": {"capacity_gb": 512}, "secondary": null},
        "ports": {"usb_a": 4, "thunderbolt": 0},
        "custom": {"warranty_months": 12, "tags": ["a", "b"], "label": "", "x": 1.5, "y": -2,
                   "nothing": null, "nested": {"k": [1, {"j": true}]}}
    }))
}

const TOKENS: &[&str] = &[
    "0",
    "1",
    "2",
    "0.5",
    ".5",
    "1e3",
    "1e",
    "1000",
    "1001",
    "-",
    "+",
    "*",
    "/",
    "//",
    "%",
    "**",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    "and",
    "or",
    "not",
    "if",
    "else",
    "True",
    "False",
    "None",
    "null",
    "'a'",
    "\"\"",
    "'\\n'",
    "'",
    "ram_gb",
    "cpu",
    "cpu.cores",
    "cpu_cpu_mark_multi",
    "gpu",
    "gpu.gpu_mark",
    "primary",
    "storage",
    "ports",
    "custom",
    "custom.tags",
    "tags",
    "label",
    "nothing",
    "nested",
    "x",
    "y",
    "nope",
    "abs",
    "floor",
    "ceil",
    "sqrt",
    "min",
    "max",
    "round",
    "int",
    "float",
    "sum",
    "pow",
    "clamp",
    "os.system",
    "listing",
    "'k'",
    "-1",
    "12",
    "13",
    "@",
    "{",
    "}",
    "=",
    "é",
    " ",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec((prop::sample::select(TOKENS), prop::bool::ANY), 0..60).prop_map(|toks| {
        let mut s = String::new();
        for (t, space) in toks {
            s.push_str(t);
            if space {
                s.push(' ');
            }
        }
        s
    })
}

/// Compiles and evaluates, checking the error shapes on the way.
fn exercise(source: &str, ctx: &Context) {
    match Formula::compile(source, &registry()) {
        Ok(f) => {
            assert_eq!(f.source(), source);
            if let Ok(v) = f.eval(ctx) {
                assert!(v.is_finite());
            }
        }
        Err(e) => {
            let len = source.chars().count();
            assert!(
                e.offset.is_none_or(|o| o <= len.max(MAX_FORMULA_LEN)),
                "{e} for {source:?}"
            );
            assert!(!e.message.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn compile_never_panics_on_arbitrary_text(source in "\\PC{0,120}") {
        exercise(&source, &context());
    }

    #[test]
    fn compile_and_eval_never_panic_on_token_soup(source in token_soup()) {
        exercise(&source, &context());
    }

    #[test]
    fn long_inputs_are_too_long(extra in 1usize..50, c in "[a-z(+1 ]") {
        let source = c.repeat(MAX_FORMULA_LEN + extra);
        let e = Formula::compile(&source, &registry()).unwrap_err();
        prop_assert_eq!(e.kind, ErrorKind::TooLong);
    }

    /// Constant operands are folded at compile time, field operands are not: both must agree.
    #[test]
    fn folding_matches_runtime(
        a in prop_oneof![-1e6f64..1e6, Just(0.0), Just(-2.0), Just(0.5), -1e300f64..1e300],
        b in prop_oneof![-1e3f64..1e3, Just(0.0), Just(2.0), Just(-0.5), Just(1001.0)],
        op in prop::sample::select(&["+", "-", "*", "/", "//", "%", "**", "<", "==", ">="][..]),
        func in prop::sample::select(&["", "round", "abs", "floor", "min", "max", "pow"][..]),
    ) {
        let expr = |l: &str, r: &str| match func {
            "" => format!("({l}) {op} ({r})"),
            "round" => format!("round(({l}) {op} ({r}), 2)"),
            "min" | "max" | "pow" => format!("{func}({l}, {r})"),
            f => format!("{f}(({l}) {op} ({r}))"),
        };
        let mut ctx_json = serde_json::json!({"custom": {"x": a, "y": b}});
        ctx_json["listing"] = serde_json::json!({});
        let ctx = Context::from_json(&ctx_json);
        let lit = |n: f64| format!("{n:?}");
        let folded = Formula::compile(&expr(&lit(a), &lit(b)), &registry()).unwrap().eval(&ctx);
        let runtime = Formula::compile(&expr("x", "y"), &registry()).unwrap().eval(&ctx);
        match (folded, runtime) {
            (Ok(p), Ok(q)) => prop_assert_eq!(p.to_bits(), q.to_bits()),
            (Err(p), Err(q)) => prop_assert_eq!(p.kind, q.kind),
            (p, q) => prop_assert!(false, "{:?} vs {:?}", p, q),
        }
    }
}
