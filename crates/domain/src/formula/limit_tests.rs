//! Tests of the formula limits (length, nesting, long chains on a small stack) and of the
//! error phases and offsets.

use super::tests::{ctx_json, kind, registry, run, val};
use super::*;

#[test]
fn compile_errors_and_phase_order() {
    for (src, k) in [
        ("", ErrorKind::Syntax),
        ("   \n\t", ErrorKind::Syntax),
        ("{'a': 1}", ErrorKind::Syntax),
        ("ram_gb @ 2", ErrorKind::Syntax),
        ("ram_gb.", ErrorKind::Syntax),
        ("1 +", ErrorKind::Syntax),
        ("(1", ErrorKind::Syntax),
        ("1)", ErrorKind::Syntax),
        ("1 2", ErrorKind::Syntax),
        ("f(1,)", ErrorKind::Syntax),
        ("[,]", ErrorKind::Syntax),
        ("1 if 2", ErrorKind::Syntax),
        ("1 + not 2", ErrorKind::Syntax),
        ("a = 1", ErrorKind::Syntax),
        ("cpu.True", ErrorKind::Syntax),
        ("primary['x'].y", ErrorKind::Syntax),
        ("lambda: 1", ErrorKind::Syntax),
        ("cores * 10", ErrorKind::UnknownIdentifier),
        ("cpu_mark_multi", ErrorKind::UnknownIdentifier),
        ("cpu.foo", ErrorKind::UnknownIdentifier),
        ("custom.nope", ErrorKind::UnknownIdentifier),
        // bind errors lose to syntax errors anywhere
        ("nope + (", ErrorKind::Syntax),
        // bind errors win over evaluation errors, even in an unreached branch
        ("1 if 1 else nope", ErrorKind::UnknownIdentifier),
        ("1 / 0 + nope", ErrorKind::UnknownIdentifier),
        // source order among bind errors: the call comes before its arguments
        ("sqrt(nope, 1)", ErrorKind::Arity),
        ("nope + sqrt()", ErrorKind::UnknownIdentifier),
        ("bad(nope)", ErrorKind::UnknownFunction),
    ] {
        assert_eq!(kind(src), k, "{src}");
    }
    let e = run("1 + ram_gb @").unwrap_err();
    assert_eq!((e.kind, e.offset), (ErrorKind::Syntax, Some(11)));
    let e = run("ram_gb + nope").unwrap_err();
    assert_eq!(e.offset, Some(9));
    let e = run("ram_gb + 'é' + 1 / zero").unwrap_err();
    assert_eq!((e.kind, e.offset), (ErrorKind::Type, Some(7)));
    let e = run("'é' + 1").unwrap_err();
    assert_eq!((e.kind, e.offset), (ErrorKind::Type, Some(4)));
    let e = run("2 * (1 / zero)").unwrap_err();
    assert_eq!((e.kind, e.offset), (ErrorKind::DivisionByZero, Some(7)));
    assert_eq!(
        e.to_string(),
        format!("formula error [division_by_zero] at 7: {}", e.message)
    );
    let d = DomainError::from(e);
    assert_eq!(
        (d.kind, d.path.as_str(), d.offset),
        (ErrorKind::DivisionByZero, "", Some(7))
    );
    let e = run("'x'").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("formula error [non_numeric_result] at null: ")
    );
}

#[test]
fn limits() {
    let long = format!("1{}", "+1".repeat(999));
    assert_eq!(long.chars().count(), 1999);
    assert_eq!(val(&long), 1000.0);
    let too_long = format!("1{}+", "+1".repeat(1000));
    assert_eq!(kind(&too_long), ErrorKind::TooLong);
    // characters, not bytes
    let wide = format!("'{}'", "é".repeat(1998));
    assert_eq!(kind(&wide), ErrorKind::NonNumericResult);
    // the length check comes first
    assert_eq!(kind(&"@".repeat(2001)), ErrorKind::TooLong);

    let nest =
        |n: usize, open: &str, close: &str| format!("{}1{}", open.repeat(n), close.repeat(n));
    assert_eq!(val(&nest(64, "(", ")")), 1.0);
    assert_eq!(kind(&nest(65, "(", ")")), ErrorKind::TooDeep);
    assert_eq!(val(&nest(64, "-", "")), 1.0);
    assert_eq!(kind(&nest(65, "-", "")), ErrorKind::TooDeep);
    assert_eq!(val(&nest(64, "not ", "")), 1.0);
    assert_eq!(kind(&nest(65, "not ", "")), ErrorKind::TooDeep);
    assert_eq!(val(&nest(64, "abs(", ")")), 1.0);
    assert_eq!(kind(&nest(65, "abs(", ")")), ErrorKind::TooDeep);
    assert_eq!(kind(&nest(65, "[", "]")), ErrorKind::TooDeep);
    assert_eq!(kind(&nest(64, "[", "]")), ErrorKind::NonNumericResult);
    assert_eq!(val(&format!("{}1", "1 ** ".repeat(64))), 1.0);
    assert_eq!(
        kind(&format!("{}1", "1 ** ".repeat(65))),
        ErrorKind::TooDeep
    );
    assert_eq!(val(&format!("{}1", "0 if 0 else ".repeat(64))), 1.0);
    assert_eq!(
        kind(&format!("{}1", "0 if 0 else ".repeat(65))),
        ErrorKind::TooDeep
    );
    // a level per subscript: 32 ( + 32 [ = 64
    let deep = format!("{}[1]{}", "(".repeat(32), "[0])".repeat(32));
    assert_eq!(kind(&deep), ErrorKind::Type);
    // left-deep chains are loops, not nesting
    let chain = format!("x{}", " < x".repeat(300));
    assert_eq!(kind(&chain), ErrorKind::UnknownIdentifier);
}

#[test]
fn long_chains_evaluate_on_a_small_stack() {
    let sources = [
        format!("1{}", "+1".repeat(999)),
        format!("ram_gb{}", "-1".repeat(660)),
        format!("1{}", " and 1".repeat(330)),
        format!("0{}", " or 0".repeat(330)),
        format!("1{}", " < 2".repeat(490)),
        format!("[{}1]", "1,".repeat(990)),
        format!("max({}1)", "ram_gb,".repeat(280)),
        format!("{}1{}", "(".repeat(64), ")".repeat(64)),
        format!("{}ram_gb{}", "abs(".repeat(64), ")".repeat(64)),
    ];
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let ctx = Context::from_json(&ctx_json());
            sources
                .iter()
                .map(|s| {
                    Formula::compile(s, &registry())
                        .and_then(|f| f.eval(&ctx))
                        .map_err(|e| e.kind)
                })
                .collect::<Vec<_>>()
        })
        .unwrap();
    let results = handle.join().unwrap();
    assert_eq!(results[0], Ok(1000.0));
    assert_eq!(results[1], Ok(16.0 - 660.0));
    assert_eq!(results[2], Ok(1.0));
    assert_eq!(results[3], Ok(0.0));
    assert_eq!(results[4], Ok(0.0));
    assert_eq!(results[5], Err(ErrorKind::NonNumericResult));
    assert_eq!(results[6], Ok(16.0));
    assert_eq!(results[7], Ok(1.0));
    assert_eq!(results[8], Ok(16.0));
}
