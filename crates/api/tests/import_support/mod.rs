//! Import test helpers: workbooks generated here with rust_xlsxwriter (nothing binary is
//! committed), the GraphQL multipart upload, the session fields the tests read, the API with
//! its own upload directory and the stored CPU and listing lookups the import tests share.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod flow;

use std::sync::Arc;

use api::{ApiConfig, RecalcRequester};
use domain::model::{Cpu, Listing};
use rust_xlsxwriter::{Formula, Workbook};
use serde_json::{Value, json};
use test_support::TestDb;

use crate::common::{TestApp, spawn_full};

/// An API with 10 seeded listings, its own upload directory and `recalc` as recalculator:
/// every import test needs a fresh directory so uploads never meet another test's files.
pub async fn upload_app(db: TestDb, recalc: Arc<dyn RecalcRequester>) -> TestApp {
    let root = std::env::temp_dir().join(format!("dealbrain-import-{}", uuid::Uuid::new_v4()));
    let cfg = ApiConfig {
        import_root: root,
        ..ApiConfig::default()
    };
    spawn_full(db, 10, cfg, Some(recalc)).await
}

/// The stored listings with these ids, in that order.
pub async fn stored_listings(app: &TestApp, ids: &[i64]) -> Vec<Listing> {
    let mut rows = Vec::new();
    for id in ids {
        rows.push(app.store.listing(*id).await.unwrap().unwrap());
    }
    rows
}

/// The first of `rows` whose title starts with `prefix`; panics when there is none.
pub fn titled<'a>(rows: &'a [Listing], prefix: &str) -> &'a Listing {
    rows.iter()
        .find(|l| l.data.title.starts_with(prefix))
        .unwrap()
}

/// The stored CPU `listing` is linked to; panics when it has none.
pub async fn linked_cpu(app: &TestApp, listing: &Listing) -> Cpu {
    let id = listing.data.cpu_id.unwrap();
    app.store.cpu(id).await.unwrap().unwrap()
}

/// The stored CPU called `name` (any spelling); panics when there is none.
pub async fn stored_cpu(app: &TestApp, name: &str) -> Cpu {
    app.store.cpu_by_name(name).await.unwrap().unwrap()
}

/// A cell of a generated sheet.
#[derive(Clone, Debug)]
pub enum C {
    S(&'static str),
    T(String),
    N(f64),
    F(&'static str),
    E,
}

/// The header of a generated listing sheet: the columns every listing import maps.
pub const LISTING_COLUMNS: [&str; 7] = [
    "Device",
    "Price",
    "URL",
    "Processor",
    "RAM",
    "Storage",
    "Condition",
];

/// A generated sheet: name, header, rows.
pub type SheetSpec<'a> = (&'a str, &'a [&'a str], Vec<Vec<C>>);

/// An xlsx with these sheets.
pub fn xlsx(sheets: &[SheetSpec<'_>]) -> Vec<u8> {
    let mut book = Workbook::new();
    for (name, header, rows) in sheets {
        let ws = book.add_worksheet();
        ws.set_name(*name).unwrap();
        for (c, h) in header.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    C::S(s) => ws.write_string(r, c, *s).map(|_| ()),
                    C::T(s) => ws.write_string(r, c, s.as_str()).map(|_| ()),
                    C::N(n) => ws.write_number(r, c, *n).map(|_| ()),
                    C::F(f) => ws.write_formula(r, c, Formula::new(*f)).map(|_| ()),
                    C::E => Ok(()),
                }
                .unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// Every field of a session the tests look at.
pub const SESSION: &str = "id filename status error checksum
    sheets { name rowCount entity confidence columns { name samples } }
    mappings { sheet entity fields { field required column confidence status suggestions { column confidence } } }
    preview { rowErrors warnings
      entities { entity sheet totalRows validRows errorCount missingRequired
        rows { row values errors { field code } } errors { sheet row field code message } warnings { row field code } }
      matches { kind name rows status resolvedTo resolved candidates { name score } } }
    conflicts { cpuCount listingCount unresolved
      cpus { name existingId action changes { field existing incoming } }
      listings { sheet row kind existingId title action } }
    attachedFields { sheet column entity key fieldId }
    result { createdCpus { id name } updatedCpus createdListings updatedListings skippedRows invalidRows jobId }
    progress { done total }";

/// POSTs `createImportSession` with `bytes` as the multipart file part; the response body.
pub async fn upload(app: &TestApp, filename: &str, bytes: &[u8], declared: Value) -> (u16, Value) {
    let q = format!(
        "mutation($file: Upload!, $d: [ImportDeclaredEntityInput!]) {{
            createImportSession(file: $file, declaredEntities: $d) {{ {SESSION} }} }}"
    );
    let vars = json!({"d": declared});
    multipart(app, &q, vars, filename, bytes, Some(&app.editor)).await
}

/// Uploads and returns the session (panics on errors).
pub async fn session(app: &TestApp, filename: &str, bytes: &[u8]) -> Value {
    let (status, body) = upload(app, filename, bytes, Value::Null).await;
    assert!(body.get("errors").is_none(), "{status}: {body}");
    body["data"]["createImportSession"].clone()
}

/// Runs an import mutation `name(args)` returning a session; the session.
pub async fn call(app: &TestApp, name: &str, args: &str, vars: Value) -> Value {
    let q = format!("mutation{args} {{ {name} {{ {SESSION} }} }}");
    let d = app.ok(&q, vars, Some(&app.editor)).await;
    d[name.split('(').next().unwrap()].clone()
}

/// The first error's extensions of an import mutation.
pub async fn refused(app: &TestApp, doc: &str, vars: Value) -> Value {
    app.err(doc, vars, Some(&app.editor)).await
}

/// (listings, CPUs, GPUs) in the store.
pub async fn counts(app: &TestApp) -> (u64, usize, usize) {
    let cpus = app
        .store
        .import_catalogue(&[], &Default::default())
        .await
        .unwrap();
    (
        app.store.count_listings().await.unwrap(),
        cpus.cpus.len(),
        cpus.gpus.len(),
    )
}

/// The field mapping of `field` in the first sheet mapping of `s`.
pub fn field<'a>(s: &'a Value, sheet: &str, field: &str) -> &'a Value {
    s["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["sheet"] == sheet)
        .and_then(|m| m["fields"].as_array())
        .and_then(|f| f.iter().find(|x| x["field"] == field))
        .unwrap_or_else(|| panic!("no {sheet}.{field} in {s}"))
}

/// POSTs any document whose `file` variable is the multipart file part (`vars.file` is set
/// to null here, as the spec asks); the response (status, body).
pub async fn multipart(
    app: &TestApp,
    query: &str,
    mut vars: Value,
    filename: &str,
    bytes: &[u8],
    token: Option<&str>,
) -> (u16, Value) {
    vars["file"] = Value::Null;
    let boundary = "dealbrain-upload-boundary";
    let ops = json!({"query": query, "variables": vars});
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{ops}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{\"0\": [\"variables.file\"]}}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"{filename}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut req = app
        .client
        .post(format!("{}/graphql", app.url))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Sends only the head of a multipart upload announcing `length` bytes, as a client about to
/// send a huge file would, and reads the answer: the server must refuse from the announced
/// length without waiting for the body. (Sending the real bytes makes the outcome depend on
/// whether the client is still writing when the server closes the connection.)
pub async fn announce_upload(app: &TestApp, length: usize) -> (u16, Value) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let addr = app.url.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary=b\r\nAccept: application/json\r\n\
         Content-Length: {length}\r\n\r\n",
        app.editor
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let answer = async {
        let mut chunk = [0u8; 4096];
        loop {
            if let Some((status, body)) = parse_answer(&buf) {
                return (status, body);
            }
            let n = tcp.read(&mut chunk).await.unwrap_or(0);
            assert!(n > 0, "connection closed before a whole answer: {buf:?}");
            buf.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), answer)
        .await
        .expect("an answer without the body")
}

/// (status, JSON body) of a complete HTTP/1.1 answer with a `content-length`, if `buf` holds one.
fn parse_answer(buf: &[u8]) -> Option<(u16, Value)> {
    let text = std::str::from_utf8(buf).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    let length: usize = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse().ok())
            .flatten()
    })?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    (body.len() >= length).then(|| {
        (
            status,
            serde_json::from_str(&body[..length]).unwrap_or(Value::Null),
        )
    })
}
