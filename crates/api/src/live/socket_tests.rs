//! The connection's write path, against an in-memory sink.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use futures_util::stream;
use serde_json::Value;

use super::*;

/// A subscription that has `n` frames ready at once, `{"n": 0}` … `{"n": n-1}`.
fn ready_frames(n: usize) -> BoxStream<'static, Out> {
    stream::iter((0..n).map(|i| Out::Frame(Arc::from(format!("{{\"n\":{i}}}").as_str())))).boxed()
}

/// Runs the connection's delivery step until the subscriptions are drained; what was sent.
async fn drain(mut subs: Subs) -> Vec<Value> {
    let mut sent: Vec<Message> = Vec::new();
    while let Some((id, out)) = subs.next().await {
        deliver(&mut sent, &mut subs, id, out).await.unwrap();
    }
    sent.iter()
        .map(|m| match m {
            Message::Text(t) => serde_json::from_str(t.as_str()).unwrap(),
            other => panic!("not a text frame: {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn bursts_longer_than_one_flush_lose_no_frame() {
    // More ready frames than one flush takes, on two subscriptions at once: every frame is
    // written exactly once and each subscription's frames keep their order.
    let burst = FRAMES_PER_FLUSH * 3 + 1;
    let mut subs: Subs = StreamMap::new();
    subs.insert("a".to_owned(), ready_frames(burst));
    subs.insert("b".to_owned(), ready_frames(burst));
    let sent = drain(subs).await;
    let mut seen: HashMap<String, Vec<u64>> = HashMap::new();
    for m in &sent {
        assert_eq!(m["type"], "next", "{m}");
        let id = m["id"].as_str().unwrap().to_owned();
        seen.entry(id)
            .or_default()
            .push(m["payload"]["n"].as_u64().unwrap());
    }
    let expected: Vec<u64> = (0..burst as u64).collect();
    assert_eq!(seen["a"], expected);
    assert_eq!(seen["b"], expected);
    assert_eq!(sent.len(), 2 * burst);
}

#[tokio::test]
async fn done_completes_after_the_last_frame() {
    let mut subs: Subs = StreamMap::new();
    subs.insert(
        "a".to_owned(),
        ready_frames(FRAMES_PER_FLUSH)
            .chain(stream::iter([Out::Done]))
            .boxed(),
    );
    let sent = drain(subs).await;
    assert_eq!(sent.len(), FRAMES_PER_FLUSH + 1);
    assert_eq!(
        sent[FRAMES_PER_FLUSH - 1]["payload"]["n"],
        FRAMES_PER_FLUSH - 1
    );
    assert_eq!(
        sent[FRAMES_PER_FLUSH],
        serde_json::json!({"id": "a", "type": "complete"})
    );
}
