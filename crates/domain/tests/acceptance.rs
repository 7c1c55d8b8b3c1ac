//! Every engine acceptance case of `shared/acceptance/engine-cases.json` must pass.
//!
//! The file lives beside the repository (`../shared`) on developer machines; a copy is kept in
//! `tests/data/engine-cases.json` so a fresh clone runs the same cases.

use std::path::PathBuf;

fn cases_file() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.join("tests/data/engine-cases.json")
}

#[test]
fn every_acceptance_case_passes() {
    let text = std::fs::read_to_string(cases_file()).expect("cases file");
    let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let reports = domain::acceptance::run_file(&json).expect("cases");
    assert_eq!(reports.len(), 357, "the file holds 357 cases");
    let failed: Vec<String> = reports
        .iter()
        .filter(|r| !r.passed)
        .map(|r| {
            format!(
                "{} [{}]: expected {}, got {}",
                r.id, r.category, r.expected, r.actual
            )
        })
        .collect();
    assert!(
        failed.is_empty(),
        "{} failing cases:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[test]
fn a_wrong_expectation_is_reported_as_a_failure() {
    let case = serde_json::json!({
        "id": "x", "category": "deal_class",
        "input": {"listing_price": 1000, "adjusted_price": 700, "thresholds": null},
        "expected": {"deal_class": "neutral", "delta": 300, "delta_pct": 30}
    });
    let report = domain::acceptance::run_case(&case);
    assert!(!report.passed);
    assert_eq!(report.actual["deal_class"], "great_deal");
}
