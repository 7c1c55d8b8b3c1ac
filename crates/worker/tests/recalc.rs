//! A job end to end: every affected listing revalued, one event per changed listing, one
//! progress event per batch, history only on change, re-running changes nothing; a CPU change
//! touches only that CPU's listings; a failing listing is counted and the rest commit.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing test panics

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use bus::BusEvent;
use common::{Bus, Db, Fixture, collect, fixture};
use domain::model::{JobStatus, ValuationCause};
use sea_orm::{ConnectionTrait, Database};
use worker::{Handled, RecalcTargets};

/// Values every listing once (the state before the change under test).
async fn value_all(f: &Fixture) -> HashMap<i64, Option<rust_decimal::Decimal>> {
    let out = f
        .requester
        .request(&RecalcTargets::all(), ValuationCause::Manual, None)
        .await
        .unwrap();
    f.drain(&f.worker).await;
    assert_eq!(f.job(&out.job_id).await.status, JobStatus::Succeeded);
    let before = f.adjusted().await;
    assert!(before.values().all(Option::is_some));
    before
}

async fn history_rows(f: &Fixture, ids: impl Iterator<Item = i64>, job: &str) -> (usize, usize) {
    let (mut of_job, mut all) = (0, 0);
    for id in ids {
        let h = f.store.valuation_history(id, 1000).await.unwrap();
        all += h.len();
        let n = h
            .iter()
            .filter(|e| e.job_id.as_deref() == Some(job))
            .count();
        assert!(n <= 1, "listing {id} has {n} history rows of job {job}");
        of_job += n;
    }
    (of_job, all)
}

async fn rule_change_revalues_every_listing(db: Db, kind: Bus) {
    let Some(f) = fixture(db, kind, 100).await else {
        return;
    };
    let before = value_all(&f).await;
    let n = before.len();
    let mut stream = f.bus.subscribe().await.unwrap();
    f.add_flat_rule().await;
    let out = f
        .requester
        .request(&RecalcTargets::all(), ValuationCause::RuleChange, None)
        .await
        .unwrap();
    assert!(!out.coalesced);
    let handled = f.drain(&f.worker).await;
    assert!(handled.contains(&Handled::Succeeded {
        job_id: out.job_id.clone()
    }));
    let job = f.job(&out.job_id).await;
    assert_eq!(job.status, JobStatus::Succeeded);
    assert_eq!(
        (job.total, job.processed, job.changed, job.failed),
        (n as i32, n as i32, n as i32, 0)
    );
    f.assert_all_correct().await;
    let after = f.adjusted().await;

    let events = collect(&mut stream, Duration::from_millis(700)).await;
    let mut seen = HashSet::new();
    let mut progress = Vec::new();
    let mut finished = Vec::new();
    for e in &events {
        match e {
            BusEvent::ListingValuationUpdated(u) => {
                assert_eq!(u.job_id.to_string(), out.job_id);
                assert_eq!(u.cause, ValuationCause::RuleChange);
                assert_eq!(u.previous_adjusted_price_usd, before[&u.listing_id]);
                assert_eq!(u.adjusted_price_usd, after[&u.listing_id]);
                assert!(seen.insert(u.listing_id), "two events for {}", u.listing_id);
            }
            BusEvent::RecalculationProgress(p) => progress.push(p.processed),
            BusEvent::JobFinished(j) => finished.push((j.status, j.processed)),
            BusEvent::Unknown => panic!("unknown event"),
        }
    }
    assert_eq!(seen.len(), n, "one event per changed listing");
    let batches = n.div_ceil(f.config.batch_size as usize);
    assert_eq!(progress.len(), batches, "one progress event per batch");
    assert_eq!(progress.last().copied(), Some(n as u64));
    assert_eq!(finished, vec![(JobStatus::Succeeded, n as u64)]);
    let (of_job, rows) = history_rows(&f, before.keys().copied(), &out.job_id).await;
    assert_eq!(of_job, n, "one history row per changed listing");

    // Re-running changes nothing: no writes, no history, no listing events.
    let again = f
        .requester
        .request(&RecalcTargets::all(), ValuationCause::Manual, None)
        .await
        .unwrap();
    f.drain(&f.worker).await;
    let job = f.job(&again.job_id).await;
    assert_eq!((job.status, job.changed), (JobStatus::Succeeded, 0));
    let (_, rows_again) = history_rows(&f, before.keys().copied(), &out.job_id).await;
    assert_eq!(rows_again, rows);
    let events = collect(&mut stream, Duration::from_millis(300)).await;
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, BusEvent::ListingValuationUpdated(_)))
    );
    assert_eq!(f.adjusted().await, after);
    f.cleanup().await;
}

async fn cpu_change_revalues_only_its_listings(db: Db, kind: Bus) {
    let Some(f) = fixture(db, kind, 100).await else {
        return;
    };
    let before = value_all(&f).await;
    let ids: Vec<i64> = before.keys().copied().collect();
    let listings = f.store.listings_by_ids(&ids).await.unwrap();
    let cpu_id = listings.values().find_map(|l| l.data.cpu_id).unwrap();
    let mine: HashSet<i64> = listings
        .values()
        .filter(|l| l.data.cpu_id == Some(cpu_id))
        .map(|l| l.id)
        .collect();
    assert!(!mine.is_empty() && mine.len() < ids.len());
    let mut cpu = f.store.cpu(cpu_id).await.unwrap().unwrap();
    cpu.data.cpu_mark_multi = cpu.data.cpu_mark_multi.map(|m| m + 5000);
    f.store.update_cpu(cpu_id, &cpu.data).await.unwrap();
    let mut stream = f.bus.subscribe().await.unwrap();
    let scope = RecalcTargets {
        cpu_ids: vec![cpu_id],
        ..RecalcTargets::default()
    };
    let out = f
        .requester
        .request(&scope, ValuationCause::CpuChange, None)
        .await
        .unwrap();
    f.drain(&f.worker).await;
    let job = f.job(&out.job_id).await;
    assert_eq!(job.status, JobStatus::Succeeded);
    assert_eq!(job.total as usize, mine.len());
    assert_eq!(job.processed as usize, mine.len());
    f.assert_all_correct().await;
    let after = f.store.listings_by_ids(&ids).await.unwrap();
    for (id, l) in &after {
        if !mine.contains(id) {
            assert_eq!(
                l.valuation.valued_at, listings[id].valuation.valued_at,
                "listing {id} does not use the CPU but was rewritten"
            );
        }
    }
    let events = collect(&mut stream, Duration::from_millis(500)).await;
    let updated: HashSet<i64> = events
        .iter()
        .filter_map(|e| match e {
            BusEvent::ListingValuationUpdated(u) => Some(u.listing_id),
            _ => None,
        })
        .collect();
    assert!(!updated.is_empty());
    assert!(updated.is_subset(&mine));
    assert_eq!(updated.len(), job.changed as usize);
    f.cleanup().await;
}

/// A listing whose write fails (a trigger refuses its valuation row) is counted; its batch
/// commits the rest.
async fn failing_listing_is_counted_and_the_batch_commits(db: Db, kind: Bus) {
    let Some(f) = fixture(db, kind, 60).await else {
        return;
    };
    let before = value_all(&f).await;
    let mut ids: Vec<i64> = before.keys().copied().collect();
    ids.sort_unstable();
    let bad = ids[3];
    let conn = Database::connect(f.db.url.as_str()).await.unwrap();
    let ddl = match db {
        Db::Sqlite => vec![format!(
            "CREATE TRIGGER refuse_one BEFORE UPDATE ON listing_valuations \
             WHEN NEW.listing_id = {bad} \
             BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
        )],
        Db::Postgres => vec![
            "CREATE FUNCTION refuse_one() RETURNS trigger AS $$ BEGIN \
             RAISE EXCEPTION 'refused by test'; END $$ LANGUAGE plpgsql"
                .to_owned(),
            format!(
                "CREATE TRIGGER refuse_one BEFORE UPDATE ON listing_valuations FOR EACH ROW \
                 WHEN (NEW.listing_id = {bad}) EXECUTE FUNCTION refuse_one()"
            ),
        ],
    };
    for sql in ddl {
        conn.execute_unprepared(&sql).await.unwrap();
    }
    f.add_flat_rule().await;
    let out = f
        .requester
        .request(&RecalcTargets::all(), ValuationCause::RuleChange, None)
        .await
        .unwrap();
    f.drain(&f.worker).await;
    let job = f.job(&out.job_id).await;
    let n = ids.len() as i32;
    assert_eq!(job.status, JobStatus::Succeeded);
    assert_eq!((job.processed, job.failed, job.changed), (n, 1, n - 1));
    let after = f.adjusted().await;
    assert_eq!(
        after[&bad], before[&bad],
        "the refused listing kept its value"
    );
    for id in ids.iter().filter(|i| **i != bad) {
        assert_ne!(after[id], before[id], "listing {id} was not revalued");
    }
    let _ = conn.close().await;
    f.cleanup().await;
}

matrix!(
    rule_change_revalues_every_listing,
    cpu_change_revalues_only_its_listings,
    failing_listing_is_counted_and_the_batch_commits,
);
