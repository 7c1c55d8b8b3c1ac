//! Import sessions through GraphQL before any commit (a real multipart upload of the deals
//! workbook): inspection, auto-mapping, the preview with its row errors and CPU matches, the
//! CPU conflict, and the edits a person makes — resolving conflicts, attaching a custom
//! field, mapping a column by hand. On SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod import_support;

use import_support::flow::{
    attach_warranty, deals_book, id_of, map_column, recording_app, resolve,
};
use import_support::{field, session};
use serde_json::json;
use test_support::TestDb;

both_backends! {
    inspection_and_mapping => inspection_and_mapping;
    preview_errors_and_matches => preview_errors_and_matches;
    edits => edits;
}

/// Entities inferred from columns and sheet names; auto-mapping with confidence.
async fn inspection_and_mapping(db: TestDb) {
    let (app, _) = recording_app(db).await;
    let s = session(&app, "deals.xlsx", &deals_book()).await;
    let sheets = s["sheets"].as_array().unwrap();
    assert_eq!(
        (sheets[0]["entity"].as_str(), sheets[0]["rowCount"].as_i64()),
        (Some("CPU"), Some(3))
    );
    assert_eq!(sheets[1]["entity"], "LISTING");
    assert!(
        sheets[1]["confidence"].as_f64().unwrap() > 0.4,
        "keyword bonus: {}",
        sheets[1]
    );
    assert_eq!(
        sheets[1]["columns"][0]["samples"][0],
        "HP EliteDesk 800 G4 SFF"
    );
    let title = field(&s, "SFF listings", "title");
    assert_eq!(
        (title["column"].as_str(), title["status"].as_str()),
        (Some("Device"), Some("AUTO"))
    );
    assert_eq!(field(&s, "SFF listings", "cpu_name")["column"], "Processor");
    assert_eq!(field(&s, "CPUs", "cpu_mark_multi")["column"], "CPU Mark");
    assert_eq!(field(&s, "SFF listings", "seller")["status"], "MISSING");
    assert!(
        !field(&s, "SFF listings", "title")["suggestions"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(s["status"], "ready");
}

/// Five preview rows per entity, row errors with their codes and rows, name matches, and
/// the conflict with the stored CPU.
async fn preview_errors_and_matches(db: TestDb) {
    let (app, _) = recording_app(db).await;
    let s = session(&app, "deals.xlsx", &deals_book()).await;
    let lp = &s["preview"]["entities"][1];
    assert_eq!(
        (lp["totalRows"].as_i64(), lp["validRows"].as_i64()),
        (Some(7), Some(4))
    );
    assert_eq!(lp["rows"].as_array().unwrap().len(), 5);
    let codes: Vec<&str> = lp["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["invalid_price", "formula", "duplicate_url"], "{lp}");
    assert_eq!(lp["errors"][0]["row"], 5);
    assert_eq!(
        s["preview"]["entities"][0]["errors"][0]["code"],
        "duplicate_row"
    );
    let matches = s["preview"]["matches"].as_array().unwrap();
    let m = |n: &str| {
        matches
            .iter()
            .find(|m| m["name"] == n)
            .unwrap_or_else(|| panic!("{n}: {matches:?}"))
    };
    assert_eq!(m("Core i5-6500 @ 3.2GHz")["status"], "AUTO");
    assert_eq!(
        m("Core i5-6500 @ 3.2GHz")["resolvedTo"],
        "Intel Core i5-6500"
    );
    assert_eq!(m("Mystery Chip X1")["status"], "UNMATCHED");
    assert!(
        matches.iter().all(|m| m["name"] != "Test CPU 9000"),
        "names from the CPU sheet are exact"
    );
    let c = &s["conflicts"];
    assert_eq!(
        (c["cpuCount"].as_i64(), c["unresolved"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(c["cpus"][0]["changes"][0]["field"], "cpu_mark_multi");
}

/// Resolving the CPU conflict, attaching a custom field from a column, a manual mapping.
async fn edits(db: TestDb) {
    let (app, _) = recording_app(db).await;
    let id = id_of(&session(&app, "deals.xlsx", &deals_book()).await);
    let s = resolve(&app, &id, json!({"allCpus": "UPDATE"})).await;
    assert_eq!(s["conflicts"]["unresolved"], 0);
    assert_eq!(s["conflicts"]["cpus"][0]["action"], "UPDATE");
    let s = attach_warranty(&app, &id).await;
    assert_eq!(s["attachedFields"][0]["key"], "warranty_months");
    let s = map_column(&app, &id, "SFF listings", "seller", "Vendor").await;
    let seller = field(&s, "SFF listings", "seller");
    assert_eq!(
        (seller["column"].as_str(), seller["status"].as_str()),
        (Some("Vendor"), Some("MANUAL"))
    );
    assert_eq!(s["conflicts"]["unresolved"], 0, "edits keep resolutions");
}
