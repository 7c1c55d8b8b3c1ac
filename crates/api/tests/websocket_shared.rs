//! Shared rendering of `listingValuationUpdated` (crates/api/src/live/share.rs): subscribers
//! of the same document get one rendering per event, each filtered by its own variables and
//! sent under its own id; other documents and documents whose selection reads variables get
//! their own shapes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::time::Duration;

use bus::BusMessage;
use common::ws::{self, Socket, open, recv, send};
use common::{TestApp, spawn};
use domain::model::DealClass;
use futures_util::StreamExt;
use serde_json::{Value, json};

/// The document every "same document" subscriber runs (the benchmark's shape).
const SHARED: &str = "subscription($f: ValuationEventFilter) { listingValuationUpdated(filter: $f) { \
    __typename ... on ListingValuationUpdate { listingId adjustedPrice listing { id } } \
    ... on Resync { reason } } }";

async fn connect(app: &TestApp, token: Option<&str>) -> Socket {
    let mut ws = open(app, "/graphql/ws", Some("graphql-transport-ws")).await;
    let payload = token.map_or(json!({}), |t| json!({"token": t}));
    send(
        &mut ws,
        json!({"type": "connection_init", "payload": payload}),
    )
    .await;
    assert_eq!(recv(&mut ws).await, json!({"type": "connection_ack"}));
    ws
}

async fn quiet(ws: &mut Socket) {
    let m = tokio::time::timeout(Duration::from_millis(300), ws.next()).await;
    assert!(m.is_err(), "unexpected message: {m:?}");
}

async fn subscribe(ws: &mut Socket, id: &str, query: &str, variables: Value) {
    send(
        ws,
        json!({"type": "subscribe", "id": id, "payload": {"query": query, "variables": variables}}),
    )
    .await;
}

/// Waits until the fan-out has `n` readers (subscriptions start when the server reads them).
async fn readers(app: &TestApp, n: usize) {
    for _ in 0..500 {
        if app.hub.readers() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(app.hub.readers(), n);
}

/// A valuation event that makes a listing a great deal.
fn valuation(listing_id: i64) -> BusMessage {
    ws::valuation(
        listing_id,
        Some(DealClass::Neutral),
        Some(DealClass::GreatDeal),
    )
}

fn only(ids: &[i64]) -> Value {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    json!({"f": {"listingIds": ids}})
}

/// The listing ids (decoded) of the next `n` messages, by subscription id.
async fn updates(ws: &mut Socket, n: usize) -> HashMap<String, Vec<Value>> {
    let mut by_id: HashMap<String, Vec<Value>> = HashMap::new();
    for _ in 0..n {
        let m = recv(ws).await;
        assert_eq!(m["type"], "next", "{m}");
        by_id
            .entry(m["id"].as_str().unwrap().to_owned())
            .or_default()
            .push(m["payload"]["data"]["listingValuationUpdated"].clone());
    }
    by_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_document_different_filters_each_get_exactly_their_events() {
    let app = spawn(test_support::TestDb::sqlite().await, 12).await;
    let mut a = connect(&app, None).await;
    let mut b = connect(&app, Some(&app.viewer)).await;
    let mut c = connect(&app, Some(&app.viewer)).await;
    subscribe(&mut a, "a", SHARED, only(&[1])).await;
    // Two subscriptions of one connection in one group: each is sent under its own id.
    subscribe(&mut b, "b1", SHARED, only(&[2, 3])).await;
    subscribe(&mut b, "b2", SHARED, only(&[3])).await;
    subscribe(&mut c, "c", SHARED, only(&[2])).await;
    readers(&app, 4).await;
    for id in [1, 2, 3, 4] {
        app.hub.publish_local(valuation(id));
    }
    let got = updates(&mut a, 1).await;
    assert_eq!(got["a"].len(), 1);
    let u = &got["a"][0];
    assert_eq!(u["__typename"], "ListingValuationUpdate");
    assert_eq!(u["listingId"], gid(1));
    assert_eq!(u["adjustedPrice"], "290.00");
    assert_eq!(u["listing"]["id"], u["listingId"], "{u}");
    let got = updates(&mut b, 3).await;
    let ids = |v: &[Value]| -> Vec<Value> { v.iter().map(|u| u["listingId"].clone()).collect() };
    assert_eq!(ids(&got["b1"]), [gid(2), gid(3)]);
    assert_eq!(ids(&got["b2"]), [gid(3)]);
    assert_eq!(ids(&updates(&mut c, 1).await["c"]), [gid(2)]);
    for ws in [&mut a, &mut b, &mut c] {
        quiet(ws).await;
    }
    // A gap reaches every subscriber, each with its own rendering.
    app.hub
        .publish_local(BusMessage::Resync(bus::ResyncReason::Reconnected));
    assert_eq!(updates(&mut a, 1).await["a"][0]["reason"], "RECONNECTED");
    let got = updates(&mut b, 2).await;
    assert_eq!(got["b1"][0]["reason"], "RECONNECTED");
    assert_eq!(got["b2"][0]["reason"], "RECONNECTED");
    // `complete` ends one member; the others go on.
    send(&mut b, json!({"type": "complete", "id": "b1"})).await;
    readers(&app, 3).await;
    app.hub.publish_local(valuation(3));
    let got = updates(&mut b, 1).await;
    assert_eq!(got.keys().collect::<Vec<_>>(), ["b2"]);
}

/// A listing's global id, as the API writes it.
fn gid(n: i64) -> Value {
    use base64::Engine as _;
    Value::from(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Listing:{n}")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_documents_and_variables_in_the_selection_get_their_own_shapes() {
    let app = spawn(test_support::TestDb::sqlite().await, 3).await;
    let mut ws = connect(&app, None).await;
    let narrow =
        "subscription { listingValuationUpdated { ... on ListingValuationUpdate { listingId } } }";
    let wide = "subscription { listingValuationUpdated { ... on ListingValuationUpdate { dealClass delta } } }";
    let chosen = "subscription($x: Boolean!) { listingValuationUpdated { \
        ... on ListingValuationUpdate { dealClass listingId @include(if: $x) } } }";
    subscribe(&mut ws, "narrow", narrow, json!({})).await;
    subscribe(&mut ws, "wide", wide, json!({})).await;
    subscribe(&mut ws, "with", chosen, json!({"x": true})).await;
    subscribe(&mut ws, "without", chosen, json!({"x": false})).await;
    readers(&app, 4).await;
    app.hub.publish_local(valuation(1));
    let got = updates(&mut ws, 4).await;
    let keys = |id: &str| -> Vec<String> {
        let mut k: Vec<String> = got[id][0].as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys("narrow"), ["listingId"]);
    assert_eq!(keys("wide"), ["dealClass", "delta"]);
    assert_eq!(keys("with"), ["dealClass", "listingId"]);
    assert_eq!(keys("without"), ["dealClass"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_filter_fails_alone_and_the_document_still_serves_others() {
    let app = spawn(test_support::TestDb::sqlite().await, 3).await;
    let mut ws = connect(&app, Some(&app.admin)).await;
    // A CPU's id where a listing's is expected: the resolver refuses it, as unshared.
    let cpu = common::first_cpu(&app).await;
    subscribe(&mut ws, "bad", SHARED, json!({"f": {"listingIds": [cpu]}})).await;
    let m = recv(&mut ws).await;
    assert_eq!(
        (m["type"].as_str(), m["id"].as_str()),
        (Some("next"), Some("bad"))
    );
    assert_eq!(
        m["payload"]["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    assert_eq!(
        recv(&mut ws).await,
        json!({"type": "complete", "id": "bad"})
    );
    // Invalid variables are the request's error, as unshared.
    subscribe(
        &mut ws,
        "worse",
        SHARED,
        json!({"f": {"noSuchCriterion": 7}}),
    )
    .await;
    let m = recv(&mut ws).await;
    assert_eq!(
        (m["type"].as_str(), m["id"].as_str()),
        (Some("error"), Some("worse"))
    );
    subscribe(&mut ws, "good", SHARED, only(&[1])).await;
    readers(&app, 1).await;
    app.hub.publish_local(valuation(1));
    let got = updates(&mut ws, 1).await;
    assert_eq!(got["good"][0]["__typename"], "ListingValuationUpdate");
}
