//! `dealbrain check-cases FILE`: runs engine acceptance cases of the `engine-cases.json`
//! schema, prints one line per failing case and a last line `N passed, M failed`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

/// Runs every case of `file`; the exit status is 1 when any case fails.
pub fn run(file: &Path) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", file.display()))?;
    let reports = domain::acceptance::run_file(&json).map_err(anyhow::Error::msg)?;
    let failed: Vec<_> = reports.iter().filter(|r| !r.passed).collect();
    for r in &failed {
        println!(
            "FAIL {} [{}]: expected {}, got {}",
            r.id, r.category, r.expected, r.actual
        );
    }
    println!(
        "{} passed, {} failed",
        reports.len() - failed.len(),
        failed.len()
    );
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
