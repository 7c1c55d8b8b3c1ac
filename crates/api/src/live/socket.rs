//! One WebSocket connection speaking `graphql-transport-ws`, written out rather than taken
//! from async-graphql's stock handler, which gets several close codes wrong (it has no 4401,
//! 4409 or 4429 and answers bad frames differently).
//!
//! A connection is one task: a `select!` over incoming frames, the merged results of its
//! subscriptions (a `StreamMap` keyed by subscription id), the keepalive tick, the init
//! deadline and the server's shutdown signal. No task per subscription, so an idle
//! subscription costs its stream state and nothing else.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Request as GqlRequest, Response as GqlResponse, Value as GqlValue};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::FutureExt as _;
use futures_util::SinkExt as _;
use futures_util::stream::{BoxStream, SplitSink, SplitStream, StreamExt};
use serde_json::Value;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_stream::StreamMap;

use super::protocol::{self, ClientMessage, Close, SubscribePayload};
use crate::auth::{Caller, authenticate};
use crate::error::Code;
use crate::http::{AppState, classify};
use crate::loaders::loaders;

/// One step of a subscription's output.
pub(crate) enum Out {
    /// async-graphql's `index`th result.
    Result(usize, Box<GqlResponse>),
    /// A `next` payload already encoded (shared by the subscribers of the same document).
    Frame(Arc<str>),
    Done,
}

type Subs = StreamMap<String, BoxStream<'static, Out>>;
type Sink = SplitSink<WebSocket, Message>;

/// Messages a client may send per second on average (bursts up to twice that): a flood of
/// frames is cut off instead of being executed.
const MESSAGES_PER_SECOND: f64 = 100.0;

/// Runs a connection to its end. `protocol_ok`: the client offered `graphql-transport-ws`.
pub async fn serve(socket: WebSocket, state: AppState, protocol_ok: bool) {
    let (mut sink, mut frames) = socket.split();
    if !protocol_ok {
        close(
            sink,
            frames,
            Close::SubprotocolNotAcceptable,
            "Subprotocol not acceptable",
        )
        .await;
        return;
    }
    let cfg = state.config.clone();
    let shutdown = state.hub.shutdown_signal();
    tokio::pin!(shutdown);
    let init_deadline = tokio::time::sleep(cfg.ws_init_timeout);
    tokio::pin!(init_deadline);
    let mut keepalive =
        tokio::time::interval_at(Instant::now() + cfg.ws_keepalive, cfg.ws_keepalive);
    keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut caller: Option<Caller> = None;
    let mut subs: Subs = StreamMap::new();
    let mut budget = Budget::new(MESSAGES_PER_SECOND);
    let outcome: Option<(Close, String)> = loop {
        tokio::select! {
            () = &mut shutdown => break Some((Close::GoingAway, "server shutting down".into())),
            () = &mut init_deadline, if caller.is_none() => {
                break Some((Close::InitTimeout, "Connection initialisation timeout".into()));
            }
            _ = keepalive.tick(), if caller.is_some() => {
                if send(&mut sink, protocol::ping()).await.is_err() { break None; }
            }
            Some((id, out)) = subs.next(), if !subs.is_empty() => {
                if deliver(&mut sink, &mut subs, id, out).await.is_err() { break None; }
            }
            frame = frames.next() => {
                let text = match frame {
                    None | Some(Ok(Message::Close(_))) => break None,
                    Some(Err(e)) => break read_error(e),
                    Some(Ok(Message::Text(t))) => t,
                    // WebSocket-level ping/pong are answered by the library.
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Binary(_))) => {
                        break Some((Close::BadRequest, "binary frames are not part of the protocol".into()));
                    }
                };
                if !budget.take() {
                    break Some((Close::PolicyViolation, "too many messages".into()));
                }
                let msg = match protocol::parse(text.as_str()) {
                    Ok(m) => m,
                    Err(reason) => break Some((Close::BadRequest, reason)),
                };
                match handle(&state, &mut caller, &mut subs, &mut sink, msg).await {
                    Ok(()) => {}
                    Err(Some(c)) => break Some(c),
                    Err(None) => break None,
                }
            }
        }
    };
    if let Some((code, reason)) = outcome {
        close(sink, frames, code, &reason).await;
    }
}

/// The close a failed read earns: the WebSocket protocol's own code for a frame the client
/// got wrong (so a broken client learns why), nothing when the connection itself is gone.
fn read_error(e: axum::Error) -> Option<(Close, String)> {
    use tungstenite::error::{CapacityError, Error};
    let e = e.into_inner().downcast::<Error>().ok()?;
    match *e {
        Error::Capacity(CapacityError::MessageTooLong { max_size, .. }) => Some((
            Close::MessageTooBig,
            format!("messages are limited to {max_size} bytes"),
        )),
        Error::Capacity(_) => Some((Close::MessageTooBig, "message too big".into())),
        Error::Utf8(_) => Some((Close::InvalidPayload, "text frames must be UTF-8".into())),
        Error::Protocol(p) => Some((Close::ProtocolError, p.to_string())),
        _ => None,
    }
}

/// Handles one client message. `Err(Some(..))`: close with that code; `Err(None)`: the
/// socket is gone.
async fn handle(
    state: &AppState,
    caller: &mut Option<Caller>,
    subs: &mut Subs,
    sink: &mut Sink,
    msg: ClientMessage,
) -> Result<(), Option<(Close, String)>> {
    let gone = |_| None;
    match msg {
        ClientMessage::ConnectionInit { payload } => {
            if caller.is_some() {
                return Err(Some((
                    Close::TooManyInits,
                    "Too many initialisation requests".into(),
                )));
            }
            *caller = Some(init(state, payload.as_ref()).await.map_err(Some)?);
            send(sink, protocol::ack()).await.map_err(gone)
        }
        ClientMessage::Ping { .. } => send(sink, protocol::pong()).await.map_err(gone),
        ClientMessage::Pong { .. } => Ok(()),
        ClientMessage::Subscribe { id, payload } => {
            let Some(c) = caller.as_ref() else {
                return Err(Some((Close::Unauthorized, "Unauthorized".into())));
            };
            if subs.contains_key(&id) {
                return Err(Some((
                    Close::DuplicateId,
                    format!("Subscriber for {id} already exists"),
                )));
            }
            if subs.len() >= state.config.ws_max_subscriptions {
                let err = serde_json::json!([{
                    "message": format!("at most {} subscriptions per connection", state.config.ws_max_subscriptions),
                    "extensions": {"code": Code::RateLimited.as_str()},
                }]);
                return send(sink, protocol::error(&id, &err)).await.map_err(gone);
            }
            subs.insert(id, start(state, c.clone(), payload));
            Ok(())
        }
        // Dropping the stream unsubscribes; the client needs no answer.
        ClientMessage::Complete { id } => {
            subs.remove(&id);
            Ok(())
        }
    }
}

/// Authenticates `connection_init`: `{ "token": "dbk_…" }`, or nothing when reads are public.
async fn init(
    state: &AppState,
    payload: Option<&serde_json::Map<String, Value>>,
) -> Result<Caller, (Close, String)> {
    let token = match payload.and_then(|p| p.get("token")) {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) => Some(t.as_str()),
        Some(_) => return Err((Close::BadRequest, "payload.token must be a string".into())),
    };
    match token {
        Some(t) => authenticate(&state.store, t).await.map_err(|e| {
            if e.code == Code::Internal {
                (Close::Internal, "internal error".into())
            } else {
                (Close::Forbidden, "Forbidden".into())
            }
        }),
        None if state.config.reads_need_token => Err((
            Close::Forbidden,
            "Forbidden: this API needs an API token".into(),
        )),
        None => Ok(Caller::default()),
    }
}

/// Starts executing an operation; its responses, then `Done`.
fn start(state: &AppState, caller: Caller, p: SubscribePayload) -> BoxStream<'static, Out> {
    let share = state.live.key(&caller, &p);
    let mut req = GqlRequest::new(p.query);
    if let Some(name) = p.operation_name {
        req = req.operation_name(name);
    }
    if let Some(vars) = p.variables {
        req = req.variables(async_graphql::Variables::from_json(Value::Object(vars)));
    }
    if let Some(ext) = p.extensions {
        for (k, v) in ext {
            if let Ok(v) = GqlValue::from_json(v) {
                req.extensions.insert(k, v);
            }
        }
    }
    // A mutation sent over the socket writes like one sent over HTTP: once it has run, cached
    // answers are stale.
    let wrote = crate::http::is_mutation(&req).then(|| state.cache.clone());
    let req = req.data(caller).data(loaders(state.store.clone()));
    if let Some(key) = share {
        return super::handover::start(state, key, req);
    }
    state
        .schema
        .execute_stream(req)
        .enumerate()
        .map(|(i, r)| Out::Result(i, Box::new(r)))
        .chain(futures_util::stream::once(async move {
            if let Some(cache) = wrote {
                cache.invalidate();
            }
            Out::Done
        }))
        .boxed()
}

/// Most results written in one go before the connection's other work gets a turn.
const FRAMES_PER_FLUSH: usize = 64;

/// Writes `out` and whatever else the subscriptions have ready now (at most
/// [`FRAMES_PER_FLUSH`] frames), then flushes once: an event that reaches several of a
/// connection's subscriptions (or a burst of events) costs one write to the socket, not one
/// per frame. An item is taken off the subscriptions only when it will be written: whatever
/// is left stays in its stream for the next call.
async fn deliver<S>(sink: &mut S, subs: &mut Subs, id: String, out: Out) -> Result<(), S::Error>
where
    S: futures_util::Sink<Message> + Unpin,
{
    let mut next = Some((id, out));
    let mut written = 0;
    while let Some((id, out)) = next.take() {
        match out {
            Out::Result(i, resp) => feed_result(sink, &id, i, *resp, subs).await?,
            Out::Frame(payload) => feed(sink, protocol::next_encoded(&id, &payload)).await?,
            Out::Done => feed(sink, protocol::complete(&id)).await?,
        }
        written += 1;
        if written < FRAMES_PER_FLUSH
            && let Some(Some(more)) = subs.next().now_or_never()
        {
            next = Some(more);
        }
    }
    sink.flush().await
}

/// Writes one result: `error` when the operation was refused before it ran (then the
/// subscription is over, without `complete`), else `next`.
async fn feed_result<S>(
    sink: &mut S,
    id: &str,
    index: usize,
    mut resp: GqlResponse,
    subs: &mut Subs,
) -> Result<(), S::Error>
where
    S: futures_util::Sink<Message> + Unpin,
{
    let request_error = index == 0
        && resp.data == GqlValue::Null
        && !resp.errors.is_empty()
        && resp.errors.iter().all(|e| e.path.is_empty());
    for e in &mut resp.errors {
        classify(e, request_error);
    }
    if request_error {
        subs.remove(id);
        let errors = serde_json::to_value(&resp.errors).unwrap_or_default();
        return feed(sink, protocol::error(id, &errors)).await;
    }
    let payload = serde_json::to_value(&resp).unwrap_or_default();
    feed(sink, protocol::next(id, &payload)).await
}

async fn send(sink: &mut Sink, text: String) -> Result<(), axum::Error> {
    sink.send(Message::Text(text.into())).await
}

/// Queues a frame without flushing (see [`deliver`]).
async fn feed<S>(sink: &mut S, text: String) -> Result<(), S::Error>
where
    S: futures_util::Sink<Message> + Unpin,
{
    sink.feed(Message::Text(text.into())).await
}

/// Sends the close frame, then completes the closing handshake: reads (and drops) what the
/// client still sends until its own Close, for at most a second, before closing the socket.
/// Closing it with unread input would reset the connection, and a client in the middle of a
/// flood would never see the close code.
async fn close(mut sink: Sink, mut frames: SplitStream<WebSocket>, code: Close, reason: &str) {
    // Close reasons are limited to 123 bytes by the WebSocket protocol.
    let mut reason = reason.to_owned();
    while reason.len() > 120 {
        reason.pop();
    }
    let frame = CloseFrame {
        code: code.code(),
        reason: reason.into(),
    };
    let _ = sink.send(Message::Close(Some(frame))).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        while let Some(Ok(m)) = frames.next().await {
            if matches!(m, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
    let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
}

/// A token bucket of client messages.
struct Budget {
    tokens: f64,
    rate: f64,
    at: Instant,
}

impl Budget {
    fn new(rate: f64) -> Budget {
        Budget {
            tokens: rate * 2.0,
            rate,
            at: Instant::now(),
        }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.at).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.rate * 2.0);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
#[path = "socket_tests.rs"]
mod tests;
