//! `dealbrain schema`: writes the sorted SDL of the API (`schema/schema.graphql` by default).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

/// Writes the SDL to `out`.
pub fn run(out: &Path) -> anyhow::Result<ExitCode> {
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(out, api::sdl()).with_context(|| format!("writing {}", out.display()))?;
    println!("wrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}
