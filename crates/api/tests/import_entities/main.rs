//! `importEntities(entity, file, dryRun)` through GraphQL with real multipart uploads, on
//! SQLite and PostgreSQL: a CSV of CPUs and an XLSX of listings, each as a dry run (the
//! store's counts unchanged) and for real (one transaction, the session record, the
//! recalculation request), and re-import de-duplication by `listing_url` (here); a missing
//! required column, bad rows (reported by the dry run; the real run writes nothing), the
//! roles, and empty or unreadable files (`refusals`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;
#[path = "../import_support/mod.rs"]
mod import_support;
mod refusals;

use std::sync::{Arc, Mutex};

use api::{RecalcFuture, RecalcRequester, RecalcScope};
use common::TestApp;
use domain::model::ValuationCause;
use import_support::{
    C, LISTING_COLUMNS, counts, linked_cpu, multipart, stored_cpu, stored_listings, titled,
    upload_app, xlsx,
};
use refusals::{bad_rows, empty_files, missing_column, roles};
use serde_json::{Value, json};
use test_support::TestDb;

both_backends! {
    cpus_csv => cpus_csv;
    listings_xlsx => listings_xlsx;
    missing_column => missing_column;
    bad_rows => bad_rows;
    roles => roles;
    empty_files => empty_files;
}

const IMPORT: &str = "mutation($entity: ImportEntity!, $file: Upload!, $dry: Boolean!) {
    importEntities(entity: $entity, file: $file, dryRun: $dry) {
        entity dryRun committed totalRows created updated skipped invalidRows
        errors { sheet row field code message } warnings { row field code }
        mappings { sheet entity fields { field column status } }
        conflicts { cpuCount listingCount unresolved cpus { name action } listings { row kind action } }
        newCpus newGpus notices jobId
        session { id status result { createdCpus { name } updatedCpus createdListings updatedListings skippedRows jobId } } } }";

/// Records what the API asks to recalculate; answers `job-<n>`.
#[derive(Debug, Default)]
struct Recorder(Mutex<Vec<(RecalcScope, ValuationCause)>>);

impl RecalcRequester for Recorder {
    fn request(&self, scope: RecalcScope, cause: ValuationCause) -> RecalcFuture<'_> {
        let mut calls = self.0.lock().unwrap();
        calls.push((scope, cause));
        let id = format!("job-{}", calls.len());
        Box::pin(async move { Ok(Some(id)) })
    }
}

async fn app(db: TestDb) -> (TestApp, Arc<Recorder>) {
    let rec = Arc::new(Recorder::default());
    (upload_app(db, rec.clone()).await, rec)
}

/// Posts the import as `token`; the whole response body.
async fn post(
    app: &TestApp,
    entity: &str,
    file: (&str, &[u8]),
    dry: bool,
    token: Option<&str>,
) -> Value {
    let vars = json!({"entity": entity, "dry": dry});
    multipart(app, IMPORT, vars, file.0, file.1, token).await.1
}

/// The result of an accepted import (panics on errors).
async fn import(app: &TestApp, entity: &str, file: (&str, &[u8]), dry: bool) -> Value {
    let body = post(app, entity, file, dry, Some(&app.editor)).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["importEntities"].clone()
}

/// The first error's extensions of a refused import (as editor).
async fn refused(app: &TestApp, entity: &str, file: (&str, &[u8]), dry: bool) -> Value {
    let body = post(app, entity, file, dry, Some(&app.editor)).await;
    assert!(body["data"].is_null() || body["data"]["importEntities"].is_null());
    body["errors"][0].clone()
}

/// Everything an import may write: (listings, CPUs, GPUs, import sessions).
async fn written(app: &TestApp) -> (u64, usize, usize, u64) {
    let (l, c, g) = counts(app).await;
    (l, c, g, app.store.count_import_sessions().await.unwrap())
}

fn ints(r: &Value, keys: &[&str]) -> Vec<i64> {
    keys.iter().map(|k| r[*k].as_i64().unwrap()).collect()
}

const COUNTS: [&str; 5] = ["totalRows", "created", "updated", "skipped", "invalidRows"];

fn listing_book(rows: Vec<Vec<C>>) -> Vec<u8> {
    xlsx(&[("Deals", &LISTING_COLUMNS, rows)])
}

fn listing(title: &'static str, price: C, url: C, cpu: &'static str) -> Vec<C> {
    use C::*;
    vec![
        S(title),
        price,
        url,
        S(cpu),
        S("16GB DDR4-2666"),
        S("512GB NVMe SSD"),
        S("Refurbished"),
    ]
}

async fn cpus_csv(db: TestDb) {
    let (app, rec) = app(db).await;
    let before = written(&app).await;
    let csv = "Name,Cores,Threads,CPU Mark,Single Thread\n\
               Intel Core i5-6500,4,4,99999,\n\
               intel core i3-6100t,,,,\n\
               Test CPU 9100,8,16,\"20,000\",3000\n";
    let file = ("cpus.csv", csv.as_bytes());

    let r = import(&app, "CPU", file, true).await;
    assert_eq!(
        (r["dryRun"].as_bool(), r["committed"].as_bool()),
        (Some(true), Some(false))
    );
    // The stored i5 changes (update), the i3 is the same (skipped), the new one is created.
    assert_eq!(ints(&r, &COUNTS), [3, 1, 1, 1, 0], "{r}");
    let fields = r["mappings"][0]["fields"].as_array().unwrap();
    let column = |f: &str| fields.iter().find(|x| x["field"] == f).unwrap()["column"].clone();
    assert_eq!(
        (column("name"), column("cpu_mark_multi")),
        (json!("Name"), json!("CPU Mark"))
    );
    assert_eq!(r["conflicts"]["cpus"][0]["name"], "Intel Core i5-6500");
    assert_eq!(r["conflicts"]["cpus"][0]["action"], "UPDATE");
    assert!(r["session"].is_null() && r["jobId"].is_null(), "{r}");
    assert_eq!(written(&app).await, before, "a dry run writes nothing");
    assert!(rec.0.lock().unwrap().is_empty());

    let r = import(&app, "CPU", file, false).await;
    assert_eq!(r["committed"], true);
    assert_eq!(ints(&r, &COUNTS), [3, 1, 1, 1, 0], "{r}");
    let s = &r["session"];
    assert_eq!(s["status"], "completed");
    assert_eq!(
        s["result"]["createdCpus"],
        json!([{"name": "Test CPU 9100"}])
    );
    assert_eq!(
        (
            s["result"]["updatedCpus"].as_i64(),
            s["result"]["jobId"].as_str()
        ),
        (Some(1), Some("job-1"))
    );
    assert_eq!(r["jobId"], "job-1");
    let after = written(&app).await;
    assert_eq!(after, (before.0, before.1 + 1, before.2, before.3 + 1));
    let i5 = stored_cpu(&app, "Intel Core i5-6500").await;
    assert_eq!(
        (i5.data.cpu_mark_multi, i5.data.cores),
        (Some(99999), Some(4))
    );
    let new = stored_cpu(&app, "test cpu 9100").await;
    assert_eq!(
        (new.data.cpu_mark_multi, new.data.manufacturer.as_str()),
        (Some(20000), "Unknown")
    );
    // The changed CPU's listings are revalued, as after `updateCpu` (§8).
    let calls = rec.0.lock().unwrap().clone();
    assert_eq!(
        calls,
        [(RecalcScope::Cpus(vec![i5.id]), ValuationCause::CpuChange)]
    );

    // The same file again: nothing changes, nothing is queued; the file is recognised.
    let r = import(&app, "CPU", file, false).await;
    assert_eq!(ints(&r, &COUNTS), [3, 0, 0, 3, 0], "{r}");
    assert!(r["jobId"].is_null());
    assert!(
        r["notices"][0]
            .as_str()
            .unwrap()
            .contains("imported before"),
        "{r}"
    );
    assert_eq!(written(&app).await.1, after.1);
}

async fn listings_xlsx(db: TestDb) {
    use C::*;
    let (app, rec) = app(db).await;
    let before = written(&app).await;
    let bytes = listing_book(vec![
        listing(
            "HP EliteDesk 800 G4 SFF",
            N(350.0),
            S("https://example.com/e1"),
            "Intel Core i7-6700T",
        ),
        listing(
            "Dell OptiPlex 7070 Micro",
            S("$420.50"),
            S("https://example.com/e2"),
            "Mystery Chip X1",
        ),
        listing(
            "Lenovo M920q Tiny",
            S("USD 299"),
            E,
            "Core i5-6500 @ 3.2GHz",
        ),
    ]);
    let file = ("deals.xlsx", bytes.as_slice());

    let r = import(&app, "LISTING", file, true).await;
    assert_eq!(ints(&r, &COUNTS), [3, 3, 0, 0, 0], "{r}");
    assert_eq!(r["newCpus"], json!(["Mystery Chip X1"]));
    assert_eq!(r["mappings"][0]["entity"], "LISTING");
    assert_eq!(written(&app).await, before, "a dry run writes nothing");

    let r = import(&app, "LISTING", file, false).await;
    assert_eq!(ints(&r, &COUNTS), [3, 3, 0, 0, 0], "{r}");
    let res = &r["session"]["result"];
    assert_eq!(ints(res, &["createdListings", "updatedListings"]), [3, 0]);
    assert_eq!(res["createdCpus"], json!([{"name": "Mystery Chip X1"}]));
    assert_eq!(
        written(&app).await,
        (before.0 + 3, before.1 + 1, before.2, before.3 + 1)
    );
    let calls = rec.0.lock().unwrap().clone();
    assert_eq!(calls.len(), 1);
    let RecalcScope::Listings(ids) = &calls[0].0 else {
        panic!("{calls:?}")
    };
    assert_eq!((ids.len(), calls[0].1), (3, ValuationCause::Import));
    let rows = stored_listings(&app, ids).await;
    let dell = titled(&rows, "Dell");
    assert_eq!(dell.data.price_usd.to_string(), "420.50");
    assert_eq!(
        (dell.data.condition.as_str(), dell.data.ram_gb),
        ("refurb", Some(16))
    );
    let cpu = linked_cpu(&app, dell).await;
    assert_eq!(cpu.data.name, "Mystery Chip X1");
    let lenovo = titled(&rows, "Lenovo");
    let cpu = linked_cpu(&app, lenovo).await;
    assert_eq!(cpu.data.name, "Intel Core i5-6500", "an `auto` match links");

    // Again: URL rows update their listings, the URL-less row (same title and price) is
    // skipped, never doubled.
    let r = import(&app, "LISTING", file, true).await;
    assert_eq!(ints(&r, &COUNTS), [3, 0, 2, 1, 0], "{r}");
    let kinds: Vec<(i64, &str, &str)> = r["conflicts"]["listings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["row"].as_i64().unwrap(),
                c["kind"].as_str().unwrap(),
                c["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (2, "URL_MATCH", "UPDATE"),
            (3, "URL_MATCH", "UPDATE"),
            (4, "POSSIBLE_DUPLICATE", "SKIP")
        ]
    );
    let r = import(&app, "LISTING", file, false).await;
    assert_eq!(
        ints(
            &r["session"]["result"],
            &["createdListings", "updatedListings", "skippedRows"]
        ),
        [0, 2, 1]
    );
    assert_eq!(
        written(&app).await,
        (before.0 + 3, before.1 + 1, before.2, before.3 + 2)
    );
    let calls = rec.0.lock().unwrap().clone();
    assert!(
        matches!(&calls[1].0, RecalcScope::Listings(ids) if ids.len() == 2),
        "{calls:?}"
    );
}
