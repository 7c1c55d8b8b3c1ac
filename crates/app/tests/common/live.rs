//! Shared by the live end-to-end tests and `benches/live.rs`: WebSocket subscribers of real
//! `dealbrain` processes, rule changes over HTTP, valuing a seeded database, and the
//! PostgreSQL + Redis setup of the scale-out scenarios.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use store::Store;
use store::revalue::Valuer;
use test_support::TestDb;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Every valuation change, with what the tests and the benchmark check.
pub const VALUATIONS: &str = "subscription($f: ValuationEventFilter) { listingValuationUpdated(filter: $f) { \
    __typename ... on ListingValuationUpdate { listingId adjustedPrice jobId at } } }";

/// Opens `graphql-transport-ws` on `base` (from `local_ip` when given, so a load client can
/// spread over several loopback addresses) and completes the handshake with `token`.
pub async fn connect(base: &str, token: &str, local_ip: Option<std::net::IpAddr>) -> Socket {
    let addr: std::net::SocketAddr = base.trim_start_matches("http://").parse().unwrap();
    let url = format!("ws://{addr}/graphql/ws");
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let tcp = match local_ip {
        Some(ip) => {
            let sock = tokio::net::TcpSocket::new_v4().unwrap();
            sock.bind(std::net::SocketAddr::new(ip, 0)).unwrap();
            sock.connect(addr).await.unwrap()
        }
        None => TcpStream::connect(addr).await.unwrap(),
    };
    let (mut ws, _) = tokio_tungstenite::client_async(req, MaybeTlsStream::Plain(tcp))
        .await
        .unwrap();
    let init = json!({"type": "connection_init", "payload": {"token": token}});
    ws.send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    let ack = next_json(&mut ws, Duration::from_secs(30)).await.unwrap();
    assert_eq!(ack["type"], "connection_ack");
    ws
}

/// Sends `subscribe` for `query` with `variables` under `id`.
pub async fn subscribe(ws: &mut Socket, id: &str, query: &str, variables: Value) {
    let sub = json!({"type": "subscribe", "id": id,
        "payload": {"query": query, "variables": variables}});
    ws.send(Message::Text(sub.to_string().into()))
        .await
        .unwrap();
}

/// A connection subscribed to every valuation change.
pub async fn subscribe_all(base: &str, token: &str) -> Socket {
    let mut ws = connect(base, token, None).await;
    subscribe(&mut ws, "v", VALUATIONS, json!({})).await;
    ws
}

/// The next protocol message other than a keepalive ping; `None` after `wait` of silence.
pub async fn next_json(ws: &mut Socket, wait: Duration) -> Option<Value> {
    loop {
        let m = tokio::time::timeout(wait, ws.next()).await.ok()??.ok()?;
        if let Message::Text(t) = m {
            let v: Value = serde_json::from_str(&t).ok()?;
            if v["type"] != "ping" {
                return Some(v);
            }
        }
    }
}

pub fn decode_listing_id(global: &str) -> i64 {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(global)
        .unwrap();
    let text = String::from_utf8(raw).unwrap();
    text.strip_prefix("Listing:").unwrap().parse().unwrap()
}

/// Adds a rule without conditions to the first group: every listing's price moves by `delta`.
pub async fn add_flat_rule(base: &str, token: &str, name: &str, delta: i32) {
    let groups = super::graphql(
        base,
        Some(token),
        "{ rulesets(first: 1) { edges { node { groups { id } } } } }",
    )
    .await;
    let group = groups["data"]["rulesets"]["edges"][0]["node"]["groups"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no rule group: {groups}"))
        .to_owned();
    let r = create_flat_rule(base, token, &group, name, delta).await;
    assert!(r.get("errors").is_none(), "createRule failed: {r}");
}

/// Posts `createRule` for a rule without conditions in `group` moving every price by
/// `delta`; the response body (callers differ in whether an error is expected).
pub async fn create_flat_rule(
    base: &str,
    token: &str,
    group: &str,
    name: &str,
    delta: i32,
) -> Value {
    super::client()
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({
            "query": "mutation($input: RuleInput!) { createRule(input: $input) { id } }",
            "variables": {"input": {
                "groupId": group,
                "name": name,
                "actions": [{"type": "additive", "value": delta}],
            }},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The listings whose stored adjusted price differs between `before` and `after`.
pub fn changed_ids(
    before: &HashMap<i64, Option<Decimal>>,
    after: &HashMap<i64, Option<Decimal>>,
) -> HashSet<i64> {
    after
        .iter()
        .filter(|(id, v)| before.get(id) != Some(v))
        .map(|(id, _)| *id)
        .collect()
}

/// What a change did once its recalculation succeeded.
pub struct Settled {
    /// The job, as stored when it succeeded.
    pub job: domain::model::RecalculationJob,
    /// Listing id → adjusted price, from the events the subscriber received.
    pub got: HashMap<i64, String>,
    /// Every listing's stored adjusted price afterwards.
    pub after: HashMap<i64, Option<Decimal>>,
    /// The listings whose stored price differs from `before`.
    pub changed: HashSet<i64>,
}

impl Settled {
    /// Fails unless the subscriber received an event for exactly the listings that changed,
    /// naming the missing and unexpected ones and what the job counted (a listing missing
    /// from the job's count was never announced; one counted but missing was lost on the way).
    pub fn assert_every_change_received(&self) {
        let got: HashSet<i64> = self.got.keys().copied().collect();
        let mut missing: Vec<i64> = self.changed.difference(&got).copied().collect();
        let mut extra: Vec<i64> = got.difference(&self.changed).copied().collect();
        missing.sort_unstable();
        extra.sort_unstable();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "the subscriber received {} events for {} changed listings (the job counted {} \
             changed); missing {:?}; unexpected {:?}",
            got.len(),
            self.changed.len(),
            self.job.changed,
            &missing[..missing.len().min(20)],
            &extra[..extra.len().min(20)],
        );
    }
}

/// Waits up to `within` for the job a change started to succeed, then reads `ws`'s events
/// until `quiet` passes without one, and compares the stored prices with `before`.
pub async fn settle(
    store: &Store,
    ws: &mut Socket,
    before: &HashMap<i64, Option<Decimal>>,
    within: Duration,
    quiet: Duration,
) -> Settled {
    let job = super::jobs::wait_job(store, None, within, |j| {
        j.status == domain::model::JobStatus::Succeeded
    })
    .await;
    let after = adjusted(store).await;
    let changed = changed_ids(before, &after);
    let got = collect_until(ws, &changed, within, quiet).await;
    Settled {
        job,
        got,
        after,
        changed,
    }
}

/// Every active/pending listing's stored adjusted price.
pub async fn adjusted(store: &Store) -> HashMap<i64, Option<Decimal>> {
    let ids = store.active_listing_ids(0, 1_000_000).await.unwrap();
    let mut out = HashMap::new();
    for chunk in ids.chunks(2_000) {
        for (id, l) in store.listings_by_ids(chunk).await.unwrap() {
            out.insert(id, l.valuation.adjusted_price_usd);
        }
    }
    out
}

/// Values every active/pending listing (what `serve` would otherwise do at start).
pub async fn value_everything(store: &Store) {
    let valuer = Valuer::load(store).await.unwrap();
    let ids = store.active_listing_ids(0, 1_000_000).await.unwrap();
    for chunk in ids.chunks(1_000) {
        store::revalue::revalue_with(
            store,
            &valuer,
            chunk,
            domain::model::ValuationCause::Manual,
            None,
        )
        .await
        .unwrap();
    }
}

/// A PostgreSQL database with `listings` seeded and valued listings, its store, and a Redis
/// URL with a key prefix of its own; `None` (the test is skipped) when either is missing.
pub async fn seeded_cluster(listings: usize) -> Option<(TestDb, Store, String, String)> {
    let db = TestDb::postgres().await?;
    let (redis_url, prefix) = test_support::redis_namespace();
    if !super::redis_reachable(&redis_url) {
        return None;
    }
    let store = Store::connect(&db.url, 4).await.unwrap();
    store::seed::seed(&store, listings).await.unwrap();
    value_everything(&store).await;
    Some((db, store, redis_url, prefix))
}

/// Lease and queue visibility of seconds, not the production minute: a killed worker's job
/// is taken over while the test waits.
pub const FAST_TAKEOVER: [(&str, &str); 2] = [
    ("WORKER_LEASE_SECS", "3"),
    ("QUEUE_VISIBILITY_TIMEOUT_SECS", "3"),
];

/// The environment of API and worker processes sharing the database at `db` and the Redis
/// namespace `prefix` at `redis`, with quiet logs, then `extra`.
pub fn cluster_env<'a>(
    db: &'a str,
    redis: &'a str,
    prefix: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut env = vec![
        ("DATABASE_URL", db),
        ("REDIS_URL", redis),
        ("REDIS_PREFIX", prefix),
        ("LOG_LEVEL", "warn"),
    ];
    env.extend_from_slice(extra);
    env
}

/// Listing id → adjusted price, from every valuation event until `quiet` passes without one.
pub async fn collect_updates(ws: &mut Socket, quiet: Duration) -> HashMap<i64, String> {
    let mut got = HashMap::new();
    while let Some(m) = next_json(ws, quiet).await {
        record_update(&m, &mut got);
    }
    got
}

/// Listing updates until every id of `expected` has arrived (or `within` passes), then any
/// further ones until `quiet` passes without a message. Waiting for the expected set rather
/// than for a quiet spell keeps a subscriber that a loaded machine delays past `quiet` from
/// looking like a lost event; a lost one still fails the caller's comparison.
pub async fn collect_until(
    ws: &mut Socket,
    expected: &HashSet<i64>,
    within: Duration,
    quiet: Duration,
) -> HashMap<i64, String> {
    let mut got = HashMap::new();
    let mut awaited = expected.clone();
    let end = tokio::time::Instant::now() + within;
    while !awaited.is_empty() {
        let left = end.saturating_duration_since(tokio::time::Instant::now());
        match next_json(ws, left).await {
            Some(m) => awaited.remove(&record_update(&m, &mut got)),
            None => return got,
        };
    }
    got.extend(collect_updates(ws, quiet).await);
    got
}

/// Records a listing update in `got`; its listing id.
fn record_update(m: &Value, got: &mut HashMap<i64, String>) -> i64 {
    let u = &m["payload"]["data"]["listingValuationUpdated"];
    assert_eq!(u["__typename"], "ListingValuationUpdate", "{m}");
    let id = decode_listing_id(u["listingId"].as_str().unwrap());
    got.insert(id, u["adjustedPrice"].as_str().unwrap_or("null").to_owned());
    id
}

/// Waits until `n` processes (API instances' event hubs) subscribe to the bus channel of
/// `prefix` on the Redis at `url`.
pub async fn wait_bus_subscribers(url: &str, prefix: &str, n: i64, within: Duration) {
    let mut redis = redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let channel = format!("{prefix}events");
    let end = std::time::Instant::now() + within;
    loop {
        let (_, got): (String, i64) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(&channel)
            .query_async(&mut redis)
            .await
            .unwrap();
        if got >= n {
            return;
        }
        assert!(
            std::time::Instant::now() < end,
            "{got} of {n} processes subscribed to {channel}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Deletes every key under `prefix` (the shared Redis outlives the test).
pub async fn clear_prefix(url: &str, prefix: &str) {
    let mut redis = redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let _: () = redis::cmd("EVAL")
        .arg("for _,k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end")
        .arg(0)
        .arg(format!("{prefix}*"))
        .query_async(&mut redis)
        .await
        .unwrap();
}

/// A listing's global id (the inverse of [`decode_listing_id`]).
pub fn listing_gid(id: i64) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Listing:{id}"))
}

/// Every message a subscriber receives, with its arrival time, read by a background task
/// (aborted on drop) so hundreds of subscribers can be watched at once.
pub struct Recorder {
    pub log: std::sync::Arc<std::sync::Mutex<Vec<(std::time::Instant, Value)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Recorder {
    pub fn start(mut ws: Socket) -> Recorder {
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = log.clone();
        let task = tokio::spawn(async move {
            while let Some(m) = next_json(&mut ws, Duration::from_secs(3600)).await {
                sink.lock().unwrap().push((std::time::Instant::now(), m));
            }
        });
        Recorder { log, task }
    }

    /// The `listingValuationUpdated` payloads received so far, with their arrival times.
    pub fn valuations(&self) -> Vec<(std::time::Instant, Value)> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .map(|(at, m)| (*at, m["payload"]["data"]["listingValuationUpdated"].clone()))
            .collect()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}
