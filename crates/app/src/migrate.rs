//! `dealbrain migrate [up|down|status]` and the database settings shared by the database
//! subcommands (`DATABASE_URL`, `DATABASE_POOL_SIZE`).

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use store::Store;

use crate::settings::{Layer, Settings};

/// Database flags: they override `DATABASE_URL` / `DATABASE_POOL_SIZE` (environment, `.env`).
#[derive(Debug, Clone, Default, Args)]
pub struct DbArgs {
    /// `sqlite://path?mode=rwc` (embedded default) or `postgres://user@host/db`.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Connections in the pool.
    #[arg(long)]
    pub pool_size: Option<u32>,
}

impl DbArgs {
    /// The flags given, as settings overrides.
    pub fn overrides(&self, layer: &mut Layer) {
        if let Some(url) = &self.database_url {
            layer.insert("DATABASE_URL".into(), url.clone());
        }
        if let Some(n) = self.pool_size {
            layer.insert("DATABASE_POOL_SIZE".into(), n.to_string());
        }
    }

    /// Loads the settings with these flags on top.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let mut layer = Layer::new();
        self.overrides(&mut layer);
        Ok(Settings::load(layer)?)
    }
}

/// Connects to the configured database, creating the SQLite file's directory first
/// (`data/` by default).
pub async fn connect(settings: &Settings) -> anyhow::Result<Store> {
    let url = settings.database_url.expose();
    if let Some(rest) = url.strip_prefix("sqlite://") {
        let path = rest.split('?').next().unwrap_or_default();
        if let Some(dir) = std::path::Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
    }
    Store::connect_with(
        url,
        settings.database_pool_size,
        settings.database_acquire_timeout,
    )
    .await
    .with_context(|| format!("connecting to {}", settings.database_url))
}

/// What to do with the migrations.
#[derive(Debug, Clone, Copy, Default, Subcommand)]
pub enum Action {
    /// Apply every pending migration (the default).
    #[default]
    Up,
    /// Roll back the last migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
}

/// Runs `action` against the configured database.
pub fn run(action: Action, settings: &Settings) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        let store = connect(settings).await?;
        match action {
            Action::Up => {
                store.migrate_up().await.context("applying migrations")?;
                println!("migrations applied");
            }
            Action::Down => {
                store.migrate_down(Some(1)).await.context("rolling back")?;
                println!("last migration rolled back");
            }
            Action::Status => {
                for m in store
                    .migration_status()
                    .await
                    .context("reading migrations")?
                {
                    println!(
                        "{} {}",
                        if m.applied { "applied" } else { "pending" },
                        m.name
                    );
                }
            }
        }
        store.close().await.ok();
        Ok(ExitCode::SUCCESS)
    })
}
