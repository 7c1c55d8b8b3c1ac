//! How a shared `listingValuationUpdated` subscription runs on a connection: async-graphql
//! starts it (so every refusal and error is its own), its resolver hands the filtered events
//! over through [`Handover`], and from then on the connection renders each event through the
//! subscription's [`Group`] instead of executing it per subscriber.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use async_graphql::{Request as GqlRequest, Response as GqlResponse};
use bus::BusMessage;
use futures_util::future::FutureExt as _;
use futures_util::stream::{BoxStream, Stream, StreamExt};
use tokio::sync::oneshot;

use super::share::{Group, ShareKey, Template, lock};
use super::socket::Out;
use crate::http::AppState;

/// Request data of a shared subscription: the resolver hands its filtered events over here.
pub struct Handover(Mutex<Option<oneshot::Sender<BoxStream<'static, BusMessage>>>>);

type Events = BoxStream<'static, BusMessage>;

impl std::fmt::Debug for Handover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handover").finish_non_exhaustive()
    }
}

impl Handover {
    /// Passes `events` to the connection; `Err` gives them back when nobody waits for them.
    pub fn give(&self, events: Events) -> Result<(), Events> {
        match lock(&self.0).take() {
            Some(tx) => tx.send(events),
            None => Err(events),
        }
    }
}

/// Starts `req` (a subscription with sharing key `key`): async-graphql's results until the
/// resolver hands its events over, then the group's rendering of each, then `Done`.
pub(crate) fn start(state: &AppState, key: ShareKey, req: GqlRequest) -> BoxStream<'static, Out> {
    let (tx, rx) = oneshot::channel();
    let template = Template {
        schema: state.schema.clone(),
        store: state.store.clone(),
        variables: req.variables.clone(),
    };
    let req = req.data(Handover(Mutex::new(Some(tx))));
    Shared {
        started: Some(Starting {
            results: state.schema.execute_stream(req).enumerate().boxed(),
            handover: Some(rx),
            join: (state.live.clone(), key, template),
        }),
        frames: None,
        done: false,
    }
    .boxed()
}

/// The subscription before the handover: async-graphql's stream and what joins the group.
struct Starting {
    results: BoxStream<'static, (usize, GqlResponse)>,
    handover: Option<oneshot::Receiver<Events>>,
    join: (Arc<super::share::Renderers>, ShareKey, Template),
}

struct Shared {
    /// Until the handover (async-graphql's stream yields nothing after it, so it is dropped).
    started: Option<Starting>,
    /// After the handover: one `next` payload per event.
    frames: Option<BoxStream<'static, Arc<str>>>,
    /// `Done` has been yielded.
    done: bool,
}

impl Stream for Shared {
    type Item = Out;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Out>> {
        let this = &mut *self;
        if let Some(frames) = this.frames.as_mut() {
            return match frames.poll_next_unpin(cx) {
                Poll::Ready(Some(p)) => Poll::Ready(Some(Out::Frame(p))),
                Poll::Ready(None) => Poll::Ready(this.finish()),
                Poll::Pending => Poll::Pending,
            };
        }
        let Some(s) = this.started.as_mut() else {
            return Poll::Ready(this.finish());
        };
        match s.results.poll_next_unpin(cx) {
            Poll::Ready(Some((i, r))) => return Poll::Ready(Some(Out::Result(i, Box::new(r)))),
            Poll::Ready(None) => {
                this.started = None;
                return Poll::Ready(this.finish());
            }
            Poll::Pending => {}
        }
        let handed = match s.handover.as_mut().map(|rx| rx.poll_unpin(cx)) {
            Some(Poll::Ready(got)) => {
                s.handover = None;
                got.ok()
            }
            _ => None,
        };
        let Some(events) = handed else {
            // No handover yet (or none coming: the resolver failed, and its results say so).
            return Poll::Pending;
        };
        let Some(s) = this.started.take() else {
            return Poll::Pending;
        };
        let (renderers, key, template) = s.join;
        let group = renderers.join(key, template);
        telemetry::metrics().shared_subscription_started();
        this.frames = Some(frames(events, group));
        self.as_mut().poll_next(cx)
    }
}

impl Shared {
    /// The last item: `Done` once, then the end.
    fn finish(&mut self) -> Option<Out> {
        (!std::mem::replace(&mut self.done, true)).then_some(Out::Done)
    }
}

/// The `next` payload of each event, rendered by the group.
fn frames(events: Events, group: Arc<Group>) -> BoxStream<'static, Arc<str>> {
    events
        .then(move |m| {
            let g = group.clone();
            async move { g.payload(m).await }
        })
        .boxed()
}
