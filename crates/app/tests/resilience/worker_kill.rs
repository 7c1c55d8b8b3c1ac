//! Scenario 1: a worker SIGKILLed in the middle of a 20,000-listing recalculation, then
//! restarted. Two API processes and one worker on PostgreSQL + Redis (the shared servers; only
//! the worker dies). First a rule change on API A must reach a subscriber on API B for every
//! affected listing; then a second change starts a job, the worker is killed after a few
//! batches and restarted: the job must be taken over from its last committed batch, end
//! `SUCCEEDED` as the API reports it, every listing must hold the right valuation, and no
//! history row may repeat the previous one. Measured: time from the kill to the job done.

use std::time::{Duration, Instant};

use crate::common::Proc;
use crate::common::jobs::*;
use crate::common::live::*;
use domain::model::JobStatus;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_killed_mid_job_is_taken_over_and_reported_done() {
    let Some((db, store, redis_url, prefix)) = seeded_cluster(20_000).await else {
        return;
    };
    let env = cluster_env(&db.url, &redis_url, &prefix, &FAST_TAKEOVER);
    let a = Proc::serve(&env);
    let b = Proc::serve(&env);
    let mut worker = Proc::worker(&env);
    let token = a.admin_token();
    // Both API processes hold their one bus subscription before anything is changed.
    wait_bus_subscribers(&redis_url, &prefix, 2, Duration::from_secs(30)).await;
    let mut ws = subscribe_all(&b.base, &token).await;

    // 1. A change on A: B's subscriber gets every affected listing's new valuation.
    let before = adjusted(&store).await;
    add_flat_rule(&a.base, &token, "Flat test discount", -7).await;
    let settled = settle(
        &store,
        &mut ws,
        &before,
        Duration::from_secs(180),
        Duration::from_secs(3),
    )
    .await;
    assert!(
        settled.changed.len() > 10_000,
        "{} listings changed",
        settled.changed.len()
    );
    settled.assert_every_change_received();
    for (id, price) in &settled.got {
        let stored = settled.after[id].map(|d| format!("{:.2}", d.round_dp(2)));
        assert_eq!(Some(price.clone()), stored, "listing {id}");
    }

    // 2. Another change; the worker dies (SIGKILL) after a few batches and is restarted.
    add_flat_rule(&a.base, &token, "Second flat test discount", -3).await;
    let running = wait_job(
        &store,
        Some(&settled.job.id),
        Duration::from_secs(60),
        |j| j.status == JobStatus::Running && j.processed >= 300,
    )
    .await;
    drop(worker); // SIGKILL
    let killed_at = Instant::now();
    let midway = store.job(&running.id).await.unwrap().unwrap();
    assert!(
        midway.processed < midway.total,
        "the job finished before the kill ({} of {})",
        midway.processed,
        midway.total
    );
    worker = Proc::worker(&env);
    let resumed = wait_job(
        &store,
        Some(&settled.job.id),
        Duration::from_secs(120),
        |j| j.id == running.id && j.processed > midway.processed,
    )
    .await;
    let resumed_after = killed_at.elapsed();
    let done = wait_job(
        &store,
        Some(&settled.job.id),
        Duration::from_secs(240),
        |j| j.id == running.id && j.status == JobStatus::Succeeded,
    )
    .await;
    let done_after = killed_at.elapsed();
    assert!(resumed.processed <= done.processed);
    assert_eq!(done.processed, done.total);
    let reported = job_via_api(&a.base, &token, &running.id).await;
    assert_eq!(reported["status"], "SUCCEEDED", "{reported}");
    assert_eq!(reported["processed"], reported["total"], "{reported}");
    assert_all_correct(&store).await;
    let duplicates = duplicated_history_rows(&db.url).await;
    assert_eq!(duplicates, 0);
    println!(
        "RESILIENCE worker-kill: killed at {} of {} listings; taken over after {:.1} s, \
         job done {:.1} s after the kill; duplicated history rows {duplicates}",
        midway.processed,
        midway.total,
        resumed_after.as_secs_f64(),
        done_after.as_secs_f64()
    );
    drop((worker, a, b));
    clear_prefix(&redis_url, &prefix).await;
}
