//! `dealbrain check-cases FILE`: runs engine acceptance cases and reports failures.

use std::path::Path;
use std::process::ExitCode;

/// Runs every case of `file`; exit status 1 when any case fails.
pub fn run(file: &Path) -> anyhow::Result<ExitCode> {
    let _ = file;
    anyhow::bail!("not implemented yet")
}
