//! Test harness: the real router on a random port over a fresh, seeded database per test,
//! with one token per role.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use api::{ApiConfig, AppState, Deps};
use domain::model::{ApiRole, ValuationCause};
use serde_json::{Value, json};
use store::{StatementCounter, Store};
use test_support::TestDb;

pub mod ws;

pub struct TestApp {
    pub url: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub counter: StatementCounter,
    pub admin: String,
    pub editor: String,
    pub viewer: String,
    /// The event fan-out of the server (tests publish into it directly).
    pub hub: api::EventHub,
    _db: TestDb,
}

/// Runs `$body(db)` on SQLite and on PostgreSQL (a failure, not a skip, under CI).
#[macro_export]
macro_rules! both_backends {
    ($($name:ident => $body:ident;)+) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$body(test_support::TestDb::sqlite().await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = test_support::TestDb::postgres().await {
                    super::$body(db).await;
                }
            }
        }
    )+};
}

pub async fn spawn(db: TestDb, listings: usize) -> TestApp {
    spawn_with(db, listings, ApiConfig::default()).await
}

pub async fn spawn_with(db: TestDb, listings: usize, config: ApiConfig) -> TestApp {
    spawn_full(db, listings, config, None).await
}

/// [`spawn_with`] and, when given, the recalculation hook the API calls.
pub async fn spawn_full(
    db: TestDb,
    listings: usize,
    config: ApiConfig,
    recalc: Option<std::sync::Arc<dyn api::RecalcRequester>>,
) -> TestApp {
    let mut store = Store::connect(&db.url, 5).await.expect("connect");
    let counter = store.count_statements();
    store::seed::seed(&store, listings).await.expect("seed");
    let ids: Vec<i64> = store.active_listing_ids(0, 10_000).await.expect("ids");
    store::revalue::revalue(&store, &ids, ValuationCause::Manual, None)
        .await
        .expect("value");
    let mut tokens = Vec::new();
    for role in [ApiRole::Admin, ApiRole::Editor, ApiRole::Viewer] {
        let secret = api::auth::generate_secret();
        store
            .create_api_token(role.as_str(), &secret, role, None, None)
            .await
            .expect("token");
        tokens.push(secret);
    }
    let mut deps = Deps {
        config,
        ..Deps::new(store.clone())
    };
    if let Some(r) = recalc {
        deps.recalc = r;
    }
    let state = AppState::new(&deps);
    let hub = deps.hub.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(
            listener,
            api::router(state).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("serve");
    });
    TestApp {
        url: format!("http://{addr}"),
        client: reqwest::Client::new(),
        store,
        counter,
        admin: tokens[0].clone(),
        editor: tokens[1].clone(),
        viewer: tokens[2].clone(),
        hub,
        _db: db,
    }
}

impl TestApp {
    /// POSTs a document; returns (status, body).
    pub async fn post(&self, query: &str, vars: Value, token: Option<&str>) -> (u16, Value) {
        let mut req = self
            .client
            .post(format!("{}/graphql", self.url))
            .header("content-type", "application/json")
            .header("accept", "application/graphql-response+json")
            .json(&json!({"query": query, "variables": vars}));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("send");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// `data` of a successful operation (panics on errors).
    pub async fn ok(&self, query: &str, vars: Value, token: Option<&str>) -> Value {
        let (status, body) = self.post(query, vars, token).await;
        assert!(body.get("errors").is_none(), "errors ({status}): {body}");
        body["data"].clone()
    }

    /// The first error's `extensions`.
    pub async fn err(&self, query: &str, vars: Value, token: Option<&str>) -> Value {
        let (_, body) = self.post(query, vars, token).await;
        body["errors"][0]["extensions"].clone()
    }
}

/// The first listing's global id.
pub async fn first_listing(app: &TestApp) -> String {
    let d = app
        .ok(
            "{ listings(first: 1) { edges { node { id } } } }",
            json!({}),
            None,
        )
        .await;
    d["listings"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub async fn first_cpu(app: &TestApp) -> String {
    let d = app
        .ok(
            "{ cpus(first: 1) { edges { node { id } } } }",
            json!({}),
            None,
        )
        .await;
    d["cpus"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}
