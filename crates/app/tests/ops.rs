//! The real binary against real dependencies: `/metrics` carries every name the dashboards
//! and alert rules use (`infra/metrics.txt`), `/ready` reports each dependency, the worker
//! has its own `/metrics`, and secrets never reach the logs.

mod common;

use common::{Proc, contract_names, get, graphql, poll, sample, sample_names};
use test_support::TestDb;

const RECALC_ALL: &str = "mutation { enqueueRecalculation(scope: ALL) }";
const COMPLETED: &str = r#"recalc_jobs_total{status="completed"}"#;

fn completed(text: &str) -> bool {
    sample(text, COMPLETED).is_some_and(|v| v >= 1.0)
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[tokio::test]
async fn embedded_default_has_every_metric_and_is_ready_without_redis() {
    let db = TestDb::sqlite().await;
    let secret = "known-secret-4f1c9d2b7a";
    let api = Proc::serve(&[
        ("DATABASE_URL", db.url.as_str()),
        ("SECRET_KEY", secret),
        ("LOG_FORMAT", "json"),
        ("LOG_LEVEL", "info"),
        ("PROMETHEUS_ENABLED", "true"),
    ]);
    let base = api.base.clone();
    assert_eq!(get(&format!("{base}/health")).await.0, 200);
    let r = graphql(&base, None, "{ __typename }").await;
    assert_eq!(r["data"]["__typename"], "QueryRoot", "{r}");
    let r = graphql(&base, Some(&api.admin_token()), RECALC_ALL).await;
    assert!(r["data"]["enqueueRecalculation"].is_string(), "{r}");

    // The in-process worker runs the job; its metrics are on the api's /metrics too.
    let text = poll(&format!("{base}/metrics"), 90, completed).await;
    assert!(completed(&text), "the job never completed:\n{text}");
    let names = sample_names(&text);
    for name in contract_names() {
        assert!(
            names.contains(name),
            "{name} missing from /metrics:\n{text}"
        );
    }
    for series in [
        r#"listing_valuations_total{status="ok"}"#,
        "valuation_duration_seconds_count",
        "events_published_total",
        r#"graphql_operations_total{status="ok",type="mutation"}"#,
        r#"http_requests_total{method="POST",route="/graphql",status="200"}"#,
        r#"db_pool_connections{state="idle"}"#,
    ] {
        assert!(
            sample(&text, series).is_some_and(|v| v > 0.0),
            "{series}:\n{text}"
        );
    }

    let (status, body) = get(&format!("{base}/ready")).await;
    let ready = json(&body);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        ready["checks"]["redis"]["status"], "not_configured",
        "{body}"
    );
    assert_eq!(ready["checks"]["database"]["status"], "ok", "{body}");
    assert_eq!(ready["checks"]["migrations"]["status"], "ok", "{body}");
    assert!(
        ready["checks"]["database"]["latency_ms"].is_number(),
        "{body}"
    );

    let out = api.output();
    assert!(
        !out.contains(secret),
        "SECRET_KEY leaked into the output:\n{out}"
    );
    let startup = out
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|l| l["message"] == "effective settings")
        .unwrap_or_else(|| panic!("no JSON `effective settings` line:\n{out}"));
    let shown = startup["settings"].as_str().unwrap();
    assert!(shown.contains("secret_key: ***"), "{shown}");
    assert!(shown.contains("api_port: 0"), "{shown}");
}

#[tokio::test]
async fn postgres_and_redis_ready_worker_metrics_and_503_without_the_database() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let (redis, prefix) = test_support::redis_namespace();
    if !common::redis_reachable(&redis) {
        return;
    }
    // Trust authentication ignores the password: it is here to be redacted.
    let password = "pg-pass-8e3a1f";
    let url = db.url.replacen(
        "postgres://postgres@",
        &format!("postgres://postgres:{password}@"),
        1,
    );
    assert_ne!(url, db.url, "unexpected test database URL {}", db.url);
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("REDIS_URL", redis.as_str()),
        ("REDIS_PREFIX", prefix.as_str()),
        ("LOG_FORMAT", "json"),
    ];
    let api = Proc::serve(&env);
    let worker = Proc::worker(&env);

    let (status, body) = get(&format!("{}/ready", api.base)).await;
    let ready = json(&body);
    assert_eq!(status, 200, "{body}");
    for check in ["database", "migrations", "redis"] {
        assert_eq!(ready["checks"][check]["status"], "ok", "{check}: {body}");
    }
    assert_eq!(get(&format!("{}/health", worker.base)).await.0, 200);

    let r = graphql(&api.base, Some(&api.admin_token()), RECALC_ALL).await;
    assert!(r["data"]["enqueueRecalculation"].is_string(), "{r}");
    let worker_text = poll(&format!("{}/metrics", worker.base), 90, completed).await;
    assert!(
        completed(&worker_text),
        "the worker never completed the job:\n{worker_text}"
    );
    for series in [
        r#"listing_valuations_total{status="ok"}"#,
        "valuation_duration_seconds_count",
        "events_published_total",
    ] {
        assert!(
            sample(&worker_text, series).is_some_and(|v| v > 0.0),
            "{series}:\n{worker_text}"
        );
    }
    let (_, api_text) = get(&format!("{}/metrics", api.base)).await;
    let mut names = sample_names(&api_text);
    names.extend(sample_names(&worker_text));
    for name in contract_names() {
        assert!(
            names.contains(name),
            "{name} on neither /metrics:\napi:\n{api_text}\nworker:\n{worker_text}"
        );
    }
    for p in [&api, &worker] {
        let out = p.output();
        assert!(
            !out.contains(password),
            "the database password leaked:\n{out}"
        );
        assert!(
            out.contains("postgres:***@"),
            "no redacted URL logged:\n{out}"
        );
    }

    // The database goes away: not ready (503), the failing check says why.
    let name = db
        .url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let admin = std::env::var("DEALBRAIN_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    use sea_orm::ConnectionTrait as _;
    let conn = sea_orm::Database::connect(admin.as_str()).await.unwrap();
    conn.execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
    let (status, body) = get(&format!("{}/ready", api.base)).await;
    assert_eq!(status, 503, "{body}");
    let ready = json(&body);
    assert_eq!(ready["status"], "not_ready", "{body}");
    assert_eq!(ready["checks"]["database"]["status"], "error", "{body}");
    assert_eq!(ready["checks"]["redis"]["status"], "ok", "{body}");
}

#[tokio::test]
async fn invalid_settings_stop_the_start_naming_the_variable() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dealbrain"))
        .arg("serve")
        .env_clear()
        .env("DEALBRAIN_ENV_FILE", "/nonexistent/.env")
        .env("ENVIRONMENT", "production")
        .env("SECRET_KEY", "changeme")
        .env("API_PORT", "http")
        .env("DATABASE_URL", "mysql://root:dbpw-77@h/x")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for name in ["SECRET_KEY", "API_PORT", "DATABASE_URL"] {
        assert!(err.contains(name), "{name} not named:\n{err}");
    }
    assert!(!err.contains("dbpw-77"), "{err}");
}
