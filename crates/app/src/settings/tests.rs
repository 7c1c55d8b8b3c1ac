use std::io::Write as _;

use super::*;

fn layer(pairs: &[(&str, &str)]) -> Layer {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn load(env: &[(&str, &str)], dotenv: &[(&str, &str)]) -> Result<Settings, SettingsError> {
    Settings::from_sources(Sources::new(vec![
        ("env", layer(env)),
        (".env", layer(dotenv)),
    ]))
}

fn problems(env: &[(&str, &str)]) -> String {
    match load(env, &[]) {
        Ok(s) => panic!("accepted: {s:?}"),
        Err(e) => e.to_string(),
    }
}

/// A file in the temp directory holding `content`, removed on drop.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn temp_file(content: &str) -> TempFile {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let p = std::env::temp_dir().join(format!(
        "dealbrain-settings-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::File::create(&p)
        .unwrap()
        .write_all(content.as_bytes())
        .unwrap();
    TempFile(p)
}

#[test]
fn defaults_match_env_example() {
    let s = load(&[], &[]).unwrap();
    assert_eq!(s.environment, Environment::Development);
    assert_eq!(s.database_url.expose(), store::DEFAULT_DATABASE_URL);
    assert_eq!(s.database_pool_size, 10);
    assert_eq!(s.database_acquire_timeout, Duration::from_secs(5));
    assert_eq!(s.shutdown_grace, Duration::from_secs(20));
    assert!(s.redis_url.is_none());
    assert_eq!(s.api_host, "0.0.0.0");
    assert_eq!(s.api_port, 8000);
    assert_eq!(s.log_format, LogFormat::Text);
    assert!(s.prometheus_enabled);
    assert_eq!(s.worker_metrics_port, 9100);
    assert_eq!(s.recalc_batch_size, 100);
    assert_eq!(s.api_max_depth, 15);
    assert_eq!(s.api_max_complexity, 20_000);
    assert_eq!(s.api_body_limit, 1_048_576);
    assert_eq!(s.api_query_timeout, Duration::from_secs(15));
    assert!(!s.reads_need_token);
    assert!(s.cors_allowed_origins.is_empty());
}

#[test]
fn environment_wins_over_dotenv_and_empty_means_unset() {
    let s = load(
        &[("API_PORT", "9001"), ("REDIS_URL", "")],
        &[
            ("API_PORT", "7000"),
            ("LOG_FORMAT", "json"),
            ("REDIS_URL", "redis://r:6379"),
            ("CORS_ALLOWED_ORIGINS", " http://a , http://b ,"),
        ],
    )
    .unwrap();
    assert_eq!(s.api_port, 9001);
    assert_eq!(s.log_format, LogFormat::Json);
    // An empty REDIS_URL in the environment does not hide .env's value: empty = unset.
    assert_eq!(s.redis_url.unwrap().expose(), "redis://r:6379");
    assert_eq!(s.cors_allowed_origins, ["http://a", "http://b"]);
}

#[test]
fn invalid_values_are_all_reported_by_name() {
    let msg = problems(&[
        ("API_PORT", "eighty"),
        ("DATABASE_POOL_SIZE", "0"),
        ("LOG_FORMAT", "xml"),
        ("LOG_LEVEL", "info,[="),
        ("AUTH_READS", "maybe"),
        ("PROMETHEUS_ENABLED", "sure"),
        ("ENVIRONMENT", "staging"),
        ("DATABASE_URL", "mysql://u:hunter2@h/db"),
        ("REDIS_URL", "http://r"),
        ("API_HOST", "not a host"),
    ]);
    for name in [
        "API_PORT",
        "DATABASE_POOL_SIZE",
        "LOG_FORMAT",
        "LOG_LEVEL",
        "AUTH_READS",
        "PROMETHEUS_ENABLED",
        "ENVIRONMENT",
        "DATABASE_URL",
        "REDIS_URL",
        "API_HOST",
    ] {
        assert!(msg.contains(name), "{name} not in: {msg}");
    }
    // A rejected URL is named, never echoed: it may hold a password.
    assert!(!msg.contains("hunter2"), "{msg}");
}

#[test]
fn secrets_come_from_name_file_without_the_trailing_newline() {
    let key = temp_file("s3cr3t-from-file\n");
    let db = temp_file("postgres://app:pw@db:5432/dealbrain\r\n");
    let s = load(
        &[
            ("SECRET_KEY_FILE", key.path()),
            ("DATABASE_URL_FILE", db.path()),
        ],
        &[("SECRET_KEY", "from-dotenv")],
    )
    .unwrap();
    assert_eq!(s.secret_key.expose(), "s3cr3t-from-file");
    assert_eq!(
        s.database_url.expose(),
        "postgres://app:pw@db:5432/dealbrain"
    );
}

#[test]
fn name_and_name_file_together_or_an_unreadable_file_are_refused() {
    let key = temp_file("k");
    let msg = problems(&[("SECRET_KEY", "a"), ("SECRET_KEY_FILE", key.path())]);
    assert!(
        msg.contains("SECRET_KEY and SECRET_KEY_FILE are both set"),
        "{msg}"
    );
    let msg = problems(&[("REDIS_URL_FILE", "/nonexistent/redis_url")]);
    assert!(
        msg.contains("REDIS_URL_FILE: cannot read /nonexistent/redis_url"),
        "{msg}"
    );
}

#[test]
fn production_refuses_a_missing_or_placeholder_secret_key() {
    for key in ["", "changeme"] {
        let msg = problems(&[("ENVIRONMENT", "production"), ("SECRET_KEY", key)]);
        assert!(msg.contains("SECRET_KEY"), "{msg}");
    }
    let key = temp_file("changeme\n");
    let msg = problems(&[
        ("ENVIRONMENT", "production"),
        ("SECRET_KEY_FILE", key.path()),
    ]);
    assert!(msg.contains("SECRET_KEY"), "{msg}");
    let ok = load(
        &[
            ("ENVIRONMENT", "production"),
            ("SECRET_KEY", "0a9f8e7d6c5b4a39"),
        ],
        &[],
    )
    .unwrap();
    assert_eq!(ok.environment, Environment::Production);
    // Outside production the placeholder is allowed (the embedded default works as is).
    assert!(load(&[("SECRET_KEY", "changeme")], &[]).is_ok());
}

#[test]
fn debug_output_redacts_every_secret() {
    let s = load(
        &[
            ("SECRET_KEY", "topsecret-key-123"),
            (
                "DATABASE_URL",
                "postgres://app:dbpass-456@db/x?password=dbpass-456",
            ),
            ("REDIS_URL", "redis://:redispass-789@redis:6379"),
        ],
        &[],
    )
    .unwrap();
    let shown = format!("{s:?} {} {}", s.database_url, s.secret_key);
    for secret in ["topsecret-key-123", "dbpass-456", "redispass-789"] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    assert!(
        shown.contains("postgres://app:***@db/x?password=***"),
        "{shown}"
    );
    assert!(shown.contains("redis://:***@redis:6379"), "{shown}");
}

#[test]
fn urls_are_redacted() {
    use secret::redact_url;
    assert_eq!(redact_url("postgres://u:pw@h/db"), "postgres://u:***@h/db");
    assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
    assert_eq!(redact_url("redis://pw@h:6379"), "redis://***@h:6379");
    assert_eq!(redact_url("redis://h:6379/0"), "redis://h:6379/0");
    assert_eq!(
        redact_url("sqlite://data/x.db?mode=rwc"),
        "sqlite://data/x.db?mode=rwc"
    );
    assert_eq!(redact_url("u:p@h"), "***");
}

#[test]
fn dotenv_files_are_parsed_and_a_missing_one_is_empty() {
    let f =
        temp_file("# comment\nAPI_PORT=8123\nLOG_FORMAT=\"json\"\n\nWEB_URL=https://x.example\n");
    let mut problems = Vec::new();
    let l = Sources::read_dotenv(std::path::Path::new(f.path()), &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(l.get("API_PORT").map(String::as_str), Some("8123"));
    assert_eq!(l.get("LOG_FORMAT").map(String::as_str), Some("json"));
    let none = Sources::read_dotenv(std::path::Path::new("/nonexistent/.env"), &mut problems);
    assert!(none.is_empty() && problems.is_empty());
    let bad = temp_file("NOT A LINE\n");
    Sources::read_dotenv(std::path::Path::new(bad.path()), &mut problems);
    assert_eq!(problems.len(), 1, "{problems:?}");
}

#[test]
fn env_example_documents_every_variable() {
    let example = include_str!("../../../../.env.example");
    let documented: Vec<&str> = example
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim()))
        .collect();
    let src = [include_str!("mod.rs"), include_str!("source.rs")].concat();
    // Every quoted UPPER_CASE name the loader reads.
    let mut read = Vec::new();
    for part in src.split('"').skip(1).step_by(2) {
        if part.len() > 3
            && part
                .chars()
                .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
        {
            read.push(part);
        }
    }
    assert!(read.len() > 25, "{read:?}");
    for name in read {
        if name == "DEALBRAIN_ENV_FILE" {
            continue; // names the file itself
        }
        assert!(documented.contains(&name), "{name} is not in .env.example");
    }
}
