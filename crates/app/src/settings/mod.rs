//! [`Settings`]: every setting of the binary, loaded once and validated in one place.
//!
//! Order: command-line overrides (the few flags subcommands offer), then the environment,
//! then `.env` in the working directory if present (`DEALBRAIN_ENV_FILE` names another file).
//! `DATABASE_URL`, `REDIS_URL` and `SECRET_KEY` may come from the file named by `NAME_FILE`.
//! Every invalid value is reported at once, each message naming its variable. Every variable
//! is documented in `.env.example`.

mod secret;
mod source;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::time::Duration;

pub use secret::{Secret, SecretUrl};
pub use source::{Layer, Sources};
use telemetry::{LogFormat, TelemetryConfig};

/// The `ENVIRONMENT` the process runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Test,
    Production,
}

impl std::str::FromStr for Environment {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s.to_ascii_lowercase().as_str() {
            "development" | "dev" => Ok(Environment::Development),
            "test" => Ok(Environment::Test),
            "production" | "prod" => Ok(Environment::Production),
            _ => Err(()),
        }
    }
}

/// The SECRET_KEY placeholder of `.env.example`, refused in production.
pub const PLACEHOLDER_SECRET: &str = "changeme";

/// Every setting (see `.env.example` for each variable's meaning).
#[derive(Debug, Clone)]
pub struct Settings {
    // Validated and logged at startup; no code reads it yet (signing, links, imports and
    // exports arrive with their features), and a bad value should fail today, not then.
    #[allow(dead_code)]
    pub environment: Environment,
    pub database_url: SecretUrl,
    pub database_pool_size: u32,
    /// The longest a query waits for a pooled connection: while the database is down, how
    /// long a request takes to fail with `INTERNAL` instead of hanging.
    pub database_acquire_timeout: Duration,
    pub redis_url: Option<SecretUrl>,
    pub redis_prefix: String,
    // Validated and logged at startup; no code reads it yet (signing, links, imports and
    // exports arrive with their features), and a bad value should fail today, not then.
    #[allow(dead_code)]
    pub secret_key: Secret,
    pub log_level: String,
    pub log_format: LogFormat,
    pub api_host: String,
    pub api_port: u16,
    // Validated and logged at startup; no code reads it yet (signing, links, imports and
    // exports arrive with their features), and a bad value should fail today, not then.
    #[allow(dead_code)]
    pub web_url: String,
    pub cors_allowed_origins: Vec<String>,
    /// `AUTH_READS=token`.
    pub reads_need_token: bool,
    /// Where uploads wait while their import session is open; `dealbrain import` also reads
    /// relative file names from here.
    pub import_root: PathBuf,
    // Validated and logged at startup; no code reads it yet (signing, links, imports and
    // exports arrive with their features), and a bad value should fail today, not then.
    #[allow(dead_code)]
    pub export_root: PathBuf,
    pub otlp_endpoint: Option<String>,
    pub prometheus_enabled: bool,
    pub worker_metrics_port: u16,
    pub recalc_batch_size: u64,
    pub worker_concurrency: usize,
    /// A running job whose heartbeat is older than this is taken over (its worker died).
    pub worker_lease: Duration,
    /// A queue delivery not acknowledged in this long is handed to another worker.
    pub queue_visibility_timeout: Duration,
    /// After SIGTERM, how long `serve` waits for open requests and `worker` for its batch
    /// before exiting anyway (a stalled client or a hung database cannot hold the process).
    pub shutdown_grace: Duration,
    pub admin_token_file: PathBuf,
    pub api_max_depth: usize,
    pub api_max_complexity: usize,
    pub api_body_limit: usize,
    pub api_batch_limit: usize,
    pub api_query_timeout: Duration,
    pub api_introspection: bool,
    pub api_rate_per_second: u64,
    pub api_rate_burst: u32,
    pub api_response_cache_ttl: Duration,
}

/// Startup refused: every problem, one per line.
#[derive(Debug, thiserror::Error)]
#[error("invalid settings:\n  {}", .0.join("\n  "))]
pub struct SettingsError(pub Vec<String>);

impl Settings {
    /// Loads from `overrides` (flags, as `NAME → value`), the environment and `.env`.
    pub fn load(overrides: Layer) -> Result<Settings, SettingsError> {
        let env: Layer = std::env::vars().collect();
        let path = env
            .get("DEALBRAIN_ENV_FILE")
            .filter(|p| !p.is_empty())
            .map_or_else(|| PathBuf::from(".env"), PathBuf::from);
        let mut problems = Vec::new();
        let dotenv = Sources::read_dotenv(&path, &mut problems);
        let mut sources = Sources::new(vec![("flag", overrides), ("env", env), (".env", dotenv)]);
        sources.problems = problems;
        Settings::from_sources(sources)
    }

    /// Parses and validates (the pure part of [`Settings::load`]).
    pub fn from_sources(mut s: Sources) -> Result<Settings, SettingsError> {
        let environment = s.parse(
            "ENVIRONMENT",
            Environment::Development,
            "development, test or production",
        );
        let database_url = s
            .secret("DATABASE_URL")
            .unwrap_or_else(|| store::DEFAULT_DATABASE_URL.to_owned());
        let database_url = s
            .url(
                "DATABASE_URL",
                Some(database_url),
                &["sqlite:", "postgres://", "postgresql://"],
            )
            .unwrap_or_default();
        let redis_url = s.secret("REDIS_URL");
        let redis_url = s.url("REDIS_URL", redis_url, &["redis://", "rediss://"]);
        let secret_key = Secret::new(s.secret("SECRET_KEY").unwrap_or_default());
        if environment == Environment::Production
            && (secret_key.is_empty() || secret_key.expose() == PLACEHOLDER_SECRET)
        {
            s.problems.push(format!(
                "SECRET_KEY: ENVIRONMENT=production needs a long random SECRET_KEY (or \
                 SECRET_KEY_FILE), not an empty one or `{PLACEHOLDER_SECRET}`"
            ));
        }
        let log_level = s.get("LOG_LEVEL").unwrap_or_else(|| "info".to_owned());
        if let Err(e) = telemetry::parse_filter(&log_level) {
            s.problems.push(e.to_string());
        }
        let log_format = match s.get("LOG_FORMAT").map(|v| v.parse::<LogFormat>()) {
            None => LogFormat::Text,
            Some(Ok(f)) => f,
            Some(Err(e)) => {
                s.problems.push(format!("LOG_FORMAT: {e}"));
                LogFormat::Text
            }
        };
        let reads_need_token = match s.get("AUTH_READS").as_deref() {
            None | Some("public") => false,
            Some("token") => true,
            Some(other) => {
                s.problems.push(format!(
                    "AUTH_READS: must be `public` or `token`, not `{other}`"
                ));
                false
            }
        };
        let web_url = s.get("WEB_URL");
        let web_url = s
            .url("WEB_URL", web_url, &["http://", "https://"])
            .unwrap_or_else(|| "http://localhost:8000".to_owned());
        let otlp = s.get("OTEL_EXPORTER_OTLP_ENDPOINT");
        let otlp_endpoint = s.url(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            otlp,
            &["http://", "https://"],
        );
        let api_host = s.get("API_HOST").unwrap_or_else(|| "0.0.0.0".to_owned());
        if format!("{api_host}:0")
            .parse::<std::net::SocketAddr>()
            .is_err()
        {
            s.problems
                .push(format!("API_HOST: `{api_host}` is not an IP address"));
        }
        let settings = Settings {
            environment,
            database_pool_size: s.at_least("DATABASE_POOL_SIZE", store::DEFAULT_POOL_SIZE, 1),
            database_acquire_timeout: Duration::from_secs(s.at_least(
                "DATABASE_ACQUIRE_TIMEOUT_SECS",
                5,
                1,
            )),
            database_url: SecretUrl::new(database_url),
            redis_url: redis_url.map(SecretUrl::new),
            redis_prefix: s
                .get("REDIS_PREFIX")
                .unwrap_or_else(|| bus::DEFAULT_PREFIX.to_owned()),
            secret_key,
            log_level,
            log_format,
            api_host,
            api_port: s.parse("API_PORT", 8000, "a port number (0-65535)"),
            web_url,
            cors_allowed_origins: s
                .get("CORS_ALLOWED_ORIGINS")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_owned)
                .collect(),
            reads_need_token,
            import_root: s.get("IMPORT_ROOT").unwrap_or("data/import".into()).into(),
            export_root: s.get("EXPORT_ROOT").unwrap_or("data/export".into()).into(),
            otlp_endpoint,
            prometheus_enabled: s.flag("PROMETHEUS_ENABLED", true),
            worker_metrics_port: s.parse("WORKER_METRICS_PORT", 9100, "a port number (0-65535)"),
            recalc_batch_size: s.at_least("RECALC_BATCH_SIZE", 100, 1),
            worker_concurrency: s.at_least("WORKER_CONCURRENCY", 1, 1),
            worker_lease: Duration::from_secs(s.at_least("WORKER_LEASE_SECS", 60, 2)),
            queue_visibility_timeout: Duration::from_secs(s.at_least(
                "QUEUE_VISIBILITY_TIMEOUT_SECS",
                30,
                1,
            )),
            shutdown_grace: Duration::from_secs(s.at_least("SHUTDOWN_GRACE_SECS", 20, 1)),
            admin_token_file: s
                .get("ADMIN_TOKEN_FILE")
                .unwrap_or("data/admin-token".into())
                .into(),
            api_max_depth: s.at_least("API_MAX_DEPTH", 15, 1),
            api_max_complexity: s.at_least("API_MAX_COMPLEXITY", 20_000, 1),
            api_body_limit: s.at_least("API_BODY_LIMIT", 1024 * 1024, 1),
            api_batch_limit: s.at_least("API_BATCH_LIMIT", 10, 1),
            api_query_timeout: Duration::from_secs(s.at_least("API_QUERY_TIMEOUT_SECS", 15, 1)),
            api_introspection: s.flag("API_INTROSPECTION", true),
            api_rate_per_second: s.at_least("API_RATE_PER_SECOND", 100, 1),
            api_rate_burst: s.at_least("API_RATE_BURST", 200, 1),
            api_response_cache_ttl: Duration::from_millis(s.at_least(
                "API_RESPONSE_CACHE_MS",
                1000,
                0,
            )),
        };
        if s.problems.is_empty() {
            Ok(settings)
        } else {
            Err(SettingsError(s.problems))
        }
    }

    /// What `telemetry::init` needs, for a process named `service`.
    pub fn telemetry(&self, service: &str) -> TelemetryConfig {
        TelemetryConfig {
            service_name: service.to_owned(),
            log_level: self.log_level.clone(),
            log_format: self.log_format,
            otlp_endpoint: self.otlp_endpoint.clone(),
            prometheus: self.prometheus_enabled,
        }
    }

    /// The API's knobs.
    pub fn api_config(&self) -> api::ApiConfig {
        api::ApiConfig {
            reads_need_token: self.reads_need_token,
            max_depth: self.api_max_depth,
            max_complexity: self.api_max_complexity,
            body_limit: self.api_body_limit,
            batch_limit: self.api_batch_limit,
            query_timeout: self.api_query_timeout,
            introspection: self.api_introspection,
            rate_per_second: self.api_rate_per_second,
            rate_burst: self.api_rate_burst,
            response_cache_ttl: self.api_response_cache_ttl,
            cors_origins: self.cors_allowed_origins.clone(),
            export_root: self.export_root.clone(),
            import_root: self.import_root.clone(),
            ..api::ApiConfig::default()
        }
    }

    /// The worker's knobs.
    pub fn worker_config(&self) -> worker::WorkerConfig {
        worker::WorkerConfig {
            batch_size: self.recalc_batch_size,
            lease: self.worker_lease,
            ..worker::WorkerConfig::default()
        }
    }

    /// The queue's and bus's knobs.
    pub fn bus_options(&self) -> bus::BusOptions {
        bus::BusOptions {
            visibility_timeout: self.queue_visibility_timeout,
            ..bus::BusOptions::default()
        }
    }

    /// Logs the effective settings once at startup; secrets are redacted by their types.
    pub fn log_effective(&self) {
        tracing::info!(settings = ?self, "effective settings");
    }
}
