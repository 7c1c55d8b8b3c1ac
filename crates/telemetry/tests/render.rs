//! The exposition text after real traffic through the middleware and the extension: names
//! exactly as `infra/metrics.txt` lists them, labels as the contract says.

use std::time::Duration;

use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use tower::ServiceExt as _;

struct Query;

#[Object]
impl Query {
    async fn hello(&self) -> &str {
        "hi"
    }
}

fn sample_names(text: &str) -> std::collections::BTreeSet<String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.split(['{', ' ']).next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn rendered_metrics_match_the_contract() {
    let _guard = telemetry::init(&telemetry::TelemetryConfig {
        service_name: "test".into(),
        log_level: "warn".into(),
        log_format: telemetry::LogFormat::Json,
        otlp_endpoint: None,
        prometheus: true,
    })
    .unwrap();
    assert!(matches!(
        telemetry::init(&telemetry::TelemetryConfig {
            service_name: "again".into(),
            log_level: "info".into(),
            log_format: telemetry::LogFormat::Text,
            otlp_endpoint: None,
            prometheus: true,
        }),
        Err(telemetry::TelemetryError::AlreadyInitialised)
    ));

    let app = Router::new()
        .route("/items/{id}", get(|| async { "ok" }))
        .layer(axum::middleware::from_fn(telemetry::http::track));
    for uri in ["/items/1", "/items/2", "/nowhere"] {
        let r = app
            .clone()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert!(r.status().is_success() || r.status() == 404);
        // The server's own time, in milliseconds, for clients and the resilience suite.
        let timing = r.headers()["server-timing"].to_str().unwrap();
        let ms: f64 = timing.strip_prefix("app;dur=").unwrap().parse().unwrap();
        assert!(ms >= 0.0, "{timing}");
    }

    let schema = Schema::build(Query, EmptyMutation, EmptySubscription)
        .extension(telemetry::GraphqlMetrics)
        .finish();
    assert!(schema.execute("query Hi { hello }").await.errors.is_empty());
    assert!(!schema.execute("{ nope }").await.errors.is_empty());
    assert!(!schema.execute("{ syntax error").await.errors.is_empty());

    let m = telemetry::metrics();
    m.valuations(3, 1, Duration::from_millis(4));
    m.recalc_job_finished("completed");
    m.recalc_queue_depth(7);
    m.events_published(5);
    m.events_delivered(4);
    let live = m.subscription_guard();
    m.db_pool(2, 8);

    let text = telemetry::render_prometheus().unwrap();
    let names = sample_names(&text);
    let wanted = include_str!("../../../infra/metrics.txt");
    for name in wanted.lines().map(str::trim).filter(|l| !l.is_empty()) {
        assert!(names.contains(name), "{name} missing from:\n{text}");
    }
    // No suffix added by the exporter, no scope labels.
    assert!(!text.contains("_total_total"), "{text}");
    assert!(!text.contains("seconds_seconds"), "{text}");
    assert!(!text.contains("otel_scope"), "{text}");

    let has = |line: &str| text.lines().any(|l| l == line);
    assert!(
        has(r#"http_requests_total{method="GET",route="/items/{id}",status="200"} 2"#),
        "{text}"
    );
    assert!(
        has(r#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#),
        "{text}"
    );
    assert!(has("http_requests_in_progress 0"), "{text}");
    assert!(
        has(r#"graphql_operations_total{status="ok",type="query"} 1"#),
        "{text}"
    );
    assert!(
        has(r#"graphql_operations_total{status="error",type="query"} 1"#),
        "{text}"
    );
    assert!(
        has(r#"graphql_operations_total{status="error",type="unknown"} 1"#),
        "{text}"
    );
    assert!(
        has(r#"graphql_operations_total{status="ok",type="mutation"} 0"#),
        "{text}"
    );
    assert!(has(r#"listing_valuations_total{status="ok"} 3"#), "{text}");
    assert!(
        has(r#"listing_valuations_total{status="error"} 1"#),
        "{text}"
    );
    assert!(has("valuation_duration_seconds_count 4"), "{text}");
    assert!(has(r#"recalc_jobs_total{status="completed"} 1"#), "{text}");
    assert!(has(r#"recalc_jobs_total{status="failed"} 0"#), "{text}");
    assert!(has("recalc_queue_depth 7"), "{text}");
    assert!(has("events_published_total 5"), "{text}");
    assert!(has("events_delivered_total 4"), "{text}");
    assert!(has("subscriptions_active 1"), "{text}");
    assert!(has(r#"db_pool_connections{state="active"} 2"#), "{text}");
    assert!(has(r#"db_pool_connections{state="idle"} 8"#), "{text}");
    assert!(
        text.contains("# TYPE http_request_duration_seconds histogram"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE http_requests_total counter"),
        "{text}"
    );

    drop(live);
    let text = telemetry::render_prometheus().unwrap();
    assert!(
        text.lines().any(|l| l == "subscriptions_active 0"),
        "{text}"
    );
}

#[test]
fn log_level_and_format_are_validated() {
    assert!(telemetry::parse_filter("info").is_ok());
    assert!(telemetry::parse_filter("info,api=debug").is_ok());
    assert!(telemetry::parse_filter("info,sqlx=debug").is_ok());
    assert!(telemetry::parse_filter("loud=[").is_err());
    assert_eq!("JSON".parse(), Ok(telemetry::LogFormat::Json));
    assert!("yaml".parse::<telemetry::LogFormat>().is_err());
}

#[test]
fn recording_before_init_is_a_no_op() {
    // This test runs in its own process under nextest; under `cargo test` it may follow
    // `init`, which is fine: recording must simply never fail or panic.
    let m = telemetry::metrics();
    m.events_delivered(1);
    m.subscription_started();
    m.subscription_ended();
    m.valuations(0, 0, Duration::ZERO);
}
