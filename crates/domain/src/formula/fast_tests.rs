//! The numeric fast path against the general evaluator: on random formulas over numbers,
//! nulls, booleans, text fields and text constants, whatever the fast path decides is what the general
//! evaluator gives, bit for bit, and everything else falls through to it unchanged.

use super::tests::registry;
use super::*;

struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

const LEAVES: &[&str] = &[
    "0",
    "1",
    "2.5",
    "1000",
    "-3",
    "price_usd",
    "ram_gb",
    "cpu_cpu_mark_multi",
    "cpu_cores",
    "secondary_storage_gb",
    "gpu_gpu_mark",
    "title",
    "ram_spec_total_capacity_gb",
    "age_years",
    "True",
    "ram_type",
    "'ddr4'",
    "''",
    "'16'",
];

const OPS: &[&str] = &[
    "+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=", "//", "%",
];

fn expr(rng: &mut Rng, depth: u32) -> String {
    if depth == 0 || rng.next(4) == 0 {
        return LEAVES[rng.next(LEAVES.len() as u64) as usize].to_owned();
    }
    let (a, b) = (expr(rng, depth - 1), expr(rng, depth - 1));
    match rng.next(6) {
        0 => format!("min({a}, {b})"),
        1 => format!("max({a}, {b})"),
        2 => format!("({a} if {} else {b})", expr(rng, depth - 1)),
        3 => format!("-({a})"),
        _ => format!("({a} {} {b})", OPS[rng.next(OPS.len() as u64) as usize]),
    }
}

fn contexts() -> Vec<Context> {
    let base = tests::ctx_json();
    let mut zeroed = base.clone();
    zeroed["listing"]["price_usd"] = serde_json::json!(0);
    zeroed["cpu"]["cores"] = serde_json::json!(0);
    zeroed["storage"]["secondary"] = serde_json::json!({"capacity_gb": 256});
    let mut texts = base.clone();
    texts["listing"]["ram_gb"] = serde_json::json!("16");
    texts["gpu"] = serde_json::json!({"gpu_mark": 1e308});
    texts["listing"]["age_years"] = serde_json::json!(true);
    [base, zeroed, texts]
        .iter()
        .map(Context::from_json)
        .collect()
}

#[test]
fn fast_path_agrees_with_the_general_evaluator() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let ctxs = contexts();
    let (mut fast_taken, mut compiled, mut tree_taken) = (0, 0, 0);
    for _ in 0..20_000 {
        let src = expr(&mut rng, 4);
        let Ok(f) = Formula::compile(&src, &registry()) else {
            continue;
        };
        compiled += 1;
        for ctx in &ctxs {
            let general = eval::run(&f.program, ctx);
            let got = f.eval(ctx);
            match (&got, &general) {
                (Ok(a), Ok(b)) => assert_eq!(a.to_bits(), b.to_bits(), "{src}"),
                _ => assert_eq!(got, general, "{src}"),
            }
            let stack = f.fast.as_deref().and_then(|ops| fast::run(ops, ctx));
            if stack.is_some() {
                fast_taken += 1;
            }
            // The tree decides exactly what the stack program decides.
            if let Some(t) = f.tree.as_deref() {
                let by_tree = tree::run(t, ctx);
                assert_eq!(by_tree.map(f64::to_bits), stack.map(f64::to_bits), "{src}");
                if by_tree.is_some() {
                    tree_taken += 1;
                }
            }
        }
    }
    // The generator must exercise the fast path, not only the fall-through.
    assert!(
        compiled > 10_000 && fast_taken > 5_000 && tree_taken > 5_000,
        "{compiled} {fast_taken} {tree_taken}"
    );
}
