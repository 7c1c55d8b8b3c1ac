//! [`Store`]: the connection pool from one `DATABASE_URL`, and migrations.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend};

use crate::error::{Result, StoreError};

/// The embedded default: a SQLite file next to the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/dealbrain.db?mode=rwc";
/// Default pool size (`DATABASE_POOL_SIZE`).
pub const DEFAULT_POOL_SIZE: u32 = 10;
/// How long [`Store::connect`]'s pool waits for a connection (tools and tests; the binary
/// sets its own, shorter `DATABASE_ACQUIRE_TIMEOUT_SECS`).
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// PostgreSQL statement timeout: long enough for a 1,000-row batch write, short enough that a
/// runaway query does not hold a connection forever.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// PostgreSQL ends a session that sits inside a transaction this long without a statement.
/// None of ours pauses between statements; one that does was abandoned (a task cancelled
/// mid-transaction whose rollback never reached the server), and its row locks would
/// otherwise stall every writer of those rows until each hits [`STATEMENT_TIMEOUT`]. Shorter
/// than that timeout, so a writer waiting on such locks gets through.
pub const IDLE_IN_TRANSACTION_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a SQLite writer waits for the lock before failing.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// Name and whether it is applied, per migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationState {
    pub name: String,
    pub applied: bool,
}

/// Connections of the pool by state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Checked out (running a statement or held by a transaction).
    pub active: u32,
    /// Open and waiting in the pool.
    pub idle: u32,
}

/// The persistence handle: cheap to clone (a pool inside).
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) db: DatabaseConnection,
    pub(crate) backend: DbBackend,
}

impl Store {
    /// Connects to `url` (`postgres://…` or `sqlite://…`) with a pool of `pool_size`, waiting
    /// up to [`DEFAULT_ACQUIRE_TIMEOUT`] for a connection.
    pub async fn connect(url: &str, pool_size: u32) -> Result<Store> {
        Store::connect_with(url, pool_size, DEFAULT_ACQUIRE_TIMEOUT).await
    }

    /// [`Store::connect`] with the longest wait for a connection. While the database is down
    /// the pool keeps retrying to connect for that long, so this bounds how long a request
    /// takes to fail during an outage (and how long it may queue for a busy pool).
    ///
    /// SQLite: WAL journal (readers never block the writer), foreign keys ON (off by default in
    /// SQLite), a busy timeout. PostgreSQL: a statement timeout and an idle-in-transaction
    /// timeout per connection.
    pub async fn connect_with(
        url: &str,
        pool_size: u32,
        acquire_timeout: Duration,
    ) -> Result<Store> {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.max_connections(pool_size.max(1))
            .acquire_timeout(acquire_timeout)
            .sqlx_logging(false);
        let sqlite = url.starts_with("sqlite:");
        if sqlite {
            opts.map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
            });
        } else {
            opts.statement_timeout(STATEMENT_TIMEOUT)
                .map_sqlx_postgres_opts(|o| {
                    o.options([(
                        "idle_in_transaction_session_timeout",
                        IDLE_IN_TRANSACTION_TIMEOUT.as_millis().to_string(),
                    )])
                });
        }
        let db = Database::connect(opts)
            .await
            .map_err(StoreError::internal)?;
        let backend = db.get_database_backend();
        Ok(Store { db, backend })
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at once: a
    /// deferred transaction that reads first and writes later fails with
    /// `SQLITE_BUSY_SNAPSHOT` (517) whenever another connection committed in between (the
    /// worker and a mutation, say), and no busy timeout can save it; taking the lock up front
    /// makes it wait for the other writer instead. (PostgreSQL needs nothing of the sort.)
    pub(crate) async fn begin_write(&self) -> Result<sea_orm::DatabaseTransaction> {
        use sea_orm::{ConnectionTrait as _, TransactionTrait as _};
        let txn = self.db.begin().await?;
        if self.backend == DbBackend::Sqlite {
            txn.execute_unprepared("UPDATE application_settings SET key = key WHERE 1 = 0")
                .await?;
        }
        Ok(txn)
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        match self.backend {
            DbBackend::Sqlite => Backend::Sqlite,
            _ => Backend::Postgres,
        }
    }

    /// Applies every pending migration.
    pub async fn migrate_up(&self) -> Result<()> {
        Migrator::up(&self.db, None)
            .await
            .map_err(StoreError::internal)
    }

    /// Rolls back the last `steps` migrations (all with `None`).
    pub async fn migrate_down(&self, steps: Option<u32>) -> Result<()> {
        Migrator::down(&self.db, steps)
            .await
            .map_err(StoreError::internal)
    }

    /// Every migration and whether it is applied.
    pub async fn migration_status(&self) -> Result<Vec<MigrationState>> {
        let list = Migrator::get_migration_with_status(&self.db)
            .await
            .map_err(StoreError::internal)?;
        Ok(list
            .iter()
            .map(|m| MigrationState {
                name: m.name().to_owned(),
                applied: m.status() == migration::MigrationStatus::Applied,
            })
            .collect())
    }

    /// One round trip to the database (readiness probes).
    pub async fn ping(&self) -> Result<()> {
        self.db.ping().await.map_err(StoreError::internal)
    }

    /// The pool's connections: open in total and idle among them (the `db_pool_connections`
    /// gauges).
    pub fn pool_stats(&self) -> PoolStats {
        // The getters panic on the other backend; `self.backend` says which one this is.
        let (size, idle) = match self.backend {
            DbBackend::Sqlite => {
                let p = self.db.get_sqlite_connection_pool();
                (p.size(), p.num_idle())
            }
            _ => {
                let p = self.db.get_postgres_connection_pool();
                (p.size(), p.num_idle())
            }
        };
        let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(size);
        PoolStats {
            active: size - idle,
            idle,
        }
    }

    /// Closes the pool.
    pub async fn close(self) -> Result<()> {
        self.db.close().await.map_err(StoreError::internal)
    }
}
