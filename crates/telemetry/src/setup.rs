//! [`init`]: the tracing subscriber (filter, text/JSON lines, OTLP traces), the meter provider
//! (Prometheus registry, OTLP metrics) and the process-wide [`Metrics`].

use std::sync::OnceLock;
use std::time::Duration;

use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::SdkTracerProvider;
use prometheus::{Encoder as _, Registry, TextEncoder};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer, Registry as Subscribers};

use crate::metrics::{Metrics, install};

/// How log lines are written (to stderr, so stdout stays for command output).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("must be `text` or `json`, not `{other}`")),
        }
    }
}

/// What [`init`] sets up.
#[derive(Debug, Clone)]
pub struct TelemetryConfig {
    /// `service.name` of traces and metrics (`dealbrain-api`, `dealbrain-worker`).
    pub service_name: String,
    /// A level or `EnvFilter` directives (`LOG_LEVEL`).
    pub log_level: String,
    pub log_format: LogFormat,
    /// OTLP/gRPC endpoint for traces and metrics; `None` = no export.
    pub otlp_endpoint: Option<String>,
    /// Keep a Prometheus registry for [`render_prometheus`].
    pub prometheus: bool,
}

/// Failures of [`init`].
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("LOG_LEVEL is not a valid filter: {0}")]
    Filter(String),
    #[error("setting up the OTLP exporter: {0}")]
    Otlp(String),
    #[error("setting up the Prometheus exporter: {0}")]
    Prometheus(String),
    #[error("telemetry is already initialised in this process")]
    AlreadyInitialised,
}

/// Libraries that are chatty at `info`/`debug`; quieted unless LOG_LEVEL names them. The
/// OTLP stack is among them so exporting spans does not log spans about exporting.
const QUIET: &[&str] = &[
    "sqlx",
    "sea_orm",
    "h2",
    "tonic",
    "hyper",
    "tower",
    "opentelemetry",
    "opentelemetry_sdk",
];

/// Parses `LOG_LEVEL` (a level or `EnvFilter` directives), adding `=warn` for the chatty
/// libraries it does not mention. Settings validation uses this too, so a bad value fails
/// at startup with the variable's name.
pub fn parse_filter(log_level: &str) -> Result<EnvFilter, TelemetryError> {
    let level = log_level.trim();
    let mut directives = if level.is_empty() {
        "info".to_owned()
    } else {
        level.to_owned()
    };
    for lib in QUIET {
        if !level.contains(lib) {
            directives.push_str(&format!(",{lib}=warn"));
        }
    }
    EnvFilter::try_new(&directives).map_err(|e| TelemetryError::Filter(format!("{level:?}: {e}")))
}

struct Installed {
    registry: Option<Registry>,
    meters: SdkMeterProvider,
    tracer: Option<SdkTracerProvider>,
}

static STATE: OnceLock<Installed> = OnceLock::new();

/// Flushes and stops the exporters when dropped (keep it for the life of `main`).
#[derive(Debug)]
#[must_use = "dropping the guard shuts telemetry down"]
pub struct Telemetry {
    _private: (),
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(s) = STATE.get() {
            if let Some(t) = &s.tracer {
                let _ = t.shutdown();
            }
            let _ = s.meters.shutdown();
        }
    }
}

/// Installs the global tracing subscriber, the meter provider and the process-wide
/// [`Metrics`]. Once per process; needs a Tokio runtime when an OTLP endpoint is set.
pub fn init(config: &TelemetryConfig) -> Result<Telemetry, TelemetryError> {
    let filter = parse_filter(&config.log_level)?;
    if STATE.get().is_some() {
        return Err(TelemetryError::AlreadyInitialised);
    }
    let resource = Resource::builder()
        .with_service_name(config.service_name.clone())
        .build();

    let mut meters = SdkMeterProvider::builder().with_resource(resource.clone());
    let registry = if config.prometheus {
        let registry = Registry::new();
        let exporter = opentelemetry_prometheus::exporter()
            .with_registry(registry.clone())
            // Names are given in full (`http_requests_total`, `…_seconds`): see `metrics`.
            .without_units()
            .without_counter_suffixes()
            .without_target_info()
            .scope_info_enabled(false)
            .build()
            .map_err(|e| TelemetryError::Prometheus(e.to_string()))?;
        meters = meters.with_reader(exporter);
        Some(registry)
    } else {
        None
    };
    let mut tracer = None;
    if let Some(endpoint) = config.otlp_endpoint.as_deref() {
        use opentelemetry_otlp::WithExportConfig as _;
        let metric_exporter = opentelemetry_otlp::MetricExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint)
            .build()
            .map_err(|e| TelemetryError::Otlp(e.to_string()))?;
        meters = meters.with_reader(
            PeriodicReader::builder(metric_exporter)
                .with_interval(Duration::from_secs(15))
                .build(),
        );
        let span_exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint)
            .build()
            .map_err(|e| TelemetryError::Otlp(e.to_string()))?;
        tracer = Some(
            SdkTracerProvider::builder()
                .with_resource(resource)
                .with_batch_exporter(span_exporter)
                .build(),
        );
    }
    let meters = meters.build();

    let fmt: Box<dyn Layer<Subscribers> + Send + Sync> = match config.log_format {
        LogFormat::Text => Box::new(tracing_subscriber::fmt::layer().with_writer(std::io::stderr)),
        LogFormat::Json => Box::new(
            tracing_subscriber::fmt::layer()
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .with_writer(std::io::stderr),
        ),
    };
    let otel = tracer
        .as_ref()
        .map(|t| tracing_opentelemetry::layer().with_tracer(t.tracer("dealbrain")));
    tracing_subscriber::registry()
        .with(fmt)
        .with(otel)
        .with(filter)
        .try_init()
        .map_err(|_| TelemetryError::AlreadyInitialised)?;

    install(Metrics::new(&meters.meter("dealbrain")));
    let _ = STATE.set(Installed {
        registry,
        meters,
        tracer,
    });
    Ok(Telemetry { _private: () })
}

/// The Prometheus exposition text of every metric, or `None` when Prometheus is disabled or
/// telemetry is not initialised (the `/metrics` routes are only mounted when it is on).
pub fn render_prometheus() -> Option<String> {
    let registry = STATE.get()?.registry.as_ref()?;
    let mut buf = Vec::new();
    if let Err(e) = TextEncoder::new().encode(&registry.gather(), &mut buf) {
        tracing::error!(error = %e, "encoding the Prometheus text failed");
        return None;
    }
    String::from_utf8(buf).ok()
}
