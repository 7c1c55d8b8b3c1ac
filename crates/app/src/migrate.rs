//! `dealbrain migrate [up|down|status]` and the database settings shared by the database
//! subcommands (`DATABASE_URL`, `DATABASE_POOL_SIZE`).

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use store::{DEFAULT_DATABASE_URL, Store};

/// Where the database is.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// `sqlite://path?mode=rwc` (embedded default) or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// Connections in the pool.
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value_t = store::DEFAULT_POOL_SIZE)]
    pub pool_size: u32,
}

impl DbArgs {
    /// Connects, creating the SQLite file's directory first (`data/` by default).
    pub async fn connect(&self) -> anyhow::Result<Store> {
        if let Some(rest) = self.database_url.strip_prefix("sqlite://") {
            let path = rest.split('?').next().unwrap_or_default();
            if let Some(dir) = std::path::Path::new(path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
        }
        Store::connect(&self.database_url, self.pool_size)
            .await
            .with_context(|| format!("connecting to {}", redact(&self.database_url)))
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].find(':') {
            Some(c) => format!("{}:***{}", &url[..s + 3 + c], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
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
pub fn run(action: Action, db: &DbArgs) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        let store = db.connect().await?;
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

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://u:pw@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
