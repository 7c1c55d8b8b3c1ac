//! [`ApiConfig`]: every knob of the API, filled by the app from its one `Settings` struct
//! (the API never reads the environment itself).

use std::path::PathBuf;
use std::time::Duration;

/// Limits, auth mode and CORS of the API.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// `AUTH_READS=token`: queries need a token too.
    pub reads_need_token: bool,
    /// Deepest selection set accepted.
    pub max_depth: usize,
    /// Highest complexity accepted (connection fields cost `first` × their selection).
    pub max_complexity: usize,
    /// Largest `first`/`last` of a connection.
    pub max_page: usize,
    /// Largest request body in bytes.
    pub body_limit: usize,
    /// Most operations in one batch request.
    pub batch_limit: usize,
    /// Longest an operation may run.
    pub query_timeout: Duration,
    /// Whether `__schema`/`__type` are answered.
    pub introspection: bool,
    /// Automatic Persisted Queries (hash → query cache).
    pub apq: bool,
    /// Requests per second allowed per token (or per client IP without one).
    pub rate_per_second: u64,
    /// Burst on top of the steady rate.
    pub rate_burst: u32,
    /// Allowed CORS origins (`*` allows any); empty = no CORS headers.
    pub cors_origins: Vec<String>,
    /// How long a WebSocket may stay open without `connection_init` (then 4408).
    pub ws_init_timeout: Duration,
    /// Interval of the server's `ping` on idle WebSockets.
    pub ws_keepalive: Duration,
    /// Most subscriptions one WebSocket may run at once.
    pub ws_max_subscriptions: usize,
    /// Largest WebSocket message in bytes.
    pub ws_max_message: usize,
    /// Messages the event fan-out buffers before a slow subscription gets a `Resync`.
    pub event_buffer: usize,
    /// Where exports are written and served from (`GET /exports/<name>`).
    pub export_root: PathBuf,
    /// Where import uploads are kept while their session is open (`IMPORT_ROOT`).
    pub import_root: PathBuf,
    /// Largest multipart (file upload) request body in bytes: the 20 MiB import limit plus
    /// room for the other parts.
    pub upload_body_limit: usize,
    /// How long an answer to a read-only operation may be reused while no write or bus event
    /// has changed the data (zero turns the response cache off).
    pub response_cache_ttl: Duration,
    /// How many distinct answers the response cache keeps.
    pub response_cache_entries: usize,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            reads_need_token: false,
            max_depth: 15,
            max_complexity: 20_000,
            max_page: 200,
            body_limit: 1024 * 1024,
            batch_limit: 10,
            query_timeout: Duration::from_secs(15),
            introspection: true,
            apq: true,
            rate_per_second: 100,
            rate_burst: 200,
            cors_origins: Vec::new(),
            ws_init_timeout: Duration::from_secs(10),
            ws_keepalive: Duration::from_secs(15),
            ws_max_subscriptions: 100,
            ws_max_message: 64 * 1024,
            event_buffer: crate::live::hub::DEFAULT_CAPACITY,
            export_root: PathBuf::from("data/export"),
            import_root: PathBuf::from("data/import"),
            upload_body_limit: transfer::import::MAX_BYTES + 1024 * 1024,
            response_cache_ttl: Duration::from_secs(1),
            response_cache_entries: 512,
        }
    }
}
