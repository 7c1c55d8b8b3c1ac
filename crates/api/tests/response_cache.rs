//! The response cache through real HTTP: an answer is reused while the data is unchanged,
//! and every kind of change (a mutation over HTTP or WebSocket, a bus event) ends it at once.
//! Writing to the store behind the API's back is how the tests see a reused answer: only a
//! cached answer can still show the old value.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use api::ApiConfig;
use bus::{BusMessage, ResyncReason};
use common::{TestApp, first_listing, spawn_with};
use domain::model::ListingWrite;
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use std::time::Duration;
use test_support::TestDb;
use tokio_tungstenite::tungstenite::Message;

/// Long enough that no reuse in these tests ends by age on a loaded machine.
fn long_lived() -> ApiConfig {
    ApiConfig {
        response_cache_ttl: Duration::from_secs(300),
        ..ApiConfig::default()
    }
}

const TITLE: &str = "query($id: ID!) { listing(id: $id) { title } }";

async fn title(app: &TestApp, id: &str, token: Option<&str>) -> String {
    let d = app.ok(TITLE, json!({"id": id}), token).await;
    d["listing"]["title"].as_str().unwrap().to_owned()
}

/// Renames listing `id` in the database directly (no API write, no event).
async fn rename_behind_the_back(app: &TestApp, id: &str, title: &str) {
    let d = app
        .ok(
            "query($id: ID!) { listing(id: $id) { databaseId } }",
            json!({"id": id}),
            None,
        )
        .await;
    let db_id = d["listing"]["databaseId"].as_i64().unwrap();
    let mut listing = app.store.listing(db_id).await.unwrap().unwrap();
    listing.data.title = title.to_owned();
    let write = ListingWrite {
        data: listing.data,
        components: Vec::new(),
        disabled_ruleset_ids: Vec::new(),
    };
    app.store.update_listing(db_id, &write).await.unwrap();
}

async fn reuse_until_a_write(db: TestDb) {
    let app = spawn_with(db, 3, long_lived()).await;
    let id = first_listing(&app).await;
    let original = title(&app, &id, None).await;

    rename_behind_the_back(&app, &id, "changed behind the API").await;
    assert_eq!(
        title(&app, &id, None).await,
        original,
        "the answer is reused"
    );

    // A bus event (here a resync) may mean anything changed: the next answer is fresh.
    app.hub
        .publish_local(BusMessage::Resync(ResyncReason::Reconnected));
    assert_eq!(title(&app, &id, None).await, "changed behind the API");

    // A mutation on this instance ends every reuse, whatever it touched.
    rename_behind_the_back(&app, &id, "second change").await;
    let m = "mutation($id: ID!) { updateListing(id: $id, input: {notes: \"n\"}) { id } }";
    app.ok(m, json!({"id": id}), Some(&app.editor)).await;
    assert_eq!(title(&app, &id, None).await, "second change");
}

async fn callers_do_not_share_answers(db: TestDb) {
    let app = spawn_with(db, 3, long_lived()).await;
    let id = first_listing(&app).await;
    let original = title(&app, &id, None).await;
    rename_behind_the_back(&app, &id, "seen by the viewer").await;
    // The anonymous answer is cached; the viewer's token has none of its own yet.
    assert_eq!(title(&app, &id, None).await, original);
    assert_eq!(
        title(&app, &id, Some(&app.viewer)).await,
        "seen by the viewer"
    );
    // A bad token is refused, never answered from the cache.
    let (status, body) = app
        .post(TITLE, json!({"id": id}), Some("dbk_not_a_token"))
        .await;
    assert_eq!(status, 401, "{body}");
}

async fn a_mutation_over_websocket_ends_reuse(db: TestDb) {
    let app = spawn_with(db, 3, long_lived()).await;
    let id = first_listing(&app).await;
    title(&app, &id, None).await;
    rename_behind_the_back(&app, &id, "renamed").await;

    let ws_url = format!("{}/graphql/ws", app.url.replacen("http", "ws", 1));
    let mut req =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(ws_url)
            .unwrap();
    req.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let send = |v: Value| Message::Text(v.to_string().into());
    ws.send(send(
        json!({"type": "connection_init", "payload": {"token": app.editor}}),
    ))
    .await
    .unwrap();
    let m = "mutation($id: ID!) { updateListing(id: $id, input: {notes: \"ws\"}) { id } }";
    ws.send(send(json!({"id": "1", "type": "subscribe",
        "payload": {"query": m, "variables": {"id": id}}})))
        .await
        .unwrap();
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("an answer in time")
            .unwrap()
            .unwrap();
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == "complete" {
                break;
            }
            assert_ne!(v["type"], "error", "{v}");
        }
    }
    assert_eq!(title(&app, &id, None).await, "renamed");
}

async fn a_zero_ttl_turns_reuse_off(db: TestDb) {
    let config = ApiConfig {
        response_cache_ttl: Duration::ZERO,
        ..ApiConfig::default()
    };
    let app = spawn_with(db, 3, config).await;
    let id = first_listing(&app).await;
    title(&app, &id, None).await;
    rename_behind_the_back(&app, &id, "no cache").await;
    assert_eq!(title(&app, &id, None).await, "no cache");
}

both_backends! {
    reuse => reuse_until_a_write;
    callers => callers_do_not_share_answers;
    websocket_mutation => a_mutation_over_websocket_ends_reuse;
    disabled => a_zero_ttl_turns_reuse_off;
}
