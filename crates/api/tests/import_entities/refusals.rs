//! The refusals of `importEntities`: a missing required column, bad rows (every one reported
//! by the dry run with its row and field; the real run writes nothing), the roles, and empty,
//! unreadable or absent files. Each checks that nothing was written.

use serde_json::{Value, json};
use test_support::TestDb;

use crate::import_support::{C, xlsx};
use crate::{COUNTS, app, import, ints, listing, listing_book, post, refused, written};

pub(crate) async fn missing_column(db: TestDb) {
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

pub(crate) async fn bad_rows(db: TestDb) {
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

pub(crate) async fn roles(db: TestDb) {
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

pub(crate) async fn empty_files(db: TestDb) {
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
