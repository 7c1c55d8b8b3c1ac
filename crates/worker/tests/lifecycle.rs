//! Coalescing (ten requests in a burst make one job and one pass), graceful shutdown (the
//! current batch finishes, the rest stays queued), and a worker killed mid-job then
//! restarted (every listing correct, no duplicate history rows, the job done), a running job
//! cancelled (it stops after its batch), and a running job taken over by another worker (the
//! first stops without ending it or calling it cancelled).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing test panics

mod common;

use std::time::Duration;

use bus::{BusEvent, BusMessage};
use common::{Bus, Db, Fixture, connect_bus, drain, fixture, worker_config};
use domain::model::{JobStatus, ValuationCause};
use worker::{CancellationToken, Handled, RecalcTargets, Worker};

async fn value_all(f: &Fixture) {
    f.requester
        .request(&RecalcTargets::all(), ValuationCause::Manual, None)
        .await
        .unwrap();
    f.drain(&f.worker).await;
}

async fn ten_requests_make_one_job(db: Db, kind: Bus) {
    let Some(f) = fixture(db, kind, 50).await else {
        return;
    };
    value_all(&f).await;
    let jobs_before = f.working_jobs().await.len();
    let ids = f.store.active_listing_ids(0, 5).await.unwrap();
    let mut outs = Vec::new();
    for i in 0..10 {
        let scope = match i {
            3 => RecalcTargets {
                listing_ids: ids.clone(),
                ..RecalcTargets::default()
            },
            _ => RecalcTargets::all(),
        };
        let out = f
            .requester
            .request(&scope, ValuationCause::RuleChange, Some("test"))
            .await
            .unwrap();
        outs.push(out);
    }
    let job_id = outs[0].job_id.clone();
    assert!(!outs[0].coalesced);
    assert!(outs[1..].iter().all(|o| o.coalesced && o.job_id == job_id));
    assert_eq!(f.working_jobs().await.len(), jobs_before + 1);
    let rows = f.store.jobs(Some(JobStatus::Coalesced)).await.unwrap();
    assert_eq!(rows.len(), 9);
    assert!(
        rows.iter()
            .all(|r| r.coalesced_into.as_deref() == Some(job_id.as_str()))
    );
    let job = f.job(&job_id).await;
    assert_eq!(
        RecalcTargets::from_json(&job.scope).unwrap(),
        RecalcTargets::all()
    );
    assert_eq!(job.causes.as_array().map(Vec::len), Some(10));
    let nb = job.not_before.unwrap();
    assert!(nb <= job.created_at + chrono::Duration::seconds(2));

    let handled = f.drain(&f.worker).await;
    let ran: Vec<_> = handled
        .iter()
        .filter(|h| matches!(h, Handled::Succeeded { .. }))
        .collect();
    assert_eq!(ran.len(), 1, "one pass: {handled:?}");
    let job = f.job(&job_id).await;
    let n = f.adjusted().await.len() as i32;
    assert_eq!((job.status, job.processed), (JobStatus::Succeeded, n));

    // Without "all", scopes union: five single-listing requests, one job over five listings.
    let mut last = None;
    for id in &ids {
        let scope = RecalcTargets {
            listing_ids: vec![*id],
            ..RecalcTargets::default()
        };
        last = Some(
            f.requester
                .request(&scope, ValuationCause::ListingEdit, None)
                .await
                .unwrap(),
        );
    }
    let job_id = last.unwrap().job_id;
    let job = f.job(&job_id).await;
    assert_eq!(
        RecalcTargets::from_json(&job.scope).unwrap().listing_ids,
        ids
    );
    f.drain(&f.worker).await;
    let job = f.job(&job_id).await;
    assert_eq!(
        (job.status, job.total, job.processed),
        (JobStatus::Succeeded, 5, 5)
    );
    f.cleanup().await;
}

/// A rule-change job running on a worker loop ("loop-a"), past its first batch.
struct Running {
    f: Fixture,
    /// The bus, subscribed before the job was requested (its first progress event read).
    events: bus::EventStream,
    /// Stops the loop.
    stop: CancellationToken,
    job_id: String,
    task: tokio::task::JoinHandle<()>,
}

/// Seeds and values `listings` listings, then requests a rule-change job, runs it on a worker
/// loop and waits for its first progress event; `None` when the backends are unavailable.
async fn running_job(db: Db, kind: Bus, listings: usize) -> Option<Running> {
    let f = fixture(db, kind, listings).await?;
    value_all(&f).await;
    let mut events = f.bus.subscribe().await.unwrap();
    f.add_flat_rule().await;
    let out = f
        .requester
        .request(&RecalcTargets::all(), ValuationCause::RuleChange, None)
        .await
        .unwrap();
    let stop = CancellationToken::new();
    let (w, loop_stop) = (f.worker.clone(), stop.clone());
    let task = tokio::spawn(async move { w.run("loop-a", &loop_stop).await });
    let first = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Some(BusMessage::Event(e)) = events.recv().await
                && let BusEvent::RecalculationProgress(p) = &*e
                && p.job_id.to_string() == out.job_id
            {
                return;
            }
        }
    })
    .await;
    assert!(first.is_ok(), "no progress event");
    Some(Running {
        f,
        events,
        stop,
        job_id: out.job_id,
        task,
    })
}

/// The status the first `JobFinished` event of `job_id` reports; `None` after `within` or
/// when the stream ends.
async fn job_finished(
    stream: &mut bus::EventStream,
    job_id: &str,
    within: Duration,
) -> Option<JobStatus> {
    tokio::time::timeout(within, async {
        loop {
            if let BusMessage::Event(e) = stream.recv().await?
                && let BusEvent::JobFinished(j) = &*e
                && j.job_id.to_string() == job_id
            {
                return Some(j.status);
            }
        }
    })
    .await
    .ok()
    .flatten()
}

async fn shutdown_finishes_the_batch_and_leaves_the_rest_queued(db: Db, kind: Bus) {
    let Some(Running {
        f,
        stop,
        job_id,
        task,
        ..
    }) = running_job(db, kind, 300).await
    else {
        return;
    };
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("the loop stops after its batch")
        .unwrap();
    let job = f.job(&job_id).await;
    assert_eq!(job.status, JobStatus::Queued, "handed back");
    assert!(job.processed > 0 && job.processed < job.total, "{job:?}");
    assert_eq!(
        job.processed % f.config.batch_size as i32,
        0,
        "whole batches only"
    );
    f.drain(&f.worker).await;
    let job = f.job(&job_id).await;
    assert_eq!(job.status, JobStatus::Succeeded);
    assert_eq!(job.processed, job.total);
    f.assert_all_correct().await;
    f.cleanup().await;
}

async fn cancelled_while_running_stops_after_its_batch(db: Db, kind: Bus) {
    let Some(Running {
        f,
        mut events,
        stop,
        job_id,
        task,
    }) = running_job(db, kind, 400).await
    else {
        return;
    };
    // What `cancelJob` does to a running job.
    assert!(
        f.store
            .transition_job(&job_id, JobStatus::Running, JobStatus::Cancelled)
            .await
            .unwrap()
    );
    let finished = job_finished(&mut events, &job_id, Duration::from_secs(30))
        .await
        .expect("the worker reports the cancelled job");
    assert_eq!(finished, JobStatus::Cancelled);
    stop.cancel();
    task.await.unwrap();
    let job = f.job(&job_id).await;
    assert_eq!(job.status, JobStatus::Cancelled);
    assert!(job.finished_at.is_some());
    assert!(job.processed < job.total, "stopped early: {job:?}");
    assert_eq!(
        job.processed % f.config.batch_size as i32,
        0,
        "whole batches only"
    );
    // Nothing is left for a worker to pick up.
    let handled = f.drain(&f.worker).await;
    assert!(
        !handled
            .iter()
            .any(|h| matches!(h, Handled::Succeeded { job_id: j } if *j == job_id)),
        "{handled:?}"
    );
    assert_eq!(f.job(&job_id).await.status, JobStatus::Cancelled);
    f.cleanup().await;
}

async fn taken_over_while_running_is_not_reported_cancelled(db: Db, kind: Bus) {
    let Some(Running {
        f,
        mut events,
        stop,
        job_id,
        task,
    }) = running_job(db, kind, 400).await
    else {
        return;
    };
    // Another worker takes the job over, as one does when this one's heartbeat looks stale;
    // that "worker" then does nothing, so its own heartbeat lapses in turn.
    let other = f
        .store
        .claim_recalc_job(&job_id, chrono::Utc::now() + chrono::Duration::hours(1))
        .await
        .unwrap()
        .expect("the job was still running");
    // The first worker stops at its next batch without ending the job (no `cancelled`, no
    // hand-back over the other claim), then takes the job over again once that claim is
    // stale, and finishes it.
    let finished = job_finished(&mut events, &job_id, Duration::from_secs(60))
        .await
        .expect("the job finishes");
    assert_eq!(finished, JobStatus::Succeeded);
    stop.cancel();
    task.await.unwrap();
    let job = f.job(&job_id).await;
    assert_eq!(job.status, JobStatus::Succeeded);
    assert!(job.attempts > other.attempts, "{job:?}");
    assert_eq!(job.processed, job.total);
    f.assert_all_correct().await;
    f.cleanup().await;
}

async fn killed_worker_restarts_and_finishes(db: Db, kind: Bus) {
    let Some(Running {
        f, job_id, task, ..
    }) = running_job(db, kind, 400).await
    else {
        return;
    };
    task.abort();
    let _ = task.await;
    let job = f.job(&job_id).await;
    assert_eq!(job.status, JobStatus::Running, "killed mid-job: {job:?}");
    assert!(job.processed < job.total);

    // A new process: a fresh in-process queue (the old one died with it), or a new
    // connection to the same Redis prefix (the old delivery is still pending there).
    let (queue, bus) = connect_bus(&f.redis).await;
    let w = Worker::new(f.store.clone(), queue.clone(), bus, worker_config());
    let sole = kind == Bus::Memory;
    assert_eq!(w.requeue_unfinished(sole).await.unwrap(), 1);
    drain(&w, &queue).await;
    let job = f.job(&job_id).await;
    assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
    assert!(job.processed >= job.total);
    f.assert_all_correct().await;
    let ids = f.store.active_listing_ids(0, 100_000).await.unwrap();
    let mut rows = 0;
    for id in &ids {
        let h = f.store.valuation_history(*id, 1000).await.unwrap();
        let n = h
            .iter()
            .filter(|e| e.job_id.as_deref() == Some(job_id.as_str()))
            .count();
        assert_eq!(n, 1, "listing {id}: {n} history rows of the job");
        rows += n;
    }
    assert_eq!(rows, ids.len());
    f.cleanup().await;
}

matrix!(
    ten_requests_make_one_job,
    shutdown_finishes_the_batch_and_leaves_the_rest_queued,
    cancelled_while_running_stops_after_its_batch,
    taken_over_while_running_is_not_reported_cancelled,
    killed_worker_restarts_and_finishes,
);
