//! Bad input to import sessions (issue 7 point 6): empty, corrupt, password-protected, over
//! the size limit, an unknown format — each a clear `BAD_USER_INPUT` on `file` — and a CSV
//! with wrong types, formulas, duplicate rows and unknown CPU names, which gives per-row
//! errors. Nothing is written in any case. On SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod import_support;

use api::ApiConfig;
use common::{TestApp, spawn_with};
use import_support::{announce_upload, counts, refused, session, upload};
use serde_json::{Value, json};
use test_support::TestDb;

both_backends! {
    refused_files => refused_files;
    row_errors => row_errors;
}

async fn app(db: TestDb) -> TestApp {
    let root = std::env::temp_dir().join(format!("dealbrain-import-{}", uuid::Uuid::new_v4()));
    let cfg = ApiConfig {
        import_root: root,
        ..ApiConfig::default()
    };
    spawn_with(db, 5, cfg).await
}

/// The error extensions of an upload that must be refused.
async fn refused_upload(app: &TestApp, name: &str, bytes: &[u8]) -> (u16, Value) {
    let (status, body) = upload(app, name, bytes, Value::Null).await;
    assert!(body["data"]["createImportSession"].is_null(), "{body}");
    (status, body["errors"][0]["extensions"].clone())
}

/// An OLE compound file holding an `EncryptedPackage` stream: Office's password-protected
/// `.xlsx` container (header and stream name only; the reader refuses it from those).
fn encrypted_xlsx() -> Vec<u8> {
    let mut b = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    b.resize(512, 0);
    b.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    b.resize(4096, 0);
    b
}

async fn refused_files(db: TestDb) {
    let app = app(db).await;
    let before = counts(&app).await;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.csv", Vec::new(), "empty_file"),
        ("blank.csv", b"\n\n\r\n".to_vec(), "empty_file"),
        (
            "corrupt.xlsx",
            b"PK\x03\x04 this is not a workbook".to_vec(),
            "corrupt_file",
        ),
        ("locked.xlsx", encrypted_xlsx(), "password_protected"),
        (
            "notes.docx",
            b"title,price\nx,1\n".to_vec(),
            "unsupported_format",
        ),
        (
            "latin1.csv",
            b"title,price\ncaf\xe9,1\n".to_vec(),
            "corrupt_file",
        ),
    ];
    for (name, bytes, kind) in cases {
        let (_, e) = refused_upload(&app, name, &bytes).await;
        assert_eq!(
            (e["code"].as_str(), e["field"].as_str(), e["kind"].as_str()),
            (Some("BAD_USER_INPUT"), Some("file"), Some(kind)),
            "{name}: {e}"
        );
    }
    // 50 MB: refused from the announced length, before the API reads a byte of it.
    let (status, body) = announce_upload(&app, 50 * 1024 * 1024).await;
    assert_eq!(status, 413, "{body}");
    let e = &body["errors"][0]["extensions"];
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str(), e["kind"].as_str()),
        (Some("BAD_USER_INPUT"), Some("file"), Some("file_too_large")),
    );
    // Just over 20 MiB: within the request limit, refused by the import itself.
    let over = vec![b'a'; transfer::import::MAX_BYTES + 10];
    let (_, e) = refused_upload(&app, "over.csv", &over).await;
    assert_eq!(
        (e["field"].as_str(), e["kind"].as_str()),
        (Some("file"), Some("file_too_large"))
    );
    // More than 50,000 rows in a sheet.
    let mut rows = String::from("title,price\n");
    for i in 0..=transfer::import::MAX_ROWS {
        rows.push_str(&format!("Box {i},1\n"));
    }
    let (_, e) = refused_upload(&app, "many.csv", rows.as_bytes()).await;
    assert_eq!(e["kind"], "too_many_rows", "{e}");
    // A declared sheet that is not in the file.
    let (_, body) = upload(
        &app,
        "ok.csv",
        b"title,price\nBox,1\n",
        json!([{"sheet": "Nope", "entity": "LISTING"}]),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "declaredEntities");
    assert_eq!(counts(&app).await, before, "nothing written");
    let d = app
        .ok(
            "{ importSessions(first: 5) { totalCount } }",
            json!({}),
            Some(&app.viewer),
        )
        .await;
    assert_eq!(
        d["importSessions"]["totalCount"], 0,
        "no session for a refused upload"
    );
}

const COMMIT: &str = "mutation($id: String!, $skip: Boolean!) {
    commitImportSession(id: $id, skipInvalidRows: $skip) { result { createdListings invalidRows createdCpus { name } } } }";

async fn row_errors(db: TestDb) {
    let app = app(db).await;
    let before = counts(&app).await;
    // A TSV: wrong types, a formula typed as text, a duplicate URL, an unknown CPU name.
    let tsv = "Title\tPrice\tRAM\tCores\tURL\tCPU\tCondition\n\
               Good box\t$300\t16GB\t4\thttps://shop.test/1\tIntel Core i5-6500\tused\n\
               Cheap box\tcheap\t8GB\t4\thttps://shop.test/2\tIntel Core i5-6500\tnew\n\
               Odd RAM box\t250\tlots\t4\thttps://shop.test/3\tIntel Core i5-6500\tnew\n\
               Formula box\t=SUM(A1:A3)\t8GB\t4\thttps://shop.test/4\tIntel Core i5-6500\tnew\n\
               Again box\t100\t8GB\t4\thttps://shop.test/1\tIntel Core i5-6500\tnew\n\
               Unknown CPU box\t199\t8GB\t4\thttps://shop.test/5\tQuantum Z9000\tmint\n\
               ab\t100\t\t\t\t\t\n";
    let s = session(&app, "boxes.tsv", tsv.as_bytes()).await;
    assert_eq!(s["sheets"][0]["entity"], "LISTING");
    let p = &s["preview"]["entities"][0];
    let mut codes: Vec<(i64, String)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_i64().unwrap(),
                format!(
                    "{}:{}",
                    e["field"].as_str().unwrap(),
                    e["code"].as_str().unwrap()
                ),
            )
        })
        .collect();
    codes.sort();
    let expect: Vec<(i64, String)> = [
        (3, "price_usd:invalid_price"),
        (4, "ram_gb:invalid_capacity"),
        (5, "price_usd:formula"),
        (6, "listing_url:duplicate_url"),
        (8, "title:invalid_title"),
    ]
    .iter()
    .map(|(r, c)| (*r, (*c).to_owned()))
    .collect();
    assert_eq!(codes, expect, "{p}");
    assert_eq!(p["warnings"][0]["code"], "unknown_condition");
    let unknown = &s["preview"]["matches"][0];
    assert_eq!(
        (unknown["name"].as_str(), unknown["status"].as_str()),
        (Some("Quantum Z9000"), Some("UNMATCHED"))
    );
    let id = s["id"].as_str().unwrap();
    let e = refused(&app, COMMIT, json!({"id": id, "skip": false})).await;
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("BAD_USER_INPUT"), Some("skipInvalidRows"))
    );
    assert!(e.is_object());
    assert_eq!(
        counts(&app).await,
        before,
        "a refused commit writes nothing"
    );

    // Mapping errors: an unknown column, and a required field unmapped → mapping_required.
    let m = "mutation($id: String!, $m: [ImportMappingInput!]!) { updateImportMappings(id: $id, mappings: $m) { status } }";
    let sheet = s["sheets"][0]["name"].as_str().unwrap();
    let e = refused(
        &app,
        m,
        json!({"id": id, "m": [{"sheet": sheet, "field": "seller", "column": "Nope"}]}),
    )
    .await;
    assert_eq!(
        (e["field"].as_str(), e["kind"].as_str()),
        (Some("mappings.0.column"), Some("unknown_column"))
    );
    let d = app
        .ok(
            m,
            json!({"id": id, "m": [{"sheet": sheet, "field": "price_usd", "column": null}]}),
            Some(&app.editor),
        )
        .await;
    assert_eq!(d["updateImportMappings"]["status"], "mapping_required");
    let e = refused(&app, COMMIT, json!({"id": id, "skip": true})).await;
    assert_eq!(e["kind"], "mapping_required");
    let d = app
        .ok(
            m,
            json!({"id": id, "m": [{"sheet": sheet, "field": "price_usd", "column": "Price"}]}),
            Some(&app.editor),
        )
        .await;
    assert_eq!(d["updateImportMappings"]["status"], "ready");

    // An attached custom field whose values do not fit is a row error too.
    let a = r#"mutation($id: String!) { attachImportCustomField(id: $id, sheet: "boxes.tsv", column: "Cores", key: "core_count", dataType: BOOLEAN) { preview { rowErrors entities { errors { row field code } } } } }"#;
    let d = app.ok(a, json!({"id": id}), Some(&app.editor)).await;
    let errs = &d["attachImportCustomField"]["preview"]["entities"][0]["errors"];
    assert!(
        errs.as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "attributes.core_count" && e["code"] == "type_mismatch"),
        "{errs}"
    );
    assert_eq!(counts(&app).await, before);
}
