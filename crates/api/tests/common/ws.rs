//! Raw `graphql-transport-ws` client helpers shared by the WebSocket tests.

use std::sync::Arc;
use std::time::Duration;

use bus::{BusEvent, BusMessage, ListingValuationUpdated};
use chrono::Utc;
use domain::model::{DealClass, ValuationCause};
use rust_decimal::Decimal;
use uuid::Uuid;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::TestApp;

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens a WebSocket to `path`, offering `subprotocol` when given.
pub async fn open(app: &TestApp, path: &str, subprotocol: Option<&str>) -> Socket {
    let url = format!("{}{path}", app.url.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    if let Some(p) = subprotocol {
        req.headers_mut()
            .insert("Sec-WebSocket-Protocol", p.parse().unwrap());
    }
    tokio_tungstenite::connect_async(req).await.unwrap().0
}

pub async fn send(ws: &mut Socket, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

/// The next protocol message that is not a keepalive ping; a close fails the test.
pub async fn recv(ws: &mut Socket) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a message within 5 s")
            .expect("the socket is open")
            .unwrap();
        if let Message::Text(t) = m {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] != "ping" {
                return v;
            }
        } else if let Message::Close(c) = m {
            panic!("closed: {c:?}");
        }
    }
}

/// A listing's valuation event as the worker publishes it (400 → 290), moving its deal class
/// from `prev` to `now`.
pub fn valuation(listing_id: i64, prev: Option<DealClass>, now: Option<DealClass>) -> BusMessage {
    BusMessage::Event(Arc::new(BusEvent::ListingValuationUpdated(
        ListingValuationUpdated {
            listing_id,
            price_usd: Decimal::from(400),
            previous_adjusted_price_usd: Some(Decimal::from(390)),
            adjusted_price_usd: Some(Decimal::from(290)),
            previous_deal_class: prev,
            deal_class: now,
            delta_pct: Some(Decimal::new(2750, 2)),
            metrics: json!({"dollar_per_cpu_mark_multi_adjusted": "0.0250"}),
            cause: ValuationCause::RuleChange,
            job_id: Uuid::nil(),
            at: Utc::now(),
        },
    )))
}
