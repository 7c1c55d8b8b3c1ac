//! Many producers and consumers at once, on both implementations.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing test panics

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bus::{BusOptions, JobMessage, QueueDepth};
use common::{Kind, fast, fixture, job};
use tokio::time::Instant;

on_both!(many_producers_and_consumers_deliver_each_message_once);

async fn many_producers_and_consumers_deliver_each_message_once(kind: Kind) {
    const PRODUCERS: usize = 4;
    const EACH: usize = 100;
    const CONSUMERS: usize = 4;
    let options = BusOptions {
        visibility_timeout: Duration::from_secs(30),
        ..fast()
    };
    let Some(f) = fixture(kind, options).await else {
        return;
    };
    let seen: Arc<Mutex<HashMap<uuid::Uuid, usize>>> = Arc::default();
    let mut sent = Vec::new();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            let msgs: Vec<JobMessage> = (0..EACH).map(|_| job()).collect();
            sent.extend(msgs.iter().map(|m| m.job_id));
            let queue = f.queue.clone();
            tokio::spawn(async move {
                for m in msgs {
                    queue.enqueue(m).await.unwrap();
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|i| {
            let queue = f.queue.clone();
            let seen = seen.clone();
            tokio::spawn(async move {
                let name = format!("c{i}");
                let stop = Instant::now() + Duration::from_secs(30);
                while Instant::now() < stop {
                    if seen.lock().unwrap().len() == PRODUCERS * EACH {
                        break;
                    }
                    let Some(d) = queue
                        .claim(&name, Duration::from_millis(100))
                        .await
                        .unwrap()
                    else {
                        continue;
                    };
                    *seen.lock().unwrap().entry(d.message.job_id).or_default() += 1;
                    queue.ack(&d).await.unwrap();
                }
            })
        })
        .collect();
    for p in producers {
        p.await.unwrap();
    }
    for c in consumers {
        c.await.unwrap();
    }
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), PRODUCERS * EACH, "lost messages");
    assert!(
        sent.iter().all(|id| seen.get(id) == Some(&1)),
        "a message was delivered twice"
    );
    assert_eq!(f.queue.depth().await.unwrap(), QueueDepth::default());
    f.cleanup().await;
}
