//! The event bus's behaviour on both implementations, plus Redis failure modes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing test panics

mod common;

use std::time::Duration;

use bus::{BusMessage, BusOptions, JobMessage, ResyncReason};
use common::{Kind, fast, fixture, next, number, numbered};

const WAIT: Duration = Duration::from_secs(5);

on_both!(
    fan_out_to_several_subscribers,
    a_lagging_subscriber_is_told_to_resync
);

async fn fan_out_to_several_subscribers(kind: Kind) {
    let Some(f) = fixture(kind, fast()).await else {
        return;
    };
    let mut subs = Vec::new();
    for _ in 0..3 {
        subs.push(f.bus.subscribe().await.unwrap());
    }
    f.bus.publish(numbered(0)).await.unwrap();
    f.bus
        .publish_all((1..10).map(numbered).collect())
        .await
        .unwrap();
    f.bus.publish_all(Vec::new()).await.unwrap();
    for sub in &mut subs {
        for n in 0..10 {
            let msg = next(sub, WAIT).await.expect("an event");
            assert_eq!(number(&msg), Some(n), "{msg:?}");
        }
    }
    // A subscriber that came late sees only what follows.
    let mut late = f.bus.subscribe().await.unwrap();
    f.bus.publish(numbered(10)).await.unwrap();
    assert_eq!(number(&next(&mut late, WAIT).await.unwrap()), Some(10));
    assert_eq!(number(&next(&mut subs[0], WAIT).await.unwrap()), Some(10));
    f.cleanup().await;
}

/// Reads until `quiet` passes without a message; checks that every jump in the numbering is
/// preceded by a `Resync`. Returns (numbers received, resyncs).
async fn read_checking_gaps(sub: &mut bus::EventStream, quiet: Duration) -> (Vec<u64>, usize) {
    let (mut got, mut resyncs) = (Vec::new(), 0);
    let mut expect: Option<u64> = Some(0);
    while let Some(msg) = next(sub, quiet).await {
        match msg {
            BusMessage::Resync(ResyncReason::Lagged { .. }) => {
                resyncs += 1;
                expect = None;
            }
            BusMessage::Resync(other) => panic!("unexpected {other:?}"),
            BusMessage::Event(_) => {
                let n = number(&msg).unwrap();
                if let Some(e) = expect {
                    assert_eq!(n, e, "silent gap: expected {e}, got {n}");
                }
                got.push(n);
                expect = Some(n + 1);
            }
        }
    }
    (got, resyncs)
}

async fn a_lagging_subscriber_is_told_to_resync(kind: Kind) {
    let Some(f) = fixture(
        kind,
        BusOptions {
            event_buffer: 4,
            ..fast()
        },
    )
    .await
    else {
        return;
    };
    let mut slow = f.bus.subscribe().await.unwrap();
    // 200 events while the subscriber reads nothing: it can hold only 4.
    for chunk in (0..200).collect::<Vec<_>>().chunks(20) {
        f.bus
            .publish_all(chunk.iter().copied().map(numbered).collect())
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (got, resyncs) = read_checking_gaps(&mut slow, Duration::from_millis(300)).await;
    assert!(resyncs >= 1, "no Resync after a lag; got {got:?}");
    assert!(got.len() < 200);
    // Once it reads again, events flow again.
    f.bus.publish(numbered(200)).await.unwrap();
    assert_eq!(number(&next(&mut slow, WAIT).await.unwrap()), Some(200));
    f.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_subscriber_reconnects_and_resyncs_after_its_connection_is_killed() {
    let Some(f) = fixture(Kind::Redis, fast()).await else {
        return;
    };
    let mut sub = f.bus.subscribe().await.unwrap();
    f.bus.publish(numbered(0)).await.unwrap();
    assert_eq!(number(&next(&mut sub, WAIT).await.unwrap()), Some(0));

    // Kill exactly this test's subscriber connection (found by its client name).
    let (_, prefix) = f.redis.clone().unwrap();
    let mut admin = f.redis_conn().await;
    let list: String = ::redis::cmd("CLIENT")
        .arg("LIST")
        .query_async(&mut admin)
        .await
        .unwrap();
    let name = format!("name={prefix}events-subscriber");
    let ids: Vec<String> = list
        .lines()
        .filter(|l| l.split(' ').any(|field| field == name))
        .filter_map(|l| {
            l.split(' ')
                .find_map(|f| f.strip_prefix("id="))
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(
        ids.len(),
        1,
        "expected one subscriber named {name}:\n{list}"
    );
    let killed: i64 = ::redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(&ids[0])
        .query_async(&mut admin)
        .await
        .unwrap();
    assert_eq!(killed, 1);

    // Events published while it was down are gone, so the subscriber must hear Resync…
    let after_kill = next(&mut sub, WAIT).await.expect("a Resync after the kill");
    assert_eq!(after_kill, BusMessage::Resync(ResyncReason::Reconnected));
    // …and then events flow again.
    f.bus.publish(numbered(1)).await.unwrap();
    assert_eq!(number(&next(&mut sub, WAIT).await.unwrap()), Some(1));
    drop(sub);
    // Dropping the stream closes the subscription's connection.
    let mut gone = false;
    for _ in 0..50 {
        let list: String = ::redis::cmd("CLIENT")
            .arg("LIST")
            .query_async(&mut admin)
            .await
            .unwrap();
        if !list
            .lines()
            .any(|l| l.split(' ').any(|field| field == name))
        {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(gone, "the subscriber connection outlived its stream");
    f.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_redis_fails_fast_with_clear_errors() {
    let started = std::time::Instant::now();
    let (queue, bus) = bus::connect(Some("redis://127.0.0.1:1"), "test:unreachable:", fast())
        .await
        .unwrap();
    let msg = JobMessage::new(uuid::Uuid::new_v4(), JobMessage::RECALCULATION);
    let err = queue
        .enqueue(msg)
        .await
        .expect_err("enqueue must not silently succeed");
    assert!(err.is_unavailable(), "{err:?}");
    assert!(err.to_string().contains("XADD"), "{err}");
    assert!(queue.claim("w", Duration::from_millis(10)).await.is_err());
    assert!(queue.depth().await.is_err());
    assert!(queue.ping().await.is_err());
    assert!(bus.publish(numbered(0)).await.is_err());
    assert!(bus.subscribe().await.is_err());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_bad_redis_url_is_rejected() {
    let err = bus::connect(Some("not a url"), "x:", fast())
        .await
        .unwrap_err();
    assert!(matches!(err, bus::BusError::InvalidUrl(_)), "{err:?}");
}
