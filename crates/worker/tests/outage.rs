//! A queue outage loses no job: a request whose enqueue failed (the API reported it) leaves a
//! `queued` row without a message; the worker, having seen its own claims fail, re-enqueues
//! every unfinished row once the queue answers again, and the job runs. (The same recovery
//! against a real Redis restart is in `crates/app/tests/resilience/redis_restart.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing test panics

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bus::{
    BoxFuture, BusError, DeadLetter, Delivery, JobMessage, JobQueue, QueueDepth, Result,
    RetryOutcome,
};
use common::{Bus, Db, fixture, worker_config};
use domain::model::{JobStatus, ValuationCause};
use worker::{CancellationToken, JobRequester, RecalcTargets, Worker};

/// A queue that is unreachable while `down` is set (every call fails as a timed-out Redis
/// would), and otherwise the wrapped one.
#[derive(Debug)]
struct Switchable {
    inner: Arc<dyn JobQueue>,
    down: AtomicBool,
}

impl Switchable {
    fn check(&self, op: &'static str) -> Result<()> {
        if self.down.load(Ordering::Acquire) {
            Err(BusError::Timeout {
                op,
                after: Duration::from_millis(1),
            })
        } else {
            Ok(())
        }
    }
}

impl JobQueue for Switchable {
    fn enqueue(&self, message: JobMessage) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            self.check("enqueue")?;
            self.inner.enqueue(message).await
        })
    }

    fn claim<'a>(
        &'a self,
        consumer: &'a str,
        max_wait: Duration,
    ) -> BoxFuture<'a, Result<Option<Delivery>>> {
        Box::pin(async move {
            self.check("claim")?;
            self.inner.claim(consumer, max_wait).await
        })
    }

    fn ack<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.check("ack")?;
            self.inner.ack(delivery).await
        })
    }

    fn retry<'a>(
        &'a self,
        delivery: &'a Delivery,
        error: &'a str,
    ) -> BoxFuture<'a, Result<RetryOutcome>> {
        Box::pin(async move {
            self.check("retry")?;
            self.inner.retry(delivery, error).await
        })
    }

    fn touch<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.check("touch")?;
            self.inner.touch(delivery).await
        })
    }

    fn depth(&self) -> BoxFuture<'_, Result<QueueDepth>> {
        Box::pin(async move {
            self.check("depth")?;
            self.inner.depth().await
        })
    }

    fn dead_letters(&self, limit: usize) -> BoxFuture<'_, Result<Vec<DeadLetter>>> {
        Box::pin(async move {
            self.check("dead letters")?;
            self.inner.dead_letters(limit).await
        })
    }

    fn ping(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            self.check("ping")?;
            self.inner.ping().await
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_enqueue_failed_runs_once_the_queue_is_back() {
    let f = fixture(Db::Sqlite, Bus::Memory, 120).await.unwrap();
    let queue = Arc::new(Switchable {
        inner: f.queue.clone(),
        down: AtomicBool::new(true),
    });
    let requester = JobRequester::new(f.store.clone(), queue.clone(), worker_config());
    let refused = requester
        .request(&RecalcTargets::all(), ValuationCause::Manual, None)
        .await
        .unwrap_err();
    assert!(refused.is_queue_unavailable(), "{refused}");
    let job = f.store.unfinished_recalc_jobs().await.unwrap();
    assert_eq!(job.len(), 1, "the request left its row: {job:?}");
    let job_id = job[0].id.clone();

    let w = Arc::new(Worker::new(
        f.store.clone(),
        queue.clone(),
        f.bus.clone(),
        worker_config(),
    ));
    let stop = CancellationToken::new();
    let task = {
        let (w, stop) = (w.clone(), stop.clone());
        tokio::spawn(async move { w.run("outage-0", &stop).await })
    };
    // The worker's claims fail for a while, then the queue is back.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(f.job(&job_id).await.status, JobStatus::Queued);
    queue.down.store(false, Ordering::Release);

    let end = Instant::now() + Duration::from_secs(30);
    let done = loop {
        let j = f.job(&job_id).await;
        if j.status == JobStatus::Succeeded {
            break j;
        }
        assert!(Instant::now() < end, "the job never ran: {j:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(done.processed, done.total);
    stop.cancel();
    task.await.unwrap();
    f.assert_all_correct().await;
    f.cleanup().await;
}
