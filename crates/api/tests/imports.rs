//! Import sessions end to end through GraphQL (a real multipart upload of a workbook made
//! here): inspection, auto-mapping, preview with row errors and CPU matches, CPU conflicts,
//! custom fields, manual mappings, a refused and then an accepted commit (one transaction,
//! one `import` recalculation of exactly the imported listings), re-import de-duplication by
//! URL, possible duplicates, and cancel. On SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod import_support;

use std::sync::{Arc, Mutex};

use api::{ApiConfig, RecalcFuture, RecalcRequester, RecalcScope};
use common::{TestApp, spawn_full};
use domain::model::ValuationCause;
use import_support::{C, call, counts, field, refused, session, xlsx};
use serde_json::{Value, json};
use test_support::TestDb;

both_backends! {
    workbook_flow => workbook_flow;
}

/// Records what the API asks to recalculate.
#[derive(Debug, Default)]
struct Recorder(Mutex<Vec<(RecalcScope, ValuationCause)>>);

impl RecalcRequester for Recorder {
    fn request(&self, scope: RecalcScope, cause: ValuationCause) -> RecalcFuture<'_> {
        self.0.lock().unwrap().push((scope, cause));
        Box::pin(async { Ok(Some("job-import-1".to_owned())) })
    }
}

async fn app(db: TestDb) -> (TestApp, Arc<Recorder>) {
    let rec = Arc::new(Recorder::default());
    let root = std::env::temp_dir().join(format!("dealbrain-import-{}", uuid::Uuid::new_v4()));
    let cfg = ApiConfig {
        import_root: root,
        ..ApiConfig::default()
    };
    (spawn_full(db, 10, cfg, Some(rec.clone())).await, rec)
}

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

fn book() -> Vec<u8> {
    use C::*;
    let listings = [
        "Device",
        "Price",
        "URL",
        "Processor",
        "RAM",
        "Storage",
        "Condition",
        "Vendor",
        "Warranty",
    ];
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

const COMMIT: &str = "mutation($id: String!, $skip: Boolean) {
    commitImportSession(id: $id, skipInvalidRows: $skip) {
        session { status progress { done total } }
        result { createdCpus { id name } updatedCpus createdListings updatedListings skippedRows invalidRows jobId } } }";

async fn workbook_flow(db: TestDb) {
    let (app, rec) = app(db).await;
    let before = counts(&app).await;
    // One generation: the workbook's bytes (and checksum) include its creation time.
    let bytes = book();
    let s = session(&app, "deals.xlsx", &bytes).await;
    let id = s["id"].as_str().unwrap().to_owned();

    // Inspection: entities inferred from columns and sheet names.
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
    // Auto-mapping with confidence and suggestions.
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

    // Preview: five rows per entity, row errors, matches.
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

    // A CPU conflict blocks the commit; nothing is written.
    let c = &s["conflicts"];
    assert_eq!(
        (c["cpuCount"].as_i64(), c["unresolved"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(c["cpus"][0]["changes"][0]["field"], "cpu_mark_multi");
    let e = refused(&app, COMMIT, json!({"id": id, "skip": true})).await;
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("BAD_USER_INPUT"), Some("resolutions"))
    );
    assert_eq!(counts(&app).await, before);

    let args = "($id: String!, $r: ImportResolutionsInput)";
    let s = call(
        &app,
        "refreshImportConflicts(id: $id, resolutions: $r)",
        args,
        json!({"id": id, "r": {"allCpus": "UPDATE"}}),
    )
    .await;
    assert_eq!(s["conflicts"]["unresolved"], 0);
    assert_eq!(s["conflicts"]["cpus"][0]["action"], "UPDATE");

    // Row errors block the commit unless skipped.
    let e = refused(&app, COMMIT, json!({"id": id, "skip": false})).await;
    assert_eq!(
        (e["field"].as_str(), e["kind"].as_str()),
        (Some("skipInvalidRows"), Some("row_errors"))
    );
    assert_eq!(counts(&app).await, before);

    // A custom field from a column; a manual mapping.
    let args = "($id: String!)";
    let s = call(&app, r#"attachImportCustomField(id: $id, sheet: "SFF listings", column: "Warranty", key: "warranty_months", dataType: NUMBER)"#, args, json!({"id": id})).await;
    assert_eq!(s["attachedFields"][0]["key"], "warranty_months");
    let s = call(
        &app,
        "updateImportMappings(id: $id, mappings: $m)",
        "($id: String!, $m: [ImportMappingInput!]!)",
        json!({"id": id, "m": [{"sheet": "SFF listings", "field": "seller", "column": "Vendor"}]}),
    )
    .await;
    let seller = field(&s, "SFF listings", "seller");
    assert_eq!(
        (seller["column"].as_str(), seller["status"].as_str()),
        (Some("Vendor"), Some("MANUAL"))
    );

    // The commit: one transaction, then one recalculation of exactly the imported listings.
    let d = app
        .ok(COMMIT, json!({"id": id, "skip": true}), Some(&app.editor))
        .await;
    let r = &d["commitImportSession"]["result"];
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
    let session_now = &d["commitImportSession"]["session"];
    assert_eq!(session_now["status"], "completed");
    assert_eq!(session_now["progress"], json!({"done": 4, "total": 4}));
    let (listings, cpus, _) = counts(&app).await;
    assert_eq!((listings, cpus), (before.0 + 4, before.1 + 2));
    let calls = rec.0.lock().unwrap().clone();
    assert_eq!(calls.len(), 1);
    let RecalcScope::Listings(ids) = &calls[0].0 else {
        panic!("{calls:?}")
    };
    assert_eq!((ids.len(), calls[0].1), (4, ValuationCause::Import));
    check_written(&app, ids).await;

    reimport(&app, &rec, before, &bytes).await;
}

/// The listings as written: parsed cells, links, custom values.
async fn check_written(app: &TestApp, ids: &[i64]) {
    let mut rows = Vec::new();
    for id in ids {
        rows.push(app.store.listing(*id).await.unwrap().unwrap());
    }
    let dell = rows
        .iter()
        .find(|l| l.data.title.starts_with("Dell"))
        .unwrap();
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
    let cpu = app
        .store
        .cpu(dell.data.cpu_id.unwrap())
        .await
        .unwrap()
        .unwrap();
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
    let test_cpu = app
        .store
        .cpu_by_name("test cpu 9000")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (test_cpu.data.cores, test_cpu.data.cpu_mark_multi),
        (Some(8), Some(20000))
    );
    let i3 = app
        .store
        .cpu_by_name("intel core i3-6100t")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        i3.data.cpu_mark_multi,
        Some(4321),
        "update: incoming non-null wins"
    );
    assert!(i3.data.cores.is_some(), "null cells keep stored values");
}

/// The same file again: URL rows update (default), the URL-less row is a possible duplicate
/// that must be decided; cancel closes a session.
async fn reimport(app: &TestApp, rec: &Recorder, before: (u64, usize, usize), bytes: &[u8]) {
    let s = session(app, "deals.xlsx", bytes).await;
    let id = s["id"].as_str().unwrap().to_owned();
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
    let e = refused(app, COMMIT, json!({"id": id, "skip": true})).await;
    assert_eq!(e["field"], "resolutions");
    let args = "($id: String!, $r: ImportResolutionsInput)";
    let r = json!({"id": id, "r": {"listings": [{"sheet": "SFF listings", "row": dup["row"], "action": "SKIP"}]}});
    let s = call(
        app,
        "refreshImportConflicts(id: $id, resolutions: $r)",
        args,
        r,
    )
    .await;
    assert_eq!(s["conflicts"]["unresolved"], 0);
    let d = app
        .ok(COMMIT, json!({"id": id, "skip": true}), Some(&app.editor))
        .await;
    let r = &d["commitImportSession"]["result"];
    assert_eq!(
        (
            r["createdListings"].as_i64(),
            r["updatedListings"].as_i64(),
            r["skippedRows"].as_i64()
        ),
        (Some(0), Some(3), Some(1))
    );
    assert_eq!(
        counts(app).await.0,
        before.0 + 4,
        "never merged by title, never duplicated by URL"
    );
    assert_eq!(rec.0.lock().unwrap().len(), 2);

    // Polling and listing sessions; cancel.
    let q = "query($id: String!) { importSession(id: $id) { status result { updatedListings } } importSessions(first: 5) { totalCount } }";
    let d = app.ok(q, json!({"id": id}), Some(&app.viewer)).await;
    assert_eq!(d["importSession"]["status"], "completed");
    assert_eq!(d["importSessions"]["totalCount"], 2);
    let s = session(app, "deals.xlsx", &book()).await;
    let id = s["id"].as_str().unwrap().to_owned();
    let s = call(
        app,
        "cancelImportSession(id: $id)",
        "($id: String!)",
        json!({"id": id}),
    )
    .await;
    assert_eq!(s["status"], "cancelled");
    let e = refused(app, COMMIT, json!({"id": id, "skip": true})).await;
    assert_eq!(
        (e["code"].as_str(), e["kind"].as_str()),
        (Some("BAD_USER_INPUT"), Some("session_closed"))
    );
    let e = refused(
        app,
        COMMIT,
        json!({"id": uuid::Uuid::new_v4().to_string(), "skip": false}),
    )
    .await;
    assert_eq!(e["code"], "NOT_FOUND");
}
