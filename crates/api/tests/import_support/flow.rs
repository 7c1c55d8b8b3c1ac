//! The deals workbook the session-flow tests share (a CPU sheet and a listing sheet with one
//! row of every kind of trouble), an API whose recalculation requests are recorded, and the
//! request sequences those tests repeat: commit, resolve conflicts, attach the warranty
//! column, map a column, cancel, and a whole resolved import.

use std::sync::{Arc, Mutex};

use api::{RecalcFuture, RecalcRequester, RecalcScope};
use domain::model::ValuationCause;
use serde_json::{Value, json};
use test_support::TestDb;

use super::{C, LISTING_COLUMNS, call, refused, session, upload_app, xlsx};
use crate::common::TestApp;

/// Records what the API asks to recalculate.
#[derive(Debug, Default)]
pub struct Recorder(pub Mutex<Vec<(RecalcScope, ValuationCause)>>);

impl RecalcRequester for Recorder {
    fn request(&self, scope: RecalcScope, cause: ValuationCause) -> RecalcFuture<'_> {
        self.0.lock().unwrap().push((scope, cause));
        Box::pin(async { Ok(Some("job-import-1".to_owned())) })
    }
}

/// An API with 10 seeded listings, its own upload directory and a recording recalculator.
pub async fn recording_app(db: TestDb) -> (TestApp, Arc<Recorder>) {
    let rec = Arc::new(Recorder::default());
    (upload_app(db, rec.clone()).await, rec)
}

/// The listing sheet: four good rows, a bad price (row 5), a formula price (row 6), a URL
/// repeated with other spelling (row 8); one URL-less row, one unknown and one new CPU.
fn listing_rows() -> Vec<Vec<C>> {
    use C::*;
    let row = |t: &'static str, p: C, url: C, cpu: &'static str, w: f64| {
        vec![
            S(t),
            p,
            url,
            S(cpu),
            S("16GB DDR4-2666"),
            S("512GB NVMe SSD"),
            S("Refurbished"),
            S("Shop"),
            N(w),
        ]
    };
    vec![
        row(
            "HP EliteDesk 800 G4 SFF",
            N(350.0),
            S("https://example.com/a1"),
            "Intel Core i7-6700T",
            12.0,
        ),
        row(
            "Dell OptiPlex 7070 Micro",
            S("$420.50"),
            S("https://example.com/a2"),
            "Core i5-6500 @ 3.2GHz",
            24.0,
        ),
        row("Lenovo M920q Tiny", S("USD 299"), E, "Mystery Chip X1", 6.0),
        row(
            "Bad price box",
            S("€500"),
            S("https://example.com/a4"),
            "Intel Core i7-6700T",
            1.0,
        ),
        row(
            "Formula box",
            F("=100+1"),
            S("https://example.com/a5"),
            "Intel Core i7-6700T",
            1.0,
        ),
        row(
            "Box with a new CPU",
            N(199.0),
            S("https://example.com/a6"),
            "Test CPU 9000",
            3.0,
        ),
        row(
            "Same URL again",
            N(100.0),
            S("https://EXAMPLE.com/a1/"),
            "Intel Core i7-6700T",
            1.0,
        ),
    ]
}

/// The deals workbook: `CPUs` (a new CPU, a changed stored one, a repeated name) and
/// `SFF listings`. Its bytes (and checksum) include the creation time: generate it once
/// where a test needs the same file twice.
pub fn deals_book() -> Vec<u8> {
    use C::*;
    let listings = [&LISTING_COLUMNS[..], &["Vendor", "Warranty"]].concat();
    let cpus = ["Name", "Cores", "Threads", "CPU Mark", "Single Thread"];
    xlsx(&[
        (
            "CPUs",
            &cpus,
            vec![
                vec![S("Test CPU 9000"), N(8.0), N(16.0), N(20000.0), N(3000.0)],
                vec![S("intel core i3-6100T"), E, E, N(4321.0), E],
                vec![S("TEST CPU 9000"), N(4.0), E, E, E],
            ],
        ),
        ("SFF listings", &listings, listing_rows()),
    ])
}

/// `commitImportSession` with the session state and the result counts.
pub const COMMIT: &str = "mutation($id: String!, $skip: Boolean) {
    commitImportSession(id: $id, skipInvalidRows: $skip) {
        session { status progress { done total } }
        result { createdCpus { id name } updatedCpus createdListings updatedListings skippedRows invalidRows jobId } } }";

/// A session's id.
pub fn id_of(s: &Value) -> String {
    s["id"].as_str().unwrap().to_owned()
}

/// Commits (panics on errors); `commitImportSession`'s payload.
pub async fn commit(app: &TestApp, id: &str, skip: bool) -> Value {
    let d = app
        .ok(COMMIT, json!({"id": id, "skip": skip}), Some(&app.editor))
        .await;
    d["commitImportSession"].clone()
}

/// A commit that must be refused; the error's extensions.
pub async fn commit_refused(app: &TestApp, id: &str, skip: bool) -> Value {
    refused(app, COMMIT, json!({"id": id, "skip": skip})).await
}

/// `refreshImportConflicts` with these resolutions; the session.
pub async fn resolve(app: &TestApp, id: &str, resolutions: Value) -> Value {
    call(
        app,
        "refreshImportConflicts(id: $id, resolutions: $r)",
        "($id: String!, $r: ImportResolutionsInput)",
        json!({"id": id, "r": resolutions}),
    )
    .await
}

/// Attaches the listing sheet's `Warranty` column as the number field `warranty_months`.
pub async fn attach_warranty(app: &TestApp, id: &str) -> Value {
    call(
        app,
        r#"attachImportCustomField(id: $id, sheet: "SFF listings", column: "Warranty", key: "warranty_months", dataType: NUMBER)"#,
        "($id: String!)",
        json!({"id": id}),
    )
    .await
}

/// Maps `field` of `sheet` to `column` by hand; the session.
pub async fn map_column(app: &TestApp, id: &str, sheet: &str, field: &str, column: &str) -> Value {
    call(
        app,
        "updateImportMappings(id: $id, mappings: $m)",
        "($id: String!, $m: [ImportMappingInput!]!)",
        json!({"id": id, "m": [{"sheet": sheet, "field": field, "column": column}]}),
    )
    .await
}

/// Cancels a session; the session.
pub async fn cancel(app: &TestApp, id: &str) -> Value {
    call(
        app,
        "cancelImportSession(id: $id)",
        "($id: String!)",
        json!({"id": id}),
    )
    .await
}

/// Uploads `bytes` as the deals workbook and prepares it the way a person would: stored CPUs
/// updated, the warranty column attached, the vendor column mapped to `seller`. The session.
pub async fn prepared(app: &TestApp, bytes: &[u8]) -> Value {
    let id = id_of(&session(app, "deals.xlsx", bytes).await);
    resolve(app, &id, json!({"allCpus": "UPDATE"})).await;
    attach_warranty(app, &id).await;
    map_column(app, &id, "SFF listings", "seller", "Vendor").await
}
