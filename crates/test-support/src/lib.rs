//! # test-support — a fresh database (and Redis namespace) per test
//!
//! Dev-only helpers so every test runs against the real thing without sharing state:
//! - [`TestDb::sqlite`]: a migrated SQLite file in the temp directory, removed on drop.
//! - [`TestDb::postgres`]: a new, uniquely named database on the server at
//!   `DEALBRAIN_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`),
//!   migrated, dropped on drop (best effort). When the server is unreachable the test fails if
//!   `DEALBRAIN_REQUIRE_SERVICES=1` (CI), else it gets `None` and a printed notice.
//! - [`redis_namespace`]: the Redis URL and a unique key prefix.

use std::path::PathBuf;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database};

const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const DEFAULT_REDIS: &str = "redis://127.0.0.1:6379";

/// Which backend a test database lives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A migrated database owned by one test.
#[derive(Debug)]
pub struct TestDb {
    /// Connection URL for `Store::connect`.
    pub url: String,
    pub backend: Backend,
    sqlite_file: Option<PathBuf>,
    pg: Option<(String, String)>, // (admin url, database name)
}

fn unique_name() -> String {
    format!("dealbrain_test_{}", uuid::Uuid::new_v4().simple())
}

/// True when CI asked for real services (`DEALBRAIN_REQUIRE_SERVICES=1`).
pub fn services_required() -> bool {
    std::env::var("DEALBRAIN_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

impl TestDb {
    /// A migrated SQLite file.
    pub async fn sqlite() -> TestDb {
        let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let db = TestDb {
            url,
            backend: Backend::Sqlite,
            sqlite_file: Some(path),
            pg: None,
        };
        db.migrate().await;
        db
    }

    /// A migrated PostgreSQL database, or `None` (with a notice) when the server is
    /// unreachable and services are not required.
    pub async fn postgres() -> Option<TestDb> {
        let admin =
            std::env::var("DEALBRAIN_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_PG.to_owned());
        let name = unique_name();
        let created = async {
            let conn = Database::connect(admin.as_str()).await?;
            conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            conn.close().await
        }
        .await;
        if let Err(e) = created {
            let msg = format!("PostgreSQL at {admin} is unreachable: {e}");
            if services_required() {
                panic!("{msg} (DEALBRAIN_REQUIRE_SERVICES=1: a test that needs PostgreSQL fails)");
            }
            eprintln!("SKIPPED: {msg}");
            return None;
        }
        let url = replace_db_name(&admin, &name);
        let db = TestDb {
            url,
            backend: Backend::Postgres,
            sqlite_file: None,
            pg: Some((admin, name)),
        };
        db.migrate().await;
        Some(db)
    }

    async fn migrate(&self) {
        let conn = Database::connect(self.url.as_str())
            .await
            .unwrap_or_else(|e| panic!("connect {}: {e}", self.url));
        Migrator::up(&conn, None)
            .await
            .unwrap_or_else(|e| panic!("migrate {}: {e}", self.url));
        let _ = conn.close().await;
    }
}

/// The admin URL with its database name replaced.
fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(path) = self.sqlite_file.take() {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        if let Some((admin, name)) = self.pg.take() {
            // Drop runs inside the test's runtime: use a thread with its own runtime.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    if let Ok(conn) = Database::connect(admin.as_str()).await {
                        let _ = conn
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await;
                        let _ = conn.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// The Redis URL (`DEALBRAIN_TEST_REDIS_URL`) and a key prefix unique to this call.
pub fn redis_namespace() -> (String, String) {
    let url =
        std::env::var("DEALBRAIN_TEST_REDIS_URL").unwrap_or_else(|_| DEFAULT_REDIS.to_owned());
    (url, format!("test:{}:", uuid::Uuid::new_v4().simple()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_database_names() {
        assert_eq!(
            super::replace_db_name("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            super::replace_db_name("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(
            super::replace_db_name("postgres://u@h", "x"),
            "postgres://u@h/x"
        );
    }
}
