//! The fixture every worker test runs on: a fresh migrated database (SQLite or PostgreSQL)
//! seeded with sample data, and the in-process bus or the Redis bus under a unique key prefix.
//! PostgreSQL or Redis being unreachable skips the test with a notice, unless
//! `DEALBRAIN_REQUIRE_SERVICES=1`, which makes it fail.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bus::{BusEvent, BusMessage, BusOptions, EventBus, EventStream, JobQueue};
use domain::model::{ChangeMeta, JobStatus, RecalculationJob, RuleData};
use rust_decimal::Decimal;
use store::Store;
use store::revalue::Valuer;
use test_support::TestDb;
use worker::{CancellationToken, Handled, JobRequester, Worker, WorkerConfig};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bus {
    Memory,
    Redis,
}

pub struct Fixture {
    pub store: Store,
    pub db: TestDb,
    pub queue: Arc<dyn JobQueue>,
    pub bus: Arc<dyn EventBus>,
    pub redis: Option<(String, String)>,
    pub config: WorkerConfig,
    pub worker: Arc<Worker>,
    pub requester: JobRequester,
}

/// Millisecond-scale queue settings.
pub fn bus_options() -> BusOptions {
    BusOptions {
        visibility_timeout: Duration::from_millis(500),
        max_attempts: 3,
        retry_base: Duration::from_millis(50),
        retry_max: Duration::from_millis(400),
        poll_interval: Duration::from_millis(50),
        event_buffer: 10_000,
        connect_timeout: Duration::from_millis(500),
        response_timeout: Duration::from_secs(2),
        connect_retries: 0,
        reconnect_min: Duration::from_millis(20),
        reconnect_max: Duration::from_millis(200),
        subscriber_ping_interval: Duration::from_secs(1),
    }
}

/// Small batches so a few hundred listings make several; a short lease for takeovers.
pub fn worker_config() -> WorkerConfig {
    WorkerConfig {
        batch_size: 40,
        lease: Duration::from_millis(800),
        claim_wait: Duration::from_millis(200),
        backoff_min: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
        ..WorkerConfig::default()
    }
}

async fn redis_reachable(url: &str) -> Result<(), String> {
    let client = redis::Client::open(url).map_err(|e| e.to_string())?;
    let ping = async {
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<String>(&mut conn).await
    };
    match tokio::time::timeout(Duration::from_secs(2), ping).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("timed out".to_owned()),
    }
}

/// A seeded database with `listings` listings and a queue/bus, or `None` when a service is
/// unreachable and not required.
pub async fn fixture(db: Db, kind: Bus, listings: usize) -> Option<Fixture> {
    let db = match db {
        Db::Sqlite => TestDb::sqlite().await,
        Db::Postgres => TestDb::postgres().await?,
    };
    let redis = match kind {
        Bus::Memory => None,
        Bus::Redis => {
            let (url, prefix) = test_support::redis_namespace();
            if let Err(e) = redis_reachable(&url).await {
                let msg = format!("Redis at {url} is unreachable: {e}");
                assert!(
                    !test_support::services_required(),
                    "{msg} (DEALBRAIN_REQUIRE_SERVICES=1: a test that needs Redis fails)"
                );
                eprintln!("SKIPPED: {msg}");
                return None;
            }
            Some((url, prefix))
        }
    };
    let store = Store::connect(&db.url, 5).await.expect("connect");
    store::seed::seed(&store, listings).await.expect("seed");
    let (queue, bus) = connect_bus(&redis).await;
    let config = worker_config();
    let worker = Arc::new(Worker::new(
        store.clone(),
        queue.clone(),
        bus.clone(),
        config.clone(),
    ));
    let requester = JobRequester::new(store.clone(), queue.clone(), config.clone());
    Some(Fixture {
        store,
        db,
        queue,
        bus,
        redis,
        config,
        worker,
        requester,
    })
}

/// A new queue/bus: the same Redis prefix (a restarted process), or a fresh in-process pair.
pub async fn connect_bus(
    redis: &Option<(String, String)>,
) -> (Arc<dyn JobQueue>, Arc<dyn EventBus>) {
    match redis {
        Some((url, prefix)) => bus::connect(Some(url), prefix, bus_options()).await,
        None => bus::connect(None, "", bus_options()).await,
    }
    .expect("bus")
}

impl Fixture {
    /// Runs deliveries until the job is finished and the queue is empty; returns what each
    /// delivery did.
    pub async fn drain(&self, worker: &Worker) -> Vec<Handled> {
        drain(worker, &self.queue).await
    }

    pub async fn job(&self, id: &str) -> RecalculationJob {
        self.store.job(id).await.expect("job").expect("job row")
    }

    /// Jobs that do work (not `coalesced` request rows).
    pub async fn working_jobs(&self) -> Vec<RecalculationJob> {
        let all = self.store.jobs(None).await.expect("jobs");
        all.into_iter()
            .filter(|j| j.status != JobStatus::Coalesced)
            .collect()
    }

    /// Adds an always-on fixed −$10 rule to the first group: every listing's value moves.
    pub async fn add_flat_rule(&self) {
        let rs = self.store.rulesets(false).await.expect("rulesets");
        let groups = self.store.rule_groups(rs[0].id).await.expect("groups");
        let d = RuleData {
            group_id: groups[0].id,
            name: "flat test deduction".into(),
            description: None,
            evaluation_order: 99,
            is_active: true,
            conditions: None,
            actions: serde_json::json!([{"type": "fixed_value", "value": -10}]),
            metadata: serde_json::json!({}),
            created_by: None,
        };
        self.store
            .create_rule(&d, &ChangeMeta::default())
            .await
            .expect("rule");
    }

    /// Every active/pending listing's stored adjusted price, by id.
    pub async fn adjusted(&self) -> HashMap<i64, Option<Decimal>> {
        let ids = self
            .store
            .active_listing_ids(0, 100_000)
            .await
            .expect("ids");
        let by_id = self.store.listings_by_ids(&ids).await.expect("listings");
        by_id
            .into_iter()
            .map(|(id, l)| (id, l.valuation.adjusted_price_usd))
            .collect()
    }

    /// Asserts every active/pending listing holds what the engine computes from the current
    /// rules (evaluated here, independently of the worker).
    pub async fn assert_all_correct(&self) {
        let ids = self
            .store
            .active_listing_ids(0, 100_000)
            .await
            .expect("ids");
        let by_id = self.store.listings_by_ids(&ids).await.expect("listings");
        let listings: Vec<_> = ids.iter().filter_map(|i| by_id.get(i).cloned()).collect();
        let valuer = Valuer::load(&self.store).await.expect("valuer");
        let prepared = Valuer::contexts(&self.store, &listings)
            .await
            .expect("contexts");
        let now = chrono::Utc::now();
        for l in &listings {
            let (v, _) = valuer.value_with(&valuer.plan, l, &prepared[&l.id], now);
            let want = v.adjusted_price_usd.map(|d| d.round_dp(2));
            assert_eq!(
                l.valuation.adjusted_price_usd.map(|d| d.round_dp(2)),
                want,
                "listing {} holds a stale valuation",
                l.id
            );
        }
    }

    /// Deletes the test's Redis keys.
    pub async fn cleanup(self) {
        let Some((url, prefix)) = &self.redis else {
            return;
        };
        let client = redis::Client::open(url.as_str()).expect("client");
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("conn");
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{prefix}*"))
            .query_async(&mut conn)
            .await
            .expect("keys");
        if !keys.is_empty() {
            let _: () = redis::cmd("DEL")
                .arg(&keys)
                .query_async(&mut conn)
                .await
                .expect("del");
        }
    }
}

/// Runs deliveries of `queue` until it holds nothing more; returns what each one did.
pub async fn drain(worker: &Worker, queue: &Arc<dyn JobQueue>) -> Vec<Handled> {
    let stop = CancellationToken::new();
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "jobs did not finish: {out:?}"
        );
        match worker
            .run_once("test-consumer", Duration::from_millis(300), &stop)
            .await
        {
            Ok(Some(h)) => out.push(h),
            Ok(None) => {
                if queue.depth().await.expect("depth").pending() == 0 {
                    return out;
                }
            }
            Err(e) => panic!("worker error: {e}"),
        }
    }
}

/// Everything already on the stream (waits `quiet` for more after the last one).
pub async fn collect(stream: &mut EventStream, quiet: Duration) -> Vec<BusEvent> {
    let mut out = Vec::new();
    while let Ok(Some(m)) = tokio::time::timeout(quiet, stream.recv()).await {
        match m {
            BusMessage::Event(e) => out.push((*e).clone()),
            BusMessage::Resync(r) => panic!("unexpected resync: {r:?}"),
        }
    }
    out
}

/// Instantiates `async fn name(Db, Bus)` for SQLite and PostgreSQL × in-process and Redis.
#[macro_export]
macro_rules! matrix {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            use $crate::common::{Bus, Db};

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite_memory() {
                super::$name(Db::Sqlite, Bus::Memory).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite_redis() {
                super::$name(Db::Sqlite, Bus::Redis).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres_memory() {
                super::$name(Db::Postgres, Bus::Memory).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres_redis() {
                super::$name(Db::Postgres, Bus::Redis).await;
            }
        }
    )+};
}
