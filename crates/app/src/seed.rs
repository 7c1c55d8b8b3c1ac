//! `dealbrain seed [--listings N]`: applies pending migrations, then loads the sample data
//! idempotently.

use std::process::ExitCode;

use anyhow::Context as _;

use crate::settings::Settings;

/// Seeds the configured database with `listings` generated listings.
pub fn run(listings: usize, settings: &Settings) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        let store = crate::migrate::connect(settings).await?;
        store.migrate_up().await.context("applying migrations")?;
        let r = store::seed::seed(&store, listings).await.context("seeding")?;
        println!(
            "seeded: {} cpus, {} gpus, {} scoring profiles, {} rules, {} listings (existing rows kept)",
            r.cpus, r.gpus, r.scoring_profiles, r.rules, r.listings
        );
        store.close().await.ok();
        Ok(ExitCode::SUCCESS)
    })
}
