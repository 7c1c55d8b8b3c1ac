//! `importEntities(entity, file, dryRun)` through GraphQL with real multipart uploads, on
//! SQLite and PostgreSQL: a CSV of CPUs and an XLSX of listings, each as a dry run (the
//! store's counts unchanged) and for real (one transaction, the session record, the
//! recalculation request), re-import de-duplication by `listing_url`, a missing required
//! column, bad rows (reported by the dry run; the real run writes nothing), the roles, and
//! empty or unreadable files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod import_support;

use std::sync::{Arc, Mutex};

use api::{ApiConfig, RecalcFuture, RecalcRequester, RecalcScope};
use common::{TestApp, spawn_full};
use domain::model::ValuationCause;
use import_support::{C, counts, multipart, xlsx};
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
    let root = std::env::temp_dir().join(format!("dealbrain-entities-{}", uuid::Uuid::new_v4()));
    let cfg = ApiConfig {
        import_root: root,
        ..ApiConfig::default()
    };
    (spawn_full(db, 10, cfg, Some(rec.clone())).await, rec)
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
    let i5 = app
        .store
        .cpu_by_name("Intel Core i5-6500")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (i5.data.cpu_mark_multi, i5.data.cores),
        (Some(99999), Some(4))
    );
    let new = app
        .store
        .cpu_by_name("test cpu 9100")
        .await
        .unwrap()
        .unwrap();
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

fn listing_book(rows: Vec<Vec<C>>) -> Vec<u8> {
    let header = [
        "Device",
        "Price",
        "URL",
        "Processor",
        "RAM",
        "Storage",
        "Condition",
    ];
    xlsx(&[("Deals", &header, rows)])
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
    let mut rows = Vec::new();
    for id in ids {
        rows.push(app.store.listing(*id).await.unwrap().unwrap());
    }
    let dell = rows
        .iter()
        .find(|l| l.data.title.starts_with("Dell"))
        .unwrap();
    assert_eq!(dell.data.price_usd.to_string(), "420.50");
    assert_eq!(
        (dell.data.condition.as_str(), dell.data.ram_gb),
        ("refurb", Some(16))
    );
    let cpu = app
        .store
        .cpu(dell.data.cpu_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cpu.data.name, "Mystery Chip X1");
    let lenovo = rows
        .iter()
        .find(|l| l.data.title.starts_with("Lenovo"))
        .unwrap();
    let cpu = app
        .store
        .cpu(lenovo.data.cpu_id.unwrap())
        .await
        .unwrap()
        .unwrap();
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

async fn missing_column(db: TestDb) {
    let (app, _) = app(db).await;
    let before = written(&app).await;
    // A CPU file declared as listings: read as listings, its columns lack title and price.
    let cpus = "Name,Cores,CPU Mark\nTest CPU 1,4,1000\n";
    for dry in [true, false] {
        let e = refused(&app, "LISTING", ("cpus.csv", cpus.as_bytes()), dry).await;
        let x = &e["extensions"];
        assert_eq!(
            (x["code"].as_str(), x["kind"].as_str(), x["field"].as_str()),
            (
                Some("BAD_USER_INPUT"),
                Some("missing_columns"),
                Some("file")
            ),
            "{e}"
        );
        let m = e["message"].as_str().unwrap();
        assert!(
            m.contains("title") && m.contains("price_usd") && m.contains("cpus.csv"),
            "{m}"
        );
    }
    // A listing file without a price column.
    let csv = "Device,URL\nHP EliteDesk,https://example.com/x\n";
    let e = refused(&app, "LISTING", ("deals.csv", csv.as_bytes()), false).await;
    assert_eq!(e["extensions"]["kind"], "missing_columns");
    let m = e["message"].as_str().unwrap();
    assert!(m.contains("price_usd") && !m.contains("title"), "{m}");
    assert_eq!(written(&app).await, before);
}

async fn bad_rows(db: TestDb) {
    use C::*;
    let (app, rec) = app(db).await;
    let before = written(&app).await;
    let bytes = listing_book(vec![
        listing(
            "Good box",
            N(100.0),
            S("https://example.com/g1"),
            "Intel Core i7-6700T",
        ),
        listing(
            "Euro box",
            S("€500"),
            S("https://example.com/g2"),
            "Intel Core i7-6700T",
        ),
        listing(
            "Formula box",
            F("=100+1"),
            S("https://example.com/g3"),
            "Intel Core i7-6700T",
        ),
        listing(
            "Same URL",
            N(120.0),
            S("https://EXAMPLE.com/g1/"),
            "Intel Core i7-6700T",
        ),
        // `Core i5` is as close to every Core i5 of the catalogue: a person must choose.
        listing(
            "Vague CPU box",
            N(130.0),
            S("https://example.com/g5"),
            "Core i5",
        ),
        listing("Another good box", N(140.0), E, "Intel Core i5-8500"),
    ]);
    let file = ("bad.xlsx", bytes.as_slice());
    let expected = [
        (3, "price_usd", "invalid_price"),
        (4, "price_usd", "formula"),
        (5, "listing_url", "duplicate_url"),
        (6, "cpu_name", "ambiguous_match"),
    ];
    let listed = |errors: &Value| -> Vec<(i64, String, String)> {
        errors
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["row"].as_i64().unwrap(),
                    e["field"].as_str().unwrap().to_owned(),
                    e["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let want: Vec<(i64, String, String)> = expected
        .iter()
        .map(|(r, f, c)| (*r, (*f).to_owned(), (*c).to_owned()))
        .collect();

    let r = import(&app, "LISTING", file, true).await;
    assert_eq!(ints(&r, &COUNTS), [6, 2, 0, 0, 4], "{r}");
    assert_eq!(listed(&r["errors"]), want, "{r}");
    assert!(
        r["errors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["sheet"] == "Deals")
    );
    let vague = r["errors"][3]["message"].as_str().unwrap();
    assert!(
        vague.contains("Core i5") && vague.contains("Intel Core i5-"),
        "{vague}"
    );
    assert_eq!(written(&app).await, before);

    let e = refused(&app, "LISTING", file, false).await;
    let x = &e["extensions"];
    assert_eq!(
        (x["code"].as_str(), x["kind"].as_str(), x["field"].as_str()),
        (Some("BAD_USER_INPUT"), Some("row_errors"), Some("file")),
        "{e}"
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("4 rows have errors"),
        "{e}"
    );
    assert_eq!(listed(&x["errors"]), want, "{e}");
    assert_eq!(
        written(&app).await,
        before,
        "all or nothing: the good rows are not written"
    );
    assert!(rec.0.lock().unwrap().is_empty());
}

async fn roles(db: TestDb) {
    let (app, _) = app(db).await;
    let before = written(&app).await;
    let csv = "Name,CPU Mark\nRole Test CPU,1000\n";
    let file = ("cpus.csv", csv.as_bytes());
    for (token, code) in [
        (None, "UNAUTHENTICATED"),
        (Some(app.viewer.as_str()), "FORBIDDEN"),
    ] {
        for dry in [true, false] {
            let body = post(&app, "CPU", file, dry, token).await;
            assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
        }
    }
    assert_eq!(written(&app).await, before);
    let body = post(&app, "CPU", file, false, Some(&app.admin)).await;
    assert_eq!(body["data"]["importEntities"]["created"], 1, "{body}");
}

async fn empty_files(db: TestDb) {
    let (app, _) = app(db).await;
    let before = written(&app).await;
    let blank_book = xlsx(&[("Sheet1", &[], Vec::new())]);
    for (file, kind) in [
        (("empty.csv", b"".as_slice()), "empty_file"),
        (("header.csv", b"Name,Cores\n".as_slice()), "empty_file"),
        (("blank.xlsx", blank_book.as_slice()), "empty_file"),
        (("cpus.txt", b"Name\nX\n".as_slice()), "unsupported_format"),
        (("broken.xlsx", b"not a zip".as_slice()), "corrupt_file"),
    ] {
        for dry in [true, false] {
            let e = refused(&app, "CPU", file, dry).await;
            let x = &e["extensions"];
            assert_eq!(
                (x["code"].as_str(), x["kind"].as_str(), x["field"].as_str()),
                (Some("BAD_USER_INPUT"), Some(kind), Some("file")),
                "{}: {e}",
                file.0
            );
        }
    }
    // No file part behind the variable at all.
    let (_, body) = app
        .post(
            r##"mutation { importEntities(entity: CPU, file: "#__graphql_file__:0") { created } }"##,
            json!({}),
            Some(&app.editor),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["kind"], "missing_file",
        "{body}"
    );
    assert_eq!(written(&app).await, before);
}
