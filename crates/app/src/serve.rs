//! `dealbrain serve`: the API on `API_HOST:API_PORT`. Applies migrations and seeds an empty
//! database unless told not to, creates the first admin token on an empty token table, then
//! values every listing in the background so the board has numbers.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use api::{ApiConfig, AppState, Deps};
use clap::Args;
use domain::model::{ApiRole, ValuationCause};
use store::Store;

use crate::migrate::DbArgs;

/// Settings of `serve` (flags or environment).
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Job queue and events (`REDIS_URL`; unset = the worker runs inside `serve`).
    #[command(flatten)]
    pub jobs: crate::worker::JobArgs,
    /// Address to bind.
    #[arg(long, env = "API_HOST", default_value = "0.0.0.0")]
    pub host: String,
    /// Port to bind.
    #[arg(long, env = "API_PORT", default_value_t = 8000)]
    pub port: u16,
    /// Do not apply pending migrations.
    #[arg(long)]
    pub no_migrate: bool,
    /// Do not load sample data into an empty database.
    #[arg(long)]
    pub no_seed: bool,
    /// `public` (anonymous queries) or `token` (every request needs a token).
    #[arg(long, env = "AUTH_READS", default_value = "public")]
    pub auth_reads: String,
    /// Comma-separated CORS origins (`*` for any).
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", default_value = "")]
    pub cors_allowed_origins: String,
    /// Deepest query accepted.
    #[arg(long, env = "API_MAX_DEPTH", default_value_t = 15)]
    pub max_depth: usize,
    /// Highest query complexity accepted.
    #[arg(long, env = "API_MAX_COMPLEXITY", default_value_t = 20_000)]
    pub max_complexity: usize,
    /// Largest request body in bytes.
    #[arg(long, env = "API_BODY_LIMIT", default_value_t = 1024 * 1024)]
    pub body_limit: usize,
    /// Most operations per batch request.
    #[arg(long, env = "API_BATCH_LIMIT", default_value_t = 10)]
    pub batch_limit: usize,
    /// Longest an operation may run, in seconds.
    #[arg(long, env = "API_QUERY_TIMEOUT_SECS", default_value_t = 15)]
    pub query_timeout_secs: u64,
    /// Answer introspection queries.
    #[arg(long, env = "API_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub introspection: bool,
    /// Requests per second per token or IP.
    #[arg(long, env = "API_RATE_PER_SECOND", default_value_t = 100)]
    pub rate_per_second: u64,
    /// Burst on top of the rate.
    #[arg(long, env = "API_RATE_BURST", default_value_t = 200)]
    pub rate_burst: u32,
    /// Where the first admin token is written.
    #[arg(long, env = "ADMIN_TOKEN_FILE", default_value = "data/admin-token")]
    pub admin_token_file: PathBuf,
}

impl ServeArgs {
    fn api_config(&self) -> anyhow::Result<ApiConfig> {
        let reads_need_token = match self.auth_reads.as_str() {
            "public" => false,
            "token" => true,
            other => anyhow::bail!("AUTH_READS must be `public` or `token`, not `{other}`"),
        };
        Ok(ApiConfig {
            reads_need_token,
            max_depth: self.max_depth,
            max_complexity: self.max_complexity,
            body_limit: self.body_limit,
            batch_limit: self.batch_limit,
            query_timeout: Duration::from_secs(self.query_timeout_secs),
            introspection: self.introspection,
            rate_per_second: self.rate_per_second,
            rate_burst: self.rate_burst,
            cors_origins: self
                .cors_allowed_origins
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            ..ApiConfig::default()
        })
    }
}

/// Runs the server until Ctrl-C.
pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .init();
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(serve(args))
}

async fn serve(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let config = args.api_config()?;
    let store = args.db.connect().await?;
    if !args.no_migrate {
        store.migrate_up().await.context("applying migrations")?;
    }
    if !args.no_seed && store.count_listings().await? == 0 {
        let r = store::seed::seed(&store, store::seed::DEFAULT_LISTINGS)
            .await
            .context("seeding")?;
        tracing::info!(
            listings = r.listings,
            cpus = r.cpus,
            "seeded an empty database"
        );
    }
    first_admin_token(&store, &args.admin_token_file).await?;
    tokio::spawn(value_all(store.clone()));
    let jobs = crate::worker::start_for_serve(&store, &args.jobs).await?;
    let deps = Deps {
        store: store.clone(),
        config: config.clone(),
        recalc: jobs.recalc.clone(),
    };
    let state = AppState {
        schema: api::build_schema(&deps),
        store,
        config: Arc::new(config),
    };
    let addr: SocketAddr = format!("{}:{}", args.host, args.port)
        .parse()
        .context("API_HOST:API_PORT is not an address")?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let shown = if args.host == "0.0.0.0" {
        "localhost"
    } else {
        args.host.as_str()
    };
    println!(
        "Deal Brain API on http://{addr} — GraphiQL: http://{shown}:{}/graphql",
        args.port
    );
    axum::serve(
        listener,
        api::router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("serving")?;
    jobs.stop().await;
    Ok(ExitCode::SUCCESS)
}

/// On an empty token table: an admin token, printed once and written with mode 0600.
async fn first_admin_token(store: &Store, path: &std::path::Path) -> anyhow::Result<()> {
    if !store.api_tokens().await?.is_empty() {
        return Ok(());
    }
    let secret = api::auth::generate_secret();
    store
        .create_api_token("admin (first start)", &secret, ApiRole::Admin, None, None)
        .await?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    write_secret(path, &secret).with_context(|| format!("writing {}", path.display()))?;
    println!(
        "Created the first admin token (shown once, also in {}):\n  {secret}",
        path.display()
    );
    Ok(())
}

#[cfg(unix)]
fn write_secret(path: &std::path::Path, secret: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(secret.as_bytes())?;
    f.write_all(b"\n")
}

#[cfg(not(unix))]
fn write_secret(path: &std::path::Path, secret: &str) -> std::io::Result<()> {
    std::fs::write(path, format!("{secret}\n"))
}

/// Values every active/pending listing once, in batches (unchanged ones are not rewritten).
async fn value_all(store: Store) {
    let result: anyhow::Result<usize> = async {
        let valuer = store::revalue::Valuer::load(&store).await?;
        let mut after = 0;
        let mut n = 0;
        loop {
            let ids = store.active_listing_ids(after, 500).await?;
            let Some(last) = ids.last().copied() else {
                break;
            };
            store::revalue::revalue_with(&store, &valuer, &ids, ValuationCause::Manual, None)
                .await?;
            n += ids.len();
            after = last;
        }
        Ok(n)
    }
    .await;
    match result {
        Ok(n) => tracing::info!(listings = n, "valued every listing"),
        Err(e) => tracing::error!(error = %e, "valuing listings failed"),
    }
}
