//! `dealbrain token create --role viewer|editor|admin --name NAME`: prints a new API token's
//! secret once (only its SHA-256 is stored).

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use domain::model::ApiRole;

use crate::settings::Settings;

/// Token actions.
#[derive(Debug, Clone, Subcommand)]
pub enum Action {
    /// Creates a token and prints its secret once.
    Create {
        /// viewer, editor or admin.
        #[arg(long)]
        role: String,
        /// A name to recognise it by.
        #[arg(long)]
        name: String,
    },
}

/// Runs a token action.
pub fn run(action: &Action, settings: &Settings) -> anyhow::Result<ExitCode> {
    let Action::Create { role, name } = action;
    let role: ApiRole = role
        .parse()
        .map_err(|_| anyhow::anyhow!("--role must be viewer, editor or admin"))?;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        let store = crate::migrate::connect(settings).await?;
        store.migrate_up().await.context("applying migrations")?;
        let secret = api::auth::generate_secret();
        store
            .create_api_token(name.trim(), &secret, role, None, None)
            .await
            .context("creating the token")?;
        println!("{secret}");
        store.close().await.ok();
        Ok(ExitCode::SUCCESS)
    })
}
