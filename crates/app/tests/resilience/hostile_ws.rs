//! Hostile `graphql-transport-ws` clients against a real `serve`: malformed frames (not JSON,
//! binary, unknown message, invalid UTF-8, a reserved opcode, deeply nested JSON, a frame
//! over the size limit), a message flood and a bomb as a subscription. Each must end with its
//! close code (or, for the bomb, an `error` message with its GraphQL code); over 1,000
//! attempts the median time from the bad frame to the server's answer stays under 50 ms and
//! the server's RSS grows by less than a small bound.
//!
//! The time is measured by the client (WebSocket frames carry no `Server-Timing`): it is an
//! upper bound of the server's.

use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

use crate::common::live::Socket;
use crate::support::{ATTEMPTS, check_budgets, hostile_env, rss_kib, ws_connect};

/// The server's WebSocket message limit (`ws_max_message`, 64 KiB).
const MAX_MESSAGE: usize = 64 * 1024;

#[derive(Clone, Copy, Debug)]
enum Abuse {
    NotJson,
    Binary,
    UnknownType,
    InvalidUtf8,
    ReservedOpcode,
    NestedJson,
    Oversized,
    Flood,
    SubscribeBomb,
}

const ALL: [Abuse; 9] = [
    Abuse::NotJson,
    Abuse::Binary,
    Abuse::UnknownType,
    Abuse::InvalidUtf8,
    Abuse::ReservedOpcode,
    Abuse::NestedJson,
    Abuse::Oversized,
    Abuse::Flood,
    Abuse::SubscribeBomb,
];

impl Abuse {
    /// The close code (or for the bomb the GraphQL code) it must get.
    fn expected(self) -> String {
        match self {
            Abuse::NotJson | Abuse::Binary | Abuse::UnknownType | Abuse::NestedJson => "4400",
            // Frame-level violations: the WebSocket protocol's own codes.
            Abuse::InvalidUtf8 => "1007",
            Abuse::ReservedOpcode => "1002",
            Abuse::Oversized => "1009",
            Abuse::Flood => "1008",
            Abuse::SubscribeBomb => "QUERY_TOO_COMPLEX",
        }
        .to_owned()
    }

    async fn send(self, ws: &mut Socket) {
        let text = |t: String| Message::Text(t.into());
        let frame = |op, data: Vec<u8>| Message::Frame(Frame::message(data, op, true));
        match self {
            Abuse::NotJson => ws.send(text("{not json".into())).await,
            Abuse::Binary => ws.send(Message::Binary(vec![1, 2, 3].into())).await,
            Abuse::UnknownType => ws.send(text(r#"{"type":"start","id":"1"}"#.into())).await,
            Abuse::InvalidUtf8 => {
                ws.send(frame(OpCode::Data(Data::Text), vec![b'{', 0xff, 0xfe]))
                    .await
            }
            Abuse::ReservedOpcode => {
                ws.send(frame(OpCode::Data(Data::Reserved(3)), vec![1]))
                    .await
            }
            Abuse::NestedJson => {
                let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
                ws.send(text(deep)).await
            }
            Abuse::Oversized => {
                let big = format!(
                    r#"{{"type":"ping","payload":{{"x":"{}"}}}}"#,
                    "a".repeat(MAX_MESSAGE)
                );
                ws.send(text(big)).await
            }
            Abuse::Flood => {
                let mut r = Ok(());
                for _ in 0..1000 {
                    r = ws.feed(text(r#"{"type":"ping"}"#.into())).await;
                    if r.is_err() {
                        break;
                    }
                }
                if r.is_ok() {
                    r = ws.flush().await;
                }
                // The server may close while the flood is still being written.
                drop(r);
                Ok(())
            }
            Abuse::SubscribeBomb => {
                // The HTTP alias bomb, as an operation of the socket.
                let aliases: String = (0..1000)
                    .map(|i| format!("a{i}: listings(first: 10) {{ edges {{ node {{ id }} }} }} "))
                    .collect();
                let bomb = format!("query {{ {aliases} }}");
                let sub = json!({"type": "subscribe", "id": "b", "payload": {"query": bomb}});
                ws.send(text(sub.to_string())).await
            }
        }
        .ok();
    }
}

/// Reads until the server answers: the close code (or EOF as `closed`), or for a subscription
/// the code of its `error` message.
async fn answer(ws: &mut Socket) -> String {
    let deadline = Duration::from_secs(10);
    loop {
        let m = tokio::time::timeout(deadline, ws.next())
            .await
            .expect("an answer within 10 s");
        match m {
            Some(Ok(Message::Close(Some(c)))) => return u16::from(c.code).to_string(),
            Some(Ok(Message::Close(None))) | None | Some(Err(_)) => return "closed".into(),
            Some(Ok(Message::Text(t))) => {
                let v: serde_json::Value = serde_json::from_str(&t).unwrap();
                if v["type"] == "error" {
                    return v["payload"][0]["extensions"]["code"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned();
                }
            }
            Some(Ok(_)) => {}
        }
    }
}

async fn attempt(base: &str, abuse: Abuse) -> f64 {
    let mut ws = ws_connect(base, None).await;
    let started = Instant::now();
    abuse.send(&mut ws).await;
    let got = answer(&mut ws).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(got, abuse.expected(), "{abuse:?}");
    ms
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_websocket_clients_are_closed_fast_and_leave_no_memory_behind() {
    let server = crate::support::serve(&hostile_env(&[]), false);
    for _ in 0..5 {
        for a in ALL {
            attempt(&server.base, a).await;
        }
    }
    let before = rss_kib(server.pid());
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); ALL.len()];
    for i in 0..ATTEMPTS {
        let k = i % ALL.len();
        times[k].push(attempt(&server.base, ALL[k]).await);
    }
    let after = rss_kib(server.pid());
    println!("abuse | answer | attempts | client-measured ms median / max");
    let rows: Vec<_> = ALL
        .iter()
        .zip(&times)
        .map(|(a, t)| (format!("{a:?}"), a.expected(), t.as_slice()))
        .collect();
    check_budgets(&rows, before, after);
}
