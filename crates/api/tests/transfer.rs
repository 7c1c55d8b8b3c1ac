//! Exports (GraphQL → download route) and the PassMark import (GraphQL multipart upload), on
//! SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use api::ApiConfig;
use common::{TestApp, spawn_with};
use serde_json::{Value, json};
use store::PageRequest;
use test_support::TestDb;

both_backends! {
    export_and_download => export_and_download;
    passmark_upload => passmark_upload;
}

async fn app(db: TestDb) -> (TestApp, std::path::PathBuf) {
    let root = std::env::temp_dir().join(format!("dealbrain-export-{}", uuid::Uuid::new_v4()));
    let cfg = ApiConfig {
        export_root: root.clone(),
        ..ApiConfig::default()
    };
    (spawn_with(db, 30, cfg).await, root)
}

/// GETs `url` (relative); (status, headers, body).
async fn get(app: &TestApp, url: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let r = app
        .client
        .get(format!("{}{url}", app.url))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

const EXPORT: &str = "mutation($f: ExportFormat!, $filter: ListingFilterInput) {
    exportListings(format: $f, filter: $filter) { url filename rows } }";

async fn export_and_download(db: TestDb) {
    let (app, root) = app(db).await;
    let total = app.store.count_listings().await.unwrap();

    // CSV: every listing with valuation columns; served as an attachment.
    let d = app.ok(EXPORT, json!({"f": "CSV"}), Some(&app.viewer)).await;
    let file = &d["exportListings"];
    assert_eq!(file["rows"].as_u64(), Some(total));
    let url = file["url"].as_str().unwrap();
    let name = file["filename"].as_str().unwrap();
    assert!(url.ends_with(name) && name.starts_with("listings-") && name.ends_with(".csv"));
    assert!(root.join(name).exists(), "written under EXPORT_ROOT");
    let (status, headers, body) = get(&app, url).await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let cd = headers["content-disposition"].to_str().unwrap();
    assert_eq!(cd, format!("attachment; filename=\"{name}\""));
    let text = String::from_utf8(body).unwrap();
    let recs = transfer::csv::parse(&text).unwrap();
    assert_eq!(recs.len() as u64, total + 1);
    let header = &recs[0].fields;
    for col in [
        "title",
        "price_usd",
        "adjusted_price_usd",
        "deal_class",
        "cpu",
        "dollar_per_cpu_mark_multi",
    ] {
        assert!(header.iter().any(|h| h == col), "{col} in {header:?}");
    }
    let adj = header
        .iter()
        .position(|h| h == "adjusted_price_usd")
        .unwrap();
    assert!(
        recs[1..].iter().all(|r| !r.fields[adj].is_empty()),
        "valued listings"
    );

    // JSON with a filter that matches nothing, and with one that matches some.
    let d = app
        .ok(
            EXPORT,
            json!({"f": "JSON", "filter": {"priceMax": "0.00"}}),
            Some(&app.viewer),
        )
        .await;
    assert_eq!(d["exportListings"]["rows"], 0);
    let (_, headers, body) = get(&app, d["exportListings"]["url"].as_str().unwrap()).await;
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), json!([]));
    let d = app
        .ok(
            EXPORT,
            json!({"f": "JSON", "filter": {"priceMax": "400.00"}}),
            Some(&app.viewer),
        )
        .await;
    let (_, _, body) = get(&app, d["exportListings"]["url"].as_str().unwrap()).await;
    let rows: Vec<Value> = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        rows.len() as u64,
        d["exportListings"]["rows"].as_u64().unwrap()
    );
    assert!(rows.len() as u64 <= total);
    for r in &rows {
        let p: f64 = r["price_usd"].as_str().unwrap().parse().unwrap();
        assert!(p <= 400.0, "{r}");
    }

    // XLSX of CPUs, read back with calamine.
    let d = app
        .ok(
            "mutation { exportCpus(format: XLSX) { url filename rows } }",
            json!({}),
            Some(&app.viewer),
        )
        .await;
    let cpus = d["exportCpus"]["rows"].as_u64().unwrap();
    assert!(cpus > 0);
    let (status, headers, body) = get(&app, d["exportCpus"]["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let sheet = transfer::xlsx::read(&body).unwrap();
    assert_eq!(sheet.len() as u64, cpus + 1);
    assert_eq!(sheet[0][1], transfer::Cell::Text("name".into()));

    // GPUs as CSV.
    let d = app
        .ok(
            "mutation { exportGpus(format: CSV) { url rows } }",
            json!({}),
            Some(&app.viewer),
        )
        .await;
    let (status, _, body) = get(&app, d["exportGpus"]["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    let recs = transfer::csv::parse(std::str::from_utf8(&body).unwrap()).unwrap();
    assert_eq!(
        recs.len() as u64,
        d["exportGpus"]["rows"].as_u64().unwrap() + 1
    );

    // A token is needed; only generated names are served.
    let e = app.err(EXPORT, json!({"f": "CSV"}), None).await;
    assert_eq!(e["code"], "UNAUTHENTICATED");
    for bad in [
        "/exports/listings-0123456789abcdef0123456789abcdef.csv",
        "/exports/..%2F..%2Fetc%2Fpasswd",
        &format!("{url}.partial"),
    ] {
        assert_eq!(get(&app, bad).await.0, 404, "{bad}");
    }
    let _ = std::fs::remove_dir_all(root);
}

const IMPORT: &str = "mutation($file: Upload!, $create: Boolean) {
    importPassmark(file: $file, createMissing: $create) {
        committed updated created unchanged notFound failed { line name message } jobId } }";

/// POSTs `IMPORT` with `file` as a GraphQL multipart request.
async fn upload(app: &TestApp, file: &str, create: bool, token: &str) -> Value {
    let boundary = "dealbrain-test-boundary";
    let ops = json!({"query": IMPORT, "variables": {"file": null, "create": create}});
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{ops}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{\"0\": [\"variables.file\"]}}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"marks.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n"
    );
    let r = app
        .client
        .post(format!("{}/graphql", app.url))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json().await.unwrap()
}

async fn passmark_upload(db: TestDb) {
    let (app, root) = app(db).await;
    let cpus = app.store.cpus(&PageRequest::first(2)).await.unwrap().items;
    let (a, b) = (&cpus[0], &cpus[1]);
    let new_mark = a.data.cpu_mark_multi.unwrap_or(0) + 1111;

    // One update, one unchanged, one new (created), one not found without createMissing.
    let csv = format!(
        "cpu_name,cpu_mark_single,cpu_mark_multi,tdp_w,release_year\n\
         {},,\"{new_mark}\",,\n\
         {},,,,\n\
         \"Test, PassMark CPU 9000\",1500,12000,35,2024\n",
        a.data.name.to_uppercase(),
        b.data.name,
    );
    let out = upload(&app, &csv, false, &app.editor).await;
    let r = &out["data"]["importPassmark"];
    assert_eq!(r["committed"], true, "{out}");
    assert_eq!(
        (r["updated"].as_i64(), r["unchanged"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(r["created"], 0);
    assert_eq!(r["notFound"], json!(["Test, PassMark CPU 9000"]));
    assert_eq!(r["failed"], json!([]));
    let a2 = app.store.cpu(a.id).await.unwrap().unwrap();
    assert_eq!(a2.data.cpu_mark_multi, Some(new_mark));
    assert_eq!(
        a2.data.cpu_mark_single, a.data.cpu_mark_single,
        "null keeps the value"
    );

    let out = upload(&app, &csv, true, &app.editor).await;
    let r = &out["data"]["importPassmark"];
    assert_eq!(
        (r["created"].as_i64(), r["unchanged"].as_i64()),
        (Some(1), Some(2)),
        "{out}"
    );
    let c = app
        .store
        .cpu_by_name("test, passmark cpu 9000")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            c.data.cpu_mark_multi,
            c.data.cpu_mark_single,
            c.data.tdp_w,
            c.data.release_year
        ),
        (Some(12000), Some(1500), Some(35), Some(2024))
    );

    // A bad row: nothing is written, every bad row is listed.
    let bad = format!(
        "cpu_name,cpu_mark_multi\n{},1\n,5\nOther,lots\n",
        a.data.name
    );
    let out = upload(&app, &bad, true, &app.editor).await;
    let r = &out["data"]["importPassmark"];
    assert_eq!(r["committed"], false, "{out}");
    assert_eq!(r["updated"], 0);
    let lines: Vec<i64> = r["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, vec![3, 4]);
    let a3 = app.store.cpu(a.id).await.unwrap().unwrap();
    assert_eq!(a3.data.cpu_mark_multi, Some(new_mark), "nothing written");

    // An unreadable file is a BAD_USER_INPUT; viewers may not import.
    let out = upload(&app, "", true, &app.editor).await;
    assert_eq!(
        out["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{out}"
    );
    let out = upload(&app, &csv, true, &app.viewer).await;
    assert_eq!(out["errors"][0]["extensions"]["code"], "FORBIDDEN", "{out}");
    let _ = std::fs::remove_dir_all(root);
}
