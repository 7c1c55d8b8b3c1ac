//! `dealbrain serve`: the API on `API_HOST:API_PORT`. Applies migrations and seeds an empty
//! database unless told not to (queuing one recalculation job that values the sample), creates
//! the first admin token on an empty token table, and stops on SIGTERM or Ctrl-C: WebSockets
//! are closed with 1001, open requests finish within `SHUTDOWN_GRACE_SECS`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use api::{AppState, Deps};
use clap::Args;
use domain::model::{ApiRole, ValuationCause};
use store::Store;

use crate::migrate::DbArgs;
use crate::settings::{Layer, Settings};

/// Flags of `serve`. Each overrides its variable (environment, `.env`); everything else is
/// only in [`Settings`].
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub jobs: crate::worker::JobArgs,
    /// Address to bind (`API_HOST`).
    #[arg(long)]
    pub host: Option<String>,
    /// Port to bind (`API_PORT`; 0 picks a free one).
    #[arg(long)]
    pub port: Option<u16>,
    /// `public` or `token` (`AUTH_READS`).
    #[arg(long)]
    pub auth_reads: Option<String>,
    /// Where the first admin token is written (`ADMIN_TOKEN_FILE`).
    #[arg(long)]
    pub admin_token_file: Option<PathBuf>,
    /// Do not apply pending migrations.
    #[arg(long)]
    pub no_migrate: bool,
    /// Do not load sample data into an empty database.
    #[arg(long)]
    pub no_seed: bool,
}

impl ServeArgs {
    /// Loads the settings with these flags on top.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let mut layer = Layer::new();
        self.db.overrides(&mut layer);
        self.jobs.overrides(&mut layer);
        let flags = [
            ("API_HOST", self.host.clone()),
            ("API_PORT", self.port.map(|p| p.to_string())),
            ("AUTH_READS", self.auth_reads.clone()),
            (
                "ADMIN_TOKEN_FILE",
                self.admin_token_file
                    .as_ref()
                    .map(|p| p.display().to_string()),
            ),
        ];
        for (name, value) in flags {
            if let Some(v) = value {
                layer.insert(name.to_owned(), v);
            }
        }
        Ok(Settings::load(layer)?)
    }
}

/// Runs the server until Ctrl-C.
pub fn run(args: &ServeArgs, settings: &Settings) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        // In the runtime: the OTLP exporters need it.
        let _telemetry = telemetry::init(&settings.telemetry("dealbrain-api"))?;
        settings.log_effective();
        serve(args, settings).await
    })
}

async fn serve(args: &ServeArgs, settings: &Settings) -> anyhow::Result<ExitCode> {
    let config = settings.api_config();
    let store = crate::migrate::connect(settings).await?;
    if !args.no_migrate {
        store.migrate_up().await.context("applying migrations")?;
    }
    let seeded = !args.no_seed && store.count_listings().await? == 0;
    if seeded {
        let r = store::seed::seed(&store, store::seed::DEFAULT_LISTINGS)
            .await
            .context("seeding")?;
        tracing::info!(
            listings = r.listings,
            cpus = r.cpus,
            "seeded an empty database"
        );
    }
    first_admin_token(&store, &settings.admin_token_file).await?;
    let jobs = crate::worker::start_for_serve(&store, settings).await?;
    if seeded {
        // The sample listings have no valuations yet. One recalculation job values them, in
        // the worker and once, however many API replicas start on the same empty database.
        if let Err(e) = jobs
            .recalc
            .request(api::RecalcScope::All, ValuationCause::Manual)
            .await
        {
            tracing::warn!(error = %e, "could not queue valuing the sample listings");
        }
    }
    let deps = Deps {
        store: store.clone(),
        hub: api::EventHub::start(jobs.bus.clone(), config.event_buffer),
        config,
        recalc: jobs.recalc.clone(),
    };
    let state = AppState::new(&deps);
    let hub = deps.hub.clone();
    let addr: SocketAddr = format!("{}:{}", settings.api_host, settings.api_port)
        .parse()
        .context("API_HOST:API_PORT is not an address")?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    let shown = if settings.api_host == "0.0.0.0" {
        "localhost"
    } else {
        settings.api_host.as_str()
    };
    println!(
        "Deal Brain API on http://{addr} — GraphiQL: http://{shown}:{}/graphql",
        addr.port()
    );
    tracing::info!(%addr, "listening");
    let ops = crate::ops_routes::Ops::new(&store, &jobs, settings);
    let samplers = worker::CancellationToken::new();
    crate::ops_routes::spawn_samplers(&store, Some(jobs.queue.clone()), &samplers);
    let (signalled, mut on_signal) = tokio::sync::watch::channel(false);
    let server = axum::serve(
        listener,
        crate::ops_routes::with_ops(api::router(state), ops)
            .into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        crate::worker::shutdown_signal().await;
        tracing::info!("shutting down: finishing open requests");
        // WebSockets never finish on their own: close them (1001) so shutdown can complete.
        hub.shut_down();
        signalled.send_replace(true);
    });
    // Open requests get `SHUTDOWN_GRACE_SECS` after the signal; a client that never finishes
    // its request must not keep the process past the orchestrator's kill deadline.
    let grace = settings.shutdown_grace;
    let deadline = async move {
        let _ = on_signal.wait_for(|s| *s).await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        served = server.into_future() => served.context("serving")?,
        () = deadline => {
            tracing::warn!(?grace, "requests still open after the shutdown grace; exiting");
        }
    }
    samplers.cancel();
    jobs.stop(settings.shutdown_grace).await;
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
