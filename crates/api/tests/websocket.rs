//! `graphql-transport-ws` on raw frames: the handshake, every close code of the protocol,
//! ping/pong and keepalive, and what each subscription yields for events put into the
//! server's fan-out.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use api::ApiConfig;
use bus::{BusEvent, BusMessage, JobFinished, RecalculationProgress};
use chrono::Utc;
use common::ws::{Socket, open, recv, send, valuation};
use common::{TestApp, spawn_with};
use domain::model::{DealClass, JobStatus, ValuationCause};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

fn config() -> ApiConfig {
    ApiConfig {
        ws_init_timeout: Duration::from_millis(300),
        ws_keepalive: Duration::from_millis(250),
        ..ApiConfig::default()
    }
}

async fn app() -> TestApp {
    spawn_with(test_support::TestDb::sqlite().await, 12, config()).await
}

async fn connect(app: &TestApp) -> Socket {
    open(app, "/graphql/ws", Some("graphql-transport-ws")).await
}

/// Reads until the server closes; the close code and reason.
async fn closed(ws: &mut Socket) -> (u16, String) {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a close within 5 s");
        match m {
            Some(Ok(Message::Close(Some(f)))) => return (f.code.into(), f.reason.to_string()),
            Some(Ok(_)) => continue,
            other => panic!("no close frame: {other:?}"),
        }
    }
}

async fn init(ws: &mut Socket, payload: Value) {
    send(ws, json!({"type": "connection_init", "payload": payload})).await;
    assert_eq!(recv(ws).await, json!({"type": "connection_ack"}));
}

async fn subscribe(ws: &mut Socket, id: &str, query: &str) {
    send(
        ws,
        json!({"type": "subscribe", "id": id, "payload": {"query": query}}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_ping_pong_keepalive_and_a_query() {
    let app = app().await;
    let mut ws = connect(&app).await;
    init(&mut ws, json!({})).await;
    send(&mut ws, json!({"type": "ping"})).await;
    assert_eq!(recv(&mut ws).await, json!({"type": "pong"}));
    // The server's keepalive ping arrives on an idle connection.
    let m = tokio::time::timeout(Duration::from_secs(2), ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(m, Message::Text(json!({"type": "ping"}).to_string().into()));
    send(&mut ws, json!({"type": "pong"})).await;
    subscribe(&mut ws, "q", "{ health }").await;
    let next = recv(&mut ws).await;
    assert_eq!(next["type"], "next");
    assert_eq!(next["id"], "q");
    assert_eq!(next["payload"]["data"]["health"], "ok");
    assert_eq!(recv(&mut ws).await, json!({"type": "complete", "id": "q"}));
    // The same endpoint is reachable by upgrading `/graphql`.
    let mut ws2 = open(&app, "/graphql", Some("graphql-transport-ws")).await;
    init(&mut ws2, json!(null)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_close_code_of_the_protocol() {
    let app = app().await;
    let cases: Vec<(&str, u16)> = vec![
        ("invalid json", 4400),
        ("unknown type", 4400),
        ("binary frame", 4400),
        ("subscribe before ack", 4401),
        ("bad token", 4403),
        ("no init", 4408),
        ("duplicate id", 4409),
        ("second init", 4429),
    ];
    for (case, code) in cases {
        let mut ws = connect(&app).await;
        match case {
            "invalid json" => {
                ws.send(Message::Text("{not json".into())).await.unwrap();
            }
            "unknown type" => send(&mut ws, json!({"type": "start", "id": "1"})).await,
            "binary frame" => {
                ws.send(Message::Binary(vec![1, 2, 3].into()))
                    .await
                    .unwrap();
            }
            "subscribe before ack" => subscribe(&mut ws, "1", "{ health }").await,
            "bad token" => {
                send(
                    &mut ws,
                    json!({"type": "connection_init", "payload": {"token": "dbk_nope"}}),
                )
                .await
            }
            "no init" => {}
            "duplicate id" => {
                init(&mut ws, json!({})).await;
                let q = "subscription { listingValuationUpdated { __typename } }";
                subscribe(&mut ws, "same", q).await;
                subscribe(&mut ws, "same", q).await;
            }
            "second init" => {
                init(&mut ws, json!({})).await;
                send(&mut ws, json!({"type": "connection_init"})).await;
            }
            _ => unreachable!(),
        }
        let (got, reason) = closed(&mut ws).await;
        assert_eq!(got, code, "{case}: {reason}");
        assert!(!reason.is_empty(), "{case}: a reason is given");
    }
    // A client that does not speak the subprotocol is told so.
    let mut ws = open(&app, "/graphql/ws", None).await;
    assert_eq!(closed(&mut ws).await.0, 4406);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_in_connection_init_follow_the_http_rules() {
    let app = spawn_with(
        test_support::TestDb::sqlite().await,
        3,
        ApiConfig {
            reads_need_token: true,
            ..config()
        },
    )
    .await;
    let mut anonymous = connect(&app).await;
    send(&mut anonymous, json!({"type": "connection_init"})).await;
    assert_eq!(closed(&mut anonymous).await.0, 4403);
    let mut viewer = connect(&app).await;
    init(&mut viewer, json!({"token": app.viewer})).await;
    // Roles apply per operation exactly as over HTTP: a viewer may not write.
    subscribe(
        &mut viewer,
        "m",
        r#"mutation { setSetting(key: "x", value: 1) { key } }"#,
    )
    .await;
    let next = recv(&mut viewer).await;
    assert_eq!(next["type"], "next");
    assert_eq!(
        next["payload"]["errors"][0]["extensions"]["code"],
        "FORBIDDEN"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_operations_get_an_error_message_and_the_connection_lives_on() {
    let app = app().await;
    let mut ws = connect(&app).await;
    init(&mut ws, json!({})).await;
    subscribe(&mut ws, "bad", "subscription { noSuchField }").await;
    let err = recv(&mut ws).await;
    assert_eq!(err["type"], "error");
    assert_eq!(err["id"], "bad");
    assert_eq!(err["payload"][0]["extensions"]["code"], "BAD_USER_INPUT");
    // No `complete` follows an `error`, and the id is free again.
    subscribe(&mut ws, "bad", "{ health }").await;
    assert_eq!(recv(&mut ws).await["type"], "next");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valuation_updates_and_alerts_are_filtered_and_gaps_are_marked() {
    let app = app().await;
    let mut ws = connect(&app).await;
    init(&mut ws, json!({})).await;
    subscribe(
        &mut ws,
        "v",
        r#"subscription { listingValuationUpdated(filter: {listingIds: ["7"]}) {
            __typename
            ... on ListingValuationUpdate { listingId adjustedPrice delta dealClass cause jobId }
            ... on Resync { reason }
        } }"#,
    )
    .await;
    subscribe(
        &mut ws,
        "a",
        r#"subscription { dealAlerts(minClass: GOOD_DEAL) {
            __typename
            ... on DealAlert { update { listingId dealClass previousDealClass } }
        } }"#,
    )
    .await;
    // Both subscriptions are registered once the fan-out has their readers.
    for _ in 0..100 {
        if app.hub.readers() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(app.hub.readers(), 2);
    app.hub.publish_local(valuation(
        8,
        Some(DealClass::Neutral),
        Some(DealClass::GreatDeal),
    ));
    app.hub.publish_local(valuation(
        7,
        Some(DealClass::GoodDeal),
        Some(DealClass::GreatDeal),
    ));
    app.hub
        .publish_local(BusMessage::Resync(bus::ResyncReason::Reconnected));
    let mut by_id: std::collections::HashMap<String, Vec<Value>> = Default::default();
    for _ in 0..4 {
        let m = recv(&mut ws).await;
        assert_eq!(m["type"], "next", "{m}");
        by_id
            .entry(m["id"].as_str().unwrap().to_owned())
            .or_default()
            .push(m["payload"]["data"].clone());
    }
    let v = &by_id["v"];
    assert_eq!(v.len(), 2, "{v:?}");
    let u = &v[0]["listingValuationUpdated"];
    assert_eq!(u["__typename"], "ListingValuationUpdate");
    assert_eq!(u["adjustedPrice"], "290.00");
    assert_eq!(u["delta"], "110.00");
    assert_eq!(u["dealClass"], "GREAT_DEAL");
    assert_eq!(u["cause"], "RULE_CHANGE");
    assert_eq!(v[1]["listingValuationUpdated"]["reason"], "RECONNECTED");
    // Listing 8 entered GOOD_DEAL-or-better; listing 7 was already there.
    let a = &by_id["a"];
    assert_eq!(a.len(), 2, "{a:?}");
    assert_eq!(a[0]["dealAlerts"]["update"]["previousDealClass"], "NEUTRAL");
    assert_eq!(a[1]["dealAlerts"]["__typename"], "Resync");
    // `complete` from the client ends a subscription.
    send(&mut ws, json!({"type": "complete", "id": "v"})).await;
    for _ in 0..100 {
        if app.hub.readers() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(app.hub.readers(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recalculation_progress_follows_a_job_to_its_end() {
    let app = app().await;
    let job = app
        .store
        .request_recalculation(
            &store::RecalcTargets::all(),
            ValuationCause::Manual,
            None,
            chrono::Duration::zero(),
            chrono::Duration::zero(),
        )
        .await
        .unwrap();
    let id: Uuid = job.job_id.parse().unwrap();
    let mut ws = connect(&app).await;
    init(&mut ws, json!({})).await;
    let q = format!(
        r#"subscription {{ recalculationProgress(jobId: "{id}") {{ status processed total }} }}"#
    );
    subscribe(&mut ws, "p", &q).await;
    let first = recv(&mut ws).await;
    assert_eq!(
        first["payload"]["data"]["recalculationProgress"]["status"],
        "QUEUED"
    );
    let at = Utc::now();
    app.hub.publish_local(BusMessage::Event(Arc::new(
        BusEvent::RecalculationProgress(RecalculationProgress {
            job_id: id,
            processed: 100,
            total: 250,
            changed: 3,
            failed: 0,
            at,
        }),
    )));
    app.hub
        .publish_local(BusMessage::Event(Arc::new(BusEvent::JobFinished(
            JobFinished {
                job_id: id,
                status: JobStatus::Succeeded,
                processed: 250,
                total: 250,
                changed: 9,
                failed: 0,
                error: None,
                at,
            },
        ))));
    let p = recv(&mut ws).await;
    assert_eq!(
        p["payload"]["data"]["recalculationProgress"],
        json!({"status": "RUNNING", "processed": 100, "total": 250})
    );
    let done = recv(&mut ws).await;
    assert_eq!(
        done["payload"]["data"]["recalculationProgress"]["status"],
        "SUCCEEDED"
    );
    assert_eq!(recv(&mut ws).await, json!({"type": "complete", "id": "p"}));
    // An unknown job is an error result, then the end.
    let q = format!(
        r#"subscription {{ recalculationProgress(jobId: "{}") {{ status }} }}"#,
        Uuid::new_v4()
    );
    subscribe(&mut ws, "x", &q).await;
    let e = recv(&mut ws).await;
    assert_eq!(e["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(recv(&mut ws).await, json!({"type": "complete", "id": "x"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deal_board_starts_with_the_board_and_follows_changes() {
    let app = app().await;
    let mut ws = connect(&app).await;
    init(&mut ws, json!({})).await;
    subscribe(
        &mut ws,
        "b",
        "subscription { dealBoard(first: 3) { reason listings { id price scoreComposite } } }",
    )
    .await;
    let initial = recv(&mut ws).await["payload"]["data"]["dealBoard"].clone();
    assert_eq!(initial["reason"], "INITIAL");
    let rows = initial["listings"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let scores: Vec<f64> = rows
        .iter()
        .map(|r| r["scoreComposite"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // A change to a board row: a new board follows the event.
    let top = rows[0]["id"].as_str().unwrap().to_owned();
    app.ok(
        "mutation($id: ID!) { updateListing(id: $id, input: {price: \"123.00\"}) { id } }",
        json!({"id": top}),
        Some(&app.editor),
    )
    .await;
    let (_, n) = api::types::scalars::decode_id(&async_graphql::ID(top.clone())).unwrap();
    app.hub.publish_local(valuation(n, None, None));
    let changed = recv(&mut ws).await["payload"]["data"]["dealBoard"].clone();
    assert_eq!(changed["reason"], "CHANGED");
    assert_eq!(changed["listings"][0]["price"], "123.00");
    // An event that changes nothing on the board sends nothing; a resync always re-sends.
    app.hub.publish_local(valuation(n, None, None));
    app.hub
        .publish_local(BusMessage::Resync(bus::ResyncReason::Lagged {
            missed: Some(3),
        }));
    let resync = recv(&mut ws).await["payload"]["data"]["dealBoard"].clone();
    assert_eq!(resync["reason"], "RESYNC");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_websockets_with_going_away() {
    let app = app().await;
    let mut ws = connect(&app).await;
    init(&mut ws, json!({})).await;
    app.hub.shut_down();
    assert_eq!(closed(&mut ws).await.0, 1001);
}
