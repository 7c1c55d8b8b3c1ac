//! Importing the same workbook again through GraphQL: URL rows update (the default), the
//! URL-less row is a possible duplicate that must be decided (never merged by title), the
//! upload is flagged as seen before; then polling and listing sessions, cancel, and an
//! unknown session. On SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod import_support;

use import_support::flow::{
    cancel, commit, commit_refused, deals_book, id_of, prepared, recording_app, resolve,
};
use import_support::{counts, session};
use serde_json::{Value, json};
use test_support::TestDb;

both_backends! {
    reimport_by_url => reimport_by_url;
    sessions_and_cancel => sessions_and_cancel;
}

async fn reimport_by_url(db: TestDb) {
    let (app, rec) = recording_app(db).await;
    let before = counts(&app).await;
    // One generation: the same bytes (and checksum) twice.
    let bytes = deals_book();
    let first = id_of(&prepared(&app, &bytes).await);
    commit(&app, &first, true).await;

    let s = session(&app, "deals.xlsx", &bytes).await;
    let id = id_of(&s);
    assert!(
        s["preview"]["warnings"][0]
            .as_str()
            .unwrap_or_default()
            .contains("uploaded before"),
        "{}",
        s["preview"]
    );
    let c = &s["conflicts"];
    assert_eq!(
        (c["listingCount"].as_i64(), c["unresolved"].as_i64()),
        (Some(4), Some(1)),
        "{c}"
    );
    let dup = c["listings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "POSSIBLE_DUPLICATE")
        .unwrap();
    assert_eq!(
        (dup["title"].as_str(), dup["action"].clone()),
        (Some("Lenovo M920q Tiny"), Value::Null)
    );
    let e = commit_refused(&app, &id, true).await;
    assert_eq!(e["field"], "resolutions");
    let listing = json!({"sheet": "SFF listings", "row": dup["row"], "action": "SKIP"});
    let s = resolve(&app, &id, json!({"listings": [listing]})).await;
    assert_eq!(s["conflicts"]["unresolved"], 0);
    let r = commit(&app, &id, true).await["result"].clone();
    assert_eq!(
        (
            r["createdListings"].as_i64(),
            r["updatedListings"].as_i64(),
            r["skippedRows"].as_i64()
        ),
        (Some(0), Some(3), Some(1))
    );
    assert_eq!(
        counts(&app).await.0,
        before.0 + 4,
        "never merged by title, never duplicated by URL"
    );
    // The first commit asks for its listings and for those of the stored CPU it updated; the
    // second finds that CPU as stored and asks for its listings only.
    let causes: Vec<String> = rec
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|c| format!("{:?}", c.1))
        .collect();
    assert_eq!(causes, ["Import", "CpuChange", "Import"]);
}

async fn sessions_and_cancel(db: TestDb) {
    let (app, _) = recording_app(db).await;
    let done = id_of(&prepared(&app, &deals_book()).await);
    commit(&app, &done, true).await;
    let q = "query($id: String!) { importSession(id: $id) { status result { createdListings } } importSessions(first: 5) { totalCount } }";
    let d = app.ok(q, json!({"id": done}), Some(&app.viewer)).await;
    assert_eq!(d["importSession"]["status"], "completed");
    assert_eq!(d["importSession"]["result"]["createdListings"], 4);

    let id = id_of(&session(&app, "deals.xlsx", &deals_book()).await);
    let d = app.ok(q, json!({"id": id}), Some(&app.viewer)).await;
    assert_eq!(d["importSessions"]["totalCount"], 2);
    assert_eq!(cancel(&app, &id).await["status"], "cancelled");
    let e = commit_refused(&app, &id, true).await;
    assert_eq!(
        (e["code"].as_str(), e["kind"].as_str()),
        (Some("BAD_USER_INPUT"), Some("session_closed"))
    );
    let e = commit_refused(&app, &uuid::Uuid::new_v4().to_string(), false).await;
    assert_eq!(e["code"], "NOT_FOUND");
}
