//! The job queue's behaviour, written once and run on both implementations.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing test panics

mod common;

use std::time::Duration;

use bus::{BusError, BusOptions, QueueDepth, RetryOutcome};
use common::{Kind, fast, fixture, job};
use tokio::time::Instant;

const SHORT: Duration = Duration::from_millis(30);

on_both!(
    enqueue_claim_ack,
    claim_returns_none_after_max_wait,
    waiting_claimer_wakes_on_enqueue,
    unacked_delivery_is_reclaimed_after_visibility_timeout,
    touch_keeps_a_long_delivery,
    retry_backs_off_then_dead_letters,
    abandoned_past_max_attempts_is_dead_lettered,
    not_before_holds_a_message_back,
    depth_counts_each_state,
);

async fn enqueue_claim_ack(kind: Kind) {
    let Some(f) = fixture(kind, fast()).await else {
        return;
    };
    let msg = job().with_payload(serde_json::json!({"listing_ids": [1, 2]}));
    f.queue.enqueue(msg.clone()).await.unwrap();
    let d = f
        .queue
        .claim("w1", Duration::from_secs(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.message, msg);
    assert_eq!(d.attempt, 1);
    assert_eq!(d.consumer, "w1");
    // Invisible to others while held.
    assert!(f.queue.claim("w2", SHORT).await.unwrap().is_none());
    f.queue.ack(&d).await.unwrap();
    f.queue.ack(&d).await.unwrap(); // idempotent
    assert_eq!(f.queue.depth().await.unwrap(), QueueDepth::default());
    assert!(f.queue.claim("w1", SHORT).await.unwrap().is_none());
    f.cleanup().await;
}

async fn claim_returns_none_after_max_wait(kind: Kind) {
    let Some(f) = fixture(kind, fast()).await else {
        return;
    };
    let started = Instant::now();
    assert!(
        f.queue
            .claim("w1", Duration::from_millis(200))
            .await
            .unwrap()
            .is_none()
    );
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(190),
        "returned early: {waited:?}"
    );
    assert!(
        waited < Duration::from_millis(1500),
        "overslept: {waited:?}"
    );
    f.cleanup().await;
}

async fn waiting_claimer_wakes_on_enqueue(kind: Kind) {
    let Some(f) = fixture(kind, fast()).await else {
        return;
    };
    let queue = f.queue.clone();
    let claimer = tokio::spawn(async move {
        let started = Instant::now();
        let d = queue.claim("w1", Duration::from_secs(5)).await.unwrap();
        (d, started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let msg = job();
    f.queue.enqueue(msg.clone()).await.unwrap();
    let (d, waited) = claimer.await.unwrap();
    assert_eq!(d.unwrap().message, msg);
    assert!(waited < Duration::from_secs(1), "woke late: {waited:?}");
    f.cleanup().await;
}

async fn unacked_delivery_is_reclaimed_after_visibility_timeout(kind: Kind) {
    let Some(f) = fixture(kind, fast()).await else {
        return;
    };
    let msg = job();
    f.queue.enqueue(msg.clone()).await.unwrap();
    let first = f
        .queue
        .claim("dies", Duration::from_secs(1))
        .await
        .unwrap()
        .unwrap();
    let taken = Instant::now();
    // "dies" never acks. Another worker gets it once the 300 ms visibility timeout passed.
    let second = f
        .queue
        .claim("lives", Duration::from_secs(3))
        .await
        .unwrap()
        .unwrap();
    assert!(
        taken.elapsed() >= Duration::from_millis(250),
        "reclaimed too early"
    );
    assert_eq!(second.id, first.id);
    assert_eq!(second.message, msg);
    assert_eq!(second.attempt, 2);
    assert_eq!(second.consumer, "lives");
    // The dead worker, should it come back, no longer holds it.
    assert!(matches!(
        f.queue.retry(&first, "late").await,
        Err(BusError::LeaseLost(_))
    ));
    assert!(matches!(
        f.queue.touch(&first).await,
        Err(BusError::LeaseLost(_))
    ));
    f.queue.ack(&second).await.unwrap();
    assert_eq!(f.queue.depth().await.unwrap().pending(), 0);
    f.cleanup().await;
}

async fn touch_keeps_a_long_delivery(kind: Kind) {
    let options = BusOptions {
        visibility_timeout: Duration::from_millis(500),
        ..fast()
    };
    let Some(f) = fixture(kind, options).await else {
        return;
    };
    f.queue.enqueue(job()).await.unwrap();
    let d = f
        .queue
        .claim("slow", Duration::from_secs(1))
        .await
        .unwrap()
        .unwrap();
    // Work for 3× the visibility timeout, touching every 100 ms.
    for _ in 0..15 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        f.queue.touch(&d).await.unwrap();
        assert!(
            f.queue
                .claim("other", Duration::ZERO)
                .await
                .unwrap()
                .is_none()
        );
    }
    f.queue.ack(&d).await.unwrap();
    assert!(
        f.queue
            .claim("other", Duration::from_millis(600))
            .await
            .unwrap()
            .is_none()
    );
    f.cleanup().await;
}

async fn retry_backs_off_then_dead_letters(kind: Kind) {
    let Some(f) = fixture(kind, fast()).await else {
        return;
    };
    let msg = job();
    f.queue.enqueue(msg.clone()).await.unwrap();
    let mut d = f
        .queue
        .claim("w", Duration::from_secs(2))
        .await
        .unwrap()
        .unwrap();
    // Backoff 50 ms, then 100 ms; the third failure dead-letters.
    for (attempt, backoff) in [(1u32, 50u64), (2, 100)] {
        assert_eq!(d.attempt, attempt);
        assert_eq!(d.message, msg);
        let outcome = f.queue.retry(&d, "db down").await.unwrap();
        let failed_at = Instant::now();
        let after = Duration::from_millis(backoff);
        assert_eq!(
            outcome,
            RetryOutcome::Retrying {
                next_attempt: attempt + 1,
                after
            }
        );
        assert_eq!(f.queue.depth().await.unwrap().delayed, 1);
        assert!(
            f.queue.claim("w", Duration::ZERO).await.unwrap().is_none(),
            "no backoff"
        );
        d = f
            .queue
            .claim("w", Duration::from_secs(2))
            .await
            .unwrap()
            .unwrap();
        let waited = failed_at.elapsed();
        assert!(
            waited + Duration::from_millis(10) >= after,
            "backoff too short: {waited:?}"
        );
    }
    assert_eq!(d.attempt, 3);
    assert_eq!(
        f.queue.retry(&d, "still down").await.unwrap(),
        RetryOutcome::DeadLettered
    );
    let depth = f.queue.depth().await.unwrap();
    assert_eq!((depth.pending(), depth.dead), (0, 1));
    let dead = f.queue.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].message, msg);
    assert_eq!(dead[0].attempts, 3);
    assert_eq!(dead[0].error, "still down");
    assert!(
        f.queue
            .claim("w", Duration::from_millis(200))
            .await
            .unwrap()
            .is_none()
    );
    f.cleanup().await;
}

async fn abandoned_past_max_attempts_is_dead_lettered(kind: Kind) {
    let options = BusOptions {
        max_attempts: 2,
        visibility_timeout: Duration::from_millis(100),
        ..fast()
    };
    let Some(f) = fixture(kind, options).await else {
        return;
    };
    let msg = job();
    f.queue.enqueue(msg.clone()).await.unwrap();
    // A message that crashes every worker: two holders die without acking.
    let a = f
        .queue
        .claim("crash-1", Duration::from_secs(1))
        .await
        .unwrap()
        .unwrap();
    let b = f
        .queue
        .claim("crash-2", Duration::from_secs(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((a.attempt, b.attempt), (1, 2));
    // The next claim finds it abandoned a third time: dead-lettered, not handed out.
    assert!(
        f.queue
            .claim("w", Duration::from_secs(1))
            .await
            .unwrap()
            .is_none()
    );
    let dead = f.queue.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].message, msg);
    assert_eq!(dead[0].attempts, 2);
    assert!(
        dead[0].error.contains("visibility timeout"),
        "{}",
        dead[0].error
    );
    assert_eq!(f.queue.depth().await.unwrap().pending(), 0);
    f.cleanup().await;
}

async fn not_before_holds_a_message_back(kind: Kind) {
    let Some(f) = fixture(kind, fast()).await else {
        return;
    };
    let later = job().not_before(chrono::Utc::now() + chrono::Duration::milliseconds(250));
    let now = job();
    let enqueued = Instant::now();
    f.queue.enqueue(later.clone()).await.unwrap();
    f.queue.enqueue(now.clone()).await.unwrap();
    let first = f
        .queue
        .claim("w", Duration::from_secs(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.message, now, "the due message comes first");
    f.queue.ack(&first).await.unwrap();
    assert!(f.queue.claim("w", SHORT).await.unwrap().is_none());
    let second = f
        .queue
        .claim("w", Duration::from_secs(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.message, later);
    assert!(
        enqueued.elapsed() >= Duration::from_millis(200),
        "delivered before not_before"
    );
    f.cleanup().await;
}

async fn depth_counts_each_state(kind: Kind) {
    let Some(f) = fixture(kind, fast()).await else {
        return;
    };
    for _ in 0..3 {
        f.queue.enqueue(job()).await.unwrap();
    }
    let in_a_minute = chrono::Utc::now() + chrono::Duration::seconds(60);
    f.queue
        .enqueue(job().not_before(in_a_minute))
        .await
        .unwrap();
    let d = f
        .queue
        .claim("w", Duration::from_secs(1))
        .await
        .unwrap()
        .unwrap();
    let depth = f.queue.depth().await.unwrap();
    assert_eq!(
        depth,
        QueueDepth {
            ready: 2,
            in_flight: 1,
            delayed: 1,
            dead: 0
        }
    );
    assert_eq!(depth.pending(), 4);
    f.queue.ack(&d).await.unwrap();
    assert_eq!(f.queue.depth().await.unwrap().pending(), 3);
    f.cleanup().await;
}
