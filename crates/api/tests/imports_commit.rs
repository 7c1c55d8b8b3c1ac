//! Committing an import session through GraphQL: what refuses a commit (an unresolved CPU
//! conflict, row errors not skipped — nothing written either way) and an accepted commit
//! (one transaction, one `import` recalculation of exactly the imported listings, the cells
//! parsed and linked as written). On SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod import_support;

use api::RecalcScope;
use common::TestApp;
use domain::model::ValuationCause;
use import_support::flow::{
    commit, commit_refused, deals_book, id_of, prepared, recording_app, resolve,
};
use import_support::{counts, linked_cpu, session, stored_cpu, stored_listings, titled};
use serde_json::json;
use test_support::TestDb;

both_backends! {
    refused_commits => refused_commits;
    accepted_commit => accepted_commit;
}

async fn refused_commits(db: TestDb) {
    let (app, rec) = recording_app(db).await;
    let before = counts(&app).await;
    let id = id_of(&session(&app, "deals.xlsx", &deals_book()).await);
    // A CPU conflict blocks the commit, even with invalid rows skipped.
    let e = commit_refused(&app, &id, true).await;
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("BAD_USER_INPUT"), Some("resolutions"))
    );
    assert_eq!(counts(&app).await, before);
    // Once resolved, row errors still block unless skipped.
    resolve(&app, &id, json!({"allCpus": "UPDATE"})).await;
    let e = commit_refused(&app, &id, false).await;
    assert_eq!(
        (e["field"].as_str(), e["kind"].as_str()),
        (Some("skipInvalidRows"), Some("row_errors"))
    );
    assert_eq!(counts(&app).await, before);
    assert!(rec.0.lock().unwrap().is_empty(), "nothing to recalculate");
}

async fn accepted_commit(db: TestDb) {
    let (app, rec) = recording_app(db).await;
    let before = counts(&app).await;
    let id = id_of(&prepared(&app, &deals_book()).await);
    let d = commit(&app, &id, true).await;
    let r = &d["result"];
    assert_eq!(
        (
            r["createdListings"].as_i64(),
            r["updatedListings"].as_i64(),
            r["invalidRows"].as_i64()
        ),
        (Some(4), Some(0), Some(4))
    );
    assert_eq!(r["updatedCpus"], 1);
    let mut created: Vec<&str> = r["createdCpus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    created.sort_unstable();
    assert_eq!(created, ["Mystery Chip X1", "Test CPU 9000"]);
    assert_eq!(r["jobId"], "job-import-1");
    assert_eq!(d["session"]["status"], "completed");
    assert_eq!(d["session"]["progress"], json!({"done": 4, "total": 4}));
    let (listings, cpus, _) = counts(&app).await;
    assert_eq!((listings, cpus), (before.0 + 4, before.1 + 2));
    let calls = rec.0.lock().unwrap().clone();
    assert_eq!(calls.len(), 2, "{calls:?}");
    let RecalcScope::Listings(ids) = &calls[0].0 else {
        panic!("{calls:?}")
    };
    assert_eq!((ids.len(), calls[0].1), (4, ValuationCause::Import));
    // The stored CPU the workbook updated: its other listings are revalued too (§8).
    let RecalcScope::Cpus(cpu_ids) = &calls[1].0 else {
        panic!("{calls:?}")
    };
    assert_eq!((cpu_ids.len(), calls[1].1), (1, ValuationCause::CpuChange));
    let updated = app.store.cpu(cpu_ids[0]).await.unwrap().unwrap();
    assert!(
        !created.contains(&updated.data.name.as_str()),
        "{}",
        updated.data.name
    );
    check_written(&app, ids).await;
}

/// The listings as written: parsed cells, links, custom values; the CPUs updated and created.
async fn check_written(app: &TestApp, ids: &[i64]) {
    let rows = stored_listings(app, ids).await;
    let dell = titled(&rows, "Dell");
    assert_eq!(dell.data.price_usd.to_string(), "420.50");
    assert_eq!(dell.data.condition.as_str(), "refurb");
    assert_eq!(
        (dell.data.ram_gb, dell.data.primary_storage_gb),
        (Some(16), Some(512))
    );
    assert_eq!(dell.data.primary_storage_type.as_deref(), Some("nvme"));
    assert!(dell.data.ram_spec_id.is_some() && dell.data.primary_storage_profile_id.is_some());
    assert_eq!(dell.data.seller.as_deref(), Some("Shop"));
    assert_eq!(dell.data.attributes["warranty_months"], 24);
    let cpu = linked_cpu(app, dell).await;
    assert_eq!(cpu.data.name, "Intel Core i5-6500");
    let ram = app
        .store
        .ram_specs_by_ids(&[dell.data.ram_spec_id.unwrap()])
        .await
        .unwrap();
    let ram = ram.values().next().unwrap();
    assert_eq!(
        (ram.data.ddr_generation.as_str(), ram.data.speed_mhz),
        ("ddr4", Some(2666))
    );
    let test_cpu = stored_cpu(app, "test cpu 9000").await;
    assert_eq!(
        (test_cpu.data.cores, test_cpu.data.cpu_mark_multi),
        (Some(8), Some(20000))
    );
    let i3 = stored_cpu(app, "intel core i3-6100t").await;
    assert_eq!(
        i3.data.cpu_mark_multi,
        Some(4321),
        "update: incoming non-null wins"
    );
    assert!(i3.data.cores.is_some(), "null cells keep stored values");
}
